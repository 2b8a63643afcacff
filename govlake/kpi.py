"""`govlake kpi`: the indicator table of the published snapshot (serving.indicators). Its reconciliation with the
simulator's ground truth is the simulator's (simulator/reconcile.py), driven by the CLI and the bench."""

from __future__ import annotations

from typing import Any

from common.settings import Settings
from serving.indicators import DISTRICT_CODE, KpiError, indicator_values, unavailable_indicators
from serving.reader import ServingError, session

__all__ = ["DISTRICT_CODE", "KpiError", "indicators", "unavailable"]


def indicators(settings: Settings, period: str, area: str = DISTRICT_CODE,
               as_of: str | None = None) -> list[dict[str, Any]]:
    """The indicator rows for PERIOD and AREA as served (AS_OF: as published then); KpiError when unanswerable."""
    try:
        with session(settings, as_of) as s:
            return indicator_values(s, period, area)
    except KpiError:
        raise
    except (ServingError, ValueError) as exc:  # nothing published, or a malformed --as-of
        raise KpiError(str(exc)) from exc


def unavailable(settings: Settings, as_of: str | None = None) -> list[dict[str, Any]]:
    """The catalogue's indicators the published table cannot carry yet, each with its reason (a missing source)."""
    try:
        with session(settings, as_of) as s:
            return unavailable_indicators(s)
    except (ServingError, ValueError) as exc:
        raise KpiError(str(exc)) from exc
