"""Reconciliation risk: one satker's latest month (GET /rekon/{kode_satker}) and an uploaded export ranked."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from analytics.rekon.io import load_rekon_export
from analytics.rekon.model import RekonPrediction
from analytics.rekon.ranking import MAX_WITH_REASONS, rank_rekon_batch
from analytics.rekon.schema import OK, SELISIH
from api.deps import current_principal, read_upload, rekon_repository, SettingsDep
from api.errors import COMMON_ERRORS, error_responses
from api.files import MAX_REPORTED_ERRORS, as_temp_file, readable_upload
from api.params import KodeSatkerPath
from api.routes.bills import RowErrorOut
from hai.settings import Settings

router = APIRouter(prefix="/api/v1/rekon", tags=["rekonsiliasi"], dependencies=[Depends(current_principal)],
                   responses={**COMMON_ERRORS, **error_responses(404, 503)})


class Contribution(BaseModel):
    column: str
    label: str
    value: str
    typical: str = Field(description="Nilai yang umum pada satker-bulan OK")
    delta: float = Field(description="Sumbangan pada peluang SELISIH (selisih peluang)")


class RekonRiskResponse(BaseModel):
    kode_satker: str | None
    periode: str | None = Field(description="Satker-bulan yang dinilai (YYYY-MM)")
    probability: float = Field(ge=0, le=1, description="Peluang SELISIH")
    kelas: str = Field(description=f"{SELISIH} atau {OK}")
    threshold: float
    reasons: list[str] = Field(description="Alasan dalam bahasa Indonesia, yang terpenting dahulu")
    contributions: list[Contribution] = Field(description="Lima atribut yang paling berpengaruh")
    model: str
    synthetic: bool = Field(description="True bila data contoh sintetis")


def _response(p: RekonPrediction, synthetic: bool) -> RekonRiskResponse:
    return RekonRiskResponse(
        kode_satker=p.kode_satker, periode=p.periode, probability=round(p.probability, 4), kelas=p.kelas,
        threshold=p.threshold, reasons=list(p.reasons), model=p.model, synthetic=synthetic,
        contributions=[Contribution(column=c.column, label=c.label, value=c.value, typical=c.typical,
                                    delta=round(c.delta, 4)) for c in p.contributions[:5]],
    )


@router.get("/{kode_satker}", response_model=RekonRiskResponse, summary="Risiko selisih rekonsiliasi satu satker")
def rekon(settings: SettingsDep, kode_satker: KodeSatkerPath) -> RekonRiskResponse:
    repo = rekon_repository(settings)
    return _response(repo.assess(kode_satker), repo.is_synthetic)


class RankedSatker(BaseModel):
    rank: int
    kode_satker: str
    periode: str
    probability: float = Field(ge=0, le=1)
    kelas: str
    reasons: list[str] = []


class RekonBatchResponse(BaseModel):
    n_rows: int
    n_assessed: int
    n_rejected: int
    threshold: float
    errors: list[RowErrorOut]
    errors_truncated: bool
    ranked: list[RankedSatker] = Field(description="Satker-bulan dari peluang SELISIH tertinggi")


def _rank(data: bytes, settings: Settings, top: int, reasons: bool) -> RekonBatchResponse:
    with as_temp_file(data) as path, readable_upload():
        loaded = load_rekon_export(path)
    model = rekon_repository(settings).model()
    frame = loaded.frame
    ranked = [RankedSatker(rank=r.rank, kode_satker=r.kode_satker, periode=r.periode,
                           probability=round(r.probability, 4), kelas=r.kelas, reasons=list(r.reasons))
              for r in rank_rekon_batch(model, frame, top, with_reasons=MAX_WITH_REASONS if reasons else 0)]
    n_bad = loaded.n_bad_rows
    return RekonBatchResponse(
        n_rows=len(frame) + n_bad, n_assessed=len(frame), n_rejected=n_bad, threshold=model.threshold,
        errors=[RowErrorOut(line=e.line, column=e.column, message=e.message)
                for e in loaded.errors[:MAX_REPORTED_ERRORS]],
        errors_truncated=len(loaded.errors) > MAX_REPORTED_ERRORS, ranked=ranked)


@router.post("/batch", response_model=RekonBatchResponse, summary="Peringkat risiko selisih dari berkas satker-bulan")
async def rekon_batch(
    settings: SettingsDep,
    file: UploadFile = File(..., description="CSV/XLSX: kode_satker, periode dan 20 atribut satker"),
    top: int = Query(100, ge=1, le=100_000, description="Berapa satker-bulan teratas yang dikembalikan"),
    reasons: bool = Query(False, description=f"Sertakan alasan (untuk {MAX_WITH_REASONS} teratas)"),
) -> RekonBatchResponse:
    data = await read_upload(file)
    return await run_in_threadpool(_rank, data, settings, top, reasons)
