"""People who appear in more than one system, generated once so every system agrees on them.

The community-correction subjects (社区矫正对象) are key persons in the safety baseline (S3), the roster the
procuratorate's 失驾 model reads (S10), and drivers in the traffic data: the same ID number everywhere.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from simulator.areas import grid_arrays
from simulator.context import SimContext
from simulator.people import citizen_ids, mobiles, names

# people whose community correction began between mid-2022 and 2024 (illustrative; scales with the run) — some had
# finished before 2024 and appear in the baseline's history only
CORRECTION_SUBJECTS_2024 = 1_200
EXECUTION_TYPES = ["管制", "缓刑", "假释", "暂予监外执行"]
EXECUTION_WEIGHTS = [0.03, 0.82, 0.12, 0.03]
CRIMES = ["危险驾驶罪", "盗窃罪", "诈骗罪", "故意伤害罪", "开设赌场罪", "交通肇事罪", "帮助信息网络犯罪活动罪",
          "寻衅滋事罪"]
CRIME_WEIGHTS = [0.30, 0.16, 0.14, 0.10, 0.06, 0.08, 0.10, 0.06]


def correction_subjects(ctx: SimContext) -> pl.DataFrame:
    """One row per subject: id_number, name, phone, grid/community/street, execution type, crime, period."""
    rng = ctx.rng("population.correction_subjects")
    n = ctx.scaled(CORRECTION_SUBJECTS_2024, minimum=20)
    areas = grid_arrays()
    g = rng.integers(0, len(areas["grid_code"]), n)
    start = np.array([date(2022, 7, 1) + timedelta(days=int(d)) for d in rng.integers(0, 900, n)])
    months = rng.choice([6, 12, 18, 24, 36, 48], n, p=[0.15, 0.30, 0.15, 0.20, 0.15, 0.05])
    end = np.array([s + timedelta(days=int(m * 30.4)) for s, m in zip(start, months, strict=True)])
    return pl.DataFrame({
        "subject_id": [f"SQJZ{i:06d}" for i in range(1, n + 1)],
        "id_number": citizen_ids(rng, n, 1960, 2004),
        "name": names(rng, n),
        "phone": mobiles(rng, n),
        "grid_code": areas["grid_code"][g].tolist(),
        "community_code": areas["community_code"][g].tolist(),
        "street_code": areas["street_code"][g].tolist(),
        "execution_type": rng.choice(EXECUTION_TYPES, n, p=EXECUTION_WEIGHTS).tolist(),
        "crime": rng.choice(CRIMES, n, p=CRIME_WEIGHTS).tolist(),
        "sentence_months": months.tolist(),
        "correction_start": start.tolist(),
        "correction_end": end.tolist(),
    })
