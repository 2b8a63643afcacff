"""Keyed pseudonymisation of personal identifiers (PIPL): HMAC-SHA256 with a secret key from the environment.

The same identifier always maps to the same pseudonym under one key, so joins and repeat-caller counts still work
downstream, but without the key a pseudonym cannot be reversed or recomputed from a guessed phone number or ID.
"""

from __future__ import annotations

import hashlib
import hmac


def pseudonymize(value: str | None, key: str) -> str | None:
    if value is None or value == "":
        return None
    digest = hmac.new(key.encode(), value.strip().encode(), hashlib.sha256).hexdigest()
    return digest[:32]
