"""S1 民意速办: the citizen-demand platform's operational database (MariaDB in production, SQLite embedded)."""

from __future__ import annotations

from ingestion.sources.base import SqlEntity, SqlSource
from quality.schemas import minyi

MINYI = SqlSource(
    name="minyi",
    title="民意速办",
    url=lambda s: s.source_url("minyi"),
    # the channel table comes first: ticket validation checks channel codes against it
    reference_codes={"channels": ("channels", "channel_code")},
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
