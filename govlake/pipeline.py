"""The main job, step by step: simulate → ingest → transform → publish → catalog, each step a `govlake` command.

The steps and their arguments are written here once; `govlake demo` runs them in this process, `govlake bench` runs
each in a child process to time it. A step that reads a REST source needs the simulated upstream answering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Step:
    name: str
    args: tuple[str, ...]  # the `govlake` command line of the step
    needs_upstream: bool = False  # reads the REST upstream (the community workbench): it must be running


def pipeline(scale: float | str, seed: int = 42, as_of: datetime | None = None) -> list[Step]:
    """The steps of one run on the embedded default; AS_OF projects the simulated sources onto a later instant
    (the next day's run). SCALE may be a placeholder ("{scale}") that the bench fills in per run."""
    simulate = ("simulate", "--scale", str(scale), "--seed", str(seed))
    return [
        Step("simulate", simulate + (("--as-of", as_of.isoformat()) if as_of else ())),
        Step("ingest", ("ingest", "--all"), needs_upstream=True),
        Step("transform", ("transform",)),
        # the publish alone (its time is a target of its own), then the data dictionary the API serves at /catalog
        Step("publish", ("publish", "--no-catalog")),
        Step("catalog", ("catalog",)),
    ]


def run_pipeline(steps: Iterable[Step], run: Callable[[Step], None]) -> None:
    """Run every step in order with RUN (in this process, or as a child process); the first failure stops it."""
    for step in steps:
        run(step)
