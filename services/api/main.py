"""The marts API: read-only JSON over the published snapshot for downstream apps.

Run with `govlake serve api` (uvicorn). Unknown query parameters are refused (a typo must not silently widen a
filter); invalid values get FastAPI's precise 422 naming the parameter.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI

from common.settings import get_settings
from services.api.params import refuse_unknown_parameters
from services.api.routers import marts

app = FastAPI(
    title="govlake marts API",
    description="龙华区政法与社会治理数据底座 · 数据集市接口 (read-only, served from the published snapshot)",
    version="0.1.0",
)
app.include_router(marts.router, dependencies=[Depends(refuse_unknown_parameters)])


@app.get("/health", tags=["ops"])
def health() -> dict[str, str | None]:
    link = get_settings().serving_path
    return {"status": "ok", "snapshot": link.resolve().name if link.is_symlink() else None}
