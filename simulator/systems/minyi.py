"""Simulated 民意速办 @龙华 operational database (S1): the citizen-demand platform as its own SQL database shows it.

Tables (one SQL database; SQLite embedded, MariaDB as the realistic target):
- `channel`           the 37 intake channels, with whether each is self-collected (自主采集);
- `ticket`            every ticket (工单): channel, category (illustrative 3-level catalogue), street/community/grid,
                      title and content in Chinese, caller (citizen tickets), coordinates, address, the department
                      currently handling it, status, created/dispatched/due/closed times, `updated_at`;
- `ticket_flow`       one row per transition: dispatch, accept, first_contact, return, extend, supervise, close, visit,
                      reopen (flow_id = ticket_id + sequence number);
- `rating`            回访评价 on citizen tickets, 5 levels 非常满意 … 非常不满意, with whether the problem was solved;
- `warning`           预警: overdue-risk (12 h before due, still open) and overdue warnings, each on its ticket;
- `letter`, `letter_ticket`  提醒函 / 督办函 to departments and the tickets each is about;
- `field_reinspection` 实地督查复核 of closed tickets;
- `report`            专报 and 民生诉求分析报表 (daily, weekly, monthly) with their period and headline figure.

The whole year is generated deterministically from the seed, then projected onto an `as_of` instant: a row exists once
it happened, a ticket shows the state it had at `as_of` (re-dispatched department, extended or reopened due time,
corrected category …) and its `updated_at` is its latest change. Re-simulating the same seed with a later `as_of`
therefore behaves like the live system a day later: new tickets plus late updates to old ones (visits days after the
close, reopenings weeks later, corrections) — which is what incremental ingestion has to cope with.

Planted mess (rates from ctx.mess, every instance recorded in ctx.truth):
- ticket: missing_required (street_code empty), unknown_code (channel CH99), inconsistent (closed_at before
  created_at), outside_district (longitude ~50 km east) — recorded as ("minyi", "ticket", ticket_id, kind);
- ticket: late_correction (category reclassified 2–20 days after creation: a later updated_at with a changed
  category_code) — recorded as ("minyi", "ticket_correction", ticket_id, "late_correction") with the details in
  truth.planted["minyi.late_corrections"];
- ticket_flow: future_timestamp (a step_at typed with the year 2099) — ("minyi", "ticket_flow", flow_id, kind);
- rating: invalid_id (the call-back phone mistyped: a digit dropped or doubled) — ("minyi", "rating", rating_id, kind).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl
import sqlalchemy as sa

from simulator import areas
from simulator.catalogue import (
    CATALOGUE_TREE,
    CATEGORIES,
    CHANNEL_FOCUS,
    CHANNEL_WEIGHTS,
    CHANNELS,
    MACHINE_CHANNELS,
    MACHINE_L3,
)
from simulator.context import SimContext, plan_anomalies
from simulator.people import mobiles, names
from simulator.sinks import write_tables
from simulator.systems import minyi_ops
from simulator.systems.minyi_flow import DAY, STEP_ORDER, H, Timeline, strings, timeline
from simulator.systems.minyi_rates import demand_rates
from simulator.systems.minyi_text import CITIZEN, GRID_WORKER, MACHINE, ticket_texts

YEAR_START = datetime(2024, 1, 1)
YEAR_END = datetime(2025, 1, 1)

# Seed-document totals for Longhua 2024 (docs/domain.md §1) at scale 1.0.
TICKETS_2024 = 1_057_500
SELF_COLLECTED_2024 = 717_100

# relative ticket volume by street (population-weighted, illustrative)
STREET_WEIGHTS = {"440309001": 0.12, "440309002": 0.24, "440309003": 0.22, "440309004": 0.16,
                  "440309005": 0.09, "440309006": 0.17}
P_REPEAT = 0.06  # share of citizen demands that repeat an earlier one (same caller, L2, community, ≤ 30 days)
SPRING_FESTIVAL = (39, 48)  # 2024-02-09 … 02-17, days since 1 January
FUTURE_TYPO_S = int((datetime(2099, 1, 1) - YEAR_START).total_seconds())  # "2024" typed as "2099"

# planted ticket defect kinds (MessConfig fields)
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
    sa.Column("grid_code", sa.String(20)),
    sa.Column("title", sa.String(200)),
    sa.Column("content", sa.Text),
    sa.Column("address", sa.String(200)),
    sa.Column("caller_name", sa.String(32)),
    sa.Column("caller_phone", sa.String(20)),
    sa.Column("longitude", sa.Double),
    sa.Column("latitude", sa.Double),
    sa.Column("department", sa.String(64)),
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
rating_table = sa.Table(
    "rating", TABLES_DDL,
    sa.Column("rating_id", sa.String(24), primary_key=True),
    sa.Column("ticket_id", sa.String(20), nullable=False),
    sa.Column("visit_round", sa.Integer, nullable=False),
    sa.Column("visit_method", sa.String(16)),
    sa.Column("callback_phone", sa.String(20)),
    sa.Column("satisfaction", sa.String(8), nullable=False),
    sa.Column("resolved", sa.Boolean),
    sa.Column("comment", sa.String(200)),
    sa.Column("rated_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
warning_table = sa.Table(
    "warning", TABLES_DDL,
    sa.Column("warning_id", sa.String(20), primary_key=True),
    sa.Column("ticket_id", sa.String(20), nullable=False),
    sa.Column("rule_code", sa.String(24), nullable=False),
    sa.Column("rule_name", sa.String(64), nullable=False),
    sa.Column("level", sa.String(8)),
    sa.Column("department", sa.String(64)),
    sa.Column("raised_at", sa.DateTime, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("handled_at", sa.DateTime),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
letter_table = sa.Table(
    "letter", TABLES_DDL,
    sa.Column("letter_id", sa.String(16), primary_key=True),
    sa.Column("letter_no", sa.String(32), nullable=False),
    sa.Column("letter_type", sa.String(8), nullable=False),
    sa.Column("department", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("content", sa.Text),
    sa.Column("ticket_count", sa.Integer, nullable=False),
    sa.Column("issued_at", sa.DateTime, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("replied_at", sa.DateTime),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
letter_ticket_table = sa.Table(
    "letter_ticket", TABLES_DDL,
    sa.Column("letter_id", sa.String(16), primary_key=True),
    sa.Column("ticket_id", sa.String(20), primary_key=True),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
reinspection_table = sa.Table(
    "field_reinspection", TABLES_DDL,
    sa.Column("reinspection_id", sa.String(16), primary_key=True),
    sa.Column("ticket_id", sa.String(20), nullable=False),
    sa.Column("inspector_unit", sa.String(64), nullable=False),
    sa.Column("inspected_at", sa.DateTime, nullable=False),
    sa.Column("result", sa.String(8), nullable=False),
    sa.Column("finding", sa.String(200)),
    sa.Column("photo_count", sa.Integer),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
report_table = sa.Table(
    "report", TABLES_DDL,
    sa.Column("report_id", sa.String(16), primary_key=True),
    sa.Column("report_type", sa.String(16), nullable=False),
    sa.Column("period_type", sa.String(4), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("street_code", sa.String(12)),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("ticket_count", sa.Integer),
    sa.Column("issued_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)


class Year:
    """The full year before projection: tickets (with every event time), flows, ratings, warnings, letters …"""

    def __init__(self, tickets: pl.DataFrame, line: Timeline, letters: pl.DataFrame, letter_links: pl.DataFrame,
                 reinspections: pl.DataFrame, reports: pl.DataFrame) -> None:
        self.tickets = tickets
        self.flows = line.flows
        self.ratings = line.ratings
        self.warnings = line.warnings
        self.letters = letters
        self.letter_links = letter_links
        self.reinspections = reinspections
        self.reports = reports


# --- the tickets ------------------------------------------------------------------------------------------------

def _day_weights(kind: str) -> np.ndarray:
    days = np.arange(366)
    weekday = (days + YEAR_START.weekday()) % 7
    weekend, festival, summer = {"citizen": (0.75, 0.55, 1.08), "grid": (0.45, 0.3, 1.0),
                                 "machine": (0.95, 1.0, 1.0)}[kind]
    w = np.where(weekday >= 5, weekend, 1.0)
    w = np.where((days >= SPRING_FESTIVAL[0]) & (days < SPRING_FESTIVAL[1]), w * festival, w)
    w = np.where((days >= 152) & (days < 274), w * summer, w)  # rainy and typhoon season: June–September
    return w / w.sum()


HOUR_PROFILES = {
    "citizen": [1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 9, 7, 9, 11, 11, 10, 8, 7, 6, 5, 4, 2, 1],
    "grid": [0, 0, 0, 0, 0, 0, 0.2, 1, 6, 10, 10, 9, 4, 6, 9, 9, 8, 5, 2, 1, 1, 0.6, 0.2, 0.1],
    "machine": [3, 2, 2, 2, 2, 3, 5, 7, 8, 8, 8, 8, 7, 7, 8, 8, 8, 8, 7, 6, 5, 5, 4, 3],
}


def _created(rng: np.random.Generator, voice: np.ndarray) -> np.ndarray:
    created = np.zeros(voice.size, dtype=np.int64)
    for v, kind in ((CITIZEN, "citizen"), (GRID_WORKER, "grid"), (MACHINE, "machine")):
        mask = voice == v
        m = int(mask.sum())
        hp = np.array(HOUR_PROFILES[kind], float)
        day = rng.choice(366, m, p=_day_weights(kind))
        hour = rng.choice(24, m, p=hp / hp.sum())
        created[mask] = day * DAY + hour * H + rng.integers(0, H, m)
    return created


def _category_probs(voice: int) -> np.ndarray:
    """P(L3) for a voice: the L1 share split evenly over its L2s and their L3s; machines only detect MACHINE_L3."""
    p = np.zeros(len(CATEGORIES))
    i = 0
    for _l1, self_w, citizen_w, l2s in CATALOGUE_TREE:
        for _l2, _dep, l3s in l2s:
            for l3, _sla, _d in l3s:
                if voice == MACHINE:
                    p[i] = 1.0 if l3 in MACHINE_L3 else 0.0
                else:
                    p[i] = (citizen_w if voice == CITIZEN else self_w) / len(l2s) / len(l3s)
                i += 1
    return p / p.sum()


def _categories(rng: np.random.Generator, voice: np.ndarray, channel_name: np.ndarray) -> np.ndarray:
    cat = np.zeros(voice.size, dtype=np.int64)
    for v in (CITIZEN, GRID_WORKER, MACHINE):
        mask = voice == v
        cat[mask] = rng.choice(len(CATEGORIES), int(mask.sum()), p=_category_probs(v))
    # specialised channels report mostly in their own L1 class
    l1_of = np.array([c.l1 for c in CATEGORIES], dtype=object)
    for channel, l1 in CHANNEL_FOCUS.items():
        members = np.flatnonzero(l1_of == l1)
        mask = (channel_name == channel) & (rng.random(voice.size) < 0.75)
        cat[mask] = members[rng.integers(0, members.size, int(mask.sum()))]
    return cat


def _channels(rng: np.random.Generator, n_self: int, n_citizen: int) -> tuple[np.ndarray, np.ndarray]:
    """(channel index, self-collected flag) per ticket, self-collected first."""
    out = []
    for own in (True, False):
        idx = np.array([i for i, c in enumerate(CHANNELS) if c.self_collected == own])
        w = np.array([CHANNEL_WEIGHTS[CHANNELS[i].name] for i in idx], float)
        out.append(idx[rng.choice(idx.size, n_self if own else n_citizen, p=w / w.sum())])
    channel = np.concatenate(out)
    return channel, np.concatenate([np.ones(n_self, bool), np.zeros(n_citizen, bool)])


class Grids:
    """The grid code table as gatherable columns; tickets carry a grid index."""

    def __init__(self) -> None:
        g = areas.grid_arrays()
        streets = list(STREET_WEIGHTS)
        names = {c["community_code"]: c["community_name"] for c in areas.communities()}
        self.street_idx = np.array([streets.index(s) for s in g["street_code"]])
        self.longitude, self.latitude = g["longitude"], g["latitude"]
        self.grid_code = pl.Series(g["grid_code"].tolist(), dtype=pl.String)
        self.community_code = pl.Series(g["community_code"].tolist(), dtype=pl.String)
        self.community_name = pl.Series([names[c] for c in g["community_code"]], dtype=pl.String)
        self.street_code = pl.Series(g["street_code"].tolist(), dtype=pl.String)


def _places(rng: np.random.Generator, grids: Grids, n: int) -> dict[str, np.ndarray]:
    """A grid per ticket (street by weight, grid uniform within the street) and a point near the grid's centre."""
    street_idx = rng.choice(len(STREET_WEIGHTS), n, p=list(STREET_WEIGHTS.values()))
    order = np.argsort(grids.street_idx, kind="stable")
    sizes = np.bincount(grids.street_idx, minlength=len(STREET_WEIGHTS))
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    gi = order[offsets[street_idx] + (rng.random(n) * sizes[street_idx]).astype(np.int64)]
    lon = np.clip(grids.longitude[gi] + rng.normal(0, 0.0015, n), 113.96, 114.15)
    lat = np.clip(grids.latitude[gi] + rng.normal(0, 0.0012, n), 22.59, 22.79)
    return {"gi": gi, "longitude": np.round(lon, 6), "latitude": np.round(lat, 6)}


