"""Every quality rule's severity: does its failure reject the row, or only the field it is about?

A defect that makes the row meaningless — no key, an unknown area, impossible dates, a duplicate — rejects the row
(the default: a rule not listed here is row-level). A defect confined to one field that no indicator needs, or one the
connector already recovered from, keeps the row: the field is repaired or nulled, the row is flagged
(`_field_issues`), and the field-level record goes to quarantine with its rule, reason and the value as received.

A field-level rule still rejects the row when its field is required and could not be repaired: a row without the
value the schema demands is not a row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import polars as pl

Action = Literal["null", "repair", "keep"]


@dataclass(frozen=True)
class FieldRule:
    action: Action  # null the field / replace it by `repair` / keep it (the connector already recovered it)
    why: str  # what the quarantine record says was done
    repair: Callable[[pl.Expr], pl.Expr] | None = None  # the recovered value, null where it cannot be recovered


def _latin1_to_gbk(value: str | None) -> str | None:
    """GBK bytes that were read as Latin-1 (mojibake) back to the GBK text they were; None if they are not that."""
    if value is None:
        return None
    try:
        return value.encode("latin-1").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def undo_mojibake(column: pl.Expr) -> pl.Expr:
    return column.map_elements(_latin1_to_gbk, return_dtype=pl.String, skip_nulls=True)


# keyed by the check part of a rule (`callback_phone:mobile_valid` → `mobile_valid`); a row-level rule by its name
_BY_CHECK: dict[str, FieldRule] = {
    # a mistyped call-back or contact phone: no indicator reads it; the row is kept with the phone nulled
    "mobile_valid": FieldRule("null", "nulled: not a mainland mobile number"),
    # a text field whose GBK bytes were read as Latin-1: converted back; nulled if the bytes are not GBK
    "wrong_encoding": FieldRule("repair", "repaired: GBK bytes read as Latin-1 decoded as GBK", undo_mojibake),
}
_ROW_LEVEL_BY_NAME: dict[str, FieldRule] = {
    # a CSV record in the other encoding, decoded in the encoding it really is in (its bytes are in `_raw_bytes`)
    "wrong_encoding": FieldRule("keep", "kept: the record was decoded in its own encoding"),
}


def field_rule(rule: str) -> tuple[str | None, FieldRule] | None:
    """(the field concerned — None for a whole-record rule —, its handling) if RULE is field-level, else None."""
    if ":" in rule:
        column, check = rule.split(":", 1)
        found = _BY_CHECK.get(check)
        return None if found is None or column == "type" else (column, found)
    found = _ROW_LEVEL_BY_NAME.get(rule)
    return None if found is None else (None, found)


def field_level_rules() -> dict[str, str]:
    """The field-level checks and what is done about them (for docs and reports)."""
    return {**{f"<column>:{k}": v.why for k, v in _BY_CHECK.items()},
            **{k: v.why for k, v in _ROW_LEVEL_BY_NAME.items()}}
