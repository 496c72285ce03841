"""Electricity bills: is one bill reasonable (POST /bills/check), and a whole SAKTI export (POST /bills/batch).

The idpel, amount and month are parsed by the core's parsers, the chat's too (``analytics.ids``,
``analytics.money.parse_bill_amount``): the same text is accepted, and refused with the same message (422).
No length or pattern is set on those fields for that reason: the parser decides, not the schema."""
from __future__ import annotations

from typing import Literal

import pandas as pd
from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from analytics.bills.fairness import BillStatistics, check_idpel_bill  # the dataclass is the response schema
from analytics.bills.batch import OUTPUT_STATS, score_bills_batch
from analytics.bills.io import load_bill_export
from analytics.bills.rules import STAT_NAMES, VERDICTS
from analytics.ids import parse_idpel, parse_periode
from analytics.money import parse_bill_amount
from api.deps import bill_repository, current_principal, read_upload, SettingsDep
from api.errors import COMMON_ERRORS, error_responses
from api.files import MAX_REPORTED_ERRORS, OutputFormat, download_responses, records, rejected_rows, table_download

router = APIRouter(prefix="/api/v1/bills", tags=["tagihan listrik"], dependencies=[Depends(current_principal)],
                   responses={**COMMON_ERRORS, **error_responses(404)})
Method = Literal["paper", "robust"]
REJECTED = "baris ditolak"


class BillCheckRequest(BaseModel):
    idpel: str = Field(..., description="ID pelanggan PLN, 12 digit (spasi, titik atau strip di antaranya "
                                        "boleh)", examples=["795034211780"])
    nilai_tagihan: int | str = Field(
        ..., description="Nilai tagihan baru (rupiah, lebih dari 0): angka atau teks seperti 'Rp 12.500.000' "
                         "atau '1,25 juta'", examples=[95000000])
    periode: str | None = Field(
        None, description="Bulan tagihan (mis. 2024-07 atau 202407); bawaan: bulan sesudah tagihan terakhir",
        examples=["2024-07"])
    method: Method = Field("paper", description="paper: ambang 20% dari rata-rata dan median (makalah); "
                                                "robust: ditambah sebaran biasa tagihan idpel")


class BillCheckResponse(BaseModel):
    idpel: str | None
    periode: str | None = Field(description="Bulan tagihan yang dinilai (YYYY-MM)")
    nilai_tagihan: int = Field(description="rupiah")
    verdict: Literal["wajar", "tidak wajar", "belum dapat dinilai"]
    reason: str = Field(description="Alasan dalam satu kalimat")
    needs_manual_check: bool
    method: str
    window: int = Field(description="Bulan riwayat yang dibandingkan")
    threshold: float = Field(description="Ambang selisih (pecahan, 0.2 = 20%)")
    statistics: BillStatistics
    deviations: dict[str, float | None] = Field(description="Selisih terhadap tiap statistik (pecahan)")
    z_score: float | None
    robust_z: float | None
    basis: str | None = Field(description="Statistik yang menentukan 'tidak wajar'")


@router.post("/check", response_model=BillCheckResponse, summary="Nilai kewajaran satu tagihan listrik")
def check_bill(body: BillCheckRequest, settings: SettingsDep) -> BillCheckResponse:
    idpel, amount = parse_idpel(body.idpel), parse_bill_amount(body.nilai_tagihan)
    periode = parse_periode(body.periode) if body.periode is not None else None
    result = check_idpel_bill(idpel, amount, periode=periode, repository=bill_repository(settings),
                              method=body.method)
    d = result.to_dict()
    return BillCheckResponse(**{k: d[k] for k in BillCheckResponse.model_fields if k in d},
                             needs_manual_check=result.needs_manual_check)


class RowErrorOut(BaseModel):
    line: int = Field(description="Nomor baris di berkas (baris judul = 1)")
    column: str
    message: str


class BillBatchRow(BaseModel):
    baris: int = Field(description="Nomor baris di berkas")
    kode_satker: str
    idpel: str
    periode: str
    nilai_tagihan: int
    verdict: str
    reason: str
    basis: str | None
    n_riwayat: int
    rata_rata: float | None
    median: float | None
    dev_rata_rata: float | None
    dev_median: float | None


