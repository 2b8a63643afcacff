"""/catalog: the data dictionary (数据字典), dbt's docs site of the served marts, read-only and without a key.

The page is what `govlake publish` (or `govlake catalog`) generated after the last publish (serving/data_dictionary.py):
lineage, every model's and column's 中文 docs, the tests. It holds no rows — the same metadata the OpenAPI
description at /docs already shows without a key — so it needs none. Served gzipped when the client accepts it,
with an ETag per generated catalog.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response

from common.settings import get_settings
from serving import data_dictionary

router = APIRouter(tags=["数据字典 · data dictionary"])
_CACHE: dict[str, tuple[Path, bytes, bytes]] = {}  # "page" -> (directory, page, gzipped page)
_LOCK = threading.Lock()


def catalog_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/catalog"


def served_snapshot() -> str | None:
    """The snapshot the served catalog was generated after (None before the first)."""
    try:
        return os.readlink(data_dictionary.current_path(get_settings())).split("-")[0]
    except OSError:
        return None


def _page() -> tuple[Path, bytes, bytes]:
    """The served catalog's page, read once per generated catalog (the `current` link says which)."""
    link = data_dictionary.current_path(get_settings())
    try:
        directory = link.resolve(strict=True)
    except OSError:
        raise HTTPException(503, detail="no data dictionary generated yet: it is written after each publish "
                                        "(`govlake publish`, or `govlake catalog` alone)") from None
    hit = _CACHE.get("page")
    if hit is not None and hit[0] == directory:
        return hit
    with _LOCK:
        page = (directory / data_dictionary.PAGE).read_bytes()
        packed = (directory / f"{data_dictionary.PAGE}.gz").read_bytes()
        _CACHE["page"] = (directory, page, packed)
    return directory, page, packed


@router.get("/catalog", summary="数据字典: dbt docs of the served marts (lineage, 中文 column docs, tests); no key",
            response_class=Response, responses={200: {"content": {"text/html": {}}}, 503: {}})
def catalog(request: Request) -> Response:
    directory, page, packed = _page()
    etag = f'"{directory.name}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=0, must-revalidate", "Vary": "Accept-Encoding",
               "X-Catalog-Snapshot": directory.name.split("-")[0]}
    if etag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        return Response(packed, media_type="text/html; charset=utf-8", headers={**headers, "Content-Encoding": "gzip"})
    return Response(page, media_type="text/html; charset=utf-8", headers=headers)