def _plant_repeats(rng: np.random.Generator, t: dict[str, np.ndarray], citizen: np.ndarray) -> np.ndarray:
    """Make P_REPEAT of citizen tickets repeat an earlier, non-repeat one of the last 30 days: same caller, same
    community and grid, same L2 (mostly the same L3). Returns the index of the original per ticket (-1 if none)."""
    n = citizen.size
    cit = np.flatnonzero(citizen)
    repeat = np.zeros(n, bool)
    repeat[cit[rng.random(cit.size) < P_REPEAT]] = True
    originals = np.flatnonzero(citizen & ~repeat)  # sorted by creation: tickets are in created order
    rep = np.flatnonzero(repeat)
    created = t["created"]
    lo = np.searchsorted(created[originals], created[rep] - 29 * DAY, side="left")
    hi = np.searchsorted(created[originals], created[rep] - 2 * H, side="right")
    ok = hi > lo
    rep, lo, hi = rep[ok], lo[ok], hi[ok]
    orig = originals[lo + (rng.random(rep.size) * (hi - lo)).astype(np.int64)]
    for col in ("caller_name", "caller_phone", "gi", "longitude", "latitude"):
        t[col][rep] = t[col][orig]
    l2 = np.array([c.code[:4] for c in CATEGORIES])
    l2_start = np.searchsorted(l2, l2)
    l2_size = np.searchsorted(l2, l2, side="right") - l2_start
    oc = t["cat"][orig]
    other = l2_start[oc] + (rng.random(rep.size) * l2_size[oc]).astype(np.int64)
    t["cat"][rep] = np.where(rng.random(rep.size) < 0.7, oc, other)
    origin = np.full(n, -1)
    origin[rep] = orig
    return origin


