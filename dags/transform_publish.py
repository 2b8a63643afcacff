"""Transform on the bronze Assets, publish on the warehouse marts: one build for a burst of ingests.

The transform DAG runs when any source's bronze was updated; with one active run at a time, the ingests that land
during a build are taken together by the next one. Publish follows every successful build; a failed build publishes
nothing, so the previous snapshot keeps serving. Consumers (warnings, reports, cache warm-up) schedule on the
serving snapshot Asset.
"""

from __future__ import annotations

from airflow.sdk import DAG, AssetAny
from govlake_common import (
    SERVING_SNAPSHOT,
    SOURCES,
    WAREHOUSE_MARTS,
    bronze,
    dag_kwargs,
    govlake_task,
)

BRONZE = [bronze(s.name) for s in SOURCES]

TRANSFORM_DOC = """
### 数仓建模（transform）

由任一来源的 bronze Asset 更新触发（同一时段的多次入湖合并为一次构建）：

- `transform` — `govlake transform`：dbt build（seeds、模型、数据测试），首次全量，之后只构建新批次涉及的模型；
  写库任务，占用 `govlake_writer` 池唯一槽位
- 成功后更新 Asset `govlake://warehouse/marts`，触发发布；失败则不发布，线上继续使用上一快照
"""

PUBLISH_DOC = """
### 发布快照（publish）

由 `govlake://warehouse/marts` 更新触发：`govlake publish` 把最近一次成功构建原子发布为 DuckLake 快照
（只替换有变化的集市表），更新 Asset `govlake://serving/snapshot`，供预警、报表、看板缓存预热等下游 DAG 调度。
写库任务，占用 `govlake_writer` 池。
"""

with DAG(**dag_kwargs("transform", ["transform", "dbt"], TRANSFORM_DOC, "dbt 构建：由 bronze Asset 触发",
                      schedule=AssetAny(*BRONZE))):
    govlake_task("transform", ["transform"], writer=True, inlets=BRONZE, outlets=[WAREHOUSE_MARTS])

with DAG(**dag_kwargs("publish", ["publish", "serving"], PUBLISH_DOC, "发布只读快照：由数仓集市 Asset 触发",
                      schedule=[WAREHOUSE_MARTS])):
    govlake_task("publish", ["publish"], writer=True, inlets=[WAREHOUSE_MARTS], outlets=[SERVING_SNAPSHOT])
