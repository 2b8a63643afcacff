"""The demo's and the tests' stand-in for time passing: project the simulated sources onto the end of a day.

Paused when created and never scheduled by the clock: `govlake orchestrate` triggers it once per simulated day
with that day as its logical date. Production has real source systems and leaves it paused.
"""

from __future__ import annotations

from airflow.sdk import DAG, Param
from govlake_common import SIMULATED_SOURCES, dag_kwargs, govlake_task

DOC = """
### 模拟源系统推进一天（simulate_sources，仅演示与测试）

`govlake simulate --as-of <数据日> 23:59:59`：把模拟的源系统（数据库、投递文件、REST 数据）推进到该日末，
随后各来源的入湖 DAG 按该日收取增量。生产环境保持暂停。
"""

with DAG(**dag_kwargs("simulate_sources", ["simulator", "demo"], DOC, "模拟源系统推进到数据日末（演示/测试）",
                      schedule=None, is_paused_upon_creation=True,
                      params={"scale": Param(0.01, type="number"), "seed": Param(42, type="integer")})):
    govlake_task("simulate", ["simulate", "--scale", "{{ params.scale }}", "--seed", "{{ params.seed }}",
                              "--as-of", "{{ ds }}T23:59:59"], outlets=[SIMULATED_SOURCES])
