"""What a source is: its entities, how each is extracted incrementally and which pandera schema guards it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

import pandera.polars as pa

from common.settings import Settings

if TYPE_CHECKING:
    from ingestion.batches import BatchResult

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
    entities: tuple[SqlEntity, ...]  # in ingestion order: code tables before the rows checked against them
    # code lists later entities are validated against, read from this source's bronze:
    # name in BatchContext.known_codes -> (entity, column)
    reference_codes: dict[str, tuple[str, str]] = field(default_factory=dict)


class OtherSource(Protocol):
    """A source that is not an SQL database (REST upstreams, file drops): it finds, lands and commits its own batches
    (through ingestion.batches.commit_batch, like the SQL pipeline) and reports them."""

    name: str
    title: str

    def ingest(self, settings: Settings, until: datetime | None = None) -> list[BatchResult]: ...


Source = SqlSource | OtherSource
