"""民意速办 (citizen-request tickets) end to end: simulate the source, ingest, transform, publish.

The demo's vertical slice. Each step runs the core CLI (see `govlake_common.cli`); the Assets it updates let
later DAGs (other sources, downstream consumers) chain on ingestion → transform → publish.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag
from govlake_common import (
    BRONZE_MINYI_TICKETS,
    SERVING_SNAPSHOT,
    WAREHOUSE_MARTS,
    clock,
    default_args,
    govlake_task,
)

DOC_MD = """
### 民意速办工单全链路 (minyi_slice)

每日 02:00（北京时间）运行：

1. `simulate` — 模拟源系统产生当日工单（演示环境代替真实上游）
2. `ingest_minyi` — 增量抽取工单，pandera 校验后写入 bronze，不合格行进入 quarantine
3. `transform` — dbt 构建数仓与指标集市（写库任务，占用 `govlake_writer` 池唯一槽位）
4. `publish` — 原子发布只读快照，供 Superset、集市 API 和分析人员查询（同样占用写库池）

任务失败按指数退避重试。
"""


@dag(
    dag_id="minyi_slice",
    description="民意速办工单：模拟 → 入湖 → 建模 → 发布",
    # 02:00 Beijing time: after the source systems' nightly close, before leaders open the cockpit
    schedule=clock("0 2 * * *"),
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    doc_md=DOC_MD,
    tags=["govlake", "minyi", "slice"],
)
def minyi_slice() -> None:
    simulate = govlake_task("simulate", ["simulate"])
    ingest = govlake_task("ingest_minyi", ["ingest", "minyi"], outlets=[BRONZE_MINYI_TICKETS])
    transform = govlake_task(
        "transform", ["transform"], writer=True, inlets=[BRONZE_MINYI_TICKETS], outlets=[WAREHOUSE_MARTS]
    )
    publish = govlake_task("publish", ["publish"], writer=True, inlets=[WAREHOUSE_MARTS], outlets=[SERVING_SNAPSHOT])
    simulate >> ingest >> transform >> publish


minyi_slice()