def _ticket_mess(rng: np.random.Generator, ctx: SimContext) -> tuple[np.ndarray, int]:
    """The planted defect per ticket (an index into ANOMALY_KINDS, -1 = clean), self-collected tickets first as in
    _channels: each voice gets exactly its clean total of the seed (docs/calibration.md) plus its planted rows."""
    groups = [plan_anomalies(rng, ctx.scaled(clean), ANOMALY_KINDS, ctx.mess)
              for clean in (SELF_COLLECTED_2024, TICKETS_2024 - SELF_COLLECTED_2024)]
    codes = {k: i for i, k in enumerate(ANOMALY_KINDS)}
    return np.array([codes.get(k, -1) for g in groups for k in g], dtype=np.int64), groups[0].size


def _department_table(street_names: list[str]) -> np.ndarray:
    """[category, street] -> the responsible unit; street-level teams carry their street's name (民治街道综合执法队)."""
    return np.array([[(street + c.department) if c.department.startswith("街道") else c.department
                      for street in street_names] for c in CATEGORIES], dtype=object)


def generate_year(ctx: SimContext) -> Year:
    """Every ticket of the year with its full history, before projection onto `as_of`."""
    rng = ctx.rng("minyi.tickets")
    kind, n_self = _ticket_mess(rng, ctx)
    n = kind.size
    n_citizen = n - n_self
    channel, self_collected = _channels(rng, n_self, n_citizen)
    channel_name = np.array([c.name for c in CHANNELS], dtype=object)[channel]
    voice = np.where(~self_collected, CITIZEN, np.where(np.isin(channel_name, MACHINE_CHANNELS), MACHINE, GRID_WORKER))
    created = _created(rng, voice)
    order = np.argsort(created, kind="stable")  # ticket ids follow creation time, as in the real system
    channel, self_collected, channel_name, voice, created, kind = (
        a[order] for a in (channel, self_collected, channel_name, voice, created, kind))
    citizen = ~self_collected
    grids = Grids()
    t: dict[str, np.ndarray] = {"created": created, "cat": _categories(rng, voice, channel_name),
                                **_places(rng, grids, n)}
    caller_name = np.full(n, None, dtype=object)
    caller_phone = np.full(n, None, dtype=object)
    caller_name[citizen] = names(rng, int(citizen.sum()))
    caller_phone[citizen] = mobiles(rng, int(citizen.sum()))
    t["caller_name"], t["caller_phone"] = caller_name, caller_phone
    origin = _plant_repeats(rng, t, citizen)

    street_names = [areas.streets()[s] for s in STREET_WEIGHTS]
    gi = t["gi"]
    street_idx = grids.street_idx[gi]
    cat = t["cat"]
    dept_table = _department_table(street_names)
    department = dept_table[cat, street_idx]
    sla_s = np.array([c.sla_days for c in CATEGORIES], dtype=np.int64)[cat] * DAY
    departments = sorted(set(dept_table[:, 0].tolist()))  # the units a ticket can be wrongly dispatched to
    line = timeline(ctx.rng("minyi.flow"), created, sla_s, citizen, department, departments)

    text = ticket_texts(ctx.rng("minyi.text"), cat, voice, street_idx, (grids.community_name, gi),
                        (grids.grid_code, gi), ([c.name for c in CHANNELS], channel), created, street_names)
    # a share of repeat demands say so: the operator notes the earlier call
    repeat_note = (origin >= 0) & (rng.random(n) < 0.5)
    content = pl.select(pl.when(pl.Series(repeat_note)).then(pl.concat_str([
        pl.lit("来电人表示此前已反映过该问题，至今未解决。"), pl.lit(text["content"])]))
        .otherwise(pl.lit(text["content"])))

    corrected = (kind < 0) & (origin < 0) & (rng.random(n) < ctx.mess.late_correction)
    l1_start = np.searchsorted(np.array([c.code[:2] for c in CATEGORIES]), [c.code[:2] for c in CATEGORIES])
    l1_size = np.searchsorted(np.array([c.code[:2] for c in CATEGORIES]), [c.code[:2] for c in CATEGORIES],
                              side="right") - l1_start
    shift = 1 + (rng.random(n) * (l1_size[cat] - 1)).astype(np.int64)
    new_cat = l1_start[cat] + (cat - l1_start[cat] + shift) % l1_size[cat]  # another L3 of the same L1 class
    codes = np.array([c.code for c in CATEGORIES], dtype=object)
    times = line.times
    final_closed = np.where(times["reopened"] >= 0, times["closed2"], times["closed1"])
    tickets = pl.DataFrame({
        "idx": np.arange(n),
        "channel_code": np.where(kind == 1, "CH99", np.array([c.code for c in CHANNELS], dtype=object)[channel]),
        "self_collected": self_collected,
        "category_code": codes[cat], "corrected_category": strings(np.where(corrected, codes[new_cat], None)),
        "corrected_s": np.where(corrected, created + rng.integers(2 * DAY, 20 * DAY, n), -1),
        "l2_name": np.array([c.l2 for c in CATEGORIES], dtype=object)[cat],
        "street_code": grids.street_code.gather(gi).set(pl.Series(kind == 0), None),
        "true_street_code": grids.street_code.gather(gi),
        "street_name": pl.Series(street_names).gather(street_idx), "community_code": grids.community_code.gather(gi),
        "grid_code": grids.grid_code.gather(gi),
        "title": text["title"], "content": content.to_series(), "address": text["address"],
        "caller_name": strings(t["caller_name"]), "caller_phone": strings(t["caller_phone"]),
        "longitude": np.where(kind == 3, t["longitude"] + 0.5, t["longitude"]),  # ~50 km east: not Longhua
        "latitude": t["latitude"],
        "department": department, "returned_dept": strings(line.returned_dept),
        "created_s": created, "dispatched_s": times["dispatched"], "redispatched_s": times["redispatched"],
        "due1_s": times["due1"], "closed1_s": np.where(kind == 2, created - H, times["closed1"]),
        "reopened_s": times["reopened"], "due2_s": times["due2"],
        "closed2_s": np.where(kind == 2, created - H, times["closed2"]),
        "final_closed_s": final_closed, "origin": origin, "template": text["template"],
        "anomaly": strings(np.where(kind >= 0, np.array(ANOMALY_KINDS, dtype=object)[np.maximum(kind, 0)], None)),
    }, strict=False).with_columns(
        pl.format("MY2024{}", (pl.col("idx") + 1).cast(pl.String).str.zfill(8)).alias("ticket_id"),
        pl.col("anomaly").is_null().alias("clean"),
    )

    ops_rng = ctx.rng("minyi.supervision")
    letters, links = minyi_ops.letters(ops_rng, ctx.scaled(minyi_ops.LETTERS_2024), line.warnings, tickets)
    warned_or_reopened = np.zeros(n, bool)
    warned_or_reopened[line.warnings["idx"].to_numpy()] = True
    warned_or_reopened |= times["reopened"] >= 0
    reinspections = minyi_ops.reinspections(ops_rng, ctx.scaled(minyi_ops.REINSPECTIONS_2024), tickets,
                                            warned_or_reopened)
    reports = minyi_ops.reports(ctx.scaled(minyi_ops.SPECIAL_REPORTS_2024), ctx.scaled(minyi_ops.ANALYSIS_REPORTS_2024),
                                tickets.filter(~pl.col("self_collected") & pl.col("clean"))
                                .select("created_s", pl.col("true_street_code").alias("street_code"), "l2_name"),
                                {s: areas.streets()[s] for s in STREET_WEIGHTS})
    return Year(tickets, line, letters, links, reinspections, reports)


