"""Shared pieces of govlake's DAG files: the core-CLI task factory, the lake's Assets and default task args.

Kept out of DAG parsing by `dags/.airflowignore`; Airflow puts the DAGs folder on sys.path, so DAG files
import it as `govlake_common`.
"""

from govlake_common.assets import (
    BRONZE_MINYI_TICKETS,
    SERVING_SNAPSHOT,
    SIMULATED_SOURCES,
    WAREHOUSE_MARTS,
    bronze,
)
from govlake_common.cli import (
    WRITER_POOL,
    clock,
    default_args,
    drop_sensor,
    govlake_bin,
    govlake_task,
    repo_root,
    simulated_time,
)
from govlake_common.dag_defaults import dag_kwargs, freshness_expectation, ingest_schedule
from govlake_common.sources import SOURCES, SourceSpec

__all__ = [
    "BRONZE_MINYI_TICKETS",
    "SERVING_SNAPSHOT",
    "SIMULATED_SOURCES",
    "SOURCES",
    "WAREHOUSE_MARTS",
    "WRITER_POOL",
    "SourceSpec",
    "bronze",
    "clock",
    "dag_kwargs",
    "default_args",
    "drop_sensor",
    "freshness_expectation",
    "govlake_bin",
    "govlake_task",
    "ingest_schedule",
    "repo_root",
    "simulated_time",
]
