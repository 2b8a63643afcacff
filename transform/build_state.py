"""What the warehouse has seen: the build status publish reads, the bronze tables and their batches, the code's
fingerprint, and the state of the last successful automatic build."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb
import yaml

import common
from common import duck
from common.settings import REPO_ROOT, Settings
from transform.dbt_runner import DBT_PROJECT_DIR, lake_root

BRONZE_SOURCE_PREFIX = "bronze_"
BUILD_STATE = "build_state.json"  # what the last successful automatic build saw (beside dbt's target/)
BUILD_STATUS = "last_build.json"  # whether the last build finished cleanly (beside the warehouse; publish reads it)
BUILD_LOG = "build_log.jsonl"  # per successful build: when it finished and the relations it wrote (publish reads it)
BUILD_LOG_KEEP = 500  # builds kept in the log; a publish older than the oldest kept one judges every table
COMMON_DIR = Path(common.__file__).parent  # the UDF code dbt runs
Batches = dict[tuple[str, str], tuple[str, bool]]


def build_status_path(settings: Settings) -> Path:
    return settings.warehouse_path.parent / BUILD_STATUS


def record_build(settings: Settings, success: bool, fingerprint: str | None = None) -> None:
    """Whether this build finished cleanly (publish refuses to serve one that did not), and the project FINGERPRINT
    it was built from (what publish keys the facts it takes from dbt's manifest by)."""
    path = build_status_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"success": success, "finished_at": datetime.now(UTC).isoformat(),
                                "fingerprint": fingerprint}))


def _build_status(settings: Settings) -> dict[str, Any]:
    """What record_build wrote last (empty before the first build)."""
    path = build_status_path(settings)
    return dict(json.loads(path.read_text())) if path.exists() else {}


def built_fingerprint(settings: Settings) -> str | None:
    """The project fingerprint the last recorded build was built from (None when not recorded)."""
    return _build_status(settings).get("fingerprint")


def log_written(settings: Settings) -> None:
    """Append the relations this successful build wrote (its models and seeds, from dbt's run_results.json) to the
    build log, so publish judges only those for change. Unknown results log None: publish then judges every table."""
    results = settings.data_dir / "dbt" / "target" / "run_results.json"
    written: list[str] | None = None
    if results.exists():
        nodes = json.loads(results.read_text(encoding="utf-8")).get("results", [])
        written = sorted({r["unique_id"].split(".")[-1] for r in nodes if r["status"] == "success"
                          and r["unique_id"].split(".")[0] in ("model", "seed", "snapshot")})
    status = _build_status(settings)
    path = settings.warehouse_path.parent / BUILD_LOG
    lines = path.read_text().splitlines()[-(BUILD_LOG_KEEP - 1):] if path.exists() else []
    lines.append(json.dumps({"finished_at": status["finished_at"], "written": written}))
    path.write_text("\n".join(lines) + "\n")


def written_since(settings: Settings, since: str | None) -> tuple[str | None, set[str] | None]:
    """(the last logged build's finish time, the relations the builds finished after SINCE wrote); the set is None
    when that is not known (no SINCE, no log, or a log that no longer reaches back to SINCE)."""
    path = settings.warehouse_path.parent / BUILD_LOG
    builds = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    if not builds:
        return None, None
    last = builds[-1]["finished_at"]
    if since is None or builds[0]["finished_at"] > since and len(builds) >= BUILD_LOG_KEEP:
        return last, None
    written: set[str] = set()
    for build in builds:
        if build["finished_at"] > since:
            if build["written"] is None:
                return last, None
            written.update(build["written"])
    return last, written


def last_build_succeeded(settings: Settings) -> bool:
    return bool(_build_status(settings).get("success"))


def bronze_source_tables() -> list[tuple[str, str]]:
    """(system, entity) of every bronze table the dbt sources declare (`bronze_<system>` sources in staging)."""
    tables = []
    for path in sorted((DBT_PROJECT_DIR / "models" / "staging").rglob("_*__sources.yml")):
        for source in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("sources", []):
            if source["name"].startswith(BRONZE_SOURCE_PREFIX):
                system = source["name"].removeprefix(BRONZE_SOURCE_PREFIX)
                tables += [(system, table["name"]) for table in source.get("tables", [])]
    return tables