# --- projection onto as_of -----------------------------------------------------------------------------------------

def _ts(col: str) -> pl.Expr:
    return (pl.lit(YEAR_START) + pl.duration(seconds=pl.col(col))).dt.cast_time_unit("us")


def _cut(as_of: datetime) -> int:
    return int((as_of - YEAR_START).total_seconds())


def _seen(col: str, cut: int) -> pl.Expr:
    """The time if it has happened by the cut, else null."""
    return pl.when((pl.col(col) >= 0) & (pl.col(col) <= cut)).then(pl.col(col))


def project_tickets(year: Year, flows: pl.DataFrame, cut: int) -> pl.DataFrame:
    # tickets are in creation order: the visible ones are a prefix (a zero-copy slice, no join)
    k = int(np.searchsorted(year.tickets["created_s"].to_numpy(), cut, side="right"))
    last = np.zeros(year.tickets.height, dtype=np.int64)
    np.maximum.at(last, flows["idx"].to_numpy(), flows["step_s"].to_numpy())
    t = year.tickets.slice(0, k).with_columns(pl.Series("last_step_s", last[:k]))
    reopened = _seen("reopened_s", cut).is_not_null()
    closed = pl.when(reopened).then(pl.col("closed2_s")).otherwise(pl.col("closed1_s"))
    t = t.with_columns(
        pl.when(closed <= cut).then(closed).alias("closed_s"),
        pl.when(reopened).then(pl.col("due2_s")).otherwise(pl.col("due1_s")).alias("due_s"),
        pl.when(_seen("corrected_s", cut).is_not_null()).then(pl.col("corrected_category"))
        .otherwise(pl.col("category_code")).alias("category_code"),
        pl.when(pl.col("returned_dept").is_not_null() & (pl.col("redispatched_s") > cut))
        .then(pl.col("returned_dept")).otherwise(pl.col("department")).alias("department"),
        pl.max_horizontal("created_s", pl.col("last_step_s").fill_null(0), _seen("corrected_s", cut).fill_null(0))
        .alias("updated_s"),
    )
    return t.select(
        "ticket_id", "channel_code", "category_code", "street_code", "community_code", "grid_code", "title", "content",
        "address", "caller_name", "caller_phone", "longitude", "latitude", "department",
        pl.when(pl.col("closed_s").is_not_null()).then(pl.lit("closed")).otherwise(pl.lit("open")).alias("status"),
        _ts("created_s").alias("created_at"), _ts("dispatched_s").alias("dispatched_at"),
        _ts("due_s").alias("due_at"), _ts("closed_s").alias("closed_at"), _ts("updated_s").alias("updated_at"),
    )


