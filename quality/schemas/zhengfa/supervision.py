"""pandera schemas for the 政法 operational database — S10 法律监督, the procuratorate's
supervision inputs: correction subjects, driving licences, traffic violations, the supervision models.

Personal columns: quality/schemas/zhengfa/__init__.py.
"""

from __future__ import annotations

from datetime import datetime

import pandera.polars as pa
import polars as pl

from quality.blocks import (
    area_consistent,
    community,
    duplicate_record,
    grid,
    key,
    not_before,
    one_of,
    present_iff,
    row_rule,
    street,
    text,
    when,
)
from quality.checks import citizen_id_valid, mobile_valid

DATE = pl.Date
# closed vocabularies of the source system (it has no dictionary tables; these are its documented values)
EXECUTION_TYPES = ["管制", "缓刑", "假释", "暂予监外执行"]  # GB/T 31000 社区矫正 execution types
LICENCE_STATUS = ["正常", "暂扣", "吊销", "注销", "超分", "逾期"]
LICENCE_CLASSES = ["A1", "A2", "A3", "B1", "B2", "C1", "C2", "C3", "C4", "C5", "C6", "D", "E", "F", "M", "N", "P"]
VIOLATION_STATUS = ["已处理", "未处理"]
# a Chinese plate: province abbreviation, issuing-office letter, optional separator, 5 (6 for new-energy) characters
PLATE_PATTERN = r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z]·?[A-HJ-NP-Z0-9]{5,6}$"
# GB/T 28181 device ID of a Longhua camera: 440309 + grassroots unit, industry, type 131/132 (camera), network, serial
DEVICE_PATTERN = r"^440309\d{4}13[12]\d{7}$"


def correction_subject_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "subject_id": key(r"^SQJZ\d{6}$"),
            "id_number": pa.Column(pl.String, citizen_id_valid()),  # the 失驾 model joins on it
            "name": text(nullable=False),
            "phone": pa.Column(pl.String, mobile_valid(), nullable=True),
            "grid_code": grid(),
            "community_code": community(),
            "street_code": street(),
            "execution_type": one_of(EXECUTION_TYPES),
            "crime": text(),
            "sentence_months": pa.Column(pl.Int64, pa.Check.gt(0), nullable=True),
            "correction_start": when(received_at, dtype=DATE),
            "correction_end": pa.Column(DATE),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("correction_end", "correction_start"),
            *area_consistent("street_code", "community_code", "grid_code"),
        ],
        name="correction_subject",
    )


def driving_licence_status_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "record_id": key(r"^JZ\d{10}$"),
            "id_number": pa.Column(pl.String, citizen_id_valid()),  # the licence number is the holder's citizen ID
            "name": text(),
            "licence_class": one_of(LICENCE_CLASSES, nullable=True),
            "status": one_of(LICENCE_STATUS),  # the 失驾 model reads it: a row without a status is useless
            "valid_from": when(received_at, dtype=DATE),
            "valid_to": pa.Column(DATE, nullable=True),
            "reason": text(),
            "issuing_authority": text(),
            "updated_at": when(received_at),
        },
        checks=[
            # valid_to is exclusive: an interval must hold at least one day
            row_rule("valid_to_after_valid_from", pl.col("valid_to") > pl.col("valid_from")),
            not_before("updated_at", "valid_from"),
            duplicate_record(["id_number", "valid_from"], "record_id"),
        ],
        name="driving_licence_status",
    )


def traffic_violation_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "violation_id": key(r"^4403\d{15}$"),
            "driver_id_number": pa.Column(pl.String, citizen_id_valid()),  # the driver is identified (table contract)
            "driver_name": text(),
            "plate_no": pa.Column(pl.String, pa.Check.str_matches(PLATE_PATTERN)),
            "violation_at": when(received_at),
            "device_id": pa.Column(pl.String, pa.Check.str_matches(DEVICE_PATTERN), nullable=True),
            "place": text(),
            "street_code": street(),
            "violation_code": pa.Column(pl.String, pa.Check.str_matches(r"^\d{4,5}$"), nullable=True),
            "violation_desc": text(),
            "points": pa.Column(pl.Int64, pa.Check.in_range(0, 12), nullable=True),
            "fine_yuan": pa.Column(pl.Int64, pa.Check.ge(0), nullable=True),
            "status": one_of(VIOLATION_STATUS),
            "processed_at": when(received_at, nullable=True),
            "updated_at": when(received_at),
        },
        checks=[
            # the capture is uploaded after it happens: a capture time after the row's last change is a device clock
            # set wrong (a year ahead passes received_at once that year has come)
            not_before("updated_at", "violation_at"),
            not_before("processed_at", "violation_at"),
            not_before("updated_at", "processed_at"),
            present_iff("processed_at", "status", ["已处理"]),
            duplicate_record(["driver_id_number", "violation_at", "device_id", "violation_code"], "violation_id"),
        ],
        name="traffic_violation",
    )


def supervision_model_schema(received_at: datetime) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "model_id": key(r"^JDMX\d{2}$"),
            "model_name": pa.Column(pl.String, unique=True),
            "domain": text(nullable=False),
            "description": text(),
            "built_on": when(received_at, dtype=DATE),
            "status": text(nullable=False),
            "national_listed": pa.Column(pl.Boolean),
            "listed_on": when(received_at, nullable=True, dtype=DATE),
            "updated_at": when(received_at),
        },
        checks=[
            not_before("listed_on", "built_on"),
            row_rule("listed_model_has_listed_on", ~pl.col("national_listed") | pl.col("listed_on").is_not_null()),
        ],
        name="supervision_model",
    )
