"""S1 民意速办: the citizen-demand platform's operational database (MariaDB in production, SQLite embedded)."""

from __future__ import annotations

from ingestion.sources.base import SqlEntity, SqlSource
from quality.schemas import minyi

MINYI = SqlSource(
    name="minyi",
    title="民意速办",
    url=lambda s: s.source_url("minyi"),
    # the channel table comes first: ticket validation checks channel codes against it; likewise letters before the
    # letter_ticket links that must name one of them
    reference_codes={"channels": ("channels", "channel_code"), "letters": ("letters", "letter_id")},
    entities=(
        SqlEntity("channels", "channel", "channel_code", "updated_at", lambda ctx: minyi.channel_schema()),
        SqlEntity(
            "tickets", "ticket", "ticket_id", "updated_at",
            lambda ctx: minyi.ticket_schema(ctx.known_codes.get("channels", set()), ctx.received_at),
        ),
        SqlEntity("ticket_flows", "ticket_flow", "flow_id", "updated_at",
                  lambda ctx: minyi.ticket_flow_schema(ctx.received_at)),
        SqlEntity("ratings", "rating", "rating_id", "updated_at", lambda ctx: minyi.rating_schema(ctx.received_at)),
        SqlEntity("warnings", "warning", "warning_id", "updated_at",
                  lambda ctx: minyi.warning_schema(ctx.received_at)),
        SqlEntity("letters", "letter", "letter_id", "updated_at", lambda ctx: minyi.letter_schema(ctx.received_at)),
        SqlEntity("letter_tickets", "letter_ticket", "letter_id,ticket_id", "updated_at",
                  lambda ctx: minyi.letter_ticket_schema(ctx.known_codes.get("letters", set()), ctx.received_at)),
        SqlEntity("field_reinspections", "field_reinspection", "reinspection_id", "updated_at",
                  lambda ctx: minyi.field_reinspection_schema(ctx.received_at)),
        SqlEntity("reports", "report", "report_id", "updated_at", lambda ctx: minyi.report_schema(ctx.received_at)),
    ),
)
