"""pandera schemas (polars backend) for the 视频资源一本账 source entities: camera ledger row, daily status feed line.

The ledger row is the canonical camera row of ingestion/files/ (vendor columns already mapped, values still
text); validate() types it with these dtypes. Rule names are what the quarantine and the quality mart show:
`device_id:gbt28181_camera_id`, `longitude:inside_district`, `name:not_nullable`, `ptz_type:isin`,
`wrong_encoding` / `name:wrong_encoding` (field-level: recovered, the row is kept), `duplicate`, …
"""

from __future__ import annotations

from datetime import datetime

import pandera.polars as pa
import polars as pl

from quality.blocks import (
    area_consistent,
    column_check,
    community,
    first_of,
    grid,
    not_in_future_of,
    read_cleanly,
    row_check,
    street,
)
from quality.codes import DISTRICT_BBOX, seed_column

DISTRICT = "440309"
CAMERA_TYPES = ("131", "132")  # GB/T 28181 type codes of cameras (docs/domain.md §2)
PARENT_TYPES = ("111", "118", "131", "132", "200")  # DVR, NVR, camera (a channel of a multi-lens unit), platform
GROUP_TYPES = ("215", "216")  # business group, virtual organisation
# industry codes (docs/domain.md §2): 00–09 public security/traffic/urban/health, 11 education, 40–89 enterprises and
# residents' own cameras
_INDUSTRY = r"(0\d|11|[4-8]\d)"
PTZ_TYPES = [1, 2, 3, 4]  # dome, half-dome, fixed bullet, PTZ bullet
ROOM_TYPES = [1, 2]  # outdoor, indoor
USE_TYPES = [1, 2, 3]  # public security, traffic, key area
LIGHT_TYPES = [1, 2, 3]  # none, infrared, white light
CAMERA_STATUS = ["ON", "OFF"]  # canonical GB/T 28181 catalog status (vendor codes mapped by the connector)
FEED_STATUS = ["online", "offline", "fault"]
MINUTES_PER_DAY = 1440
# dates are typed as midnight timestamps: quality/validate.py reads text to Datetime (polars 2 has no str→Date cast);
# switch to pl.Date once validate() learns `str.to_date`
DATE = pl.Datetime("us")
# text fields where GBK bytes read as Latin-1 show up: two or more Latin-1 supplement characters in a row never
# occur in Chinese ledger text (a lone "·" or "°" does, so one is allowed)
MOJIBAKE = r"[\x{80}-\x{FF}]{2,}"
FREE_TEXT = ("name", "street_name", "community_name", "address", "owner", "maintainer", "manufacturer")


def _units() -> str:
    """The 2-digit grassroots units of the district's centre codes: its streets, and 00 for the district itself."""
    return "(" + "|".join(sorted({"00", *(code[-2:] for code in seed_column("ref_streets", "street_code"))})) + ")"


def gbt28181_pattern(types: tuple[str, ...]) -> str:
    """20 digits: centre code 440309+unit, industry, type among TYPES, network 0–8, 6-digit serial."""
    return rf"^{DISTRICT}{_units()}{_INDUSTRY}({'|'.join(types)})[0-8]\d{{6}}$"


def gbt28181(name: str, types: tuple[str, ...]) -> pa.Check:
    pattern = gbt28181_pattern(types)
    return column_check(name, lambda c: c.str.contains(pattern))


def inside(lo: float, hi: float) -> pa.Check:
    return column_check("inside_district", lambda c: c.is_between(lo, hi))


NO_MOJIBAKE = column_check("wrong_encoding", lambda c: ~c.str.contains(MOJIBAKE))
# the connector flags rows whose bytes are not in the file's encoding (their raw bytes are kept in `_raw_bytes`)
READ_CLEANLY = read_cleanly()


