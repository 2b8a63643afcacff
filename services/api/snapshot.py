"""The API's read side: one serving.reader.Reader per process, reused across requests (with a result cache keyed by
snapshot id); one session per request.

A request reads one snapshot (the latest when it began, or the one `as_of` names), so it never mixes two and a
publish in the middle of it is invisible to it; the next request sees the new snapshot without reopening anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Annotated

from fastapi import HTTPException, Query

from common.settings import get_settings
from serving.reader import Reader, ResultCache, ServingError, Session


@lru_cache
def reader() -> Reader:
    return Reader(get_settings(), cache=ResultCache())


def reset_reader() -> None:
    """Close this process's reader; the next request opens one on the settings then in force (tests, reloads)."""
    if reader.cache_info().currsize:
        reader().close()
    reader.cache_clear()


def open_snapshot(
    as_of: Annotated[str | None, Query(description="read the marts as published then: a day YYYY-MM-DD (UTC), "
                                                   "an ISO timestamp or a snapshot id")] = None,
) -> Iterator[Session]:
    """FastAPI dependency: a session on the current (or the as_of) snapshot, closed after the response."""
    try:
        with reader().session(as_of) as session:
            yield session
    except ServingError as exc:
        raise HTTPException(status_code=404 if as_of else 503, detail=str(exc)) from exc
    except ValueError as exc:
        if as_of and "as_of" in str(exc):
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        raise
