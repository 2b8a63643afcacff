"""Batch manifests and watermarks, kept in the lake beside the data they describe.

A manifest is the commit marker of a batch: bronze and quarantine files of a batch without a committed manifest are
invisible to the models (staging joins on committed manifests), so a crash mid-batch never shows a partial batch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from common.lake import Lake


def manifest_key(source: str, entity: str, batch_id: str) -> str:
    return f"_manifests/{source}/{entity}/{batch_id}.json"


def watermark_key(source: str, entity: str) -> str:
    return f"_state/watermarks/{source}/{entity}.json"


def read_watermark(lake: Lake, source: str, entity: str) -> datetime | None:
    key = watermark_key(source, entity)
    if not lake.exists(key):
        return None
    return datetime.fromisoformat(lake.read_json(key)["high"])


def write_watermark(lake: Lake, source: str, entity: str, high: datetime, batch_id: str) -> None:
    lake.write_json(watermark_key(source, entity), {"high": high.isoformat(sep=" "), "batch_id": batch_id})


def read_manifest(lake: Lake, source: str, entity: str, batch_id: str) -> dict[str, Any] | None:
    key = manifest_key(source, entity, batch_id)
    return lake.read_json(key) if lake.exists(key) else None


def list_manifests(lake: Lake, source: str | None = None) -> list[dict[str, Any]]:
    prefix = "_manifests" + (f"/{source}" if source else "")
    return [lake.read_json(k) for k in lake.list(prefix) if k.endswith(".json")]
