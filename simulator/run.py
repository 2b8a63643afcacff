"""Run the simulator: every system of docs/domain.md §1 through its native interface, plus the ground truth.

`govlake simulate` calls `run`. Each system module exposes `generate(ctx)`; they are independent (own random
streams), so any subset can be regenerated alone.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from simulator.context import GroundTruth, MessConfig, SimContext

# system name -> module under simulator.systems exposing generate(ctx); order matters only for the log
SYSTEMS: dict[str, str] = {
    "minyi": "simulator.systems.minyi",  # S1 民意速办 (operational SQL database)
    "pingan": "simulator.systems.pingan",  # S2/S3 深平安 system and safety baseline (PostgreSQL in production)
    "video": "simulator.systems.video",  # S4 视频资源一本账 (vendor ledger files + daily status feed)
    "community": "simulator.systems.community",  # S5 社区工作台 (REST API data, served by simulator.upstream_http)
    "zhengfa": "simulator.systems.zhengfa",  # S6–S10 dossiers (JSON), life-care, volunteers, courts (CSV), 失驾 inputs
}
TRUTH_FILE = "truth.json"


def default_as_of() -> datetime:
    """The simulated year is 2024; by default every system is shown as it stood at its last second."""
    return datetime(2024, 12, 31, 23, 59, 59)


def run(
    out: Path,
    scale: float = 0.01,
    seed: int = 42,
    as_of: datetime | None = None,
    mess: MessConfig | None = None,
    urls: dict[str, str] | None = None,
    systems: list[str] | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> GroundTruth:
    names = systems or list(SYSTEMS)
    unknown = [s for s in names if s not in SYSTEMS]
    if unknown:
        raise ValueError(f"unknown system(s) {', '.join(unknown)}; known: {', '.join(SYSTEMS)}")
    ctx = SimContext(scale=scale, seed=seed, out=out, as_of=as_of or default_as_of(), mess=mess or MessConfig(),
                     urls=urls or {})
    for name in names:
        started = time.perf_counter()
        importlib.import_module(SYSTEMS[name]).generate(ctx)
        if progress:
            progress(name, time.perf_counter() - started)
    ctx.truth.write(out / TRUTH_FILE)
    return ctx.truth
