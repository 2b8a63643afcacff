"""S4 video registry: vendor ledgers as delivered (XLSX / GBK CSV, drift), GB/T 28181 IDs, the daily status feed."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree

import polars as pl
import pytest

from simulator.context import MessConfig, SimContext
from simulator.systems import video
from simulator.systems.video_ledger import DAHUA, DAHUA_V2, DELIVERIES, HIKVISION, HUAWEI, UNIVIEW
from simulator.systems.video_registry import BBOX, CAMERAS_2024, day_of, generate_cameras

GBT28181 = re.compile(r"^440309(0[1-6])(0[0-9]|11|[4-8][0-9])(131|132)[0-8]\d{6}$")
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
ID_HEADERS = {s.columns["device_id"] for s in (HIKVISION, DAHUA, DAHUA_V2, UNIVIEW, HUAWEI)}


def _run(out: Path, scale: float = 0.005, seed: int = 11, **mess: float) -> SimContext:
    ctx = SimContext(scale=scale, seed=seed, out=out, as_of=datetime(2024, 12, 31, 23, 59, 59),
                     mess=MessConfig().with_overrides(mess))
    video.generate(ctx)
    return ctx


def read_xlsx(path: Path) -> list[list[str | None]]:
    """Rows of the first sheet, read with the standard library as any OOXML reader would."""
    with zipfile.ZipFile(path) as zf:
        root = ElementTree.fromstring(zf.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in root.iter(f"{{{NS['m']}}}row"):
        cells: dict[int, str] = {}
        for c in row:
            col = re.match(r"[A-Z]+", c.get("r", "")).group(0)  # type: ignore[union-attr]
            idx = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(col))) - 1
            t = c.find("m:is/m:t", NS)
            v = c.find("m:v", NS)
            cells[idx] = t.text if t is not None else (v.text if v is not None else "")  # type: ignore[assignment]
        rows.append([cells.get(i) for i in range(max(cells) + 1)] if cells else [])
    width = len(rows[0])
    return [r + [None] * (width - len(r)) for r in rows]


def read_csv_lines(path: Path) -> tuple[str, list[bytes]]:
    """(encoding the file declares by its bytes, raw data lines)."""
    raw = path.read_bytes()
    enc = "utf-8" if raw.startswith(b"\xef\xbb\xbf") else "gbk"
    lines = raw.removeprefix(b"\xef\xbb\xbf").split(b"\r\n")
    return enc, [ln for ln in lines if ln]


def read_ledger(path: Path) -> list[dict[str, str | None]]:
    if path.suffix == ".xlsx":
        rows = read_xlsx(path)
        return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]  # type: ignore[arg-type]
    enc, lines = read_csv_lines(path)
    text = "\n".join(ln.decode(enc, errors="replace") for ln in lines)
    return [{k: (v or None) for k, v in r.items()} for r in csv.DictReader(io.StringIO(text))]


def latest_ledgers(out: Path) -> list[Path]:
    month = sorted((out / "video" / "ledgers").iterdir())[-1]
    return sorted(month.iterdir())


def device_id(row: dict[str, str | None]) -> str:
    return next(v for k, v in row.items() if k in ID_HEADERS) or ""


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimContext, Path]:
    out = tmp_path_factory.mktemp("video_messy")
    ctx = _run(out, scale=0.01, invalid_id=0.03, outside_district=0.03, missing_required=0.03, wrong_encoding=0.03,
               unknown_code=0.03, duplicate=0.03, schema_drift_month=4)
    return ctx, out


def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path) -> None:
    def digest(out: Path) -> dict[str, str]:
        return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted((out / "video").rglob("*")) if p.is_file()}

    a, b = digest(_run(tmp_path / "a", scale=0.002).out), digest(_run(tmp_path / "b", scale=0.002).out)
    assert a == b and len(a) == 12 * 6 + 366
    c = digest(_run(tmp_path / "c", scale=0.002, seed=12).out)
    assert c.keys() == a.keys() and c != a


def test_clean_ids_follow_gbt28181_and_planted_ones_do_not(messy: tuple[SimContext, Path]) -> None:
    ctx, out = messy
    bad = ctx.truth.anomalies_of("video", "camera")
    seen_clean = 0
    for path in latest_ledgers(out):
        for row in read_ledger(path):
            did = device_id(row)
            if bad.get(did) == "invalid_id":
                assert not GBT28181.match(did), did
            elif did not in bad:
                assert GBT28181.match(did), did
                seen_clean += 1
                # the catalog's ParentID is an NVR (type 118) of the same centre
                parent = row.get("父设备编码") or row.get("上级设备编码") or row.get("ParentID") or row.get("所属NVR")
                assert parent and parent[10:13] == "118" and parent[:8] == did[:8]
    assert seen_clean > 200
    assert "invalid_id" in bad.values()


def test_each_vendor_has_its_headers_and_dahua_drifts_from_the_configured_month(messy: tuple[SimContext, Path]
                                                                                  ) -> None:
    ctx, out = messy
    for d in DELIVERIES:
        for month in (3, 4, 12):
            path = next((out / "video" / "ledgers" / f"2024-{month:02d}").glob(f"{d.street_code}_*"))
            assert path.suffix == f".{d.fmt}"
            header = list(read_ledger(path)[0])
            expected = DAHUA_V2 if d.schema.vendor == "大华" and month >= 4 else d.schema
            assert header == list(expected.columns.values()), (d.street_code, month)
    drift = ctx.truth.planted["video.schema_drift"]
    assert drift["from_month"] == 4 and drift["merged"] == {"经纬度": ["经度", "纬度"]}
    assert set(drift["streets"]) == {"440309002", "440309006"}
    # the merged column carries "lon,lat"
    row = read_ledger(next((out / "video" / "ledgers" / "2024-05").glob("440309002_*")))[0]
    lon, lat = (float(x) for x in row["经纬度"].split(","))  # type: ignore[union-attr]
    assert BBOX[0] < lon < BBOX[2] and BBOX[1] < lat < BBOX[3]


def test_csv_ledgers_are_gbk_except_one_and_misencoded_rows_are_the_planted_ones(messy: tuple[SimContext, Path]
                                                                                  ) -> None:
    ctx, out = messy
    planted = {k for k, v in ctx.truth.anomalies_of("video", "camera").items() if v == "wrong_encoding"}
    found: set[str] = set()
    encodings = {}
    for path in latest_ledgers(out):
        if path.suffix != ".csv":
            continue
        enc, lines = read_csv_lines(path)
        encodings[path.name[:9]] = enc
        for line in lines[1:]:
            try:
                line.decode(enc)
                continue
            except UnicodeDecodeError:
                other = "gbk" if enc == "utf-8" else "utf-8"
                assert re.search(r"[\u4e00-\u9fff]", line.decode(other))  # readable in the other encoding
                found.add(line.split(b",")[0].decode("ascii"))
    assert encodings == {"440309002": "gbk", "440309004": "utf-8", "440309006": "gbk"}
    csv_streets = {"440309002", "440309004", "440309006"}
    cams = {device_id(r): p.name[:9] for p in latest_ledgers(out) for r in read_ledger(p)}
    assert found == {k for k in planted if cams.get(k) in csv_streets}
    # in the XLSX ledgers the planted rows carry GBK bytes read as Latin-1
    for path in latest_ledgers(out):
        if path.suffix == ".xlsx":
            for row in read_ledger(path):
                name = row.get("设备名称") or row.get("摄像机名称") or ""
                assert (device_id(row) in planted) == bool(re.search(r"[\u00c0-\u00ff]", name)), name


def test_every_defect_in_the_latest_ledgers_is_recorded_at_about_its_rate(messy: tuple[SimContext, Path]) -> None:
    ctx, out = messy
    truth = ctx.truth.anomalies_of("video", "camera")
    rows = [(p, r) for p in latest_ledgers(out) for r in read_ledger(p)]
    ids = [device_id(r) for _, r in rows]
    lon_keys = ("经度", "Longitude", "GPS经度")
    for path, r in rows:
        did = device_id(r)
        lonlat = r.get("经纬度")
        lon = r.get(next((k for k in lon_keys if k in r), ""), None) if not lonlat else lonlat.split(",")[0]
        lat = (r.get("纬度") or r.get("Latitude") or r.get("GPS纬度")) if not lonlat else lonlat.split(",")[1]
        name = r.get("设备名称") or r.get("点位名称") or r.get("Name") or r.get("摄像机名称")
        street = r.get("所属街道") or r.get("街道") or r.get("Street")
        if not (lon and lat and name and street):
            assert truth.get(did) == "missing_required", (path.name, r)
        elif not (BBOX[0] < float(lon) < BBOX[2] and BBOX[1] < float(lat) < BBOX[3]):
            assert truth.get(did) == "outside_district", (path.name, r)
        if ids.count(did) > 1:
            assert truth.get(did) == "duplicate"
        ptz = r.get("设备类型") or r.get("摄像机类型") or r.get("PTZType") or r.get("摄像机形态")
        assert (ptz == "9") == (truth.get(did) == "unknown_code"), (path.name, r)
    listed = set(ids)
    n = len(listed)
    for kind in ("invalid_id", "outside_district", "missing_required", "wrong_encoding", "unknown_code", "duplicate"):
        share = sum(1 for k in listed if truth.get(k) == kind) / n
        assert 0.01 < share < 0.06, (kind, share)


def test_calibration_and_feed_online_rate(tmp_path: Path) -> None:
    scale = 0.01
    ctx = _run(tmp_path, scale=scale)
    expected = ctx.truth.expected
    assert abs(expected["video.cameras"] - CAMERAS_2024 * scale) <= 0.02 * CAMERAS_2024 * scale
    bad = ctx.truth.anomalies_of("video", "camera")
    clean = {device_id(r) for p in latest_ledgers(tmp_path) for r in read_ledger(p)} - {
        k for k, v in bad.items() if v != "duplicate"}
    assert len(clean) == expected["video.cameras"]
    # the rate recomputed from the files, without the planted feed defects, is the expected one
    feed_bad = ctx.truth.anomalies_of("video", "camera_status")
    online = total = 0
    files = sorted((tmp_path / "video" / "status").glob("*.jsonl.gz"))
    assert len(files) == 366 and files[0].name == "2024-01-01.jsonl.gz"
    for f in files:
        seen: set[str] = set()
        for line in gzip.decompress(f.read_bytes()).splitlines():
            rec = json.loads(line)
            key = f"{rec['device_id']}/{rec['stat_date']}"
            if key in seen or feed_bad.get(key) == "unknown_code":
                continue
            seen.add(key)
            total += 1
            online += rec["status"] == "online"
            assert rec["status"] in ("online", "offline", "fault")
            assert (rec["status"] == "fault") <= (rec["offline_minutes"] == 1440)
    assert round(online / total, 4) == expected["video.online_rate"]
    assert 0.95 <= expected["video.online_rate"] <= 0.98


def test_planted_offline_clusters_show_in_the_feed(tmp_path: Path) -> None:
    ctx = _run(tmp_path, scale=0.02, seed=5)
    clusters = [c for c in ctx.truth.planted["video.offline_clusters"] if c["cameras"] >= 5]
    assert clusters
    cams = generate_cameras(ctx)  # the same stream: the cameras the feed reported on
    for c in clusters:
        lines = [json.loads(x) for x in gzip.decompress(
            (tmp_path / "video" / "status" / f"{c['date']}.jsonl.gz").read_bytes()).splitlines()]
        down = {x["device_id"] for x in lines if x["status"] in ("offline", "fault")}
        assert len(down) >= c["cameras"] >= 5
        # every camera of its community within the outage's radius (plain distance: inside the planted ellipse)
        # that reports that day is down
        (lon, lat), day = c["centre"], day_of(date.fromisoformat(c["date"]))
        near = cams.filter((pl.col("community_code") == c["community_code"]) & (pl.col("install_day") <= day)
                           & (pl.col("removed_day") > day)
                           & (((pl.col("longitude") - lon) ** 2 + (pl.col("latitude") - lat) ** 2).sqrt()
                              <= c["radius_deg"]))
        reporting = set(near["device_id"]) & {x["device_id"] for x in lines}
        assert reporting and reporting <= down
