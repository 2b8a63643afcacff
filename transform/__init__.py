"""The transform stage (`govlake transform`): dbt build (seeds, models, data tests) into the working warehouse.

dbt is the single writer of the working DuckDB file; readers never open it (they read published snapshots), so a
failing build leaves what is served untouched. The first build builds everything; later ones build only what the
batches committed since the last successful build touch (the daily build), unless the code changed.
"""

from __future__ import annotations

from common.settings import Settings
from transform.build_state import (
    bronze_source_tables,
    lake_batches,
    log_written,
    project_fingerprint,
    record_build,
    save_state,
    sources_without_data,
)
from transform.dbt_runner import run_dbt
from transform.planning import BRONZE_SOURCE_PREFIX, build_args, plan_build


def transform(settings: Settings, select: str | None = None, full_refresh: bool = False) -> bool:
    """Build the warehouse. Without --select or --full-refresh, a run after a successful one builds only the models
    downstream of bronze tables that received batches since (an incremental daily build); the first run, and any run
    after the dbt project changed or a build failed, rebuilds everything from scratch."""
    batches = lake_batches(settings)
    missing = sources_without_data(settings, batches)
    if len(missing) == len(bronze_source_tables()):
        print("nothing to transform: no source has been ingested yet (run `govlake ingest --all`)", flush=True)
        return False
    if missing:
        print(f"not built (no data ingested yet from {len(missing)} bronze tables, models downstream skipped): "
              + ", ".join(f"{system}.{entity}" for system, entity in missing), flush=True)
    fingerprint = project_fingerprint(settings)
    plan = plan_build(settings, batches, fingerprint, select, full_refresh)
    if plan is None:
        print("nothing new since the last build: the warehouse is up to date", flush=True)
        return True
    if plan.message:
        print(plan.message, flush=True)
    # a crash mid-build must not look like a finished one
    record_build(settings, success=False, fingerprint=fingerprint)
    ok = run_dbt(settings, build_args(missing, plan.select, plan.full_refresh, plan.exclude, plan.flags))
    record_build(settings, success=ok, fingerprint=fingerprint)
    if ok:
        log_written(settings)
    if ok and select is None:
        save_state(settings, batches, fingerprint)
    return ok


def unit_tests(settings: Settings) -> bool:
    """dbt's unit tests (every KPI formula, the 失驾 logic ...) against the built warehouse's relations."""
    return run_dbt(settings, ["test", "--select", "test_type:unit"])


def source_freshness(settings: Settings) -> bool:
    """dbt source freshness over the bronze tables that have data (a table never loaded is reported by transform)."""
    missing = sources_without_data(settings)
    args = ["source", "freshness"]
    if missing:
        args += ["--exclude", *(f"source:{BRONZE_SOURCE_PREFIX}{system}.{entity}" for system, entity in missing)]
    return run_dbt(settings, args)
