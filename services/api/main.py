"""The marts API: read-only JSON over the published snapshot for downstream apps.

Run with `govlake serve api` (uvicorn). Unknown query parameters are refused (a typo must not silently widen a
filter); invalid values get FastAPI's precise 422 naming the parameter.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI

from services.api.params import refuse_unknown_parameters
from services.api.routers import marts
from services.api.snapshot import reader
from serving.reader import ServingError

app = FastAPI(
    title="govlake marts API",
    description="龙华区政法与社会治理数据底座 · 数据集市接口 (read-only, served from the published snapshot)",
    version="0.1.0",
)
app.include_router(marts.router, dependencies=[Depends(refuse_unknown_parameters)])


@app.get("/health", tags=["ops"])
def health() -> dict[str, str | None]:
    try:
        snapshots = reader().snapshots()
    except ServingError:
        snapshots = []
    return {"status": "ok", "snapshot": str(snapshots[-1].id) if snapshots else None}
