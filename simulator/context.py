"""What every system generator shares: scale, seed, where to write, the mess to plant, and the ground truth.

Every generator draws from its own random stream (`ctx.rng("pingan.key_persons")`), so adding or changing one system
never changes another's data, and the same seed always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class MessConfig:
    """Share of rows carrying each planted defect (documented, configurable: `govlake simulate --mess KIND=RATE`)."""

    duplicate: float = 0.002  # the same row sent twice
    missing_required: float = 0.002  # a required field empty
    unknown_code: float = 0.001  # a code not in its code table (channel, category, subtype …)
    outside_district: float = 0.001  # coordinates outside Longhua
    inconsistent: float = 0.001  # fields that contradict each other (closed before created …)
    invalid_id: float = 0.001  # a citizen ID with a wrong check digit, a malformed GB/T 28181 ID
    wrong_encoding: float = 0.0005  # a text field mis-decoded (GBK bytes read as Latin-1)
    future_timestamp: float = 0.0005  # a timestamp after the extraction time
    late_correction: float = 0.01  # a row corrected days later (a new version with a later updated_at)
    schema_drift_month: int = 7  # from this month on, one camera vendor renames its ledger columns

    def with_overrides(self, overrides: dict[str, float]) -> MessConfig:
        unknown = set(overrides) - set(asdict(self))
        if unknown:
            raise ValueError(f"unknown mess kind(s): {', '.join(sorted(unknown))}; known: {', '.join(asdict(self))}")
        return MessConfig(**{**asdict(self), **overrides})

    def scaled(self, factor: float) -> MessConfig:
        """Every rate multiplied by FACTOR (0 = a clean run)."""
        return MessConfig(**{k: (v * factor if isinstance(v, float) else v) for k, v in asdict(self).items()})


def plan_anomalies(rng: np.random.Generator, clean: int, kinds: Sequence[str], mess: MessConfig) -> np.ndarray:
    """A kind (or None) per row for CLEAN + the planted rows: exactly round(clean × rate) rows of each kind."""
    counts = [round(clean * float(getattr(mess, k))) for k in kinds]
    out = np.full(clean + sum(counts), None, dtype=object)
    order = rng.permutation(out.size)
    pos = 0
    for kind, k in zip(kinds, counts, strict=True):
        out[order[pos:pos + k]] = kind
        pos += k
    return out


@dataclass
class GroundTruth:
    """What a run produced, for the tests and the reconciliation: counts, every planted anomaly, expected figures."""

    scale: float
    seed: int
    as_of: str
    counts: dict[str, int] = field(default_factory=dict)  # "system.entity" -> rows written (anomalies included)
    # {"system", "entity", "key", "kind", "level"}: level "row" = the row is not usable and must be rejected, "field" =
    # one field is wrong (or was recovered) and the row still counts, as a person reading the source would count it
    anomalies: list[dict[str, str]] = field(default_factory=list)
    planted: dict[str, Any] = field(default_factory=dict)  # e.g. {"shijia_cases": [...]}
    expected: dict[str, float] = field(default_factory=dict)  # indicator code (docs/domain.md §5) -> value

    def count(self, system: str, entity: str, rows: int) -> None:
        self.counts[f"{system}.{entity}"] = rows

    def anomaly(self, system: str, entity: str, key: str, kind: str, level: str = "row") -> None:
        self.anomalies.append({"system": system, "entity": entity, "key": key, "kind": kind, "level": level})

    def anomalies_of(self, system: str, entity: str, level: str | None = None) -> dict[str, str]:
        """key -> kind of the planted anomalies; LEVEL "row" or "field" keeps only those (None: both)."""
        return {a["key"]: a["kind"] for a in self.anomalies if a["system"] == system and a["entity"] == entity
                and (level is None or a.get("level", "row") == level)}

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> GroundTruth:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


@dataclass
class SimContext:
    scale: float
    seed: int
    out: Path  # files and embedded SQLite databases go here
    as_of: datetime
    mess: MessConfig = field(default_factory=MessConfig)
    urls: dict[str, str] = field(default_factory=dict)  # system -> SQLAlchemy URL; default: SQLite under `out`
    truth: GroundTruth = field(init=False)

    def __post_init__(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self.truth = GroundTruth(scale=self.scale, seed=self.seed, as_of=self.as_of.isoformat(sep=" "))

    def rng(self, stream: str) -> np.random.Generator:
        """An independent, reproducible random stream per name."""
        digest = hashlib.sha256(f"{self.seed}/{stream}".encode()).digest()
        return np.random.default_rng(int.from_bytes(digest[:8], "little"))

    def scaled(self, at_scale_one: float, minimum: int = 1) -> int:
        """A count that scales with the run (docs/domain.md §5: counts scale, rates do not)."""
        return max(minimum, round(at_scale_one * self.scale))

    def url(self, system: str) -> str:
        return self.urls.get(system) or f"sqlite:///{(self.out / f'{system}.sqlite').resolve()}"

    def path(self, *parts: str) -> Path:
        p = self.out.joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p
