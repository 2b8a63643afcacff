"""dbt's layers as the structure guide draws them: staging -> intermediate -> marts, never back."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import govlake_env, run_govlake


def _layer(node: dict[str, object]) -> str:
    """The layer of a model: the first folder under models/ (staging, intermediate, marts)."""
    return str(node["original_file_path"]).removeprefix("models/").split("/")[0]


def test_no_intermediate_model_reads_a_mart(tmp_path: Path) -> None:
    run_govlake(govlake_env(tmp_path), "transform", "--parse")
    manifest = json.loads((tmp_path / "dbt" / "target" / "manifest.json").read_text())
    models = {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    assert any(_layer(node) == "intermediate" for node in models.values())
    backwards = sorted(
        f"{node['name']} reads {models[parent]['name']}"
        for node in models.values() if _layer(node) == "intermediate"
        for parent in node["depends_on"]["nodes"] if parent in models and _layer(models[parent]) == "marts"
    )
    assert not backwards, "intermediate models must read staging or intermediate models only:\n" + "\n".join(backwards)
