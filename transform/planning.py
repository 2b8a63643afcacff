"""Planning a build: everything, or the daily build of what new batches touch, and the `dbt build` arguments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from common.settings import Settings
from transform.build_state import BRONZE_SOURCE_PREFIX, changed_since_last_build, newly_buildable
from transform.dbt_runner import DBT_PROJECT_DIR

# The indicator table is built whatever source is missing: each area's KPI view yields no rows while an input of
# its own is not built (dbt_project/macros/kpi/kpi_inputs.sql), and fct_indicator_availability names what is missing
ALWAYS_BUILT = "models/marts/kpi"


def _skippable_folders() -> list[str]:
    """The model folders a missing source's dependants are skipped in: every folder but ALWAYS_BUILT and its
    parents, plus the singular tests."""
    models = DBT_PROJECT_DIR / "models"
    kept = (DBT_PROJECT_DIR / ALWAYS_BUILT).relative_to(models).parts
    folders: list[str] = []
    parent = models
    for part in kept:
        folders += [f"models/{p.relative_to(models).as_posix()}" for p in sorted(parent.iterdir())
                    if p.is_dir() and p.name != part]
        parent = parent / part
    return folders


def skip_missing(missing: list[tuple[str, str]]) -> list[str]:
    """`--exclude` selectors for what depends on bronze tables without data (their views could not even be read),
    except the indicator table's models (ALWAYS_BUILT)."""
    folders = _skippable_folders()
    return [f"source:{BRONZE_SOURCE_PREFIX}{system}.{entity}+,path:{folder}"
            for system, entity in missing for folder in folders]


def build_args(missing: list[tuple[str, str]], select: str | list[str] | None, full_refresh: bool,
               exclude: Sequence[str] = (), flags: Sequence[str] = ()) -> list[str]:
    """`dbt build`, leaving out whatever depends on a bronze table without data (its view could not even be read),
    but the indicator table (skip_missing).

    dbt's unit tests check model logic on fixed inputs, not data: like dbt's own advice for production runs, the
    build leaves them out, and `govlake transform --unit-tests` (run by the test suite) runs them.
    """
    args = ["build", "--exclude-resource-type", "unit_test", *flags]
    if select:
        args += ["--select", *([select] if isinstance(select, str) else select)]
    excluded = [*exclude, *skip_missing(missing)]
    if excluded:
        args += ["--exclude", *excluded]
    if full_refresh:
        args.append("--full-refresh")
    return args


# A view is a stored query over the lake: new data shows through it without rebuilding it, and it changes only with
# the code (which makes the next build a full one). So a daily build leaves views, and the tests that re-run them
# over all of bronze, to full builds; it tests every table it rebuilds.
DAILY_EXCLUDE = ("config.materialized:view",)
# A daily build writes dbt's JSON artefacts too: its run_results.json is what the Airflow transform task reports per
# node (log table, XCom, the failing nodes in the alert) and what the build log takes the relations written from
# (without it, log_written read the last full build's). dbt writes the manifest with it (~2 s, the same manifest:
# the same code); `--no-write-json` would skip both
DAILY_FLAGS: tuple[str, ...] = ()


def daily_selection(changed: list[tuple[str, str]]) -> list[str]:
    """What new batches touch: every model downstream of a changed bronze table, and of the batch log (the quality
    marts), and the alerts ledger's mart (alerts come without batches). Every staging model also reads its own
    entity's manifests (committed batches only), and those changed exactly when the entity's batches did."""
    return ["stg_lake__batches+", "stg_platform__alerts+",
            *(f"source:{BRONZE_SOURCE_PREFIX}{system}.{entity}+" for system, entity in changed)]


class BuildPlan(NamedTuple):
    select: list[str] | str | None
    exclude: tuple[str, ...]
    flags: tuple[str, ...]
    full_refresh: bool
    message: str


def plan_build(settings: Settings, batches: dict[tuple[str, str], tuple[str, bool]], fingerprint: str,
               select: str | None, full_refresh: bool) -> BuildPlan | None:
    """What this run builds; None when nothing is new since the last build.

    An automatic run (no --select) after a successful one with the same code is a daily build of what new batches
    touch. Any other automatic run rebuilds everything from scratch: incremental models computed by other code, or
    left behind by a failed build, cannot be trusted to carry on."""
    if select is not None or full_refresh:
        return BuildPlan(select, (), (), full_refresh, "")
    changed = changed_since_last_build(settings, batches, fingerprint)
    if changed is None:
        return BuildPlan(None, (), (), True, "full build: first build, changed code or an unfinished last build")
    if not changed:
        return None
    new_sources = newly_buildable(settings, changed, batches)
    if new_sources:
        # their staging views were never created (the last build skipped them): this daily build creates the views
        # of its selection too, and tests them — once, when a source arrives late
        return BuildPlan(daily_selection(changed), (), DAILY_FLAGS, False,
                         f"daily build: models downstream of {len(changed)} bronze tables with new batches, "
                         f"views included for {len(new_sources)} that got their first data: "
                         + ", ".join(f"{system}.{entity}" for system, entity in new_sources))
    return BuildPlan(daily_selection(changed), DAILY_EXCLUDE, DAILY_FLAGS, False,
                     f"daily build: models downstream of {len(changed)} bronze tables with new batches")
