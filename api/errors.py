"""Every error the API returns: one JSON shape, Indonesian text, the request id; never a stack trace.

``{"detail": "<Indonesian>", "request_id": "...", "errors": [{"field": ..., "message": ...}]}``
(``errors`` only for 422 validation errors). The analytics core's typed errors map to status codes here.
"""
from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from analytics.errors import AnalyticsError, ModelError, NotFoundError
from knowledge.embeddings import EmbeddingModelError

log = logging.getLogger("api")

INTERNAL_ERROR = ("Terjadi kesalahan pada server. Silakan coba lagi; bila berulang, sampaikan kode permintaan "
                  "(request_id) ini ke petugas HAI DJPb.")
_STATUS_TEXT = {
    400: "Isi permintaan tidak dapat dibaca.",
    401: "Kunci API tidak valid atau tidak disertakan.",
    403: "Kunci API ini tidak berhak memakai layanan ini.",
    404: "Alamat tidak ditemukan.",
    405: "Metode HTTP ini tidak diizinkan untuk alamat ini.",
    413: "Isi permintaan terlalu besar.",
    415: "Jenis isi permintaan tidak didukung.",
    429: "Terlalu banyak permintaan.",
}


class FieldError(BaseModel):
    field: str
    message: str


class ErrorResponse(BaseModel):
    detail: str
    request_id: str | None = None
    errors: list[FieldError] = []


def error_responses(*codes: int) -> dict[int | str, dict]:
    """OpenAPI ``responses`` entries for the given status codes, all with :class:`ErrorResponse`."""
    descriptions = {401: "Kunci API tidak ada, tidak dikenal atau dicabut", 404: "Data tidak ditemukan",
                    413: "Isi permintaan melebihi batas", 422: "Masukan tidak valid", 429: "Batas laju terlampaui",
                    500: "Kesalahan server", 502: "Layanan hulu memberi jawaban yang salah",
                    503: "Layanan pendukung tidak tersedia"}
    return {code: {"model": ErrorResponse, "description": descriptions.get(code, "Kesalahan")} for code in codes}


# Every authenticated route can answer these.
COMMON_ERRORS = error_responses(401, 413, 422, 429, 500)


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def error_json(status: int, detail: str, request: Request, *, errors: list[FieldError] | None = None,
               headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorResponse(detail=detail, request_id=request_id_of(request), errors=errors or [])
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


async def send_error(send: Send, status: int, detail: str, request_id: str | None,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Send an error response from a pure ASGI middleware (before the app has run)."""
    body = json.dumps({"detail": detail, "request_id": request_id, "errors": []}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]})
    await send({"type": "http.response.body", "body": body})


# --- validation errors in Indonesian -------------------------------------------------------------------
_PLACES = {"body": "", "query": "parameter ", "path": "alamat ", "header": "header "}


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc]
    place = _PLACES.get(parts[0], "") if parts else ""
    rest = parts[1:] if parts and parts[0] in _PLACES else parts
    return place + (".".join(rest) or "isi permintaan")


def _message(err: dict) -> str:
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    simple = {
        "missing": "wajib diisi", "string_type": "harus berupa teks", "int_parsing": "harus bilangan bulat",
        "int_type": "harus bilangan bulat", "int_from_float": "harus bilangan bulat", "float_parsing": "harus angka",
        "float_type": "harus angka", "bool_parsing": "harus true atau false", "bool_type": "harus true atau false",
        "json_invalid": "JSON tidak valid", "model_attributes_type": "harus berupa objek JSON",
        "dict_type": "harus berupa objek JSON", "model_type": "harus berupa objek JSON",
        "list_type": "harus berupa daftar", "extra_forbidden": "kolom tidak dikenal",
        "string_unicode": "harus teks UTF-8", "union_tag_invalid": "jenisnya tidak dikenal",
        "int_from_string": "harus bilangan bulat", "value_error": "",
    }
    if kind == "string_too_short":
        return f"terlalu pendek (paling sedikit {ctx.get('min_length')} karakter)"
    if kind == "string_too_long":
        return f"terlalu panjang (paling banyak {ctx.get('max_length')} karakter)"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        word = {"greater_than_equal": "paling kecil", "greater_than": "harus lebih dari",
                "less_than_equal": "paling besar", "less_than": "harus kurang dari"}[kind]
        return f"{word} {next(iter(ctx.values()), '')}"
    if kind in ("literal_error", "enum"):
        return f"harus salah satu dari: {ctx.get('expected', '')}".replace(" or ", ", ")
    if kind == "string_pattern_mismatch":
        return "formatnya tidak sesuai"
    if kind == "value_error":  # our validators raise ValueError with an Indonesian message
        return str(ctx.get("error", "")) or "nilainya tidak valid"
    return simple.get(kind) or "nilainya tidak valid"


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    return [FieldError(field=_field(tuple(e.get("loc", ()))), message=_message(e)) for e in exc.errors()]


# --- handlers --------------------------------------------------------------------------------------------
def _analytics_status(exc: AnalyticsError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ModelError):
        return 503
    return 422  # InvalidInputError, DataFileError and the rest: the input has to change


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        detail = "Masukan tidak valid: " + "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        return error_json(422, detail, request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else ""
        # Starlette's own texts are English ("Not Found"); ours are Indonesian and kept as they are.
        if not detail or detail.isascii() and detail in ("Not Found", "Method Not Allowed",
                                                         "There was an error parsing the body",
                                                         "Content Too Large", "Unsupported Media Type"):
            detail = _STATUS_TEXT.get(exc.status_code, "Permintaan tidak dapat diproses.")
        return error_json(exc.status_code, detail, request, headers=getattr(exc, "headers", None))

    @app.exception_handler(EmbeddingModelError)
    async def _model(request: Request, exc: EmbeddingModelError) -> JSONResponse:
        log.error("model embedding tidak tersedia: %s", exc)
        return error_json(503, "Layanan pencarian belum siap (model bahasa tidak dapat dimuat). Silakan coba lagi "
                               "nanti atau hubungi petugas HAI DJPb.", request)

    @app.exception_handler(AnalyticsError)
    async def _analytics(request: Request, exc: AnalyticsError) -> JSONResponse:
        return error_json(_analytics_status(exc), exc.message, request)
