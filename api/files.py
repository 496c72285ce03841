"""Uploads in, tables out: the helpers the batch routes share (CSV ';' or XLSX downloads)."""
from __future__ import annotations

import io
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Literal

import numpy as np
import pandas as pd
from fastapi import Response

from analytics.errors import AnalyticsError, DataFileError, RowError

OutputFormat = Literal["json", "csv", "xlsx"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}
MAX_REPORTED_ERRORS = 1000  # in JSON; downloads list every rejected row


def download_responses(description: str) -> dict:
    """The OpenAPI ``content`` of a 200 that is JSON or, on request, a CSV/XLSX file."""
    return {200: {"description": description, "content": {
        "text/csv": {"schema": {"type": "string"}},
        XLSX: {"schema": {"type": "string", "format": "binary"}},
    }}}


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with NaN turned into None and numpy scalars into Python ones."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
            for row in clean.to_dict("records")]


def table_download(sheets: dict[str, pd.DataFrame], fmt: str, stem: str, headers: dict[str, str] | None = None
                   ) -> Response:
    """The first sheet as CSV (';', UTF-8 with BOM so Excel opens it right), or every sheet in one XLSX."""
    if fmt == "csv":
        body = next(iter(sheets.values())).to_csv(index=False, sep=";").encode("utf-8-sig")
    else:
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xl:
            for name, frame in sheets.items():
                frame.to_excel(xl, sheet_name=name[:31], index=False)
        body = buf.getvalue()
    return Response(body, media_type=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{stem}.{fmt}"', **(headers or {})})


def rejected_rows(errors: list[RowError]) -> pd.DataFrame:
    """One row per rejected line with every problem of that line in one sentence."""
    by_line: dict[int, list[str]] = {}
    for e in errors:
        by_line.setdefault(e.line, []).append(f"kolom {e.column}: {e.message}")
    return pd.DataFrame({"baris": list(by_line), "alasan": ["; ".join(v) for v in by_line.values()]})


@contextmanager
def as_temp_file(data: bytes) -> Iterator[Path]:
    """The upload as a file with the right suffix (.xlsx for a zip, else .csv) for loaders that take paths."""
    suffix = ".xlsx" if data[:4] == b"PK\x03\x04" else ".csv"
    with tempfile.TemporaryDirectory(prefix="hai-upload-") as tmp:
        path = Path(tmp) / f"unggahan{suffix}"
        path.write_bytes(data)
        yield path


@contextmanager
def readable_upload() -> Iterator[None]:
    """Loaders that take paths let a broken file's own error through (a zip that is no workbook, bytes that
    are no CSV); the user gets one Indonesian sentence instead of a 500."""
    try:
        yield
    except AnalyticsError:
        raise
    except (ValueError, KeyError, OSError, zipfile.BadZipFile, UnicodeError) as exc:
        raise DataFileError(f"berkas unggahan tidak dapat dibaca sebagai CSV atau XLSX ({type(exc).__name__}); "
                            "periksa format dan kolomnya") from exc