def _ids(year: Year) -> pl.DataFrame:
    return year.tickets.select("idx", "ticket_id")


def numbered_flows(year: Year, ctx: SimContext, cut: int) -> pl.DataFrame:
    """Flows that happened by the cut, in ticket and time order with their ids (ticket id + sequence number, stable
    across cuts); a few step times typed with the year 2099 (planted future_timestamp)."""
    f = year.flows
    idx = f["idx"].to_numpy()
    step_s = f["step_s"].to_numpy()
    order = f["step"].cast(pl.String).replace_strict(STEP_ORDER, return_dtype=pl.Int64).to_numpy()
    perm = np.lexsort((order, step_s, idx))
    first = np.searchsorted(idx[perm], idx[perm])
    seq = np.empty(perm.size, dtype=np.int64)
    seq[perm] = np.arange(perm.size) - first + 1
    typo = ctx.rng("minyi.flow_mess").random(f.height) < ctx.mess.future_timestamp
    keep = perm[step_s[perm] <= cut]
    ids = year.tickets["ticket_id"]
    return f[keep].with_columns(
        ids.gather(idx[keep]).alias("ticket_id"), pl.Series("seq", seq[keep]), pl.Series("future_typo", typo[keep]),
    ).with_columns(
        pl.concat_str([pl.col("ticket_id"), pl.lit("-"), pl.col("seq").cast(pl.String).str.zfill(2)]).alias("flow_id"),
    )