class BillBatchResponse(BaseModel):
    source: str
    n_rows: int = Field(description="Baris data yang dibaca")
    n_judged: int
    n_rejected: int = Field(description="Baris yang ditolak karena isinya salah")
    summary: dict[str, int] = Field(description="Jumlah tagihan per putusan")
    errors: list[RowErrorOut] = Field(description=f"Kesalahan per baris (paling banyak {MAX_REPORTED_ERRORS})")
    errors_truncated: bool
    results: list[BillBatchRow]


def _score(data: bytes, name: str, method: str, bulan: pd.Period | None):
    loaded = load_bill_export(data)
    loaded.source = name
    scored = score_bills_batch(loaded.frame, method=method, month=bulan, with_reason=True)
    scored.insert(0, "baris", loaded.frame.loc[scored.index, "baris"].to_numpy())
    scored["periode"] = scored["periode"].astype(str)
    for col in ("verdict", "basis"):
        scored[col] = scored[col].astype(str)
    scored["basis"] = scored["basis"].replace("", None)
    return loaded, scored


def _download_frame(scored: pd.DataFrame, loaded) -> pd.DataFrame:
    cols = ["baris", "kode_satker", "idpel", "periode", "nilai_tagihan", "verdict", "reason", "basis", "n_riwayat",
            *OUTPUT_STATS, *(f"dev_{s}" for s in STAT_NAMES), "z", "robust_z"]
    good = scored[[c for c in cols if c in scored.columns]]
    bad = rejected_rows(loaded.errors).rename(columns={"alasan": "reason"}).assign(verdict=REJECTED)
    out = pd.concat([good, bad], ignore_index=True) if len(bad) else good
    for col in ("nilai_tagihan", "n_riwayat"):  # whole numbers stay whole next to the rejected rows' blanks
        out[col] = out[col].astype("Int64")
    return out.sort_values("baris", kind="stable").rename(columns={"reason": "alasan", "verdict": "putusan"})


@router.post("/batch", response_model=BillBatchResponse,
             responses=download_responses("Putusan per baris: JSON, atau berkas CSV/XLSX bila format=csv/xlsx"),
             summary="Nilai kewajaran semua tagihan dalam berkas ekspor SAKTI (CSV/XLSX)")
async def batch(
    file: UploadFile = File(..., description="Ekspor tagihan PLN dari SAKTI: kolom KODE_SATKER, NO_PELANGGAN/idpel, "
                                             "PERIODE_TAGIHAN, NILAI_TAGIHAN; riwayat bulan sebelumnya ikut di berkas"),
    format: OutputFormat = Query("json", description="json, atau csv/xlsx untuk mengunduh hasil"),
    method: Method = Query("paper"),
    bulan: str | None = Query(None, description="Hanya nilai tagihan bulan ini (mis. 2024-07); baris lain menjadi "
                                                "riwayat"),
):
    month = parse_periode(bulan) if bulan is not None else None
    data = await read_upload(file)
    loaded, scored = await run_in_threadpool(_score, data, file.filename or "unggahan", method, month)
    counts = scored["verdict"].value_counts()
    summary = {v: int(counts.get(v, 0)) for v in VERDICTS}
    if format != "json":
        frame = await run_in_threadpool(_download_frame, scored, loaded)
        sheets = {"hasil": frame, "ringkasan": pd.DataFrame({"putusan": list(summary) + [REJECTED],
                                                             "jumlah": list(summary.values()) + [loaded.n_bad_rows]})}
        return await run_in_threadpool(table_download, sheets, format, "hasil_kewajaran_tagihan",
                                       {"X-HAI-Rows-Judged": str(len(scored)), "X-HAI-Rows-Rejected": str(loaded.n_bad_rows)})
    fields = list(BillBatchRow.model_fields)
    return BillBatchResponse(
        source=loaded.source, n_rows=loaded.n_rows, n_judged=len(scored), n_rejected=loaded.n_bad_rows,
        summary=summary, errors=[RowErrorOut(line=e.line, column=e.column, message=e.message)
                                 for e in loaded.errors[:MAX_REPORTED_ERRORS]],
        errors_truncated=len(loaded.errors) > MAX_REPORTED_ERRORS,
        results=[BillBatchRow.model_construct(**r) for r in records(scored[fields])],
    )
