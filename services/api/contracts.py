"""The served marts, read from the dbt manifest's contracted marts: names, columns, types, docs, keys and filters.

Every `/v1/marts/{mart}` endpoint is generated from one `MartSpec`; nothing per mart is written by hand. A mart is a
model under `models/marts/` with an enforced contract. Its URL name is the table name without the `fct_` / `dim_` /
`agg_` prefix, in kebab case (`agg_tickets_monthly_by_street` → `tickets-monthly-by-street`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from common.settings import Settings

AREA_COLUMNS = ("street_code", "community_code", "grid_code")  # the jurisdiction, coarse to fine
AREA_PATTERNS = {"street_code": r"^\d{9}$", "community_code": r"^\d{12}$", "grid_code": r"^\d{12}[A-Z0-9]{1,8}$"}
# columns whose rows are about one individual (pseudonymised or not): a mart holding one is person-level
PERSON_COLUMNS = frozenset({"person_id", "person_key", "citizen_id_key", "subject_key", "plate_key"})
# keyed pseudonyms of someone who is not the subject of the row (the caller of a ticket): dropped for some roles
PSEUDONYM_COLUMNS = frozenset({"caller_key"})
PREFIXES = ("fct_", "dim_", "agg_")
CODE_VALUE = r"^[A-Za-z0-9_.\-]{1,64}$"


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str  # the contract's type, lower case (varchar, bigint, date, timestamp, double, boolean, varchar[])
    description: str

    @property
    def is_month(self) -> bool:
        return self.data_type == "date" and (self.name == "month" or self.name.endswith("_month"))

    @property
    def is_period(self) -> bool:
        return self.data_type == "date"

    @property
    def is_code(self) -> bool:
        return self.data_type == "varchar" and self.name.endswith("_code") and self.name not in AREA_COLUMNS

    @property
    def sortable(self) -> bool:
        return not self.data_type.endswith("[]")


@dataclass(frozen=True)
class MartSpec:
    table: str
    slug: str
    title: str  # the Chinese name (the part of the description before " — ")
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the grain: primary key or unique combination; the whole row when none is declared
    tags: tuple[str, ...] = field(default=())
    unique_id: str = ""  # the dbt node id (model.govlake.fct_tickets): its page in the data dictionary

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def area_columns(self) -> tuple[str, ...]:
        return tuple(a for a in AREA_COLUMNS if a in self.column_names)

    @property
    def period_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.is_period)

    @property
    def code_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.is_code)

    @property
    def person_level(self) -> bool:
        return bool(PERSON_COLUMNS & set(self.column_names))

    @property
    def has_area_code(self) -> bool:
        """The indicator values: one `area_code` column holding district, street or community codes."""
        return "area_code" in self.column_names and not self.area_columns

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def slug_of(table: str) -> str:
    stem = next((table[len(p):] for p in PREFIXES if table.startswith(p)), table)
    return stem.replace("_", "-")


def _title(description: str) -> str:
    head = re.split(r"\s+[—-]\s+|\s·\s", description, maxsplit=1)[0].strip()
    return head or description[:40]


def _keys(manifest: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    keys: dict[str, tuple[str, ...]] = {}
    for node in manifest.get("nodes", {}).values():
        meta = node.get("test_metadata") or {}
        attached = node.get("attached_node") or ""
        if node.get("resource_type") != "test" or not attached.startswith("model."):
            continue
        name, kwargs = meta.get("name"), meta.get("kwargs") or {}
        if name in ("primary_key", "unique") and node.get("column_name"):
            keys[attached] = (str(node["column_name"]),)  # a single-column key wins over a combination
        elif name == "unique_combination" and attached not in keys and isinstance(kwargs.get("columns"), list):
            keys[attached] = tuple(str(c) for c in kwargs["columns"])
    return keys


def marts_from_manifest(manifest: dict[str, Any]) -> list[MartSpec]:
    keys = _keys(manifest)
    marts: list[MartSpec] = []
    for uid, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") != "model" or not str(node.get("original_file_path", "")).startswith(
                "models/marts/"):
            continue
        if not (node.get("config", {}).get("contract") or {}).get("enforced"):
            continue
        columns = tuple(Column(name, str(c.get("data_type") or "varchar").lower(), str(c.get("description") or ""))
                        for name, c in node.get("columns", {}).items())
        if not columns:
            continue
        names = {c.name for c in columns}
        key = tuple(k for k in keys.get(uid, ()) if k in names) or tuple(c.name for c in columns if c.sortable)
        area = Path(node["original_file_path"]).parts[2] if len(Path(node["original_file_path"]).parts) > 3 else ""
        description = str(node.get("description") or "")
        marts.append(MartSpec(table=node["name"], slug=slug_of(node["name"]), title=_title(description),
                              description=description, columns=columns, key=key, tags=(area,) if area else (),
                              unique_id=uid))
    return sorted(marts, key=lambda m: m.slug)


def manifest_path(settings: Settings) -> Path:
    return settings.data_dir / "dbt" / "target" / "manifest.json"


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> tuple[MartSpec, ...]:
    return tuple(marts_from_manifest(json.loads(Path(path).read_text(encoding="utf-8"))))


def load_marts(settings: Settings) -> tuple[MartSpec, ...]:
    """The contracted marts of the last dbt parse in DATA_DIR (empty before the first `govlake transform`)."""
    path = manifest_path(settings)
    if not path.exists():
        return ()
    return _load(str(path), path.stat().st_mtime)
