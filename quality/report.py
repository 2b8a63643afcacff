"""The data engineer's first look after a run: per source and entity, what arrived, what was kept, what was rejected.

Built from the batch manifests alone (they are the record of every batch), so it costs nothing to run and works the
same on a local or an S3 lake.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from common.lake import Lake
from quality.manifests import list_manifests


def quality_report(lake: Lake, source: str | None = None) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for manifest in list_manifests(lake, source):
        groups[(manifest["source"], manifest["entity"])].append(manifest)
    report = []
    for (src, entity), batches in sorted(groups.items()):
        committed = [b for b in batches if b["status"] == "committed"]
        rules: Counter[str] = Counter()
        repairs: Counter[str] = Counter()
        for b in committed:
            rules.update(b.get("rules") or {})
            repairs.update(b.get("field_rules") or {})
        received = sum(b["received"] for b in committed)
        quarantined = sum(b["quarantined"] for b in committed)
        report.append({
            "source": src,
            "entity": entity,
            "batches": len(committed),
            "failed_batches": [b["batch_id"] for b in batches if b["status"] == "failed"],
            "received": received,
            "bronze": sum(b["bronze"] for b in committed),
            "quarantined": quarantined,
            "reconciled": all(b["received"] == b["bronze"] + b["quarantined"] for b in committed),
            "rejection_rate": round(quarantined / received, 6) if received else 0.0,
            "rejections_by_rule": dict(sorted(rules.items(), key=lambda kv: (-kv[1], kv[0]))),
            # rows kept with a field nulled or repaired (field-level rules): in bronze, not in the reconciliation
            "repaired": sum(b.get("repaired", 0) for b in committed),
            "repairs_by_rule": dict(sorted(repairs.items(), key=lambda kv: (-kv[1], kv[0]))),
            "last_received_at": max((b.get("received_at") or "" for b in committed), default=None),
            "watermark": max((b.get("high") or "" for b in committed), default=None),
        })
    return report
