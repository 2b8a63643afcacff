"""How each street office hands over its camera ledger (视频资源台账): the vendor's column names, codes and format.

Each street's ledger is kept by the integrator of its video platform and exported with that vendor's headers and code
conventions (Chinese labels, 1/0 flags, GB/T 28181 English catalog names …), as XLSX or as a CSV in the street's
encoding. From `MessConfig.schema_drift_month` one vendor (大华) ships a new platform version whose export renames,
merges, adds and drops columns — the files before and after the change are both delivered.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

# canonical field -> label per vendor; None = the vendor's export has no such column
CANONICAL = ("device_id", "name", "street", "community", "grid", "address", "longitude", "latitude", "ptz_type",
             "manufacturer", "model", "owner", "civil_code", "parent_id", "status", "room_type", "use_type",
             "supply_light_type", "business_group_id", "install_date", "maintainer")

PTZ_LABELS = {1: "球机", 2: "半球", 3: "固定枪机", 4: "遥控枪机"}
ROOM_LABELS = {1: "室外", 2: "室内"}
USE_LABELS = {1: "治安", 2: "交通", 3: "重点"}
LIGHT_LABELS = {1: "无补光", 2: "红外补光", 3: "白光补光"}


@dataclass(frozen=True)
class VendorSchema:
    vendor: str
    columns: dict[str, str]  # canonical field -> header, in export order
    coded: str  # how enumerations are written: "label" (Chinese), "code" (GB/T 28181 digits)
    status_values: tuple[str, str]  # (in service, under repair)
    lonlat_merged: bool = False  # one "经纬度" column "lon,lat" instead of two


HIKVISION = VendorSchema("海康威视", {
    "device_id": "设备编码", "name": "设备名称", "street": "所属街道", "community": "所属社区", "address": "安装位置",
    "longitude": "经度", "latitude": "纬度", "ptz_type": "设备类型", "manufacturer": "设备厂商", "model": "设备型号",
    "owner": "建设单位", "civil_code": "行政区域", "parent_id": "父设备编码", "status": "设备状态",
    "room_type": "室内外", "use_type": "用途", "supply_light_type": "补光类型", "business_group_id": "业务分组",
    "install_date": "安装日期",
}, "label", ("在用", "维修"))
DAHUA = VendorSchema("大华", {
    "device_id": "国标编码", "name": "点位名称", "street": "街道", "community": "社区", "address": "点位地址",
    "longitude": "经度", "latitude": "纬度", "ptz_type": "摄像机类型", "manufacturer": "品牌", "model": "型号",
    "owner": "建设单位", "civil_code": "行政区划代码", "parent_id": "上级设备编码", "status": "在线状态",
    "room_type": "安装位置类型", "use_type": "监控类型", "supply_light_type": "补光属性",
    "business_group_id": "虚拟组织编码", "install_date": "建设时间",
}, "code", ("1", "0"))
# 大华's platform upgrade: ID and name headers renamed, coordinates merged, light type dropped,
# grid and maintainer added
DAHUA_V2 = VendorSchema("大华", {
    "device_id": "设备国标编码", "name": "设备名称", "street": "所属街道", "community": "所属社区", "grid": "所属网格",
    "address": "点位地址", "longitude": "经纬度", "ptz_type": "摄像机类型", "manufacturer": "品牌", "model": "型号",
    "owner": "建设单位", "maintainer": "维护单位", "civil_code": "行政区划代码", "parent_id": "上级设备编码",
    "status": "设备状态", "room_type": "安装位置类型", "use_type": "监控类型", "business_group_id": "虚拟组织编码",
    "install_date": "安装日期",
}, "code", ("在线", "故障"), lonlat_merged=True)
UNIVIEW = VendorSchema("宇视", {
    "device_id": "DeviceID", "name": "Name", "street": "Street", "community": "Community", "address": "Address",
    "longitude": "Longitude", "latitude": "Latitude", "ptz_type": "PTZType", "manufacturer": "Manufacturer",
    "model": "Model", "owner": "Owner", "civil_code": "CivilCode", "parent_id": "ParentID", "status": "Status",
    "room_type": "RoomType", "use_type": "UseType", "supply_light_type": "SupplyLightType",
    "business_group_id": "BusinessGroupID", "install_date": "InstallDate",
}, "code", ("ON", "OFF"))
HUAWEI = VendorSchema("华为", {
    "device_id": "摄像机编码", "name": "摄像机名称", "street": "所属街道", "community": "所属社区",
    "address": "详细地址",
    "longitude": "GPS经度", "latitude": "GPS纬度", "ptz_type": "摄像机形态", "manufacturer": "厂家", "model": "型号",
    "owner": "权属单位", "civil_code": "行政区划", "parent_id": "所属NVR", "status": "状态", "room_type": "室内外",
    "use_type": "应用类型", "supply_light_type": "补光", "business_group_id": "业务分组ID", "install_date": "接入日期",
}, "label", ("正常", "故障"))


@dataclass(frozen=True)
class StreetDelivery:
    street_code: str
    schema: VendorSchema
    fmt: str  # "xlsx" | "csv"
    encoding: str  # CSV only: "gbk" (Windows export) or "utf-8-sig" (the one platform that exports UTF-8)


DELIVERIES = [
    StreetDelivery("440309001", HIKVISION, "xlsx", ""),  # 观湖
    StreetDelivery("440309002", DAHUA, "csv", "gbk"),  # 民治
    StreetDelivery("440309003", HIKVISION, "xlsx", ""),  # 龙华
    StreetDelivery("440309004", UNIVIEW, "csv", "utf-8-sig"),  # 大浪: the odd one out, sent as UTF-8
    StreetDelivery("440309005", HUAWEI, "xlsx", ""),  # 福城
    StreetDelivery("440309006", DAHUA, "csv", "gbk"),  # 观澜
]
DRIFT_VENDOR = "大华"


def schema_for(delivery: StreetDelivery, month: int, drift_month: int) -> VendorSchema:
    if delivery.schema.vendor == DRIFT_VENDOR and month >= drift_month:
        return DAHUA_V2
    return delivery.schema


def _labelled(col: str, labels: dict[int, str]) -> pl.Expr:
    # an out-of-table code (the unknown_code defect) stays visible as its raw digit
    return pl.col(col).replace_strict(labels, default=pl.col(col).cast(pl.String), return_dtype=pl.String)


def render(cams: pl.DataFrame, schema: VendorSchema) -> pl.DataFrame:
    """The ledger rows as this vendor exports them: its headers, its codes, its value conventions."""
    enum = ("ptz_type", "room_type", "use_type", "supply_light_type")
    labels = {"ptz_type": PTZ_LABELS, "room_type": ROOM_LABELS, "use_type": USE_LABELS,
              "supply_light_type": LIGHT_LABELS}
    ok, repair = schema.status_values
    exprs: dict[str, pl.Expr] = {}
    for field, header in schema.columns.items():
        if field in enum:
            e = _labelled(field, labels[field]) if schema.coded == "label" else pl.col(field).cast(pl.String)
        elif field == "status":
            e = pl.when(pl.col("in_repair")).then(pl.lit(repair)).otherwise(pl.lit(ok))
        elif field == "longitude" and schema.lonlat_merged:
            e = pl.when(pl.col("longitude").is_null() | pl.col("latitude").is_null()).then(None).otherwise(
                pl.concat_str(pl.col("longitude").round(6).cast(pl.String), pl.lit(","),
                              pl.col("latitude").round(6).cast(pl.String)))
        elif field == "install_date":
            e = pl.col("install_date").dt.strftime("%Y/%m/%d" if schema.vendor == "华为" else "%Y-%m-%d")
        else:
            e = pl.col(field)
        exprs[header] = e
    return cams.select(**exprs)
