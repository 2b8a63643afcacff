"""S6–S10 — the political-legal (政法) systems of Longhua, each through its native interface.

- S6 跨部门大数据平台: criminal-case e-dossiers as JSON lines per day from the inter-agency exchange
  (`<out>/zhengfa/dossiers/YYYY-MM-DD.jsonl`, see zhengfa_dossiers).
- S7 生命关爱信息系统: liaisons, counselling rooms, counsellors, library and crisis-dispatch records — HIGHLY
  SENSITIVE personal data (tables `lifecare_*`, see zhengfa_lifecare).
- S8 群防群治 volunteers and 平安夜巡 night patrols (tables `volunteer*`, `night_patrol`, `patrol_*`).
- S9 智慧诉服 court monthly indicator reports as CSV (`<out>/zhengfa/court/monthly_YYYY-MM.csv`, see zhengfa_court).
- S10 procuratorate legal-supervision inputs: the correction roster, licence-status history, traffic violations and
  the model registry, with the planted 失驾 ground truth (see zhengfa_supervision).

The tables live in one operational database, `ctx.url("zhengfa")` (SQLite under the output directory by default;
settings field `source_zhengfa_url` points it at MariaDB or PostgreSQL). Everything is generated for the whole year
from the seed and projected onto `ctx.as_of`, so a later as_of shows the same rows plus new ones and late updates.
"""

from __future__ import annotations

import polars as pl

from simulator.context import SimContext
from simulator.sinks import write_tables
from simulator.systems.zhengfa_common import METADATA, SYSTEM, record
from simulator.systems.zhengfa_court import generate_court
from simulator.systems.zhengfa_dossiers import generate_dossiers
from simulator.systems.zhengfa_lifecare import generate_lifecare, lifecare_expected
from simulator.systems.zhengfa_supervision import generate_supervision
from simulator.systems.zhengfa_volunteer import generate_volunteer, volunteer_expected

PRIMARY_KEYS = {t.name: next(iter(t.primary_key.columns)).name for t in METADATA.sorted_tables}


def generate_tables(ctx: SimContext) -> dict[str, pl.DataFrame]:
    """Every table of the zhengfa database at ctx.as_of, with the ground truth recorded (nothing written)."""
    frames: dict[str, pl.DataFrame] = {}
    lifecare = generate_lifecare(ctx)
    ctx.truth.expected.update(lifecare_expected(lifecare))
    volunteer = generate_volunteer(ctx)
    ctx.truth.expected.update(volunteer_expected(volunteer))
    frames.update(lifecare)
    frames.update(volunteer)
    frames.update(generate_supervision(ctx))
    out: dict[str, pl.DataFrame] = {}
    for table in METADATA.sorted_tables:
        df = record(ctx, table.name, frames[table.name], PRIMARY_KEYS[table.name])
        out[table.name] = df.select([c.name for c in table.columns])
    return out


def generate(ctx: SimContext) -> None:
    """(Re)write the zhengfa database and files as they stand at ctx.as_of, and record the ground truth."""
    tables = generate_tables(ctx)
    write_tables(ctx.url(SYSTEM), [(t, tables[t.name]) for t in METADATA.sorted_tables])
    ctx.truth.expected.update(generate_dossiers(ctx))
    ctx.truth.expected.update(generate_court(ctx))
