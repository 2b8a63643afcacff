"""Every source system's cadence: what its ingest DAG is scheduled on and how fresh its bronze must stay.

Schedules are Beijing time (the sources' own clock). SQL and REST sources are polled on a cron; file drops are
ingested when the day's file has arrived (a sensor on the landing drop), not at a fixed hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class SourceSpec:
    name: str  # `govlake ingest NAME`
    title: str  # Chinese, for doc_md and the UI
    kind: str  # how it is read: SQL 数据库 / REST 接口 / 文件投递
    schedule: str  # cron, Asia/Shanghai
    cadence: str  # Chinese, for doc_md
    freshness: timedelta  # the newest batch may be at most this old (SLA-style expectation)
    # file drops: globs under the sources inbox (`$DATA_DIR/sources`), one of which must exist for the run's day;
    # `{ds}` is the run's day (YYYY-MM-DD), `{month}` its month (YYYY-MM)
    drop_globs: tuple[str, ...] = ()


SOURCES: tuple[SourceSpec, ...] = (
    SourceSpec("minyi", "民意速办", "SQL 数据库（按水位增量）", "5 * * * *", "每小时", timedelta(hours=2)),
    SourceSpec("pingan", "深平安", "SQL 数据库（按水位增量）", "30 1 * * *", "每日 01:30", timedelta(hours=26)),
    SourceSpec("zhengfa", "政法数据库（生命关爱、群防群治、法律监督）", "SQL 数据库（按水位增量）", "45 1 * * *",
               "每日 01:45", timedelta(hours=26)),
    SourceSpec("community", "社区工作台", "REST 接口（分页、限流、重试）", "15 * * * *", "每小时", timedelta(hours=2)),
    SourceSpec("video", "视频资源一本账", "文件投递（各街道月度台账、平台每日状态导出）", "0 1 * * *",
               "每日状态文件到达后（台账按月随到随收）", timedelta(hours=30),
               drop_globs=("video/status/{ds}.jsonl.gz",)),
    SourceSpec("zhengfa_files", "政法交换文书与法院月报", "文件投递（每日文书、法院月度 CSV）", "0 1 * * *",
               "文件到达后（文书每日、法院报表每月）", timedelta(hours=30),
               drop_globs=("zhengfa/dossiers/{ds}.jsonl", "zhengfa/court/monthly_{month}*.csv")),
)
