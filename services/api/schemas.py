"""Response models of the marts API (they are the OpenAPI contract downstream apps code against)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class Street(BaseModel):
    street_code: str = Field(description="街道编码 · 9-digit street code")
    street_name: str = Field(description="街道名称")


class StreetList(BaseModel):
    snapshot: str
    items: list[Street]


class TicketsMonthlyByStreet(BaseModel):
    month: date = Field(description="月份 · first day of the month")
    street_code: str
    street_name: str
    tickets: int = Field(description="事件量")
    citizen_tickets: int = Field(description="群众诉求")
    self_collected_tickets: int = Field(description="自主采集")
    tickets_due: int = Field(description="到期工单")
    closed_on_time: int = Field(description="按时办结")
    on_time_closure_rate: float | None = Field(description="按时办结率 (0–1); null when nothing fell due")


class Page(BaseModel):
    snapshot: str = Field(description="the published snapshot that answered; one snapshot per response")
    total: int
    limit: int
    offset: int
    items: list[TicketsMonthlyByStreet]
