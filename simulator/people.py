"""Synthetic people: Chinese names, mobile numbers and 18-digit citizen IDs (GB 11643) with a valid check digit.

IDs use real Shenzhen area prefixes (4403xx) and plausible birth dates; the sequence code's parity gives the sex.
None of these identify a real person: they are random within the standard's structure.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁")
GIVEN = list("伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯健俊帆帅旭宁婷欣怡子轩梓涵")
# Shenzhen district codes (GB/T 2260), incl. the Bao'an-era 440306 that older IDs of Longhua residents carry
AREA_PREFIXES = ["440303", "440304", "440305", "440306", "440307", "440308", "440309", "440310", "440311"]

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"  # ISO 7064 MOD 11-2 check characters by remainder


def check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def is_valid_id(value: str) -> bool:
    if len(value) != 18 or not value[:17].isdigit():
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return value[17].upper() == check_digit(value[:17])


def citizen_ids(rng: np.random.Generator, n: int, born_from: int = 1950, born_to: int = 2008) -> list[str]:
    start = date(born_from, 1, 1).toordinal()
    days = rng.integers(0, date(born_to, 12, 31).toordinal() - start, n)
    areas = rng.choice(AREA_PREFIXES, n)
    seqs = rng.integers(0, 1000, n)
    out = []
    for area, d, seq in zip(areas, days, seqs, strict=True):
        born = date.fromordinal(start + int(d))
        first17 = f"{area}{born:%Y%m%d}{seq:03d}"
        out.append(first17 + check_digit(first17))
    return out


def corrupt_id(value: str) -> str:
    """The same ID with a wrong check digit (the most common entry error)."""
    wrong = [c for c in _CHECK if c != value[17]]
    return value[:17] + wrong[int(value[14:17]) % len(wrong)]


def names(rng: np.random.Generator, n: int) -> list[str]:
    s = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    g1 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    g2 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    two = rng.random(n) < 0.6
    return [a + b + (c if t else "") for a, b, c, t in zip(s, g1, g2, two, strict=True)]


def mobiles(rng: np.random.Generator, n: int) -> list[str]:
    prefixes = np.array(["13", "15", "17", "18", "19"])[rng.integers(0, 5, n)]
    return [f"{p}{x:09d}" for p, x in zip(prefixes, rng.integers(0, 1_000_000_000, n), strict=True)]


def birth_date(citizen_id: str) -> date:
    return date(int(citizen_id[6:10]), int(citizen_id[10:12]), int(citizen_id[12:14]))


def age_on(citizen_id: str, on: date) -> int:
    born = birth_date(citizen_id)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def days(n: float) -> timedelta:
    return timedelta(days=n)