def camera_schema(received_at: datetime | None = None) -> pa.DataFrameSchema:
    """One canonical ledger row. Validate a month's ledgers together so `duplicate` sees every street's list."""
    bbox = DISTRICT_BBOX
    text = {f: [NO_MOJIBAKE] for f in FREE_TEXT}
    street_from_civil = pl.concat_str(pl.col("civil_code").str.slice(0, 6), pl.lit("0"),
                                      pl.col("civil_code").str.slice(6, 2))
    return pa.DataFrameSchema(
        {
            "device_id": pa.Column(pl.String, gbt28181("gbt28181_camera_id", CAMERA_TYPES)),
            "name": pa.Column(pl.String, text["name"]),
            "street_name": pa.Column(pl.String, text["street_name"]),
            "street_code": street(nullable=False),
            "community_name": pa.Column(pl.String, text["community_name"]),
            "community_code": community(nullable=False),
            "grid_code": grid(),
            "address": pa.Column(pl.String, text["address"], nullable=True),
            "longitude": pa.Column(pl.Float64, inside(bbox["lon_min"], bbox["lon_max"])),
            "latitude": pa.Column(pl.Float64, inside(bbox["lat_min"], bbox["lat_max"])),
            "ptz_type": pa.Column(pl.Int8, pa.Check.isin(PTZ_TYPES)),
            "manufacturer": pa.Column(pl.String, text["manufacturer"], nullable=True),
            "model": pa.Column(pl.String, nullable=True),
            "owner": pa.Column(pl.String, text["owner"], nullable=True),
            "maintainer": pa.Column(pl.String, text["maintainer"], nullable=True),
            "civil_code": pa.Column(pl.String, pa.Check.str_matches(rf"^{DISTRICT}{_units()}$"), nullable=True),
            "parent_id": pa.Column(pl.String, gbt28181("gbt28181_parent_id", PARENT_TYPES), nullable=True),
            "status": pa.Column(pl.String, pa.Check.isin(CAMERA_STATUS)),
            "room_type": pa.Column(pl.Int8, pa.Check.isin(ROOM_TYPES), nullable=True),
            "use_type": pa.Column(pl.Int8, pa.Check.isin(USE_TYPES), nullable=True),
            "supply_light_type": pa.Column(pl.Int8, pa.Check.isin(LIGHT_TYPES), nullable=True),
            "business_group_id": pa.Column(pl.String, gbt28181("gbt28181_group_id", GROUP_TYPES), nullable=True),
            "install_date": pa.Column(DATE, not_in_future_of(received_at), nullable=True),
            "_encoding_error": pa.Column(pl.String, nullable=True),
            "_parse_error": pa.Column(pl.String, nullable=True),
        },
        checks=[
            *READ_CLEANLY,
            *area_consistent(),
            row_check("street_matches_civil_code",
                      pl.col("civil_code").is_null() | pl.col("street_code").is_null()
                      | (street_from_civil == pl.col("street_code"))),
            first_of(["device_id"], prefer=street_from_civil == pl.col("street_code")),
        ],
        name="camera",
    )


def camera_status_schema(received_at: datetime | None = None) -> pa.DataFrameSchema:
    """One line of the platform's daily status export: a camera's availability on one day."""
    return pa.DataFrameSchema(
        {
            "device_id": pa.Column(pl.String, gbt28181("gbt28181_camera_id", CAMERA_TYPES)),
            "stat_date": pa.Column(DATE, not_in_future_of(received_at)),
            "status": pa.Column(pl.String, pa.Check.isin(FEED_STATUS)),
            "offline_minutes": pa.Column(pl.Int32, pa.Check.in_range(0, MINUTES_PER_DAY)),
            "offline_times": pa.Column(pl.Int32, pa.Check.in_range(0, MINUTES_PER_DAY)),
            "_parse_error": pa.Column(pl.String, nullable=True),
        },
        checks=[
            row_check("malformed_row", pl.col("_parse_error").is_null()),  # a line that is not a JSON object
            # an outage has a length and a count, or neither
            row_check("offline_times_match_minutes",
                       pl.col("offline_minutes").is_null() | pl.col("offline_times").is_null()
                       | ((pl.col("offline_minutes") == 0) == (pl.col("offline_times") == 0))),
            first_of(["device_id", "stat_date"]),
        ],
        name="camera_status",
    )
