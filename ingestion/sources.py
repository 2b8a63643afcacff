"""The source registry: which systems exist, their entities, and how each is extracted and validated.

Adding a source means adding an entry here (and its pandera schemas), not a new pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandera.polars as pa

from govlake.settings import Settings
from quality.schemas import minyi

# builds an entity's schema for one batch; the context carries the received time and code lists seen so far
SchemaFactory = Callable[["BatchContext"], pa.DataFrameSchema]


@dataclass
class BatchContext:
    received_at: datetime
    known_codes: dict[str, set[str]]


@dataclass(frozen=True)
class SqlEntity:
    name: str  # lake name (plural), e.g. "tickets"
    table: str  # source table
    primary_key: str
    watermark_column: str
    schema: SchemaFactory
    # re-read this much before the watermark: rows committed late with an older updated_at are still picked up
    overlap: timedelta = timedelta(minutes=10)


@dataclass(frozen=True)
class SqlSource:
    name: str
    title: str
    url: Callable[[Settings], str]
    entities: tuple[SqlEntity, ...]


MINYI = SqlSource(
    name="minyi",
    title="民意速办",
    url=lambda s: s.minyi_url,
    # the channel table comes first: ticket validation checks channel codes against it
    entities=(
        SqlEntity("channels", "channel", "channel_code", "updated_at", lambda ctx: minyi.channel_schema()),
        SqlEntity(
            "tickets", "ticket", "ticket_id", "updated_at",
            lambda ctx: minyi.ticket_schema(ctx.known_codes.get("channels", set()), ctx.received_at),
        ),
        SqlEntity("ticket_flows", "ticket_flow", "flow_id", "updated_at",
                  lambda ctx: minyi.ticket_flow_schema(ctx.received_at)),
    ),
)

SOURCES: dict[str, SqlSource] = {s.name: s for s in (MINYI,)}

