"""Account codes (Kepmendagri 050-5889, Permendagri 90/2019 where the transcription lacks a group): suggest
codes for a name, and validate an APBD file; answers name the regulation they rest on."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from analytics.accounts.suggest import AccountSuggestion, NoConfidentMatchError
from analytics.accounts.validate import OK, ValidationReport, read_apbd, validate_apbd_file
from api.deps import account_suggester, current_principal, read_upload, SettingsDep
from api.errors import COMMON_ERRORS
from api.files import OutputFormat, as_temp_file, readable_upload, download_responses, records, table_download
from hai.settings import Settings

router = APIRouter(prefix="/api/v1/accounts", tags=["kode akun"], dependencies=[Depends(current_principal)],
                   responses=COMMON_ERRORS)
MAX_RECORDS_JSON = 10_000


class SuggestRequest(BaseModel):
    name: str = Field(..., min_length=1, max_length=300, description="Nama akun/uraian belanja",
                      examples=["belanja alat tulis kantor"])
    k: int = Field(5, ge=1, le=20, description="Jumlah saran paling banyak")


class Parent(BaseModel):
    level: str
    code: str
    name: str


class Suggestion(BaseModel):
    code: str = Field(description="Kode akun level 6")
    name: str
    full_name: str
    parents: list[Parent]
    score: float = Field(ge=0, le=1)
    match_kind: str = Field(description="exact, nama_lama, template, hybrid atau lexical")
    source: str = Field(description="Peraturan dasar akun: 050-5889 atau 90/2019")


class SuggestResponse(BaseModel):
    name: str
    confident: bool = Field(description="False bila tidak ada kode yang cukup mirip")
    message: str
    suggestions: list[Suggestion] = Field(description="Saran yang meyakinkan, terbaik dahulu")
    weak_candidates: list[Suggestion] = Field(description="Bila tidak yakin: calon terdekat untuk diperiksa manusia")


def _suggestion(s: AccountSuggestion) -> Suggestion:
    return Suggestion(code=s.code, name=s.name, full_name=s.full_name, score=round(s.score, 4), match_kind=s.match_kind,
                      source=s.source, parents=[Parent(level=lv, code=c, name=n) for lv, c, n in s.parents])


@router.post("/suggest", response_model=SuggestResponse, summary="Saran kode akun untuk sebuah nama akun")
def suggest(body: SuggestRequest, settings: SettingsDep) -> SuggestResponse:
    try:
        found = account_suggester(settings).suggest(body.name, body.k)
    except NoConfidentMatchError as exc:
        return SuggestResponse(name=body.name, confident=False, message=exc.message, suggestions=[],
                               weak_candidates=[_suggestion(c) for c in exc.candidates[: body.k]])
    return SuggestResponse(name=body.name, confident=True, message=f"{len(found)} saran kode akun.",
                           suggestions=[_suggestion(s) for s in found], weak_candidates=[])


class StatusCount(BaseModel):
    status: str
    jumlah: int
    persen: float


class RecordOut(BaseModel):
    baris: int
    kode_akun: str
    nama_akun: str
    kelompok: str = Field(description="Kelompok teratas: 4, 5.1, 5.2, 5.3, 5.4, 6 (kosong bila di luar bagan)")
    status: str
    kode_saran: str
    nama_saran: str
    sumber: str = Field(description="Peraturan dasar akun yang disarankan: 050-5889 atau 90/2019")
    skor: float | None
    keterangan: str


class GroupCount(BaseModel):
    kelompok: str
    nama_kelompok: str
    jumlah: int
    persen_ok: float


class ValidateResponse(BaseModel):
    n_records: int
    reference: str
    header: str = Field(description="Versi referensi dan cakupan akun level 6 per kelompok")
    summary: list[StatusCount]
    per_group: list[GroupCount]
    summary_text: str
    distinct_names_scored: int
    problems: list[RecordOut] = Field(description=f"Record yang tidak OK (paling banyak {MAX_RECORDS_JSON})")
    problems_truncated: bool


def _validate(data: bytes, settings: Settings) -> ValidationReport:
    with as_temp_file(data) as path, readable_upload():
        table = read_apbd(path)
    return validate_apbd_file(table, suggester=account_suggester(settings))


@router.post("/validate", response_model=ValidateResponse,
             responses=download_responses("Laporan: JSON, atau berkas CSV/XLSX bila format=csv/xlsx"),
             summary="Periksa berkas APBD (kode akun + nama akun) terhadap standar Kepmendagri 050-5889")
async def validate(
    settings: SettingsDep,
    file: UploadFile = File(..., description="CSV/XLSX dengan kolom kode_akun dan nama_akun"),
    format: OutputFormat = Query("json", description="json, atau csv/xlsx untuk mengunduh laporan"),
):
    data = await read_upload(file)
    report = await run_in_threadpool(_validate, data, settings)
    if format != "json":
        sheets = {"semua_record": report.records, "ringkasan": report.summary} if format == "csv" else {
            "ringkasan": report.summary, "per_kelompok": report.per_group, "perlu_perbaikan": report.records[report.records["status"] != OK],
            "semua_record": report.records}
        return await run_in_threadpool(table_download, sheets, format, "validasi_kode_akun")
    problems = report.records[report.records["status"] != OK]
    return ValidateResponse(
        n_records=report.n_records, reference=report.reference, summary_text=report.summary_text(),
        header=report.header, summary=[StatusCount(**r) for r in records(report.summary)],
        per_group=[GroupCount(kelompok=r["kelompok"], nama_kelompok=r["nama_kelompok"], jumlah=r["jumlah"],
                              persen_ok=r["persen_ok"]) for r in records(report.per_group)],
        distinct_names_scored=report.distinct_names_scored,
        problems=[RecordOut(**r) for r in records(problems.head(MAX_RECORDS_JSON))],
        problems_truncated=len(problems) > MAX_RECORDS_JSON,
    )
