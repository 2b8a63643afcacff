"""Vendor ledger mappings: how each video-platform vendor's camera ledger maps onto the one canonical camera row.

A street office's ledger (视频资源台账) is exported by its platform vendor with the vendor's own headers and value
conventions, and a vendor's platform upgrade changes them (schema drift). Each `VendorMapping` describes one such
variant; the file connector recognises the variant from a file's header row alone, so the files before and after a
drift are both read correctly without knowing a cut-over date. Adding a vendor = adding a module here and listing its
mappings in `MAPPINGS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# The canonical camera ledger row (GB/T 28181 catalog fields plus the district's area fields), all text at this
# stage: quality/schemas/video.py types and checks them.
CANONICAL_FIELDS: tuple[str, ...] = (
    "device_id", "name", "street_name", "street_code", "community_name", "community_code", "grid_code", "address",
    "longitude", "latitude", "ptz_type", "manufacturer", "model", "owner", "maintainer", "civil_code", "parent_id",
    "status", "room_type", "use_type", "supply_light_type", "business_group_id", "install_date",
)
# pseudo-field: one "lon,lat" cell that the connector splits into longitude and latitude
LONLAT = "lonlat"
# derived by the connector from the code tables, never read from a file
DERIVED_FIELDS = frozenset({"street_code", "community_code"})

# GB/T 28181 codes (docs/domain.md §2); labels are what label-style vendors write instead of the digits
PTZ_LABELS = {"球机": "1", "半球": "2", "固定枪机": "3", "遥控枪机": "4"}
ROOM_LABELS = {"室外": "1", "室内": "2"}
USE_LABELS = {"治安": "1", "交通": "2", "重点": "3"}
LIGHT_LABELS = {"无补光": "1", "红外补光": "2", "白光补光": "3"}
# canonical status follows the GB/T 28181 catalog: ON = in service, OFF = out of service (under repair)
STATUS_ON, STATUS_OFF = "ON", "OFF"


@dataclass(frozen=True)
class VendorMapping:
    key: str  # stable id recorded with every row and in the report, e.g. "dahua_v2"
    vendor: str
    description: str
    columns: Mapping[str, str]  # vendor header -> canonical field (or LONLAT)
    # canonical field -> {vendor value -> canonical value}; a value not listed passes through unchanged, so an
    # unknown code reaches validation as received and is rejected there with its raw value
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    optional: frozenset[str] = frozenset()  # headers a file may omit and still be this variant

    @property
    def required_headers(self) -> frozenset[str]:
        return frozenset(self.columns) - self.optional


def _registry() -> tuple[VendorMapping, ...]:
    from ingestion.vendor_mappings import dahua, hikvision, huawei, uniview

    return (*hikvision.MAPPINGS, *dahua.MAPPINGS, *uniview.MAPPINGS, *huawei.MAPPINGS)


MAPPINGS: tuple[VendorMapping, ...] = _registry()
