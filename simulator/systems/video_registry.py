"""The district's cameras as they really are (before any ledger mangles them): GB/T 28181 IDs, catalog fields, places.

One row per physical camera of 2024, including cameras installed during the year and those removed. IDs follow
GB/T 28181 (docs/domain.md §2): 8-digit centre code (440309 + the street's 2-digit unit), 2-digit industry, 3-digit type
(131 camera, 132 IP camera), 1-digit network, 6-digit serial. Every field a vendor ledger shows is derived here; the
planted defects (which camera's row is wrong in its ledger, and how) are drawn here too, so they persist from one
monthly ledger to the next as real data-entry errors do.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from simulator.areas import communities, grid_arrays, streets
from simulator.context import SimContext

YEAR_START = date(2024, 1, 1)
CAMERAS_2024 = 61_500  # clean cameras in the ledgers at the end of 2024: the middle of the seed's 6.1万余
REMOVED_SHARE = 0.025  # cameras taken out of service during the year (they leave the ledger)
NEW_IN_2024_SHARE = 0.18  # cameras installed during 2024
# camera share per street (illustrative: denser in 民治 and 龙华)
STREET_WEIGHTS = {"440309001": 0.13, "440309002": 0.21, "440309003": 0.22, "440309004": 0.17,
                  "440309005": 0.10, "440309006": 0.17}
# district bounding box (WGS-84) used to keep clean coordinates inside Longhua
BBOX = (113.96, 22.58, 114.14, 22.78)

# camera-level ledger defects, persistent across the monthly ledgers; order = order of the rates drawn
LEDGER_ANOMALIES = ("invalid_id", "outside_district", "missing_required", "wrong_encoding", "unknown_code",
                    "duplicate")

ROADS = {
    "440309001": ["观澜大道", "环观南路", "观平路", "松元厦路", "新田大道", "大和路", "鹭湖路", "樟坑径路"],
    "440309002": ["民治大道", "人民路", "梅龙大道", "民康路", "民塘路", "布龙路", "白石龙路", "民旺路", "腾龙路"],
    "440309003": ["龙华大道", "人民路", "和平路", "东环一路", "东环二路", "清湖路", "建设路", "油松路", "华清大道"],
    "440309004": ["华旺路", "浪荣路", "大浪南路", "龙观大道", "华荣路", "同胜路", "赤岭头路", "布龙路"],
    "440309005": ["福民路", "观澜大道", "桔岭路", "章阁路", "茜坑路", "福前路", "东环二路"],
    "440309006": ["观澜大道", "环观中路", "大富路", "桂花路", "库坑路", "牛湖路", "黎光路", "君子布路", "平安路"],
}
PLACES = ["党群服务中心", "农贸市场", "公交站", "地铁站", "小学", "中学", "幼儿园", "工业园", "城中村巷道", "公园",
          "人行天桥", "停车场", "商业街", "社康中心", "垃圾转运站", "河道", "派出所", "出租屋片区", "广场", "菜市场"]
SPOTS = ["东北角", "西南角", "东侧", "西侧", "南门", "北门", "出入口", "路口", "中段", "主入口"]
MODELS = {
    "海康威视": ["DS-2CD3T47WDV3-L", "DS-2DE4425IW-DE", "iDS-2CD7A46G0-IZHS", "DS-2CD2346FWDA3-IS"],
    "大华": ["DH-IPC-HFW4433M-I2", "DH-SD6C3425XB-HNR", "DH-IPC-HDBW4443R-ZS", "DH-IPC-HFW5442E-ZE"],
    "宇视": ["IPC-B314-APKZ", "HIC6622-IR", "IPC3234SR3-DVPZ", "IPC2124LB-SF28KM-G"],
    "华为": ["M2140-10-EI", "X2221-10-HLI", "D2150-10-SIU", "M2241-10-EL"],
    "天地伟业": ["TC-C34XN", "TC-H328S"],
}
VENDOR_OF_STREET = {"440309001": "海康威视", "440309002": "大华", "440309003": "海康威视", "440309004": "宇视",
                    "440309005": "华为", "440309006": "大华"}
# (industry codes, weight, owner, use type)
INDUSTRIES = [
    (["00", "01", "02", "03"], 0.42, "深圳市公安局龙华分局", 1),
    (["04", "05", "06", "07"], 0.10, "深圳市公安局交通警察支队龙华大队", 2),
    (["08"], 0.14, "{street}街道办事处", 3),
    (["09"], 0.03, "深圳市生态环境局龙华管理局", 3),
    (["11"], 0.05, "深圳市龙华区教育局", 3),
    ([f"{i}" for i in range(40, 80)], 0.17, "{community}物业服务有限公司", 3),
    ([f"{i}" for i in range(80, 90)], 0.09, "{community}社区股份合作公司", 1),
]
MAINTAINERS = ["深圳市安视通科技有限公司", "深圳市龙辉智能工程有限公司", "广东华信安防工程有限公司",
               "深圳市鹏城技防服务有限公司"]


def _pick(rng: np.random.Generator, options: list[str], n: int) -> np.ndarray:
    return np.array(options, dtype=object)[rng.integers(0, len(options), n)]


def _place_names(rng: np.random.Generator, street: np.ndarray, community_name: np.ndarray) -> tuple[np.ndarray, ...]:
    n = len(street)
    road1 = np.empty(n, dtype=object)
    road2 = np.empty(n, dtype=object)
    for s, roads in ROADS.items():
        m = street == s
        road1[m] = _pick(rng, roads, int(m.sum()))
        road2[m] = _pick(rng, roads, int(m.sum()))
    same = road1 == road2
    road2[same] = "支路"
    pattern = rng.choice(3, n, p=[0.4, 0.35, 0.25])
    spot = _pick(rng, SPOTS, n)
    place = _pick(rng, PLACES, n)
    number = rng.integers(1, 400, n).astype(str).astype(object)
    name = np.where(pattern == 0, road1 + "与" + road2 + "交叉口" + spot,
                    np.where(pattern == 1, community_name + "社区" + place + spot, road1 + number + "号" + spot))
    return name, road1, number


def _ids(street_unit: np.ndarray, industry: np.ndarray, type_code: np.ndarray, net: np.ndarray,
         serial: np.ndarray) -> list[str]:
    return [f"440309{u:02d}{i}{t}{n}{s:06d}" for u, i, t, n, s in
            zip(street_unit.tolist(), industry.tolist(), type_code.tolist(), net.tolist(), serial.tolist(),
                strict=True)]


def corrupt_camera_id(rng: np.random.Generator, value: str) -> str:
    """A malformed GB/T 28181 ID as data entry produces them: a digit lost or doubled, a bad type code, a letter O."""
    how = int(rng.integers(0, 4))
    if how == 0:
        return value[:15] + value[16:]  # 19 digits
    if how == 1:
        return value[:14] + value[14] + value[14:]  # 21 digits
    if how == 2:
        return value[:10] + ["134", "999", "000"][int(rng.integers(0, 3))] + value[13:]  # not a device type
    return value[:16] + "O" + value[17:]  # letter O typed for a zero


def _sample_areas(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    codes = list(STREET_WEIGHTS)
    street = rng.choice(codes, n, p=list(STREET_WEIGHTS.values())).astype(object)
    g = grid_arrays()
    grid_idx = np.empty(n, dtype=np.int64)
    for s in codes:
        m = street == s
        in_street = np.flatnonzero(g["street_code"] == s)
        grid_idx[m] = in_street[rng.integers(0, len(in_street), int(m.sum()))]
    cname = {c["community_code"]: c["community_name"] for c in communities()}
    community = g["community_code"][grid_idx]
    lon = np.clip(g["longitude"][grid_idx] + rng.normal(0, 0.0025, n), BBOX[0] + 0.005, BBOX[2] - 0.005)
    lat = np.clip(g["latitude"][grid_idx] + rng.normal(0, 0.002, n), BBOX[1] + 0.005, BBOX[3] - 0.005)
    return {"street_code": street, "street_name": np.array([streets()[s] for s in street], dtype=object),
            "community_code": community, "community_name": np.array([cname[c] for c in community], dtype=object),
            "grid_code": g["grid_code"][grid_idx], "longitude": np.round(lon, 6), "latitude": np.round(lat, 6)}


def _lifecycle(rng: np.random.Generator, n_end: int, n_removed: int) -> tuple[np.ndarray, np.ndarray]:
    """Install and removal days relative to 2024-01-01 (removal = 10_000 when still in service)."""
    n = n_end + n_removed
    years_back = np.minimum(rng.exponential(3.0, n), 9.5)
    install = -(1 + (years_back * 365).astype(np.int64))
    new = np.zeros(n, dtype=bool)
    new[:n_end] = rng.random(n_end) < NEW_IN_2024_SHARE
    # the ledger grows through the year, faster after the mid-year budget round
    install = np.where(new, rng.choice(366, n, p=np.linspace(0.6, 1.4, 366) / np.linspace(0.6, 1.4, 366).sum()),
                       install)
    removed = np.full(n, 10_000, dtype=np.int64)
    removed[n_end:] = rng.integers(1, 366, n_removed)
    return install, removed


def generate_cameras(ctx: SimContext) -> pl.DataFrame:
    """Every camera of 2024 with its catalog fields, lifecycle and planted ledger defect (`anomaly`)."""
    rng = ctx.rng("video.cameras")
    m = ctx.mess
    rates = np.array([m.invalid_id, m.outside_district, m.missing_required, m.wrong_encoding, m.unknown_code,
                      m.duplicate])
    # the ledgers' clean count is calibrated to the seed; defective rows come on top of it
    excluded = rates[:5].sum()
    n_end = round(ctx.scaled(CAMERAS_2024) / (1 - excluded))
    n_removed = round(n_end * REMOVED_SHARE)
    n = n_end + n_removed
    areas = _sample_areas(rng, n)
    install, removed = _lifecycle(rng, n_end, n_removed)

    ind_group = rng.choice(len(INDUSTRIES), n, p=[x[1] for x in INDUSTRIES])
    industry = np.array([INDUSTRIES[k][0][j % len(INDUSTRIES[k][0])] for k, j in
                         zip(ind_group.tolist(), rng.integers(0, 40, n).tolist(), strict=True)], dtype=object)
    type_code = np.where(rng.random(n) < 0.74, "132", "131").astype(object)
    # police cameras sit on the police net, social resources on the access net, the rest on the private net
    net = np.where(ind_group == 0, np.where(rng.random(n) < 0.45, "5", "1"),
                   np.where(ind_group >= 5, "8", np.where(ind_group == 2, "6", "0"))).astype(object)
    unit = np.array([int(s[-2:]) for s in areas["street_code"]])
    serial = np.empty(n, dtype=np.int64)
    for s in STREET_WEIGHTS:
        sel = np.flatnonzero(areas["street_code"] == s)
        serial[sel] = rng.choice(899_999, len(sel), replace=False) + 1  # 900000+ are the street's NVRs
    true_id = _ids(unit, industry, type_code, net, serial)

    name, road, number = _place_names(rng, areas["street_code"], areas["community_name"])
    ptz = rng.choice([1, 2, 3, 4], n, p=[0.18, 0.22, 0.5, 0.1])
    suffix = np.array(["_球机", "_半球", "_枪机", "_云台"], dtype=object)[ptz - 1]
    vendor = np.array([VENDOR_OF_STREET[s] for s in areas["street_code"]], dtype=object)
    other_vendor = _pick(rng, list(MODELS), n)
    manufacturer = np.where(rng.random(n) < 0.72, vendor, other_vendor)
    model = np.array([MODELS[v][j % len(MODELS[v])] for v, j in
                      zip(manufacturer.tolist(), rng.integers(0, 4, n).tolist(), strict=True)], dtype=object)
    owner = np.array([INDUSTRIES[k][2].format(street=s, community=c) for k, s, c in
                      zip(ind_group.tolist(), areas["street_name"].tolist(), areas["community_name"].tolist(),
                          strict=True)], dtype=object)
    use_type = np.array([INDUSTRIES[k][3] for k in ind_group.tolist()])
    bg = np.where(ind_group == 0, 1, np.where(ind_group >= 5, 2, 3))

    df = pl.DataFrame({
        "device_id": true_id, **{k: v.tolist() for k, v in areas.items() if v.dtype == object},
        "longitude": areas["longitude"], "latitude": areas["latitude"],
        "name": (name + suffix).tolist(),
        "address": [f"深圳市龙华区{s}街道{c}社区{r}{x}号" for s, c, r, x in
                    zip(areas["street_name"].tolist(), areas["community_name"].tolist(), road.tolist(),
                        number.tolist(), strict=True)],
        "ptz_type": ptz, "room_type": np.where(rng.random(n) < 0.86, 1, 2), "use_type": use_type,
        "supply_light_type": rng.choice([1, 2, 3], n, p=[0.15, 0.6, 0.25]),
        "manufacturer": manufacturer.tolist(), "model": model.tolist(), "owner": owner.tolist(),
        "civil_code": [f"440309{u:02d}" for u in unit.tolist()],
        "business_group_id": [f"440309{u:02d}002150{b:06d}" for u, b in zip(unit.tolist(), bg.tolist(), strict=True)],
        "maintainer": _pick(rng, MAINTAINERS, n).tolist(),
        "install_day": install, "removed_day": removed,
    })
    # one NVR per ~32 cameras of a community: the catalog's ParentID
    df = df.with_columns(
        (pl.int_range(pl.len()).over("community_code") // 32).alias("_nvr"),
        pl.col("device_id").str.slice(0, 8).alias("_centre"),
    ).with_columns(
        pl.concat_str("_centre", pl.lit("001180"),
                      (900_000 + pl.col("community_code").str.slice(9, 3).cast(pl.Int64) * 100 + pl.col("_nvr"))
                      .cast(pl.String).str.zfill(6)).alias("parent_id"),
        (pl.lit(YEAR_START) + pl.duration(days=pl.col("install_day"))).alias("install_date"),
    ).drop("_nvr", "_centre")
    return _plant(ctx, df, rng, rates)


def _plant(ctx: SimContext, df: pl.DataFrame, rng: np.random.Generator, rates: np.ndarray) -> pl.DataFrame:
    """Draw each camera's ledger defect and apply it to the fields the ledger shows."""
    n = df.height
    kind_idx = np.searchsorted(np.cumsum(rates), rng.random(n), side="right")
    kind = np.array([*LEDGER_ANOMALIES, None], dtype=object)[np.minimum(kind_idx, len(LEDGER_ANOMALIES))]
    shown = np.array(df["device_id"].to_list(), dtype=object)
    for i in np.flatnonzero(kind == "invalid_id"):
        shown[i] = corrupt_camera_id(rng, shown[i])
    lon, lat = df["longitude"].to_numpy().copy(), df["latitude"].to_numpy().copy()
    out = np.flatnonzero(kind == "outside_district")
    how = rng.integers(0, 3, len(out))
    lon_o, lat_o = lon[out].copy(), lat[out].copy()
    lon[out] = np.where(how == 0, lat_o, np.where(how == 1, lon_o + 0.5, lon_o))  # swapped / 50 km east
    lat[out] = np.where(how == 0, lon_o, np.where(how == 2, lat_o + 0.3, lat_o))  # / 30 km north (Dongguan)
    missing = rng.integers(0, 3, n)  # which required field is left empty: name, coordinates, street
    is_missing = kind == "missing_required"
    # a duplicated camera is listed twice in its own ledger, or also in a neighbouring street's ledger
    dup_other = (kind == "duplicate") & (rng.random(n) < 0.5)
    codes = list(STREET_WEIGHTS)
    neighbour = {s: codes[(i + 1) % len(codes)] for i, s in enumerate(codes)}
    return df.with_columns(
        pl.Series("shown_id", shown.tolist(), dtype=pl.String),
        pl.Series("shown_longitude", np.where(is_missing & (missing == 1), np.nan, lon)).fill_nan(None),
        pl.Series("shown_latitude", np.where(is_missing & (missing == 1), np.nan, lat)).fill_nan(None),
        pl.Series("anomaly", kind.tolist(), dtype=pl.String),
        pl.Series("missing_field", np.where(is_missing, missing, -1)),
        pl.Series("dup_street", [neighbour[s] if d else None for s, d in
                                 zip(df["street_code"].to_list(), dup_other.tolist(), strict=True)], dtype=pl.String),
    ).with_columns(
        pl.when(pl.col("anomaly") == "unknown_code").then(9).otherwise(pl.col("ptz_type")).alias("ptz_type"),
        pl.when(pl.col("missing_field") == 0).then(None).otherwise(pl.col("name")).alias("name"),
        pl.when(pl.col("missing_field") == 2).then(None).otherwise(pl.col("street_name")).alias("shown_street"),
    ).sort("device_id")


def day_of(d: date) -> int:
    return (d - YEAR_START).days


def date_of(day: int) -> date:
    return YEAR_START + timedelta(days=day)
