"""大华 (Dahua) platform ledger export (GBK CSV), before and after the platform upgrade of mid-2024.

The upgrade (simulator: `MessConfig.schema_drift_month`) renamed the ID, name, street, community, status and date
headers, merged 经度/纬度 into one "lon,lat" column 经纬度, dropped 补光属性, added 所属网格 and 维护单位, and changed
the status codes from 1/0 to 在线/故障. Both variants stay registered: old files are re-read on backfills.
"""

from __future__ import annotations

from ingestion.vendor_mappings import LONLAT, STATUS_OFF, STATUS_ON, VendorMapping

_COMMON = {
    "点位地址": "address", "摄像机类型": "ptz_type", "品牌": "manufacturer", "型号": "model", "建设单位": "owner",
    "行政区划代码": "civil_code", "上级设备编码": "parent_id", "安装位置类型": "room_type", "监控类型": "use_type",
    "虚拟组织编码": "business_group_id",
}

DAHUA_V1 = VendorMapping(
    key="dahua_v1",
    vendor="大华",
    description="大华 export before the platform upgrade: GB/T 28181 digit codes, status 1/0",
    columns={
        "国标编码": "device_id", "点位名称": "name", "街道": "street_name", "社区": "community_name",
        "经度": "longitude", "纬度": "latitude", "在线状态": "status", "补光属性": "supply_light_type",
        "建设时间": "install_date", **_COMMON,
    },
    values={"status": {"1": STATUS_ON, "0": STATUS_OFF}},
)

DAHUA_V2 = VendorMapping(
    key="dahua_v2",
    vendor="大华",
    description="大华 export after the platform upgrade: renamed headers, merged 经纬度, status 在线/故障",
    columns={
        "设备国标编码": "device_id", "设备名称": "name", "所属街道": "street_name", "所属社区": "community_name",
        "所属网格": "grid_code", "经纬度": LONLAT, "维护单位": "maintainer", "设备状态": "status",
        "安装日期": "install_date", **_COMMON,
    },
    values={"status": {"在线": STATUS_ON, "故障": STATUS_OFF}},
)

MAPPINGS = (DAHUA_V1, DAHUA_V2)
