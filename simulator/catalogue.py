"""Reference data the simulated 民意速办 system carries: intake channels and an illustrative category catalogue.

The 37 channel names are illustrative (the seed document gives only the count); which channels are self-collected
(自主采集) is part of the channel table, as in the real system. The 3-level category catalogue is illustrative too:
Shenzhen's duty list has 3 levels and 18 classes, which is not public in full.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"


@dataclass(frozen=True)
class Channel:
    code: str
    name: str
    self_collected: bool


_CHANNELS: list[tuple[str, bool]] = [
    ("12345政务服务热线", False), ("i深圳APP", False), ("民意速办小程序", False), ("龙华i民意公众号", False),
    ("区领导信箱", False), ("人大代表建议", False), ("政协委员提案", False), ("信访来信来访", False),
    ("网络问政", False), ("媒体曝光", False), ("市场监管投诉热线", False), ("110非警务类警情", False),
    ("社区工作站来访", False), ("党群服务中心", False), ("街道来访接待", False), ("企业服务平台", False),
    ("劳动监察投诉", False),
    ("网格员巡查", True), ("视频AI识别", True), ("城管执法巡查", True), ("安全生产巡查", True),
    ("消防安全巡查", True), ("生态环境监测", True), ("住建工地巡查", True), ("水务巡查", True),
    ("交通设施巡查", True), ("燃气安全巡查", True), ("三小场所巡查", True), ("出租屋巡查", True),
    ("楼栋长上报", True), ("物业服务企业上报", True), ("平安志愿者上报", True), ("智慧感知设备", True),
    ("平安夜巡", True), ("社区民警走访", True), ("河长巡河", True), ("食品安全巡查", True),
]

CHANNELS: list[Channel] = [
    Channel(code=f"CH{i:02d}", name=name, self_collected=self_collected)
    for i, (name, self_collected) in enumerate(_CHANNELS, start=1)
]


@dataclass(frozen=True)
class Category:
    code: str  # L3 code; L1 and L2 are its prefixes
    l1: str
    l2: str
    l3: str
    department: str
    sla_days: int  # handling time limit from dispatch


def _load_categories() -> list[Category]:
    # the catalogue is a code table (a dbt seed), shared by the simulator, the quality rules and the models
    with open(SEEDS_DIR / "ref_ticket_categories.csv", encoding="utf-8") as fh:
        return [
            Category(r["category_code"], r["l1_name"], r["l2_name"], r["l3_name"], r["department"], int(r["sla_days"]))
            for r in csv.DictReader(fh)
        ]


CATEGORIES: list[Category] = _load_categories()
