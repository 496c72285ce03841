"""GET /metrics: Prometheus text format (open unless HAI_METRICS_PUBLIC=false, then an admin key)."""
from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.metrics import CONTENT_TYPE_LATEST

router = APIRouter(tags=["pemantauan"])


@router.get("/metrics", response_class=Response, summary="Metrik Prometheus (jumlah dan latensi permintaan per rute)",
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                             "description": "Format teks Prometheus 0.0.4"}})
def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
