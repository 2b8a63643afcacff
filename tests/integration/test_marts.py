"""The modelled district: the kpi mart reproduces the simulator's ground truth, marts are served and documented.

One published build of every system at a small scale (`district_env`); each test reads it as a user would: through
the published snapshot, `govlake kpi`, or dbt's own artifacts.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from serving import reader
from tests.conftest import run_govlake
from transform.dbt_runner import run_dbt

DISTRICT = "440309"


def _serving(env: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    return reader.connect(env["settings"])


def _truth(env: dict[str, Any]) -> dict[str, Any]:
    return json.loads((env["settings"].sources_dir / "truth.json").read_text())


def test_kpi_mart_reproduces_every_indicator_of_the_ground_truth(district_env: dict[str, Any]) -> None:
    truth = _truth(district_env)["expected"]
    con = _serving(district_env)
    catalogue = dict(con.execute("select indicator_code, unit from dim_indicators").fetchall())
    values = dict(con.execute(
        "select indicator_code, value from fct_indicator_values where period = '2024' and area_code = ?", [DISTRICT]
    ).fetchall())
    assert set(values) == set(catalogue), f"indicators without a 2024 district value: {set(catalogue) - set(values)}"
    wrong = {}
    for code, unit in catalogue.items():
        want = truth[code] * 100 if unit == "%" else truth[code]
        # the ground truth keeps some rates rounded to 4 decimals of a fraction: 0.005 percentage points
        if abs(values[code] - want) > (0.006 if unit == "%" else 1e-9):
            wrong[code] = (values[code], want)
    assert not wrong, f"kpi mart vs ground truth (got, want): {wrong}"


def test_kpi_mart_is_tidy_and_carries_its_definition(district_env: dict[str, Any]) -> None:
    con = _serving(district_env)
    duplicates = con.execute(
        "select indicator_code, period, area_code, count(*) from fct_indicator_values group by all having count(*) > 1"
    ).fetchall()
    assert duplicates == []
    rate = con.execute(
        "select value, numerator, denominator, unit, target from fct_indicator_values "
        "where indicator_code = 'demand.on_time_closure_rate' and period = '2024' and area_code = ?", [DISTRICT]
    ).fetchone()
    assert rate is not None
    value, numerator, denominator, unit, target = rate
    assert unit == "%" and target == 100
    assert value == pytest.approx(100 * numerator / denominator)
    streets = con.execute(
        "select count(distinct area_code) from fct_indicator_values where area_level = 'street' and period = '2024'"
    ).fetchone()
    assert streets == (6,), "street-level values let a street leader read their own figures"


def test_govlake_kpi_prints_the_catalogue_for_a_period(district_env: dict[str, Any]) -> None:
    rows = json.loads(run_govlake(district_env["env"], "kpi", "--period", "2024", "--json").stdout)
    assert len(rows) == 45
    by_code = {r["indicator_code"]: r for r in rows}
    assert by_code["demand.channels"]["value"] == 37
    assert by_code["demand.tickets"]["indicator_name"] == "民意速办事件总量"
    assert all(r["value"] is not None for r in rows)

    street = json.loads(run_govlake(district_env["env"], "kpi", "--period", "2024", "--area", "440309006",
                                    "--json").stdout)
    tickets = {r["indicator_code"]: r["value"] for r in street}["demand.tickets"]
    assert 0 < tickets < by_code["demand.tickets"]["value"]

    table = run_govlake(district_env["env"], "kpi", "--period", "2024").stdout
    assert "按时办结率" in table


@pytest.mark.parametrize(("args", "message"), [
    (("--period", "2024-13"), "period must be a year"),
    (("--period", "2024", "--area", "999"), "no indicator values for area"),
])
def test_govlake_kpi_refuses_a_bad_request_clearly(district_env: dict[str, Any], args: tuple[str, ...],
                                                    message: str) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "govlake.cli", "kpi", *args], env=district_env["env"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr


def test_kpi_of_one_source_carries_its_indicators_and_names_the_missing(published_env: dict[str, Any]) -> None:
    """Only 民意速办 was ingested: the indicator table carries the demand indicators, and every other indicator is
    listed as unavailable with the source systems it waits for."""
    con = _serving(published_env)
    codes = {code for (code,) in con.execute("select distinct indicator_code from fct_indicator_values").fetchall()}
    assert codes and all(code.startswith("demand.") for code in codes)
    availability = {code: (status, reason, missing) for code, status, reason, missing in con.execute(
        "select indicator_code, status, reason, missing_sources from fct_indicator_availability").fetchall()}
    assert {c for c, (status, _, _) in availability.items() if status == "available"} == codes
    assert availability["community.apps"] == ("unavailable", "来源系统尚未接入数据：社区工作台（community）",
                                              "community")
    assert availability["court.e_service_rate"][2] == "zhengfa_files"

    rows = json.loads(run_govlake(published_env["env"], "kpi", "--period", "2024", "--json").stdout)
    by_code = {r["indicator_code"]: r for r in rows}
    assert by_code["demand.tickets"]["value"] > 0 and by_code["demand.tickets"]["status"] == "available"
    assert by_code["video.cameras"]["value"] is None and by_code["video.cameras"]["status"] == "unavailable"
    assert "视频资源一本账（video）" in by_code["video.cameras"]["unavailable_reason"]
    table = run_govlake(published_env["env"], "kpi", "--period", "2024").stdout
    assert "暂不可用" in table and "社区工作台（community）" in table


def test_data_quality_mart_accounts_for_every_row_received(district_env: dict[str, Any]) -> None:
    from common.lake import open_lake
    from quality.manifests import list_manifests

    manifests = list_manifests(open_lake(district_env["settings"]))
    con = _serving(district_env)
    batches = con.execute("select count(*), sum(rows_received), count(*) filter (where not is_reconciled) "
                          "from fct_ingestion_batches").fetchone()
    assert batches == (len(manifests), sum(m["received"] for m in manifests), 0)
    rejected = con.execute("select sum(rows_quarantined) from agg_source_freshness").fetchone()
    assert rejected == (sum(m["quarantined"] for m in manifests),)
    rules = dict(con.execute(
        "select rule_name, rows_affected from agg_quarantine_by_rule "
        "where source_system = 'minyi' and entity = 'tickets' and level = 'row'").fetchall())
    want: dict[str, int] = {}
    for m in manifests:
        if (m["source"], m["entity"]) == ("minyi", "tickets"):
            for rule, n in m["rules"].items():
                want[rule] = want.get(rule, 0) + n
    assert rules == want and rules, "rejections by rule are the manifests' own counts"
    repaired = con.execute("select sum(rows_repaired) from fct_ingestion_batches").fetchone()
    assert repaired == (sum(m.get("repaired", 0) for m in manifests),)
    repairs = con.execute("select sum(rows_affected) from agg_quarantine_by_rule where level = 'field'").fetchone()
    assert repairs == (sum(sum((m.get("field_rules") or {}).values()) for m in manifests) or None,)


def _dbt_manifest(env: dict[str, Any]) -> dict[str, Any]:
    path = Path(env["data_dir"]) / "dbt" / "target" / "manifest.json"
    return json.loads(path.read_text())


def _served_mart(node: dict[str, Any]) -> bool:
    """A table of the marts layer: what publish serves (the layer's few views, e.g. the per-area KPI models that
    fct_indicator_values unions, stay in the warehouse)."""
    return (node["resource_type"] == "model" and node["original_file_path"].startswith("models/marts/")
            and node["config"]["materialized"] != "view")


def test_every_served_mart_has_a_contract_and_bilingual_column_docs(district_env: dict[str, Any]) -> None:
    manifest = _dbt_manifest(district_env)
    marts = [n for n in manifest["nodes"].values()
             if _served_mart(n)]
    assert len(marts) >= 20
    problems = []
    for node in marts:
        if not node["config"]["contract"]["enforced"]:
            problems.append(f"{node['name']}: no enforced contract")
        for column in node["columns"].values():
            description = column.get("description", "")
            # "中文名 · English description": a Chinese business name, then what it means in English
            if " · " not in description or not any("\u4e00" <= ch <= "\u9fff" for ch in description.split(" · ")[0]):
                problems.append(f"{node['name']}.{column['name']}: {description!r}")
    assert not problems, "\n".join(problems)


def test_code_columns_refuse_values_outside_their_code_list(district_env: dict[str, Any], tmp_path: Path) -> None:
    """The marts' code columns carry enforced check constraints (not accepted_values tests): DuckDB refuses a bad
    code as the table is written."""
    manifest = _dbt_manifest(district_env)
    declared = {(n["name"], c["name"]) for n in manifest["nodes"].values()
                if _served_mart(n)
                for c in n["columns"].values() for con in c.get("constraints", []) if con["type"] == "check"}
    assert len(declared) >= 60
    warehouse = tmp_path / "warehouse.duckdb"  # a copy: the shared build stays as it is
    shutil.copy(district_env["settings"].warehouse_path, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        enforced = {(table, column) for table, columns in con.execute(
            "select table_name, constraint_column_names from duckdb_constraints() where constraint_type = 'CHECK'"
        ).fetchall() for column in columns}
        assert declared <= enforced, sorted(declared - enforced)
        with pytest.raises(duckdb.ConstraintException, match="CHECK"):
            con.execute("update fct_tickets set status = 'pending' "
                        "where ticket_id = (select min(ticket_id) from fct_tickets)")


def test_every_model_key_is_tested_unique_and_not_null(district_env: dict[str, Any]) -> None:
    manifest = _dbt_manifest(district_env)
    tested: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("attached_node"):
            tested.setdefault(node["attached_node"], set()).add(node["test_metadata"]["name"]
                                                                if node.get("test_metadata") else node["name"])
    untested = [n["name"] for uid, n in manifest["nodes"].items()
                if _served_mart(n)
                and not ({"primary_key", "unique", "unique_combination"} & tested.get(uid, set()))]
    assert not untested, f"marts without a uniqueness test on their key: {untested}"


def test_dashboards_and_the_api_are_declared_as_exposures(district_env: dict[str, Any]) -> None:
    exposures = _dbt_manifest(district_env)["exposures"].values()
    kinds = {e["type"] for e in exposures}
    assert {"dashboard", "application"} <= kinds
    depends = {dep for e in exposures for dep in e["depends_on"]["nodes"]}
    assert "model.govlake.fct_indicator_values" in depends


def test_dbt_docs_generate_and_source_freshness_run(district_env: dict[str, Any]) -> None:
    settings = district_env["settings"]
    assert run_dbt(settings, ["docs", "generate"])
    catalog = json.loads((Path(district_env["data_dir"]) / "dbt" / "target" / "catalog.json").read_text())
    assert "model.govlake.fct_indicator_values" in catalog["nodes"]
    run_govlake(district_env["env"], "freshness")
    sources = json.loads((Path(district_env["data_dir"]) / "dbt" / "target" / "sources.json").read_text())
    statuses = {r["unique_id"]: r["status"] for r in sources["results"]}
    assert statuses["source.govlake.bronze_minyi.tickets"] == "pass"
    assert len(statuses) > 50


def test_dbt_unit_tests_pass(district_env: dict[str, Any]) -> None:
    # every KPI formula and the 失驾 logic on fixed inputs; `govlake transform` leaves them to the test suite
    run_govlake(district_env["env"], "transform", "--unit-tests")
    results = json.loads((Path(district_env["data_dir"]) / "dbt" / "target" / "run_results.json").read_text())
    unit = [r for r in results["results"] if r["unique_id"].startswith("unit_test.")]
    assert len(unit) >= 36
    assert {r["status"] for r in unit} == {"pass"}


@pytest.fixture
def district_api(district_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    from fastapi.testclient import TestClient

    from common.settings import get_settings
    from services.api.auth import key_store, reset_auth
    from services.api.main import app
    from services.api.snapshot import reset_reader

    monkeypatch.setenv("DATA_DIR", str(district_env["data_dir"]))
    monkeypatch.setenv("API_KEY_STORE", f"sqlite:///{tmp_path / 'keys.sqlite'}")
    monkeypatch.setenv("API_AUDIT_DIR", str(tmp_path / "audit"))
    get_settings.cache_clear()
    reset_reader()
    reset_auth()
    with TestClient(app, headers={"Authorization": f"Bearer {key_store().create('test', 'admin')[1]}"}) as client:
        yield client
    reset_auth()
    get_settings.cache_clear()
    reset_reader()


def test_api_serves_the_indicator_table(district_api: Any) -> None:
    body = district_api.get("/v1/kpi", params={"period": "2024"}).json()
    assert len(body["items"]) == 45 and body["items"][0]["indicator_code"] == "demand.tickets"
    street = district_api.get("/v1/kpi", params={"period": "2024-06", "area_code": "440309006"})
    assert street.status_code == 200
    assert {i["area_name"] for i in street.json()["items"]} == {"观澜"}
    assert district_api.get("/v1/kpi", params={"period": "2024", "area_code": "440309999"}).status_code == 404
    assert district_api.get("/v1/kpi", params={"period": "24"}).status_code == 422
    assert district_api.get("/v1/kpi").status_code == 422


def test_shijia_model_finds_exactly_the_planted_cases(district_env: dict[str, Any]) -> None:
    planted = _truth(district_env)["planted"]
    con = _serving(district_env)
    clues = {r[0] for r in con.execute("select violation_id from fct_shijia_clues").fetchall()}
    assert clues == {case["violation_id"] for case in planted["shijia_cases"]}
    assert clues.isdisjoint({near["violation_id"] for near in planted["shijia_near_misses"]})
    # the clue list names subjects only by pseudonym: no raw citizen ID reaches the served snapshot
    keys = {r[0] for r in con.execute("select subject_key from fct_shijia_clues").fetchall()}
    assert keys.isdisjoint({case["id_number"] for case in planted["shijia_cases"]}) and all(keys)
    runs = con.execute("select count(*) from fct_supervision_model_runs").fetchone()
    assert runs is not None and runs[0] >= 1, "every run of the model is logged"


def test_baseline_snapshot_matches_the_ground_truth_and_answers_month_over_month(district_env: dict[str, Any]) -> None:
    truth = _truth(district_env)["expected"]
    con = _serving(district_env)
    last = con.execute("select max(snapshot_date) from fct_baseline_snapshots").fetchone()[0]  # type: ignore[index]
    counts = dict(con.execute(
        "select element_type, sum(element_count) from fct_baseline_snapshots where snapshot_date = ? group by all",
        [last]).fetchall())
    assert counts["key_person"] == truth["baseline.key_persons"]
    assert counts["key_place"] == truth["baseline.key_places"]
    assert counts["key_event"] == truth["baseline.key_events.open"]
    assert counts["key_component"] == truth["video.cameras"] or counts["key_component"] > 0.9 * truth["video.cameras"]
    # "how did the baseline change this month" is one query over two snapshot dates
    change = con.execute(
        """
        select street_code, element_type,
               sum(element_count) filter (where snapshot_date = date '2024-12-31')
               - coalesce(sum(element_count) filter (where snapshot_date = date '2024-11-30'), 0) as change
        from fct_baseline_snapshots
        where snapshot_date in (date '2024-11-30', date '2024-12-31')
        group by all
        """).fetchall()
    assert {r[1] for r in change} == {"key_person", "key_place", "key_event", "key_component"}


def test_served_marts_carry_no_raw_personal_identifiers(district_env: dict[str, Any]) -> None:
    """Citizen IDs planted by the simulator (correction subjects, drivers) appear nowhere in the served snapshot."""
    import re

    con = _serving(district_env)
    id_pattern = re.compile(r"^\d{17}[\dX]$")
    offenders = []
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns where data_type = 'VARCHAR'"
    ).fetchall():
        sample = con.execute(f'select "{column}" from "{table}" where "{column}" is not null limit 200').fetchall()
        if any(id_pattern.match(str(v[0])) for v in sample):
            offenders.append(f"{table}.{column}")
    assert not offenders, f"18-digit citizen IDs served in clear: {offenders}"


def test_snapshot_serves_marts_and_code_tables_only(district_env: dict[str, Any]) -> None:
    con = _serving(district_env)
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    assert {"fct_indicator_values", "fct_baseline_snapshots", "fct_shijia_clues", "ref_streets"} <= tables
    assert not {t for t in tables if t.startswith(("stg_", "int_"))}, "working tables stay in the warehouse"


def test_govlake_kpi_reconcile_checks_truth_and_seed(district_env: dict[str, Any]) -> None:
    rows = json.loads(run_govlake(district_env["env"], "kpi", "--period", "2024", "--reconcile", "--json").stdout)
    assert len(rows) == 45
    assert all(r["matches_truth"] and r["within_seed_tolerance"] for r in rows), [r for r in rows
                                                                                  if not r["matches_truth"]]


def _copy_of_the_build(district_env: dict[str, Any], tmp_path: Path) -> Any:
    """Settings of a new data dir holding a copy of the district's warehouse (the shared build stays as it is)."""
    settings = district_env["settings"].model_copy(update={"data_dir": tmp_path / "data"})
    settings.warehouse_path.parent.mkdir(parents=True)
    shutil.copy(district_env["settings"].warehouse_path, settings.warehouse_path)
    return settings


