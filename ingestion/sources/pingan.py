"""S2/S3 深平安: the 平安建设工作台 and the safety baseline, one operational database (PostgreSQL in production,
SQLite embedded).

The code dictionary (`sys_dict`) is ingested first: key persons, places, events and clues are checked against the
codes it holds. Every table has its own `updated_at` watermark; the baseline tables come before the 深平安 system's.
"""

from __future__ import annotations

from ingestion.sources.base import SqlEntity, SqlSource
from quality.schemas import pingan as s

PINGAN = SqlSource(
    name="pingan",
    title="深平安",
    url=lambda settings: settings.source_url("pingan"),
    # every dictionary type in one list of '<dict_type>/<code>' (the column slot takes a DuckDB expression)
    reference_codes={"dictionary": ("dictionary", s.DICTIONARY_CODE)},
    entities=(
        SqlEntity("dictionary", "sys_dict", "dict_type,code", "updated_at", lambda ctx: s.dictionary_schema()),
        SqlEntity("key_persons", "key_person", "person_id", "updated_at",
                  lambda ctx: s.key_person_schema(ctx.known_codes.get("dictionary", set()), ctx.received_at)),
        SqlEntity("key_person_changes", "key_person_history", "history_id", "updated_at",
                  lambda ctx: s.key_person_history_schema(ctx.known_codes.get("dictionary", set()), ctx.received_at)),
        SqlEntity("key_places", "key_place", "place_id", "updated_at",
                  lambda ctx: s.key_place_schema(ctx.known_codes.get("dictionary", set()), ctx.received_at)),
        SqlEntity("key_events", "key_event", "event_id", "updated_at",
                  lambda ctx: s.key_event_schema(ctx.known_codes.get("dictionary", set()), ctx.received_at)),
        SqlEntity("shce_clues", "shce_clue", "clue_id", "updated_at",
                  lambda ctx: s.shce_clue_schema(ctx.known_codes.get("dictionary", set()), ctx.received_at)),
        SqlEntity("work_orders", "work_order", "order_id", "updated_at",
                  lambda ctx: s.work_order_schema(ctx.received_at)),
        SqlEntity("work_order_flows", "work_order_flow", "flow_id", "updated_at",
                  lambda ctx: s.work_order_flow_schema(ctx.received_at)),
        SqlEntity("reminder_letters", "reminder_letter", "letter_id", "updated_at",
                  lambda ctx: s.reminder_letter_schema(ctx.received_at)),
        SqlEntity("rectifications", "rectification", "rectification_id", "updated_at",
                  lambda ctx: s.rectification_schema(ctx.received_at)),
        SqlEntity("conflict_items", "conflict_item", "item_id", "updated_at",
                  lambda ctx: s.conflict_item_schema(ctx.received_at)),
        SqlEntity("activities", "activity", "activity_id", "updated_at",
                  lambda ctx: s.activity_schema(ctx.received_at)),
        SqlEntity("volunteers", "volunteer", "volunteer_id", "updated_at",
                  lambda ctx: s.volunteer_schema(ctx.received_at)),
        SqlEntity("participations", "participation", "participation_id", "updated_at",
                  lambda ctx: s.participation_schema(ctx.received_at)),
    ),
)
