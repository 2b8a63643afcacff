"""One ingest DAG per source system, on the source's own cadence (govlake_common.sources).

Each run ingests up to the end of its data interval's day (`govlake ingest SOURCE --day {{ ds }}`), so a rerun or
a backfill of a day takes exactly what had changed by then. File drops wait for the day's file first. The bronze
Asset each DAG updates schedules the transform DAG.
"""

from __future__ import annotations

from airflow.sdk import DAG
from govlake_common import (
    SOURCES,
    SourceSpec,
    bronze,
    dag_kwargs,
    drop_sensor,
    freshness_expectation,
    govlake_task,
    ingest_schedule,
)


def _doc(spec: SourceSpec) -> str:
    wait = ("\n0. `wait_for_drop` — 等待当日文件到达投递目录（" + "、".join(f"`{g}`" for g in spec.drop_globs)
            + "）；超时未到则不再等待，入湖照常运行（收取已到的文件），迟到的文件由之后的运行收取\n"
            ) if spec.drop_globs else "\n"
    hours = spec.freshness.total_seconds() / 3600
    return f"""
### {spec.title} 入湖（ingest_{spec.name}）

- 来源类型：{spec.kind}
- 调度：{spec.cadence}（北京时间）
- 时效要求：每次运行须在 {hours:g} 小时内完成，超时即判失败并记录告警
{wait}
1. `ingest` — `govlake ingest {spec.name} --day <数据日>`：只收取截至该日末的新数据（重跑、补数同日结果一致），
   经 pandera 校验写入 bronze，不合格行进入 quarantine，每批次写清单
2. 更新 Asset `{bronze(spec.name).uri}`，触发下游建模 DAG

失败按指数退避重试；最终失败记录告警。
"""


def ingest_dag(spec: SourceSpec) -> DAG:
    dag_id = f"ingest_{spec.name}"
    with DAG(**dag_kwargs(dag_id, ["ingest", spec.name], _doc(spec), f"{spec.title}：增量入湖（{spec.cadence}）",
                          **ingest_schedule(spec.schedule), **freshness_expectation(spec.freshness))) as dag:
        # runs after a drop sensor that gave up (skipped) too: it then takes whatever arrived by the day's end, and
        # its bronze event tells the transform that this source's day is done (the transform waits for all six)
        ingest = govlake_task("ingest", ["ingest", spec.name, "--day", "{{ ds }}"], outlets=[bronze(spec.name)],
                              trigger_rule="none_failed")
        if spec.drop_globs:
            month = "{{ logical_date.strftime('%Y-%m') }}"
            globs = [g.replace("{ds}", "{{ ds }}").replace("{month}", month) for g in spec.drop_globs]
            drop_sensor("wait_for_drop", globs) >> ingest
    return dag


for _spec in SOURCES:
    globals()[f"ingest_{_spec.name}"] = ingest_dag(_spec)
