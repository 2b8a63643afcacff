"""The whole simulator through `govlake simulate`: every system, deterministic, calibrated against the seed."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from simulator.calibration import calibration
from simulator.context import GroundTruth
from simulator.run import SYSTEMS
from tests.conftest import govlake_env, run_govlake

pytestmark = pytest.mark.integration
SCALE = 0.01


def _fingerprint(out: Path) -> dict[str, str]:
    """A digest per output file: bytes for files, the ordered SQL dump for SQLite (its pages may be laid out anew)."""
    digests = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        if path.suffix == ".sqlite":
            con = sqlite3.connect(path)
            data = "\n".join(con.iterdump()).encode()
            con.close()
        else:
            data = path.read_bytes()
        digests[str(path.relative_to(out))] = hashlib.sha256(data).hexdigest()
    return digests


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "a"
    run_govlake(govlake_env(out.parent), "simulate", "--scale", str(SCALE), "--seed", "11", "--out", str(out))
    return out


def test_same_seed_same_output_and_another_seed_differs(simulated: Path, tmp_path: Path) -> None:
    again, other = tmp_path / "b", tmp_path / "c"
    env = govlake_env(tmp_path)
    run_govlake(env, "simulate", "--scale", str(SCALE), "--seed", "11", "--out", str(again))
    run_govlake(env, "simulate", "--scale", str(SCALE), "--seed", "12", "--out", str(other))
    first = _fingerprint(simulated)
    assert len(first) > len(SYSTEMS), "every system writes its output"
    assert _fingerprint(again) == first
    changed = {k for k, v in _fingerprint(other).items() if first.get(k) != v}
    assert len(changed) >= len(first) * 0.8


def test_every_system_reports_counts_and_planted_anomalies(simulated: Path) -> None:
    truth = GroundTruth.read(simulated / "truth.json")
    systems = {key.split(".")[0] for key in truth.counts}
    assert systems == set(SYSTEMS)
    assert {a["system"] for a in truth.anomalies} == set(SYSTEMS), "every system carries planted mess"
    assert all(a["key"] and a["kind"] for a in truth.anomalies)


def test_indicators_are_calibrated_to_the_seed_document(simulated: Path) -> None:
    rows = calibration(GroundTruth.read(simulated / "truth.json"))
    missing = [r["code"] for r in rows if r["got"] is None]
    assert not missing, f"indicators without an expected value in the ground truth: {missing}"
    off = [f"{r['code']}: {r['got']} vs {r['want']}" for r in rows if not r["ok"]]
    assert not off, off
