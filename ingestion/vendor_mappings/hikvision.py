"""海康威视 (Hikvision) platform ledger export: Chinese headers, Chinese labels for the catalog codes."""

from __future__ import annotations

from ingestion.vendor_mappings import (
    LIGHT_LABELS,
    PTZ_LABELS,
    ROOM_LABELS,
    STATUS_OFF,
    STATUS_ON,
    USE_LABELS,
    VendorMapping,
)

HIKVISION = VendorMapping(
    key="hikvision_v1",
    vendor="海康威视",
    description="海康威视 platform export (XLSX), labels for PTZ/room/use/light types, status 在用/维修",
    columns={
        "设备编码": "device_id", "设备名称": "name", "所属街道": "street_name", "所属社区": "community_name",
        "安装位置": "address", "经度": "longitude", "纬度": "latitude", "设备类型": "ptz_type",
        "设备厂商": "manufacturer", "设备型号": "model", "建设单位": "owner", "行政区域": "civil_code",
        "父设备编码": "parent_id", "设备状态": "status", "室内外": "room_type", "用途": "use_type",
        "补光类型": "supply_light_type", "业务分组": "business_group_id", "安装日期": "install_date",
    },
    values={"ptz_type": PTZ_LABELS, "room_type": ROOM_LABELS, "use_type": USE_LABELS,
            "supply_light_type": LIGHT_LABELS, "status": {"在用": STATUS_ON, "维修": STATUS_OFF}},
)

MAPPINGS = (HIKVISION,)
