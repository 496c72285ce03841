"""Pagu early warning for akun 522111 (electricity): GET /pagu/{kode_satker} and its chart as PNG.

The kode satker is parsed as the chat parses it (``api.params``); the chart is drawn from the forecast's
result (``analytics.pagu.chart``, which also holds pyplot's one lock)."""
from __future__ import annotations

import threading

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from analytics.ids import KodeSatker
from analytics.pagu.forecast import PaguForecastResult, forecast_pagu
from analytics.pagu.chart import render_pagu_chart
from api.deps import bill_repository, current_principal, SettingsDep
from api.errors import COMMON_ERRORS, error_responses
from api.files import records
from api.params import KodeSatkerPath
from hai.settings import Settings

router = APIRouter(prefix="/api/v1/pagu", tags=["pagu"], dependencies=[Depends(current_principal)],
                   responses={**COMMON_ERRORS, **error_responses(404)})
# The first forecast fits the pipeline for every satker (seconds): one fit, the others wait for it.
_forecast_lock = threading.Lock()


class PaguMonth(BaseModel):
    bulan: str
    realisasi: float | None = Field(description="Tagihan yang sudah terjadi (rupiah)")
    prediksi: float | None
    bawah: float | None
    atas: float | None
    kumulatif: float | None
    kumulatif_bawah: float | None
    kumulatif_atas: float | None


class PaguForecastResponse(BaseModel):
    kode_satker: str
    akun: str
    tahun: int
    as_of: str = Field(description="Data s.d. bulan ini (YYYY-MM)")
    pagu: int = Field(description="rupiah")
    realised: float
    forecast_total: float
    projected_total: float
    projected_lower: float
    projected_upper: float
    verdict: str = Field(description="Pagu Cukup | Pagu Kurang")
    run_out_month: str | None = Field(description="Bulan pagu diperkirakan habis (YYYY-MM)")
    shortfall: float
    shortfall_lower: float
    shortfall_upper: float
    probability_short: float = Field(ge=0, le=1)
    level: float = Field(description="Cakupan selang prediksi")
    model: str
    cluster: int | None
    fallback_note: str | None
    message: str = Field(description="Peringatan dini dalam bahasa Indonesia")
    monthly: list[PaguMonth]
    chart_url: str


def _forecast(kode_satker: KodeSatker, settings: Settings) -> PaguForecastResult:
    with _forecast_lock:
        return forecast_pagu(kode_satker, repository=bill_repository(settings))


@router.get("/{kode_satker}", response_model=PaguForecastResponse, summary="Apakah pagu listrik cukup sampai Desember")
def pagu(settings: SettingsDep, kode_satker: KodeSatkerPath) -> PaguForecastResponse:
    result = _forecast(kode_satker, settings)
    d = result.to_dict()
    d["monthly"] = records(result.monthly.assign(bulan=result.monthly["bulan"].astype(str)))
    return PaguForecastResponse(**d, chart_url=f"/api/v1/pagu/{result.kode_satker}/chart.png")


@router.get("/{kode_satker}/chart.png", response_class=Response, summary="Grafik peringatan dini pagu (PNG)",
            responses={200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
                             "description": "Grafik PNG"}})
def pagu_chart(settings: SettingsDep, kode_satker: KodeSatkerPath) -> Response:
    png = render_pagu_chart(_forecast(kode_satker, settings))  # drawn from the forecast's own history
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})
