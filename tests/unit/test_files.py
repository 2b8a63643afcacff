"""The file connector: encodings per file and per row, vendor header recognition and drift, unknown columns and
headers, XLSX and JSON lines — and the video schemas' rules on hand-made rows."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from ingestion.files import (
    CANONICAL_FIELDS,
    UnknownHeaderError,
    decode_csv,
    read_ledger,
    read_status_feed,
)
from ingestion.vendor_mappings import MAPPINGS
from quality.schemas.video import camera_schema, camera_status_schema, gbt28181_pattern
from quality.validate import validate
from simulator.systems.video_files import write_xlsx

ID1, ID2, ID3 = "44030902001321576723", "44030902001325063973", "44030906031311755272"
DAHUA_V1_HEADER = ("国标编码,点位名称,街道,社区,点位地址,经度,纬度,摄像机类型,品牌,型号,建设单位,行政区划代码,"
                   "上级设备编码,在线状态,安装位置类型,监控类型,补光属性,虚拟组织编码,建设时间")
DAHUA_V2_HEADER = ("设备国标编码,设备名称,所属街道,所属社区,所属网格,点位地址,经纬度,摄像机类型,品牌,型号,建设单位,"
                   "维护单位,行政区划代码,上级设备编码,设备状态,安装位置类型,监控类型,虚拟组织编码,安装日期")


def v1_row(device_id: str = ID1, name: str = "布龙路322号北门_半球", status: str = "1") -> str:
    return (f"{device_id},{name},民治,民治,深圳市龙华区民治街道民治社区布龙路322号,114.038234,22.597237,2,大华,"
            f"DH-IPC-HFW4433M-I2,深圳市公安局龙华分局,44030902,44030902001180900100,{status},1,1,2,"
            "44030902002150000001,2021-11-07")


def v2_row(device_id: str = ID1, status: str = "在线") -> str:
    return (f"{device_id},布龙路322号北门_半球,民治,民治,440309002001B1,深圳市龙华区民治街道民治社区布龙路322号,"
            f'"114.038234,22.597237",2,大华,DH-IPC-HFW4433M-I2,深圳市公安局龙华分局,深圳市鹏城技防服务有限公司,'
            f"44030902,44030902001180900100,{status},1,1,44030902002150000001,2021-11-07")


def csv_bytes(lines: list[str], encoding: str) -> bytes:
    bom = b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b""
    enc = "utf-8" if encoding == "utf-8-sig" else encoding
    return bom + "\r\n".join(lines).encode(enc) + b"\r\n"


# ---------------------------------------------------------------------------------------------------------------
# encodings


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_every_encoding_decodes_to_the_same_chinese(encoding: str) -> None:
    lines = [DAHUA_V1_HEADER, v1_row(), v1_row(ID2, "白石龙路与民康路交叉口东侧_枪机")]
    reference = read_ledger(csv_bytes(lines, "utf-8"), "ref.csv").frame.select(CANONICAL_FIELDS)
    read = read_ledger(csv_bytes(lines, encoding), f"ledger-{encoding}.csv")
    assert read.frame.select(CANONICAL_FIELDS).equals(reference)
    assert read.frame["name"].to_list() == ["布龙路322号北门_半球", "白石龙路与民康路交叉口东侧_枪机"]
    assert read.reports[0].encoding == {"gb18030": "gbk"}.get(encoding, encoding)
    assert read.frame["_encoding_error"].null_count() == 2


def test_gb18030_four_byte_characters_are_read() -> None:
    # 㙟 (a place-name character outside GBK) needs GB18030's 4-byte form
    data = csv_bytes([DAHUA_V1_HEADER, v1_row(name="㙟口社区公园东侧_枪机")], "gb18030")
    read = read_ledger(data, "x.csv")
    assert read.frame["name"].item() == "㙟口社区公园东侧_枪机"
    assert read.reports[0].encoding == "gb18030"


def test_a_utf8_row_in_a_gbk_file_is_flagged_with_its_bytes_not_mojibaked() -> None:
    pasted = v1_row(ID2, "白石龙路与民康路交叉口东侧_枪机")
    data = b"\r\n".join([DAHUA_V1_HEADER.encode("gbk"), v1_row().encode("gbk"), pasted.encode("utf-8"),
                         v1_row(ID3).encode("gbk")]) + b"\r\n"
    read = read_ledger(data, "mixed.csv")
    frame = read.frame
    assert read.reports[0].encoding == "gbk"
    assert read.reports[0].misencoded_rows == 1
    bad = frame.filter(pl.col("_encoding_error").is_not_null())
    assert bad["device_id"].to_list() == [ID2]  # the key is still readable: the row was decoded in its own encoding
    assert bad["name"].item() == "白石龙路与民康路交叉口东侧_枪机"
    assert bad["_source_row"].item() == 3
    assert bytes.fromhex(bad["_raw_bytes"].item()) == pasted.encode("utf-8")
    assert "UTF-8" in bad["_encoding_error"].item()
    checked = validate(frame, camera_schema())
    # recovered, so kept: the camera is a camera; the row is flagged and the field-level record names the rule
    assert checked.rejected.height == 0
    kept = checked.valid.filter(pl.col("device_id") == ID2)
    assert kept["name"].item() == "白石龙路与民康路交叉口东侧_枪机"
    assert kept["_field_issues"].item() == "wrong_encoding"
    assert checked.valid.filter(pl.col("device_id") != ID2)["_field_issues"].null_count() == 2
    assert checked.issues.select("device_id", "_level", "_field", "_rule", "_action").rows() == [
        (ID2, "field", None, "wrong_encoding", "keep")]
    assert checked.issues["_encoding_error"].item() == "row is UTF-8-encoded in a GBK file"
    assert checked.field_rules == {"wrong_encoding": 1} and checked.rules == {} and checked.repaired == 1


def test_a_gbk_row_in_a_utf8_bom_file_and_undecodable_bytes_are_flagged() -> None:
    data = (b"\xef\xbb\xbf" + DAHUA_V1_HEADER.encode() + b"\r\n" + v1_row().encode() + b"\r\n"
            + v1_row(ID2).encode("gbk") + b"\r\n" + v1_row(ID3).encode()[:-2] + b"\xff\xfe\r\n")
    read = read_ledger(data, "bom.csv")
    assert read.reports[0].encoding == "utf-8-sig"
    errors = dict(read.frame.select("device_id", "_encoding_error").iter_rows())
    assert errors[ID1] is None
    assert "GBK" in errors[ID2]
    assert "not valid" in errors[ID3]
    checked = validate(read.frame, camera_schema())
    # the GBK row was decoded in GBK: kept and flagged; the undecodable one lost its text: rejected
    assert checked.valid.filter(pl.col("_field_issues").is_not_null())["device_id"].to_list() == [ID2]
    assert checked.rejected["device_id"].to_list() == [ID3]
    assert "undecodable_row" in checked.rejected["_rule"].item().split("; ")


def test_encoding_detection_votes_on_non_ascii_rows() -> None:
    # a UTF-8 file (no BOM) with one GBK row is still a UTF-8 file
    rows = [v1_row(f"4403090200132157672{i}") for i in range(5)]
    data = b"\r\n".join([DAHUA_V1_HEADER.encode(), *[r.encode() for r in rows], v1_row(ID2).encode("gbk")])
    decoded = decode_csv(data)
    assert decoded.encoding == "utf-8"
    assert list(decoded.errors) == [6]


def test_quoted_cells_spanning_lines_keep_row_numbers() -> None:
    split_address = v1_row().replace("深圳市龙华区民治街道民治社区布龙路322号", '"民治社区\r\n布龙路322号"')
    lines = [DAHUA_V1_HEADER, split_address, v1_row(ID2)]
    read = read_ledger(csv_bytes(lines, "gbk"), "multi.csv")
    assert read.frame["address"].to_list()[0] == "民治社区\n布龙路322号"
    assert read.frame["_source_row"].to_list() == [2, 4]


def test_ragged_rows_are_flagged_not_padded() -> None:
    lines = [DAHUA_V1_HEADER, v1_row(), v1_row(ID2) + ",多出来的值", ",".join(v1_row(ID3).split(",")[:10])]
    frame = read_ledger(csv_bytes(lines, "gbk"), "ragged.csv").frame
    assert frame["_parse_error"].to_list() == [None, "row has 20 cells, the header has 19",
                                               "row has 10 cells, the header has 19"]
    rejected = validate(frame, camera_schema()).rejected
    assert sorted(rejected["device_id"].to_list()) == [ID2, ID3]
    assert all("malformed_row" in r for r in rejected["_rule"])


# ---------------------------------------------------------------------------------------------------------------
# header recognition, drift, unknown columns


def test_the_drifted_dahua_export_maps_to_the_same_canonical_values() -> None:
    before = read_ledger(csv_bytes([DAHUA_V1_HEADER, v1_row(status="1"), v1_row(ID2, status="0")], "gbk"), "06.csv")
    after = read_ledger(csv_bytes([DAHUA_V2_HEADER, v2_row(status="在线"), v2_row(ID2, status="故障")], "gbk"),
                        "07.csv")
    assert [before.reports[0].mapping, after.reports[0].mapping] == ["dahua_v1", "dahua_v2"]
    same = [f for f in CANONICAL_FIELDS if f not in ("grid_code", "maintainer", "supply_light_type")]
    assert before.frame.select(same).equals(after.frame.select(same))
    assert after.frame["status"].to_list() == ["ON", "OFF"]
    assert after.frame.select("longitude", "latitude").row(0) == ("114.038234", "22.597237")
    assert after.frame["grid_code"].to_list() == ["440309002001B1"] * 2
    assert before.frame["street_code"].to_list() == ["440309002"] * 2
    assert before.frame["community_code"].to_list() == ["440309002001"] * 2


def test_each_vendor_is_recognised_from_its_header_alone() -> None:
    for mapping in MAPPINGS:
        header = ",".join(mapping.columns)
        read = read_ledger(csv_bytes([header, ",".join(["x"] * len(mapping.columns))], "utf-8"), "f.csv")
        assert read.reports[0].mapping == mapping.key


def test_unknown_columns_are_reported_and_kept() -> None:
    lines = [DAHUA_V1_HEADER + ",备注,巡检人", v1_row() + ",立杆松动,张三", v1_row(ID2) + ",,"]
    read = read_ledger(csv_bytes(lines, "gbk"), "extra.csv")
    assert read.reports[0].unknown_columns == ["备注", "巡检人"]
    assert read.unknown_columns == {"extra.csv": ["备注", "巡检人"]}
    assert json.loads(read.frame["_extra"][0]) == {"备注": "立杆松动", "巡检人": "张三"}
    assert read.frame["_mapping"].to_list() == ["dahua_v1"] * 2


def test_a_title_row_above_the_header_is_skipped_and_counted() -> None:
    lines = ["民治街道视频资源台账（2024年7月）" + "," * 18, DAHUA_V1_HEADER, v1_row()]
    read = read_ledger(csv_bytes(lines, "gbk"), "title.csv")
    assert (read.reports[0].header_row, read.reports[0].rows_before_header, read.reports[0].rows) == (2, 1, 1)
    assert read.frame["_source_row"].to_list() == [3]


def test_an_unknown_header_fails_naming_the_header_and_what_is_missing() -> None:
    header = DAHUA_V1_HEADER.replace("国标编码", "设备ID").replace("经度", "X坐标")
    with pytest.raises(UnknownHeaderError) as err:
        read_ledger(csv_bytes([header, v1_row()], "gbk"), "民治.csv")
    message = str(err.value)
    assert "民治.csv" in message
    assert "设备ID" in message and "X坐标" in message  # the header as found
    assert "dahua_v1" in message and "'国标编码'" in message and "'经度'" in message  # closest mapping, what it lacks


# ---------------------------------------------------------------------------------------------------------------
# XLSX


def _hik_frame(names: list[str | None]) -> pl.DataFrame:
    n = len(names)
    return pl.DataFrame({
        "设备编码": [f"44030901001315175{i:03d}" for i in range(n)], "设备名称": names, "所属街道": ["观湖"] * n,
        "所属社区": ["观城"] * n, "安装位置": ["深圳市龙华区观湖街道观城社区环观南路121号"] * n,
        "经度": [114.050337] * n, "纬度": [22.70406] * n, "设备类型": ["球机"] * n, "设备厂商": ["海康威视"] * n,
        "设备型号": ["DS-2CD3T47WDV3-L"] * n, "建设单位": ["深圳市公安局龙华分局"] * n, "行政区域": ["44030901"] * n,
        "父设备编码": ["44030901001180900100"] * n, "设备状态": ["在用"] * n, "室内外": ["室外"] * n,
        "用途": ["治安"] * n, "补光类型": ["红外补光"] * n, "业务分组": ["44030901002150000001"] * n,
        "安装日期": ["2022-01-07"] * n, "备注": ["新增", None, None][:n],
    })


def test_xlsx_ledger_reads_as_text_and_mojibake_names_are_rejected(tmp_path: Path) -> None:
    mojibake = "环观南路口_球机".encode("gbk").decode("latin-1")
    path = tmp_path / "440309001_观湖街道视频资源台账.xlsx"
    write_xlsx(path, _hik_frame(["环观南路与观平路交叉口路口_球机", mojibake, "大和路149号路口_球机"]), "视频资源台账",
               date(2024, 7, 31), "海康威视视频平台")
    read = read_ledger(path.read_bytes(), path.name)
    frame = read.frame
    assert (read.reports[0].format, read.reports[0].sheet, read.reports[0].mapping) == ("xlsx", "视频资源台账",
                                                                                        "hikvision_v1")
    assert read.reports[0].unknown_columns == ["备注"]
    assert frame["_source_row"].to_list() == [2, 3, 4]
    assert frame.select("longitude", "latitude", "ptz_type", "status", "room_type").row(0) == (
        "114.050337", "22.70406", "1", "ON", "1")
    checked = validate(frame, camera_schema())
    # the name is converted back from Latin-1 to GBK; the camera stays, and quarantine keeps the value as received
    assert checked.rejected.height == 0
    assert checked.valid["name"].to_list()[1] == "环观南路口_球机"
    assert checked.valid["_field_issues"].to_list() == [None, "name:wrong_encoding", None]
    assert checked.issues.select("name", "_field", "_rule", "_action").rows() == [
        (mojibake, "name", "name:wrong_encoding", "repair")]


def test_a_required_text_that_cannot_be_repaired_rejects_the_row(tmp_path: Path) -> None:
    # Latin-1 supplement characters that are not GBK bytes: nothing to recover, and a camera needs its name
    garbled = "ÿÿÿÿ"
    path = tmp_path / "440309001_观湖街道视频资源台账.xlsx"
    write_xlsx(path, _hik_frame(["环观南路与观平路交叉口路口_球机", garbled]), "视频资源台账", date(2024, 7, 31),
               "海康威视视频平台")
    checked = validate(read_ledger(path.read_bytes(), path.name).frame, camera_schema())
    assert checked.rejected["name"].to_list() == [garbled]
    assert checked.rejected["_rule"].to_list() == ["name:wrong_encoding"]
    assert checked.valid.height == 1 and checked.issues.height == 0


def test_huawei_dates_are_normalised_and_an_unreadable_date_is_rejected_with_its_value() -> None:
    mapping = next(m for m in MAPPINGS if m.key == "huawei_v1")
    header = list(mapping.columns)
    row = {"摄像机编码": "44030905001311677620", "摄像机名称": "福民路12号东侧_球机", "所属街道": "福城",
           "所属社区": "福民", "GPS经度": "114.05", "GPS纬度": "22.70", "摄像机形态": "固定枪机", "状态": "正常",
           "行政区划": "44030905", "接入日期": "2023/05/06"}
    lines = [",".join(header), ",".join(row.get(h, "") for h in header),
             ",".join({**row, "摄像机编码": "44030905001311677621", "接入日期": "去年"}.get(h, "") for h in header)]
    frame = read_ledger(csv_bytes(lines, "utf-8"), "hw.csv").frame
    assert frame["install_date"].to_list() == ["2023-05-06", "去年"]
    assert frame["ptz_type"].to_list() == ["3", "3"]
    checked = validate(frame, camera_schema())
    assert checked.rejected["_rule"].to_list() == ["type:install_date"]


# ---------------------------------------------------------------------------------------------------------------
# JSON lines


def _feed(lines: list[dict[str, object] | str]) -> bytes:
    text = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    return gzip.compress(text.encode())


LINE = {"device_id": ID1, "stat_date": "2024-03-01", "status": "online", "offline_minutes": 0, "offline_times": 0}


def test_status_feed_reads_as_text_with_line_numbers() -> None:
    read = read_status_feed(_feed([LINE, {**LINE, "device_id": ID2, "status": "fault", "offline_minutes": 1440,
                                          "offline_times": 1}]), "2024-03-01.jsonl.gz")
    assert read.frame.select("device_id", "offline_minutes", "_source_row").rows() == [(ID1, "0", 1),
                                                                                    (ID2, "1440", 2)]
    assert validate(read.frame, camera_status_schema()).rejected.height == 0


def test_status_feed_unknown_keys_are_reported_and_bad_lines_kept() -> None:
    read = read_status_feed(_feed([{**LINE, "ip": "10.1.1.1"}, "{not json", {**LINE, "device_id": ID2}]), "d.jsonl.gz")
    assert read.reports[0].unknown_columns == ["ip"]
    assert json.loads(read.frame["_extra"][0]) == {"ip": "10.1.1.1"}
    bad = read.frame.filter(pl.col("_parse_error").is_not_null())
    assert bad["_source_row"].to_list() == [2]
    assert bytes.fromhex(bad["_raw_bytes"].item()) == b"{not json"
    checked = validate(read.frame, camera_status_schema())
    assert checked.rejected["_source_row"].to_list() == [2]
    assert "malformed_row" in checked.rejected["_rule"].item().split("; ")


def test_status_feed_missing_a_key_everywhere_fails_loudly() -> None:
    with pytest.raises(UnknownHeaderError, match="offline_times"):
        read_status_feed(_feed([{k: v for k, v in LINE.items() if k != "offline_times"}]), "d.jsonl.gz")


def test_status_feed_rules() -> None:
    lines = [LINE, LINE, {**LINE, "device_id": ID2, "status": "unknown"},
             {**LINE, "device_id": ID3, "offline_minutes": 1500, "offline_times": 1},
             {**LINE, "device_id": "44030902001325063974", "offline_minutes": 30, "offline_times": 0}]
    checked = validate(read_status_feed(_feed(lines), "d.jsonl.gz").frame, camera_status_schema())
    assert checked.rejected.select("_source_row", "_rule").rows() == [
        (2, "duplicate"), (3, "status:isin"), (4, "offline_minutes:in_range"), (5, "offline_times_match_minutes")]


# ---------------------------------------------------------------------------------------------------------------
# the camera schema's rules


@pytest.mark.parametrize(("device_id", "ok"), [
    ("44030902001321576723", True), ("44030901451328489621", True), ("44030906841328489621", True),
    ("4403090200132157672", False),  # 19 digits
    ("440309020013215767233", False),  # 21 digits
    ("44030902001341576723", False),  # type 134 is not a camera
    ("44030902001185900100", False),  # an NVR is not a camera
    ("4403090200132157O723", False),  # letter O for a zero
    ("44030702001321576723", False),  # another district
    ("44030902101321576723", False),  # industry 10 is not in the code list
])
def test_gbt28181_camera_ids(device_id: str, ok: bool) -> None:
    assert (pl.Series([device_id]).str.contains(gbt28181_pattern(("131", "132"))).item()) is ok


def test_a_camera_claimed_by_two_streets_keeps_its_own_streets_row() -> None:
    # the neighbour (观澜, listed first) claims a 民治 camera: its copy goes, the 民治 row stays
    claimed = v1_row().replace(",民治,民治,", ",观澜,民治,")
    frame = read_ledger(csv_bytes([DAHUA_V1_HEADER, claimed, v1_row(), v1_row(ID2), v1_row(ID2)], "gbk"),
                        "m.csv").frame
    checked = validate(frame, camera_schema())
    assert checked.valid.select("device_id", "street_name").rows() == [(ID1, "民治"), (ID2, "民治")]
    assert checked.rejected.select("_source_row", "_rule").rows() == [
        (2, "community_in_street; street_matches_civil_code; duplicate"), (5, "duplicate")]
