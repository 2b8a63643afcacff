"""The Superset datasets, generated from the dbt manifest and semantic_layer.yml (not typed twice).

    python -m superset_assets.semantic DATA_DIR/dbt/target/manifest.json     # rewrite datasets/govlake_serving/

Each dataset is a physical dataset on one served mart. Its columns, their types, Chinese labels and descriptions come
from the mart's enforced contract and docs (`中文名 · description`); its metrics from semantic_layer.yml. Runs in the
core environment (reads YAML and JSON only); the bundle it writes is what `lifecycle.init` imports.
"""

from __future__ import annotations

import csv
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
SPEC_PATH = HERE / "semantic_layer.yml"
DATASETS_DIR = HERE / "datasets" / "govlake_serving"
# rows about individual people (pseudonymised or not) stay out of every dashboard
PERSON_LEVEL_MARTS = frozenset({"dim_key_persons", "dim_key_person_level_history", "fct_shijia_clues",
                                "dim_volunteers", "dim_pingan_volunteers"})
DATE_TYPES = ("date", "timestamp")
SEEDS = HERE.parent / "dbt_project" / "seeds"
UUID_NAMESPACE = uuid.UUID("5c1a3f0e-61c4-4a8e-9d55-0a1c2b7e9f10")  # stable dataset ids for marts without one


class SemanticLayerError(ValueError):
    pass


