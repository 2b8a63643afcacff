"""Transform on the day's ingests, publish on the warehouse marts: one build for a burst of ingests.

The transform DAG runs once every source's bronze Asset was updated since its last Asset-triggered run (the day's
ingests have all completed: an ingest whose drop never came still runs and updates its Asset), so a burst of six
ingests gives one build, not one per source or two. In production an hourly clock run (:40) also builds what the
hourly sources landed in between (an Asset-or-time schedule); in simulated time there is no clock. Publish follows
every successful build; a failed build publishes nothing, so the previous snapshot keeps serving. Consumers
(warnings, reports, cache warm-up) schedule on the serving snapshot Asset.
"""

from __future__ import annotations

from airflow.sdk import DAG, AssetAll, AssetOrTimeSchedule, CronTriggerTimetable
from govlake_common import (
    SERVING_SNAPSHOT,
    SOURCES,
    WAREHOUSE_MARTS,
    bronze,
    dag_kwargs,
    govlake_task,
    simulated_time,
)
from govlake_common.dbt import DbtBuildOperator

BRONZE = [bronze(s.name) for s in SOURCES]
# hourly, after the hourly sources' ingests (:05 民意速办, :15 社区工作台) have landed
HOURLY_BUILD = "40 * * * *"


def transform_schedule() -> AssetAll | AssetOrTimeSchedule:
    day_done = AssetAll(*BRONZE)
    if simulated_time():
        return day_done
    return AssetOrTimeSchedule(timetable=CronTriggerTimetable(HOURLY_BUILD, timezone="Asia/Shanghai"),
                               assets=day_done)


TRANSFORM_DOC = """
### 数仓建模（transform）

当日各来源入湖全部完成（六个 bronze Asset 自上次构建后均有更新）时触发一次构建，一批入湖只构建一次；
生产环境另有每小时第 40 分的定时构建，收取每小时来源（民意速办、社区工作台）的新数据：

- `transform` — `govlake transform`：dbt build（seeds、模型、数据测试），首次全量，之后只构建新批次涉及的模型；
  写库任务，占用 `govlake_writer` 池唯一槽位。构建后把 dbt 的 run_results.json 逐节点（模型、测试）列表写入任务日志，
  摘要推送到 XCom（`dbt_nodes`、`dbt_summary`）；失败时告警信息写明失败的模型或测试
- 成功后更新 Asset `govlake://warehouse/marts`，触发发布；失败则不发布，线上继续使用上一快照
"""

PUBLISH_DOC = """
### 发布快照（publish）

由 `govlake://warehouse/marts` 更新触发：`govlake publish` 把最近一次成功构建原子发布为 DuckLake 快照
（只替换有变化的集市表），更新 Asset `govlake://serving/snapshot`，供预警、报表、看板缓存预热等下游 DAG 调度。
写库任务，占用 `govlake_writer` 池。
"""

with DAG(**dag_kwargs("transform", ["transform", "dbt"], TRANSFORM_DOC, "dbt 构建：当日各来源入湖完成后触发",
                      schedule=transform_schedule())):
    govlake_task("transform", ["transform"], writer=True, inlets=BRONZE, outlets=[WAREHOUSE_MARTS],
                 operator=DbtBuildOperator)

with DAG(**dag_kwargs("publish", ["publish", "serving"], PUBLISH_DOC, "发布只读快照：由数仓集市 Asset 触发",
                      schedule=[WAREHOUSE_MARTS])):
    govlake_task("publish", ["publish"], writer=True, inlets=[WAREHOUSE_MARTS], outlets=[SERVING_SNAPSHOT])
