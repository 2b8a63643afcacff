"""Simulated 深平安 database: the 平安建设工作台 (S2) and the 平安底数 / "四个重点" safety baseline (S3).

One operational database (PostgreSQL in production, `source_pingan_url`; SQLite embedded) holds both, as the real
深平安 system does. The tables and their volumes are described in `pingan_work` (work orders and their flow,
reminder letters and rectification rounds, conflict items, activities, volunteers, participations) and
`pingan_baseline` (key persons and their listing history, key places, key events, 扫黑除恶 clues, the code dictionary).

The whole history is generated deterministically from the seed and projected onto `ctx.as_of`: a row exists once it
was created, its statuses are those reached by then and its `updated_at` is its latest change — so a later `as_of`
behaves like the live system a day later (new rows, late updates, late corrections of control levels).
"""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from simulator.context import SimContext
from simulator.sinks import write_tables
from simulator.systems.pingan_baseline import LEVELS, SUBTYPES, Baseline, generate_baseline, project_baseline
from simulator.systems.pingan_common import SYSTEM
from simulator.systems.pingan_work import PinganWork, generate_pingan_work, project_pingan_work

# entity (table) -> (generated frame attribute, key column)
_SOURCES = {
    "key_person": ("persons", "person_id"), "key_place": ("places", "place_id"),
    "key_event": ("events", "event_id"), "shce_clue": ("clues", "clue_id"), "work_order": ("orders", "order_id"),
    "reminder_letter": ("letters", "letter_id"), "conflict_item": ("conflicts", "item_id"),
    "activity": ("activities", "activity_id"), "participation": ("participations", "participation_id"),
}
# defects that make a row unfit for counting (a late correction leaves a valid row behind)
_COUNTABLE = [None, "late_correction"]


def generate(ctx: SimContext) -> None:
    """(Re)write the 深平安 source database as it stands at `ctx.as_of`, and record its ground truth."""
    baseline = generate_baseline(ctx)
    work = generate_pingan_work(ctx, baseline.places)
    tables = project_baseline(baseline, ctx) + project_pingan_work(work, ctx)
    write_tables(ctx.url(SYSTEM), tables)
    record_truth(ctx, baseline, work, tables)


def _clean(df: pl.DataFrame, generated: pl.DataFrame, key: str) -> pl.DataFrame:
    ok = generated.filter(pl.col("anomaly").is_null() | pl.col("anomaly").is_in(_COUNTABLE[1:])).select(key)
    return df.join(ok, on=key, how="semi")


def record_truth(ctx: SimContext, b: Baseline, w: PinganWork, tables: list[tuple[sa.Table, pl.DataFrame]]) -> None:
    truth = ctx.truth
    out = {t.name: df for t, df in tables}
    for name, df in out.items():
        truth.count(SYSTEM, name, df.height)
    generated: dict[str, pl.DataFrame] = {**vars(b), **vars(w)}
    for entity, (attr, key) in _SOURCES.items():
        g = generated[attr].filter(pl.col("anomaly").is_not_null()).join(out[entity].select(key), on=key, how="semi")
        for k, kind in g.sort(key).select(key, "anomaly").iter_rows():
            truth.anomaly(SYSTEM, entity, k, kind)
        if "dup_of" in g.columns:  # which record each planted duplicate repeats
            dups = g.filter(pl.col("anomaly") == "duplicate").sort(key).select(key, "dup_of")
            truth.planted[f"{SYSTEM}.{entity}.duplicate_of"] = dict(dups.iter_rows())

    def clean(entity: str) -> pl.DataFrame:
        attr, key = _SOURCES[entity]
        return _clean(out[entity], generated[attr], key)

    parts = clean("participation")
    truth.expected.update({
        "pingan.work_orders": clean("work_order").height,
        "pingan.reminder_letters_rectified": clean("reminder_letter").filter(pl.col("status") == "已整改").height,
        "pingan.conflicts_closed": clean("conflict_item").filter(pl.col("status") == "已办结").height,
        "pingan.activities": clean("activity").height,
        "pingan.participations": parts.height,
        "pingan.service_hours": float(parts["service_hours"].sum() or 0.0),
    })
    truth.expected.update(_baseline_figures(clean("key_person"), clean("key_place"), clean("key_event"),
                                            clean("shce_clue")))


def _baseline_figures(persons: pl.DataFrame, places: pl.DataFrame, events: pl.DataFrame,
                      clues: pl.DataFrame) -> dict[str, float]:
    """The baseline as the platform should rebuild it at `as_of` (our names: `baseline.*`)."""
    listed = persons.filter(pl.col("status") == "在册")
    figures: dict[str, float] = {"baseline.key_persons": listed.height}
    for code in SUBTYPES:
        figures[f"baseline.key_persons.{code}"] = listed.filter(pl.col("subtype_code") == code).height
    for code in LEVELS:
        figures[f"baseline.key_persons.level.{code}"] = listed.filter(pl.col("control_level") == code).height
    active = places.filter(pl.col("status") == "在管")
    figures["baseline.key_places"] = active.height
    figures["baseline.key_places.high_risk"] = active.filter(pl.col("risk_level") == "高").height
    figures["baseline.key_events"] = events.height
    figures["baseline.key_events.open"] = events.filter(pl.col("status") == "处置中").height
    figures["baseline.clues"] = clues.height
    figures["baseline.clues.finished"] = clues.filter(pl.col("status").is_in(["已办结", "移交"])).height
    return figures
