"""Shared pieces of govlake's DAG files: the core-CLI task factory, the lake's Assets and default task args.

Kept out of DAG parsing by `dags/.airflowignore`; Airflow puts the DAGs folder on sys.path, so DAG files
import it as `govlake_common`.
"""

from govlake_common.assets import BRONZE_MINYI_TICKETS, SERVING_SNAPSHOT, WAREHOUSE_MARTS
from govlake_common.cli import WRITER_POOL, default_args, govlake_bin, govlake_task, repo_root

__all__ = [
    "BRONZE_MINYI_TICKETS",
    "SERVING_SNAPSHOT",
    "WAREHOUSE_MARTS",
    "WRITER_POOL",
    "default_args",
    "govlake_bin",
    "govlake_task",
    "repo_root",
]
