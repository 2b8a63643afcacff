"""华为 (Huawei) platform ledger export (XLSX): Chinese labels, dates written YYYY/MM/DD."""

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

HUAWEI = VendorMapping(
    key="huawei_v1",
    vendor="华为",
    description="华为 export: labels for the catalog codes, status 正常/故障, dates YYYY/MM/DD",
    columns={
        "摄像机编码": "device_id", "摄像机名称": "name", "所属街道": "street_name", "所属社区": "community_name",
        "详细地址": "address", "GPS经度": "longitude", "GPS纬度": "latitude", "摄像机形态": "ptz_type",
        "厂家": "manufacturer", "型号": "model", "权属单位": "owner", "行政区划": "civil_code",
        "所属NVR": "parent_id", "状态": "status", "室内外": "room_type", "应用类型": "use_type",
        "补光": "supply_light_type", "业务分组ID": "business_group_id", "接入日期": "install_date",
    },
    values={"ptz_type": PTZ_LABELS, "room_type": ROOM_LABELS, "use_type": USE_LABELS,
            "supply_light_type": LIGHT_LABELS, "status": {"正常": STATUS_ON, "故障": STATUS_OFF}},
    date_formats=("%Y/%m/%d", "%Y-%m-%d"),
)

MAPPINGS = (HUAWEI,)
