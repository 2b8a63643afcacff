"""Housekeeping on their own schedules: bronze compaction, source freshness and the data-quality report."""

from __future__ import annotations

from airflow.sdk import DAG
from govlake_common import clock, dag_kwargs, govlake_task
from govlake_common.freshness import FreshnessOperator

COMPACT_DOC = """
### bronze 小文件合并（compact）

每周日 03:00：`govlake compact` 把每个实体每月的小批次文件合并为一个文件。改写 bronze，与建模、发布共用
`govlake_writer` 池，不会与之并发。
"""

FRESHNESS_DOC = """
### 来源时效检查（source_freshness）

每小时第 50 分：`govlake freshness`（dbt source freshness）检查每张 bronze 表的最近入湖时间；再按各来源的期望时效
（每小时来源 2 小时，每日来源 26–30 小时）判断：最近一次入湖超过期望的来源记录一条“来源时效超期”告警
（`freshness_breach`，进入数据质量看板的告警表）。dbt 报错级的超期使任务失败，由失败回调记录告警。
"""

QUALITY_DOC = """
### 数据质量报告（quality_report）

每日 07:00：`govlake quality`，按来源与实体列出接收、入湖、隔离行数、对账结果与按规则的拒收数，写入任务日志。
"""

with DAG(**dag_kwargs("compact", ["maintenance"], COMPACT_DOC, "bronze 小文件合并", schedule=clock("0 3 * * 0"))):
    govlake_task("compact", ["compact"], writer=True)

with DAG(**dag_kwargs("source_freshness", ["maintenance", "quality"], FRESHNESS_DOC, "来源时效检查",
                      schedule=clock("50 * * * *"))):
    govlake_task("freshness", ["freshness"], operator=FreshnessOperator)

with DAG(**dag_kwargs("quality_report", ["maintenance", "quality"], QUALITY_DOC, "数据质量报告",
                      schedule=clock("0 7 * * *"))):
    govlake_task("quality", ["quality"])
