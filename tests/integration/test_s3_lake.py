"""The S3 code path (MinIO in the full stack) against an S3-compatible server on loopback (moto's server).

The same client code runs as against MinIO: the `minio` client writes landing/bronze/quarantine/manifests, DuckDB's
httpfs (loaded from its PyPI package) reads them back, and dbt builds the marts straight from s3:// paths.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from common import duck
from common.lake import open_lake
from common.settings import Settings
from serving import reader
from tests.conftest import free_port, govlake_env, run_govlake

pytestmark = pytest.mark.integration


@pytest.fixture
def s3_server() -> Iterator[dict[str, str]]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield {"LAKE_URI": "s3://govlake-lake", "S3_ENDPOINT": f"127.0.0.1:{port}", "S3_ACCESS_KEY": "testing",
               "S3_SECRET_KEY": "testing", "S3_REGION": "us-east-1"}
    finally:
        server.stop()


def test_lake_round_trip_and_the_whole_slice_on_s3(s3_server: dict[str, str], tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, lake_uri=s3_server["LAKE_URI"], s3_endpoint=s3_server["S3_ENDPOINT"],
                        s3_access_key="testing", s3_secret_key="testing")
    lake = open_lake(settings)
    lake.write_json("probe/hello.json", {"街道": "观澜"})
    assert lake.read_json("probe/hello.json") == {"街道": "观澜"}
    assert lake.list("probe") == ["probe/hello.json"]
    lake.delete_prefix("probe")
    assert not lake.exists("probe/hello.json")

    env = govlake_env(tmp_path, **s3_server)
    run_govlake(env, "simulate", "--system", "minyi", "--scale", "0.002")
    results = json.loads(run_govlake(env, "ingest", "minyi", "--json").stdout)
    tickets = next(r for r in results if r["entity"] == "tickets")
    assert not (tmp_path / "lake").exists(), "with an s3:// lake nothing may be written to the local disk lake"

    con = duck.connect(settings)
    n = con.execute("select count(*) from read_parquet('s3://govlake-lake/bronze/minyi/tickets/*/*.parquet')") \
        .fetchone()[0]  # type: ignore[index]
    con.close()
    assert n == tickets["bronze"]

    run_govlake(env, "transform")
    run_govlake(env, "publish")
    served = reader.connect(settings)
    assert served.execute("select sum(tickets) from agg_tickets_monthly_by_street").fetchone()[0] == tickets["bronze"]
    served.close()
    # the served tables' Parquet files live on the lake's storage, not on the local disk
    assert lake.list("serving/main/agg_tickets_monthly_by_street")
    assert not (tmp_path / "lake").exists()