def lake_batches(settings: Settings) -> dict[tuple[str, str], tuple[str, bool]]:
    """(system, entity) -> (digest of its batches and their statuses, whether any batch is committed), from the
    manifests (one small JSON file per batch, read in one DuckDB scan, local or on S3)."""
    root = lake_root(settings)
    con = duck.connect(settings)
    try:
        rows = con.execute(f"""
            with manifests as (
                select
                    content ->> '$.source' as source,
                    content ->> '$.entity' as entity,
                    content ->> '$.batch_id' as batch_id,
                    content ->> '$.status' as status
                from read_text('{root}/_manifests/*/*/*.json')
            )
            select source, entity, md5(string_agg(batch_id || ':' || status, ',' order by batch_id)),
                   bool_or(status = 'committed')
            from manifests group by all
        """).fetchall()
    except duckdb.IOException:  # no manifest at all yet
        return {}
    finally:
        con.close()
    return {(source, entity): (digest, committed) for source, entity, digest, committed in rows}


def sources_without_data(settings: Settings, batches: dict[tuple[str, str], tuple[str, bool]] | None = None,
                         ) -> list[tuple[str, str]]:
    """Bronze tables never committed yet (a system not ingested so far: only minyi, say, in a first run).

    Judged by the manifests, not by the Parquet files: a table whose committed batches have lost their files is
    damage, and the build must fail on it rather than quietly skip it.
    """
    batches = lake_batches(settings) if batches is None else batches
    return [table for table in bronze_source_tables() if not batches.get(table, ("", False))[1]]


def project_fingerprint(settings: Settings) -> str:
    """What decides the models' output besides the data: the dbt project's files, the dbt version, the UDF code and
    the pseudonym key. A change in any of them makes the next transform build everything."""
    digest = hashlib.sha256()
    files = [p for p in sorted(DBT_PROJECT_DIR.rglob("*"))
             if p.is_file() and not {"target", "logs", "dbt_packages"} & set(p.relative_to(DBT_PROJECT_DIR).parts)]
    for path in [*files, COMMON_DIR / "dbt_udfs.py", COMMON_DIR / "pseudonym.py"]:
        # the project's files by their path in it (a copy elsewhere, GOVLAKE_DBT_PROJECT_DIR, is hashed the same way)
        name = ("dbt_project" / path.relative_to(DBT_PROJECT_DIR) if path.is_relative_to(DBT_PROJECT_DIR)
                else path.relative_to(REPO_ROOT))
        digest.update(str(name).encode() + b"\0" + path.read_bytes())
    digest.update(version("dbt-core").encode() + version("dbt-duckdb").encode() + settings.pseudonym_key.encode())
    return digest.hexdigest()


def _state_path(settings: Settings) -> Path:
    return settings.data_dir / "dbt" / BUILD_STATE


def changed_since_last_build(settings: Settings, batches: dict[tuple[str, str], tuple[str, bool]],
                             fingerprint: str) -> list[tuple[str, str]] | None:
    """Bronze tables whose batches changed since the last successful full or daily build; None when everything must
    be built (no such build, a new warehouse, changed code, or a failed build since)."""
    path = _state_path(settings)
    if not path.exists() or not settings.warehouse_path.exists() or not last_build_succeeded(settings):
        return None  # a failed or interrupted build may have left any model half-way: build everything
    state = json.loads(path.read_text())
    if state.get("fingerprint") != fingerprint:
        return None
    before = state.get("batches", {})
    return [(system, entity) for (system, entity), (digest, _) in batches.items()
            if before.get(f"{system}.{entity}") != digest]


def save_state(settings: Settings, batches: Batches, fingerprint: str) -> None:
    """What this successful build saw: each bronze table's batch digest, and the tables it could build (with a
    committed batch); a table that gets its first data later is new to the next build (see newly_buildable)."""
    path = _state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"fingerprint": fingerprint,
                                "batches": {f"{s}.{e}": digest for (s, e), (digest, _) in sorted(batches.items())},
                                "built": sorted(f"{s}.{e}" for (s, e), (_, committed) in batches.items()
                                                if committed)},
                               indent=1))


def newly_buildable(settings: Settings, changed: list[tuple[str, str]], batches: Batches) -> list[tuple[str, str]]:
    """Of the CHANGED tables, those that have committed data now but had none at the last build (a source that
    arrived after the first build): the models downstream of them, views included, were never built."""
    path = _state_path(settings)
    state = json.loads(path.read_text()) if path.exists() else {}
    built = set(state.get("built", state.get("batches", {})))  # a state from before "built": its batch tables
    return [(s, e) for s, e in changed if batches.get((s, e), ("", False))[1] and f"{s}.{e}" not in built]