def _test_failures(settings: Any) -> dict[str, tuple[str, int]]:
    results = json.loads((settings.data_dir / "dbt" / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[2]: (r["status"], r["failures"]) for r in results
            if r["unique_id"].startswith("test.") and r["status"] != "pass"}


def test_key_and_area_code_tests_catch_what_they_replace(district_env: dict[str, Any], tmp_path: Path) -> None:
    """primary_key (unique and not null in one query) and known_area_codes (a model's area codes in one query) fail on
    a repeated key and an unknown street code, as the per-column dbt tests they replace did."""
    settings = _copy_of_the_build(district_env, tmp_path)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("insert into fct_tickets select * from fct_tickets order by ticket_id limit 1")
        con.execute("update fct_tickets set street_code = '440309999' "
                    "where ticket_id = (select max(ticket_id) from fct_tickets)")
    assert not run_dbt(settings, ["test", "--select", "fct_tickets,test_name:primary_key",
                                  "fct_tickets,test_name:known_area_codes"])
    failures = _test_failures(settings)
    assert failures == {"primary_key_fct_tickets_ticket_id": ("fail", 1),
                        "known_area_codes_fct_tickets_street_code__community_code": ("fail", 1)}, failures


def test_a_daily_build_tests_the_keys_it_wrote_across_the_whole_mart(district_env: dict[str, Any],
                                                                     tmp_path: Path) -> None:
    """An incremental build of fct_ticket_flows tests the rows it wrote (stamped built_at), not the millions written
    before: each key it wrote is counted across the whole mart, so a rewritten flow repeating an older row's key fails;
    a repeat among older rows only is left to `dbt test` and full builds."""
    settings = _copy_of_the_build(district_env, tmp_path)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        (ticket, flow), (older_ticket, older_flow) = con.execute(
            "select ticket_id, min(flow_id) from fct_ticket_flows group by all order by ticket_id limit 2").fetchall()
        other_ticket = con.execute("select max(ticket_id) from fct_ticket_flows").fetchone()[0]  # type: ignore[index]
        # the ticket's flows arrive again (a resent batch): the next build rewrites all of that ticket's flows
        con.execute("update stg_minyi__ticket_flows set ingested_at = ingested_at + interval 1 day "
                    f"where ticket_id = '{ticket}'")
        # one of them repeated under a ticket the build leaves alone, and an older flow repeated the same way
        for repeated in (flow, older_flow):
            con.execute(f"insert into fct_ticket_flows select * replace ('{other_ticket}' as ticket_id) "
                        f"from fct_ticket_flows where flow_id = '{repeated}'")
    assert older_ticket != ticket and other_ticket not in (ticket, older_ticket)

    assert not run_dbt(settings, ["build", "--select", "fct_ticket_flows", "--exclude-resource-type", "unit_test"])
    assert _test_failures(settings) == {"primary_key_fct_ticket_flows_flow_id": ("fail", 1)}, "only the rewritten key"
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        written = con.execute("select distinct ticket_id from fct_ticket_flows "
                              "where built_at = (select max(built_at) from fct_ticket_flows)").fetchall()
    assert written == [(ticket,)], "the build rewrote that ticket's flows, and stamped only them"

    assert not run_dbt(settings, ["test", "--select", "fct_ticket_flows,test_name:primary_key"])
    assert _test_failures(settings) == {"primary_key_fct_ticket_flows_flow_id": ("fail", 2)}, "dbt test checks all"