def project(year: Year, ctx: SimContext, as_of: datetime) -> dict[str, pl.DataFrame]:
    """The source system's tables as they stand at `as_of` (plus the planted-mess markers, dropped on write)."""
    cut = _cut(as_of)
    flows = numbered_flows(year, ctx, cut)
    tickets = project_tickets(year, flows, cut)
    flow_rows = flows.select(
        "flow_id", "ticket_id", "step",
        pl.when(pl.col("future_typo")).then(_ts("step_s") + pl.duration(seconds=FUTURE_TYPO_S))
        .otherwise(_ts("step_s")).alias("step_at"),
        "department", "note", _ts("step_s").alias("updated_at"), "future_typo",
    )
    ids = _ids(year)
    ratings = _rating_rows(year, ctx, cut)
    handled = _seen("handled_s", cut)
    warnings = year.warnings.with_row_index("n", offset=1).filter(pl.col("raised_s") <= cut).join(
        year.tickets.select("idx", "ticket_id", "department"), on="idx").sort("n").select(
        pl.format("YJ2024{}", pl.col("n").cast(pl.String).str.zfill(7)).alias("warning_id"), "ticket_id", "rule_code",
        "rule_name", "level", "department", _ts("raised_s").alias("raised_at"),
        pl.when(handled.is_not_null()).then(pl.lit("已办结")).otherwise(pl.lit("待处置")).alias("status"),
        pl.when(handled.is_not_null()).then(_ts("handled_s")).alias("handled_at"),
        pl.when(handled.is_not_null()).then(_ts("handled_s")).otherwise(_ts("raised_s")).alias("updated_at"),
    )
    replied = _seen("replied_s", cut)
    letters = year.letters.filter(pl.col("issued_s") <= cut).select(
        "letter_id", "letter_no", "letter_type", "department", "subject", "content",
        pl.col("tickets").alias("ticket_count"), _ts("issued_s").alias("issued_at"),
        pl.when(replied.is_not_null()).then(pl.lit("已回复")).otherwise(pl.lit("已发函")).alias("status"),
        pl.when(replied.is_not_null()).then(_ts("replied_s")).alias("replied_at"),
        pl.when(replied.is_not_null()).then(_ts("replied_s")).otherwise(_ts("issued_s")).alias("updated_at"),
    )
    links = year.letter_links.filter(pl.col("issued_s") <= cut).select(
        "letter_id", "ticket_id", _ts("issued_s").alias("updated_at"))
    reinspections = year.reinspections.filter(pl.col("inspected_s") <= cut).join(ids, on="idx").sort(
        "reinspection_id").select("reinspection_id", "ticket_id", "inspector_unit",
                                  _ts("inspected_s").alias("inspected_at"), "result", "finding", "photo_count",
                                  _ts("inspected_s").alias("updated_at"))
    reports = year.reports.filter(pl.col("issued_s") <= cut).select(
        "report_id", "report_type", "period_type", "period_start", "period_end", "street_code", "title",
        "ticket_count", _ts("issued_s").alias("issued_at"), _ts("issued_s").alias("updated_at"))
    return {"ticket": tickets, "ticket_flow": flow_rows, "rating": ratings, "warning": warnings, "letter": letters,
            "letter_ticket": links, "field_reinspection": reinspections, "report": reports}


