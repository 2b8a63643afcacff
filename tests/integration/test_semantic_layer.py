"""Superset's datasets are generated from the marts' contracts and docs: they cannot drift apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from superset_assets import semantic

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def manifest(district_env: dict[str, Any]) -> dict[str, Any]:
    path = Path(district_env["data_dir"]) / "dbt" / "target" / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_committed_datasets_are_what_the_manifest_generates(manifest: dict[str, Any]) -> None:
    generated = semantic.datasets(manifest, semantic.load_spec())
    committed = {p.name for p in semantic.DATASETS_DIR.glob("*.yaml")}
    assert committed == set(generated), "a dataset without a semantic_layer.yml entry, or one not generated"
    stale = [name for name, ds in generated.items()
             if (semantic.DATASETS_DIR / name).read_text(encoding="utf-8") != semantic.render(ds)]
    assert stale == [], f"regenerate with `python -m superset_assets.semantic MANIFEST`: {stale}"


def test_columns_carry_the_contract_types_and_the_docs_labels(manifest: dict[str, Any]) -> None:
    marts = semantic.contracted_marts(manifest)
    for name, ds in semantic.datasets(manifest, semantic.load_spec()).items():
        node = marts[ds["table_name"]]
        for column in ds["columns"]:
            if column["expression"]:  # a calculated column (街道 / 社区 names, snapshot period): not in the mart
                assert column["column_name"] not in node["columns"], name
                continue
            contract = node["columns"][column["column_name"]]
            assert column["type"] == contract["data_type"].upper(), name
            assert column["verbose_name"] == contract["description"].partition(" · ")[0], name


def test_rates_are_a_ratio_of_sums_and_people_stay_out(manifest: dict[str, Any]) -> None:
    spec = semantic.load_spec()
    for ds in semantic.datasets(manifest, spec).values():
        for metric in ds["metrics"]:
            if metric["d3format"] and "%" in metric["d3format"]:
                assert metric["expression"].startswith("SUM(") and "/ NULLIF(SUM(" in metric["expression"]
        assert not [c for c in ds["columns"] if "pseudonym" in (c["description"] or "").lower()]
    people = {"datasets": {"dim_key_persons": {}}, "database_uuid": spec["database_uuid"]}
    with pytest.raises(semantic.SemanticLayerError, match="individual people"):
        semantic.datasets(manifest, people)
    unknown = {"datasets": {"agg_tickets_monthly_by_street": {"metrics": [
        {"name": "x", "label": "x", "ratio": ["closed_on_time", "no_such_column"]}]}},
        "database_uuid": spec["database_uuid"]}
    with pytest.raises(semantic.SemanticLayerError, match="no_such_column"):
        semantic.datasets(manifest, unknown)
