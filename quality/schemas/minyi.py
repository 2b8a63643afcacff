"""pandera schemas (polars backend) for the 民意速办 source entities: ticket, ticket_flow, channel."""

from __future__ import annotations

from datetime import datetime

import pandera.polars as pa
import polars as pl

from quality.checks import not_in_future
from quality.codes import DISTRICT_BBOX, seed_column

TS = pl.Datetime("us")
FLOW_STEPS = ["dispatch", "accept", "first_contact", "return", "extend", "close", "visit", "reopen", "supervise"]


def channel_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "channel_code": pa.Column(pl.String, pa.Check.str_matches(r"^CH\d{2}$"), unique=True),
            "channel_name": pa.Column(pl.String),
            "self_collected": pa.Column(pl.Boolean),
            "updated_at": pa.Column(TS),
        },
        name="channel",
    )


def _closed_not_before_created(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(pl.col("closed_at").is_null() | (pl.col("closed_at") >= pl.col("created_at")))


def _closed_iff_closed_at(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select((pl.col("status") == "closed") == pl.col("closed_at").is_not_null())


def ticket_schema(known_channels: set[str], received_at: datetime) -> pa.DataFrameSchema:
    """KNOWN_CHANNELS come from the source's own channel table; RECEIVED_AT bounds timestamps (no future ones)."""
    not_future = not_in_future(received_at)
    return pa.DataFrameSchema(
        {
            "ticket_id": pa.Column(pl.String, pa.Check.str_matches(r"^MY\d{12}$"), unique=True),
            "channel_code": pa.Column(pl.String, pa.Check.isin(sorted(known_channels))),
            "category_code": pa.Column(pl.String, pa.Check.isin(sorted(seed_column("ref_ticket_categories",
                                                                                    "category_code")))),
            "street_code": pa.Column(pl.String, pa.Check.isin(sorted(seed_column("ref_streets", "street_code")))),
            "community_code": pa.Column(
                pl.String, pa.Check.isin(sorted(seed_column("ref_communities", "community_code")))
            ),
            "title": pa.Column(pl.String, nullable=True),
            "content": pa.Column(pl.String, nullable=True),
            "caller_name": pa.Column(pl.String, nullable=True),
            "caller_phone": pa.Column(pl.String, pa.Check.str_matches(r"^1[3-9]\d{9}$"), nullable=True),
            "longitude": pa.Column(pl.Float64, pa.Check.in_range(DISTRICT_BBOX["lon_min"], DISTRICT_BBOX["lon_max"]),
                                   nullable=True),
            "latitude": pa.Column(pl.Float64, pa.Check.in_range(DISTRICT_BBOX["lat_min"], DISTRICT_BBOX["lat_max"]),
                                  nullable=True),
            "status": pa.Column(pl.String, pa.Check.isin(["open", "closed"])),
            "created_at": pa.Column(TS, not_future),
            "dispatched_at": pa.Column(TS, not_future, nullable=True),
            "due_at": pa.Column(TS, nullable=True),
            "closed_at": pa.Column(TS, not_future, nullable=True),
            "updated_at": pa.Column(TS, not_future),
        },
        checks=[
            pa.Check(_closed_not_before_created, name="closed_at_not_before_created_at"),
            pa.Check(_closed_iff_closed_at, name="status_matches_closed_at"),
        ],
        name="ticket",
    )


def ticket_flow_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "flow_id": pa.Column(pl.String, unique=True),
            "ticket_id": pa.Column(pl.String, pa.Check.str_matches(r"^MY\d{12}$")),
            "step": pa.Column(pl.String, pa.Check.isin(FLOW_STEPS)),
            "step_at": pa.Column(TS, not_in_future(received_at)),
            "department": pa.Column(pl.String, nullable=True),
            "note": pa.Column(pl.String, nullable=True),
            "updated_at": pa.Column(TS),
        },
        name="ticket_flow",
    )