def _rating_rows(year: Year, ctx: SimContext, cut: int) -> pl.DataFrame:
    """Ratings given by the cut; the call-back phone is the caller's, now and then mistyped (planted invalid_id)."""
    r = year.ratings.join(year.tickets.select("idx", "ticket_id", "caller_phone"), on="idx").sort("idx", "visit_round")
    rng = ctx.rng("minyi.rating_mess")
    bad = rng.random(r.height) < ctx.mess.invalid_id
    drop = rng.random(r.height) < 0.5
    phone = pl.col("caller_phone")
    return r.with_columns(pl.Series("invalid_phone", bad), pl.Series("drop_digit", drop)).filter(
        pl.col("rated_s") <= cut).select(
        pl.format("{}-R{}", pl.col("ticket_id"), pl.col("visit_round")).alias("rating_id"), "ticket_id",
        "visit_round", "visit_method",
        pl.when(~pl.col("invalid_phone")).then(phone)
        .when(pl.col("drop_digit")).then(phone.str.slice(0, 10))
        .otherwise(pl.concat_str([phone, phone.str.slice(10, 1)])).alias("callback_phone"),
        "satisfaction", "resolved", "comment", _ts("rated_s").alias("rated_at"), _ts("rated_s").alias("updated_at"),
        "invalid_phone",
    )


# --- writing and the ground truth -------------------------------------------------------------------------------

TABLES = {"ticket": ticket_table, "ticket_flow": flow_table, "rating": rating_table, "warning": warning_table,
          "letter": letter_table, "letter_ticket": letter_ticket_table, "field_reinspection": reinspection_table,
          "report": report_table}


def channel_rows() -> pl.DataFrame:
    return pl.DataFrame(
        {"channel_code": [c.code for c in CHANNELS], "channel_name": [c.name for c in CHANNELS],
         "self_collected": [c.self_collected for c in CHANNELS], "updated_at": [YEAR_START] * len(CHANNELS)}
    )


def generate(ctx: SimContext) -> None:
    """(Re)write the 民意速办 source database as it stands at `ctx.as_of`, and record its ground truth."""
    year = generate_year(ctx)
    rows = project(year, ctx, ctx.as_of)
    channels = channel_rows()
    write_tables(ctx.url("minyi"), [(channel_table, channels)] + [
        (table, rows[name].select([c.name for c in table.columns])) for name, table in TABLES.items()])
    record_truth(ctx, year, rows, channels)


