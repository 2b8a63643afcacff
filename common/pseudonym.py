"""Keyed pseudonymisation of personal identifiers (PIPL): HMAC-SHA256 with a secret key from the environment.

The same identifier always maps to the same pseudonym under one key, so joins and repeat-caller counts still work
downstream, but without the key a pseudonym cannot be reversed or recomputed from a guessed phone number or ID.

`pseudonymize` is the reference (Python); `pseudonymize_sql` is the same function as a DuckDB SQL expression, so that
dbt can pseudonymise millions of rows with DuckDB's native, parallel sha256 instead of a per-row Python call.
"""

from __future__ import annotations

import hashlib
import hmac
import sys

BLOCK = 64  # SHA-256 block size in bytes (RFC 2104)
# what str.strip() removes: every Unicode whitespace character (the ideographic space U+3000 among them)
_WHITESPACE = "".join(ch for ch in map(chr, range(sys.maxunicode + 1)) if ch.isspace())


def pseudonymize(value: str | None, key: str) -> str | None:
    if value is None or value == "":
        return None
    digest = hmac.new(key.encode(), value.strip().encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def pseudonymize_sql(key: str, value: str) -> str:
    """A DuckDB expression over the SQL expression VALUE equal to `pseudonymize(value, key)`.

    HMAC(K, m) = H((K' ^ opad) || H((K' ^ ipad) || m)) with K' the key zero-padded to the block (hashed first when
    longer than a block). The padded keys are key material: the expression belongs in a connection's temporary
    macro (never in a model, a compiled file or a log).
    """
    k = key.encode()
    if len(k) > BLOCK:
        k = hashlib.sha256(k).digest()
    k = k.ljust(BLOCK, b"\0")
    ipad = bytes(b ^ 0x36 for b in k).hex()
    opad = bytes(b ^ 0x5C for b in k).hex()
    v = f"({value})::varchar"
    ws = _WHITESPACE
    # trimming with a character set is slow: only values that start or end with whitespace take that path
    padded = f"contains('{ws}', left({v}, 1)) or contains('{ws}', right({v}, 1))"
    stripped = f"case when {padded} then trim({v}, '{ws}') else {v} end"
    inner = f"unhex(sha256(unhex('{ipad}') || encode({stripped})))"
    return f"case when {v} is null or {v} = '' then null else left(sha256(unhex('{opad}') || {inner}), 32) end"