def contracted_marts(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Mart name -> its manifest node, for every model with an enforced contract."""
    return {node["name"]: node for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["config"].get("contract", {}).get("enforced")}


def split_doc(description: str | None) -> tuple[str | None, str | None]:
    """`中文名 · description` -> (中文名, description); a doc without the separator is all label."""
    if not description:
        return None, None
    label, _, rest = description.partition(" · ")
    return label.strip() or None, rest.strip() or None


def is_pseudonym(column: dict[str, Any]) -> bool:
    return "pseudonym" in (column.get("description") or "").lower()


METRIC_KINDS = ("count", "sum", "count_distinct", "ratio", "count_true", "share")


def _metric_expression(metric: dict[str, Any], columns: set[str], mart: str) -> str:
    kinds = [k for k in METRIC_KINDS if k in metric]
    if len(kinds) != 1:
        raise SemanticLayerError(f"{mart}.{metric.get('name')}: give exactly one of {', '.join(METRIC_KINDS)}")
    kind = kinds[0]
    used = metric["ratio"] if kind == "ratio" else [] if kind == "count" else [metric[kind]]
    unknown = [c for c in used if c not in columns]
    if unknown:
        raise SemanticLayerError(f"{mart}.{metric['name']}: no column {unknown[0]!r} in the mart's contract")
    if kind == "count":
        return "COUNT(*)"
    if kind == "sum":
        return f"SUM({metric['sum']})"
    if kind == "count_distinct":
        return f"COUNT(DISTINCT {metric['count_distinct']})"
    if kind == "count_true":  # rows where a boolean column is true
        return f"SUM(CASE WHEN {metric['count_true']} THEN 1 ELSE 0 END)"
    if kind == "share":  # rows where a boolean column is true / rows where it is known: still a ratio of sums
        col = metric["share"]
        return (f"SUM(CASE WHEN {col} THEN 1 ELSE 0 END) * 1.0 / "
                f"NULLIF(SUM(CASE WHEN {col} IS NULL THEN 0 ELSE 1 END), 0)")
    numerator, denominator = metric["ratio"]
    return f"SUM({numerator}) * 1.0 / NULLIF(SUM({denominator}), 0)"


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _case(column: str, names: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{code}' THEN '{name}'" for code, name in sorted(names.items()))
    return f"CASE {column} {whens} ELSE {column} END"


def area_name_columns(served: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Calculated name columns from the seeds: 街道 / 社区 names for a mart that carries only the codes (so filters
    and axes read Chinese on every dataset and one 街道 filter reaches them all), a source system's Chinese name,
    and a ticket category's 大类 / 小类."""
    extra = []
    if "street_code" in served and "street_name" not in served:
        names = {r["street_code"]: r["street_name"] for r in _seed("ref_streets.csv")}
        extra.append({"name": "street_name", "label": "街道", "expression": _case("street_code", names),
                      "type": "VARCHAR", "description": "街道名称（由街道代码对照区划种子表得出）"})
    if "community_code" in served and "community_name" not in served:
        names = {r["community_code"]: r["community_name"] for r in _seed("ref_communities.csv")}
        extra.append({"name": "community_name", "label": "社区", "expression": _case("community_code", names),
                      "type": "VARCHAR", "description": "社区名称（由社区代码对照区划种子表得出）"})
    if "source_system" in served and "source_name" not in served:
        # the source seeds' default row per source (entity '*') names it: 民意速办, 视频资源一本账 …
        names = {r["source_system"]: r["source_name"] for r in _seed("ref_source_cadences.csv")
                 if r["entity"] == "*"}
        extra.append({"name": "source_name", "label": "来源系统名称", "expression": _case("source_system", names),
                      "type": "VARCHAR", "description": "来源系统的中文名称（由来源代码对照来源周期种子表得出）"})
    if (served.get("category_code", {}).get("description") or "").startswith("事项分类"):  # a ticket category
        categories = _seed("ref_ticket_categories.csv")
        l1 = {r["l1_code"]: r["l1_name"] for r in categories}
        l2 = {r["l2_code"]: r["l2_name"] for r in categories}
        extra.append({"name": "category_l1_name", "label": "诉求大类",
                      "expression": _case("substr(category_code, 1, 2)", l1), "type": "VARCHAR",
                      "description": "GB/T 31000 风格分类的一级名称（由分类代码对照分类种子表得出）"})
        extra.append({"name": "category_l2_name", "label": "诉求小类",
                      "expression": _case("substr(category_code, 1, 4)", l2), "type": "VARCHAR",
                      "description": "分类的二级名称（由分类代码对照分类种子表得出）"})
    return extra


def dataset(mart: str, node: dict[str, Any], spec: dict[str, Any], database_uuid: str) -> dict[str, Any]:
    """The Superset dataset YAML (as a dict) of MART."""
    if mart in PERSON_LEVEL_MARTS:
        raise SemanticLayerError(f"{mart} holds rows about individual people: it is in no dataset")
    served = {name: col for name, col in node["columns"].items() if not is_pseudonym(col)}
    title, _, _ = (node.get("description") or "").partition(" — ")
    main_dttm = spec.get("main_dttm_col")
    calculated = {c["name"] for c in spec.get("calculated", [])}
    if main_dttm and main_dttm not in served and main_dttm not in calculated:
        raise SemanticLayerError(f"{mart}: main_dttm_col {main_dttm!r} is not a column of the mart")
    metrics = []
    for metric in spec.get("metrics", []):
        metrics.append({
            "metric_name": metric["name"], "verbose_name": metric["label"], "metric_type": None,
            "expression": _metric_expression(metric, set(served), mart),
            "description": metric.get("description"), "d3format": metric.get("format"),
            "currency": None, "extra": None, "warning_text": None,
        })
    columns = []
    for name, col in served.items():
        label, description = split_doc(col.get("description"))
        data_type = (col.get("data_type") or "").lower()
        columns.append({
            "column_name": name, "verbose_name": label, "is_dttm": data_type.startswith(DATE_TYPES),
            "is_active": True, "type": data_type.upper() or None, "advanced_data_type": None, "groupby": True,
            "filterable": True, "expression": None, "description": description, "python_date_format": None,
            "extra": None,
        })
    for calc in area_name_columns(served) + list(spec.get("calculated", [])):
        if calc["name"] in served:
            raise SemanticLayerError(f"{mart}: calculated column {calc['name']!r} shadows a column of the mart")
        columns.append({
            "column_name": calc["name"], "verbose_name": calc["label"], "is_dttm": bool(calc.get("dttm")),
            "is_active": True, "type": calc.get("type", "VARCHAR"), "advanced_data_type": None, "groupby": True,
            "filterable": True, "expression": calc["expression"], "description": calc.get("description"),
            "python_date_format": None, "extra": None,
        })
    return {
        "table_name": mart, "main_dttm_col": main_dttm, "description": title.strip() or None,
        "default_endpoint": None, "offset": 0, "cache_timeout": None, "catalog": None, "schema": "main",
        "sql": None, "params": None, "template_params": None, "filter_select_enabled": True,
        "fetch_values_predicate": None, "extra": None, "normalize_columns": False, "always_filter_main_dttm": False,
        "uuid": spec.get("uuid") or str(uuid.uuid5(UUID_NAMESPACE, mart)),
        "metrics": metrics, "columns": columns, "version": "1.0.0", "database_uuid": database_uuid,
    }


def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def datasets(manifest: dict[str, Any], spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """File name -> dataset, for every mart the semantic layer names."""
    marts = contracted_marts(manifest)
    missing = [m for m in spec["datasets"] if m not in marts]
    if missing:
        raise SemanticLayerError(f"semantic_layer.yml names {missing[0]!r}, which is not a contracted mart")
    return {f"{mart}.yaml": dataset(mart, marts[mart], mart_spec or {}, spec["database_uuid"])
            for mart, mart_spec in spec["datasets"].items()}


HEADER = ("# Generated by `python -m superset_assets.semantic` from the dbt manifest and semantic_layer.yml:\n"
          "# edit those, not this file.\n")


def render(ds: dict[str, Any]) -> str:
    return HEADER + yaml.safe_dump(ds, allow_unicode=True, sort_keys=False, width=120)


def write(manifest_path: Path, out_dir: Path = DATASETS_DIR) -> list[Path]:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, ds in datasets(manifest, load_spec()).items():
        path = out_dir / name
        path.write_text(render(ds), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m superset_assets.semantic DATA_DIR/dbt/target/manifest.json")
    for path in write(Path(sys.argv[1])):
        print(path)
