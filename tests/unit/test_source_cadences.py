"""The data-quality mart judges lateness by ref_source_cadences: the seed must say what the DAGs schedule."""

from __future__ import annotations

import csv
import importlib.util
import sys
from datetime import timedelta

from common.settings import REPO_ROOT

SEED = REPO_ROOT / "dbt_project" / "seeds" / "ref_source_cadences.csv"


def _sources() -> dict[str, object]:
    path = REPO_ROOT / "dags" / "govlake_common" / "sources.py"
    spec = importlib.util.spec_from_file_location("govlake_sources", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return {s.name: s for s in module.SOURCES}


def test_every_source_has_its_scheduled_freshness_as_its_default_cadence() -> None:
    with SEED.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    defaults = {r["source_system"]: r for r in rows if r["entity"] == "*"}
    sources = _sources()
    assert defaults.keys() == sources.keys()
    for name, source in sources.items():
        row = defaults[name]
        assert timedelta(hours=int(row["max_age_hours"])) == source.freshness, name
        assert row["cadence_name"] in source.cadence or (row["cadence"] == "daily" and "每日" in source.cadence), name
    # an entity's own row (the monthly files) allows a month and the source's daily grace
    for row in rows:
        if row["entity"] != "*":
            assert row["cadence"] == "monthly", row
            assert int(row["max_age_hours"]) == 31 * 24 + int(defaults[row["source_system"]]["max_age_hours"]), row
