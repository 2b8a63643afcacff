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


class IndicatorValue(BaseModel):
    indicator_code: str = Field(description="指标编码 · fixed code of the indicator catalogue (docs/domain.md §5)")
    indicator_name: str = Field(description="指标名称")
    period: str = Field(description="统计周期 · a year (2024) or a month (2024-03)")
    area_code: str = Field(description="区域编码 · district, street or community code")
    area_name: str | None = Field(description="区域名称")
    value: float | None = Field(description="指标值 · in the unit; % values are percentages (97.92)")
    numerator: float | None = Field(description="分子 · for rates and averages")
    denominator: float | None = Field(description="分母 · for rates and averages")
    unit: str = Field(description="单位")
    target: float | None = Field(description="目标值 · where one is set")
    target_met: bool | None = Field(description="是否达标 · null when no target is set")
    status: str = Field(default="available", description="可用状态 · available, or unavailable when a source it "
                        "needs has delivered no data (then value is null)")
    unavailable_reason: str | None = Field(default=None, description="不可用原因 · why the indicator has no value")


class IndicatorList(BaseModel):
    snapshot: str = Field(description="the published snapshot that answered")
    items: list[IndicatorValue]
