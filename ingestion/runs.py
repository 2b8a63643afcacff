"""Runs of several sources and days: what `govlake ingest`, the demo and the Airflow tasks ask for.

`ingest_sources` walks the days of a range and, within each day, the sources; with `skip_unavailable` a source that
has nothing to read from here (never simulated, REST upstream not running) is skipped and named rather than
failing the run. `summarise` folds a run's batches into one line per source and entity.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from common.settings import Settings
from ingestion.batches import BatchResult, SourceUnavailable
from ingestion.pipeline import ingest_source
from ingestion.sources import SOURCES


class RunError(ValueError):
    """A run that cannot start as asked (unknown source, an empty or inverted day range)."""


def check_sources(names: Sequence[str]) -> list[str]:
    if not names:
        raise RunError(f"name a source ({', '.join(SOURCES)}) or pass --all")
    unknown = [name for name in names if name not in SOURCES]
    if unknown:
        raise RunError(f"unknown source {unknown[0]!r}; known: {', '.join(SOURCES)}")
    return list(names)


def day_ends(day: datetime | None, from_day: datetime | None = None) -> list[datetime | None]:
    """The instants each run ingests up to: [None] (everything new up to now) without --day; else the end of every
    day from FROM_DAY (or DAY alone) to DAY."""
    if day is None:
        if from_day is not None:
            raise RunError("--from needs --day (the last day of the range)")
        return [None]
    first = from_day or day
    if first > day:
        raise RunError(f"--from {first:%Y-%m-%d} is after --day {day:%Y-%m-%d}")
    return [first + timedelta(days=i, hours=23, minutes=59, seconds=59) for i in range((day - first).days + 1)]


def ingest_sources(
    settings: Settings, names: Sequence[str], until: Sequence[datetime | None] = (None,), *,
    skip_unavailable: bool = False,
    on_start: Callable[[str, datetime | None], None] = lambda name, until: None,
    on_skip: Callable[[SourceUnavailable], None] = lambda exc: None,
) -> list[BatchResult]:
    """Every batch of every source in NAMES, day by day; BatchRejected propagates (the run stops on it)."""
    names = check_sources(names)
    results: list[BatchResult] = []
    for end in until:
        for name in names:
            on_start(name, end)
            try:
                results += ingest_source(settings, name, end)
            except SourceUnavailable as exc:
                if not skip_unavailable:
                    raise
                on_skip(exc)
    return results


@dataclass
class EntitySummary:
    source: str
    entity: str
    batches: int = 0  # committed ones; 0 = nothing new
    received: int = 0
    bronze: int = 0
    quarantined: int = 0
    rules: dict[str, int] = field(default_factory=dict)
    repaired: int = 0
    field_rules: dict[str, int] = field(default_factory=dict)


def summarise(results: Sequence[BatchResult]) -> list[EntitySummary]:
    """One line per source and entity, in the order first seen: committed batches' counts and rejections by rule."""
    lines: dict[tuple[str, str], EntitySummary] = {}
    for r in results:
        line = lines.setdefault((r.source, r.entity), EntitySummary(r.source, r.entity))
        if r.status != "committed":
            continue
        line.batches += 1
        line.received += r.received
        line.bronze += r.bronze
        line.quarantined += r.quarantined
        line.repaired += r.repaired
        for rule, n in r.rules.items():
            line.rules[rule] = line.rules.get(rule, 0) + n
        for rule, n in r.field_rules.items():
            line.field_rules[rule] = line.field_rules.get(rule, 0) + n
    return list(lines.values())
