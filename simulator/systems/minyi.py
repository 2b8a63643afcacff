"""Simulated 民意速办 operational database: tickets, their flow transitions and the channel table.

The whole year is generated deterministically from the seed, then projected onto an `as_of` instant: a ticket exists
once created, its flow rows exist once they happened and its `updated_at` is its latest transition. Re-simulating the
same seed with a later `as_of` therefore behaves like the live system a day later: new tickets plus late updates to
old ones — which is what incremental ingestion has to cope with.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta

import numpy as np
import polars as pl
import sqlalchemy as sa

from simulator.areas import STREET_CENTRES
from simulator.catalogue import CATEGORIES, CHANNELS, SEEDS_DIR
from simulator.context import SimContext
from simulator.people import GIVEN, SURNAMES
from simulator.sinks import write_tables

YEAR_START = datetime(2024, 1, 1)
YEAR_END = datetime(2025, 1, 1)

# Seed-document totals for Longhua 2024 (DOMAIN.md §1) at scale 1.0.
TICKETS_2024 = 1_057_500
SELF_COLLECTED_2024 = 717_100

# relative ticket volume by street (population-weighted, illustrative)
STREET_WEIGHTS = {"440309001": 0.12, "440309002": 0.24, "440309003": 0.22, "440309004": 0.16,
                  "440309005": 0.09, "440309006": 0.17}


# planted defect kinds, in the order of their rates in generate_year
ANOMALY_KINDS = ("missing_required", "unknown_code", "inconsistent", "outside_district")

TABLES_DDL = sa.MetaData()
channel_table = sa.Table(
    "channel", TABLES_DDL,
    sa.Column("channel_code", sa.String(8), primary_key=True),
    sa.Column("channel_name", sa.String(64), nullable=False),
    sa.Column("self_collected", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
ticket_table = sa.Table(
    "ticket", TABLES_DDL,
    sa.Column("ticket_id", sa.String(20), primary_key=True),
    sa.Column("channel_code", sa.String(8)),
    sa.Column("category_code", sa.String(8)),
    sa.Column("street_code", sa.String(12)),
    sa.Column("community_code", sa.String(15)),
    sa.Column("title", sa.String(200)),
    sa.Column("content", sa.Text),
    sa.Column("caller_name", sa.String(32)),
    sa.Column("caller_phone", sa.String(20)),
    sa.Column("longitude", sa.Double),
    sa.Column("latitude", sa.Double),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("dispatched_at", sa.DateTime),
    sa.Column("due_at", sa.DateTime),
    sa.Column("closed_at", sa.DateTime),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
flow_table = sa.Table(
    "ticket_flow", TABLES_DDL,
    sa.Column("flow_id", sa.String(40), primary_key=True),
    sa.Column("ticket_id", sa.String(20), nullable=False),
    sa.Column("step", sa.String(16), nullable=False),
    sa.Column("step_at", sa.DateTime, nullable=False),
    sa.Column("department", sa.String(64)),
    sa.Column("note", sa.String(200)),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)


def _communities() -> dict[str, list[tuple[str, str]]]:
    by_street: dict[str, list[tuple[str, str]]] = {}
    with open(SEEDS_DIR / "ref_communities.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            by_street.setdefault(row["street_code"], []).append((row["community_code"], row["community_name"]))
    return by_street


def _seconds(rng: np.random.Generator, low_h: float, high_h: float, n: int) -> np.ndarray:
    return (rng.uniform(low_h, high_h, n) * 3600).astype("int64")


def generate_year(ctx: SimContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every ticket of the year with its full flow, before projection onto `as_of`."""
    rng = ctx.rng("minyi.tickets")
    n_self = ctx.scaled(SELF_COLLECTED_2024)
    n = n_self + ctx.scaled(TICKETS_2024 - SELF_COLLECTED_2024)
    self_collected = np.zeros(n, dtype=bool)
    self_collected[rng.choice(n, n_self, replace=False)] = True

    self_channels = [c.code for c in CHANNELS if c.self_collected]
    citizen_channels = [c.code for c in CHANNELS if not c.self_collected]
    channel = np.where(
        self_collected, rng.choice(self_channels, n), rng.choice(citizen_channels, n)
    ).astype(object)

    # weekly seasonality: citizens call less at weekends, patrols report on working days
    days = np.arange(366)
    weekday = (days + YEAR_START.weekday()) % 7
    w = np.where(weekday >= 5, 0.7, 1.0)
    day = rng.choice(days, n, p=w / w.sum())
    hour_p = np.array([1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 9, 7, 9, 11, 11, 10, 8, 7, 6, 5, 4, 2, 1], float)
    hour = rng.choice(24, n, p=hour_p / hour_p.sum())
    created = day * 86400 + hour * 3600 + rng.integers(0, 3600, n)

    cat_idx = rng.integers(0, len(CATEGORIES), n)
    sla = np.array([c.sla_days for c in CATEGORIES])[cat_idx] * 86400
    streets = list(STREET_WEIGHTS)
    street = rng.choice(streets, n, p=list(STREET_WEIGHTS.values())).astype(object)
    comms = _communities()
    community = np.empty(n, dtype=object)
    community_name = np.empty(n, dtype=object)
    for s in streets:
        mask = street == s
        pick = rng.integers(0, len(comms[s]), mask.sum())
        community[mask] = [comms[s][i][0] for i in pick]
        community_name[mask] = [comms[s][i][1] for i in pick]

    dispatched = created + _seconds(rng, 0.1, 2, n)
    accepted = dispatched + _seconds(rng, 0.2, 3, n)
    first_contact = accepted + _seconds(rng, 0.3, 20, n)
    extended = rng.random(n) < 0.03
    due = dispatched + sla + np.where(extended, sla, 0)
    # handling takes a share of the (extended) time limit; a very few tickets are closed late
    late = rng.random(n) < 0.0003
    closed = dispatched + (rng.beta(2, 3, n) * (due - dispatched)).astype("int64")
    closed = np.where(late, due + _seconds(rng, 1, 72, n), np.maximum(closed, first_contact + 600))
    visited = closed + _seconds(rng, 1, 48, n)

    ids = np.array([f"MY2024{i:08d}" for i in range(1, n + 1)], dtype=object)
    cats = [CATEGORIES[i] for i in cat_idx]
    names = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)].astype(object) + np.array(GIVEN)[
        rng.integers(0, len(GIVEN), n)
    ].astype(object)
    phones = np.array([f"1{p:010d}" for p in rng.integers(3_000_000_000, 9_999_999_999, n)], dtype=object)
    lon0 = np.array([STREET_CENTRES[s][0] for s in street])
    lat0 = np.array([STREET_CENTRES[s][1] for s in street])

    # planted mess (rates from ctx.mess), recorded in the ground truth
    mess = ctx.mess
    rates = np.array([mess.missing_required, mess.unknown_code, mess.inconsistent, mess.outside_district])
    draw = rng.random(n)
    kind = np.searchsorted(np.cumsum(rates), draw, side="right")  # 0..3 = a defect, 4 = clean
    kind = np.where(kind < len(ANOMALY_KINDS), kind, -1)
    street_out = np.where(kind == 0, None, street)
    channel = np.where(kind == 1, "CH99", channel)
    closed = np.where(kind == 2, created - 3600, closed)
    lon0 = np.where(kind == 3, lon0 + 0.5, lon0)  # ~50 km east: Dapeng Bay, not Longhua

    tickets = pl.DataFrame(
        {k: (v.tolist() if isinstance(v, np.ndarray) and v.dtype == object else v) for k, v in {
            "ticket_id": ids,
            "channel_code": channel,
            "category_code": [c.code for c in cats],
            "street_code": street_out,
            "community_code": community,
            "title": [f"{cn}社区{c.l3}" for cn, c in zip(community_name, cats, strict=True)],
            "content": [
                f"{cn}社区反映{c.l2}问题：{c.l3}，请尽快处理。" for cn, c in zip(community_name, cats, strict=True)
            ],
            "caller_name": np.where(self_collected, None, names),
            "caller_phone": np.where(self_collected, None, phones),
            "longitude": np.round(lon0 + rng.normal(0, 0.008, n), 6),
            "latitude": np.round(lat0 + rng.normal(0, 0.006, n), 6),
            "created_s": created, "dispatched_s": dispatched, "due_s": due, "closed_s": closed,
            "anomaly": np.where(kind >= 0, np.array(ANOMALY_KINDS, dtype=object)[np.maximum(kind, 0)], None),
            "department": [c.department for c in cats],
        }.items()},
        schema_overrides={"street_code": pl.String, "caller_name": pl.String, "caller_phone": pl.String,
                          "anomaly": pl.String},
    )
    steps = [("dispatch", dispatched), ("accept", accepted), ("first_contact", first_contact),
             ("extend", np.where(extended, dispatched + sla // 2, -1)), ("close", closed),
             ("visit", np.where(self_collected, -1, visited))]
    flows = pl.concat(
        [pl.DataFrame({"ticket_id": ids.tolist(), "step": step, "step_s": at, "department": tickets["department"]})
         for step, at in steps]
    ).filter(pl.col("step_s") >= 0)
    return tickets, flows


def _ts(col: str) -> pl.Expr:
    return (pl.lit(YEAR_START) + pl.duration(seconds=pl.col(col))).dt.cast_time_unit("us")


def project(tickets: pl.DataFrame, flows: pl.DataFrame, as_of: datetime) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The source system's tables as they stand at `as_of`."""
    cut = int((as_of - YEAR_START).total_seconds())
    flows = flows.filter(pl.col("step_s") <= cut)
    last = flows.group_by("ticket_id").agg(pl.col("step_s").max().alias("updated_s"))
    t = tickets.filter(pl.col("created_s") <= cut).join(last, on="ticket_id", how="left")
    t = t.with_columns(
        pl.max_horizontal("created_s", pl.col("updated_s").fill_null(0)).alias("updated_s"),
        pl.when(pl.col("closed_s") <= cut).then(pl.lit("closed")).otherwise(pl.lit("open")).alias("status"),
        pl.when(pl.col("closed_s") <= cut).then(pl.col("closed_s")).alias("closed_s"),
    )
    ticket_rows = t.select(
        "ticket_id", "channel_code", "category_code", "street_code", "community_code", "title", "content",
        "caller_name", "caller_phone", "longitude", "latitude", "status",
        _ts("created_s").alias("created_at"), _ts("dispatched_s").alias("dispatched_at"),
        _ts("due_s").alias("due_at"), _ts("closed_s").alias("closed_at"), _ts("updated_s").alias("updated_at"),
    )
    flow_rows = flows.sort("ticket_id", "step_s").select(
        (pl.col("ticket_id") + "-" + pl.col("step")).alias("flow_id"), "ticket_id", "step",
        _ts("step_s").alias("step_at"), "department", pl.lit(None, pl.String).alias("note"),
        _ts("step_s").alias("updated_at"),
    )
    return ticket_rows, flow_rows


def generate(ctx: SimContext) -> None:
    """(Re)write the 民意速办 source database as it stands at `ctx.as_of`, and record its ground truth."""
    tickets, flows = generate_year(ctx)
    ticket_rows, flow_rows = project(tickets, flows, ctx.as_of)
    channels = pl.DataFrame(
        {"channel_code": [c.code for c in CHANNELS], "channel_name": [c.name for c in CHANNELS],
         "self_collected": [c.self_collected for c in CHANNELS], "updated_at": [YEAR_START] * len(CHANNELS)}
    )
    write_tables(ctx.url("minyi"), [(channel_table, channels), (ticket_table, ticket_rows), (flow_table, flow_rows)])

    truth = ctx.truth
    truth.count("minyi", "channel", channels.height)
    truth.count("minyi", "ticket", ticket_rows.height)
    truth.count("minyi", "ticket_flow", flow_rows.height)
    visible = tickets.filter(pl.col("created_s") <= int((ctx.as_of - YEAR_START).total_seconds()))
    for ticket_id, kind in visible.filter(pl.col("anomaly").is_not_null()).select("ticket_id", "anomaly").iter_rows():
        truth.anomaly("minyi", "ticket", ticket_id, kind)
    clean = visible.filter(pl.col("anomaly").is_null())
    self_codes = [c.code for c in CHANNELS if c.self_collected]
    n_self = clean.filter(pl.col("channel_code").is_in(self_codes)).height
    truth.expected.update({
        "demand.tickets": clean.height,
        "demand.self_collected": n_self,
        "demand.citizen": clean.height - n_self,
        "demand.channels": len(CHANNELS),
    })


def default_as_of() -> datetime:
    return YEAR_END - timedelta(seconds=1)