def record_truth(ctx: SimContext, year: Year, rows: dict[str, pl.DataFrame], channels: pl.DataFrame) -> None:
    truth = ctx.truth
    cut = _cut(ctx.as_of)
    truth.count("minyi", "channel", channels.height)
    for name, df in rows.items():
        truth.count("minyi", name, df.height)
    visible = year.tickets.slice(0, rows["ticket"].height).select(
        "idx", "ticket_id", "clean", "anomaly", "self_collected", "origin", "category_code", "corrected_category",
        "corrected_s")
    for ticket_id, kind in visible.filter(~pl.col("clean")).select("ticket_id", "anomaly").iter_rows():
        truth.anomaly("minyi", "ticket", ticket_id, kind)
    corrections = visible.filter((pl.col("corrected_s") >= 0) & (pl.col("corrected_s") <= cut))
    truth.planted["minyi.late_corrections"] = [
        {"ticket_id": tid, "field": "category_code", "before": before, "after": after,
         "corrected_at": (YEAR_START + timedelta(seconds=s)).isoformat(sep=" ")}
        for tid, before, after, s in corrections.select("ticket_id", "category_code", "corrected_category",
                                                        "corrected_s").iter_rows()]
    for (tid,) in corrections.select("ticket_id").iter_rows():
        truth.anomaly("minyi", "ticket_correction", tid, "late_correction")
    for (fid,) in rows["ticket_flow"].filter(pl.col("future_typo")).select("flow_id").iter_rows():
        truth.anomaly("minyi", "ticket_flow", fid, "future_timestamp")
    for (rid,) in rows["rating"].filter(pl.col("invalid_phone")).select("rating_id").iter_rows():
        # the phone plays no part in any indicator: the rating still counts
        truth.anomaly("minyi", "rating", rid, "invalid_id", level="field")
    truth.expected.update(expected_indicators(ctx, visible, rows))
    truth.planted.update(planted_figures(visible, rows))


def expected_indicators(ctx: SimContext, visible: pl.DataFrame, rows: dict[str, pl.DataFrame]) -> dict[str, float]:
    """docs/domain.md §5 demand.* figures from the clean rows visible at as_of (our KPI definitions, docs/domain.md §3).

    VISIBLE is aligned row by row with rows["ticket"] (both are the creation-ordered prefix of the year)."""
    t = rows["ticket"].select(
        "ticket_id", "category_code", "community_code", "caller_phone", "created_at", "dispatched_at", "due_at",
        "closed_at", "updated_at").with_columns(visible["clean"], visible["self_collected"]).filter(pl.col("clean"))
    n_self = int(t["self_collected"].sum())
    as_of = t["updated_at"].max()  # the data's own clock, as the marts define "due"
    due = t.filter(pl.col("due_at") <= as_of)
    on_time = due.filter(pl.col("closed_at").is_not_null() & (pl.col("closed_at") <= pl.col("due_at"))).height
    months = ctx.as_of.month if ctx.as_of.year == YEAR_START.year else 12
    reports = rows["report"]
    clean_ids = t.select("ticket_id")
    return {
        "demand.tickets": t.height,
        "demand.self_collected": n_self,
        "demand.citizen": t.height - n_self,
        "demand.citizen_monthly_avg": round((t.height - n_self) / months, 1),
        "demand.channels": len(CHANNELS),
        "demand.on_time_closure_rate": on_time / due.height if due.height else 1.0,
        "demand.warnings": rows["warning"].join(clean_ids, on="ticket_id").height,
        "demand.letters": rows["letter"].height,
        "demand.field_reinspections": rows["field_reinspection"].height,
        "demand.special_reports": reports.filter(pl.col("report_type") == "专报").height,
        "demand.analysis_reports": reports.filter(pl.col("report_type") == "民生诉求分析报表").height,
        **demand_rates(t, rows["ticket_flow"], rows["rating"], as_of),
    }


def planted_figures(visible: pl.DataFrame, rows: dict[str, pl.DataFrame]) -> dict[str, object]:
    """What was planted on purpose, for the models that must find it (repeat demands, reopenings, returns …)."""
    origin_clean = visible.select(pl.col("idx").alias("origin"), pl.col("clean").alias("origin_clean"))
    repeats = visible.filter(pl.col("clean") & (pl.col("origin") >= 0)).join(origin_clean, on="origin").filter(
        pl.col("origin_clean"))
    flows = rows["ticket_flow"]

    def tickets_with(step: str) -> int:
        return flows.filter(pl.col("step") == step)["ticket_id"].n_unique()

    return {
        "minyi.repeat_demands": repeats.height,
        "minyi.reopened_tickets": tickets_with("reopen"),
        "minyi.returned_tickets": tickets_with("return"),
        "minyi.extended_tickets": tickets_with("extend"),
        "minyi.supervised_tickets": tickets_with("supervise"),
    }


def default_as_of() -> datetime:
    return YEAR_END - timedelta(seconds=1)
