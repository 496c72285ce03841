"""Reading and writing HAI DJPb ticket exports (the real format, see shared/notes/domain.md).

Semicolon-separated, one ticket a row, fields quoted when they hold ``;``, quotes or line breaks, bodies in
HTML. The header names ``status`` twice; the second is read as ``status_akhir``. A row that cannot be read
(wrong number of fields, no id, a ``ref_tiket`` or ``tgl_tiket`` in another shape) is reported with the
line it starts on and skipped; the other rows are still read. When an unclosed quote swallows the rows after
it, those rows are recovered by re-reading the swallowed text from each line that starts a ticket.
The same columns in an XLSX workbook (first sheet, header row first) are read too, by ``read_export``.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

HEADER = ["id_tiket", "ref_tiket", "tgl_tiket", "status", "subject", "tim_agent", "departemen",
          "message_awal", "message_akhir", "agent", "status"]
FIELDS = HEADER[:-1] + ["status_akhir"]
REF_PATTERN = re.compile(r"^\d{8}-[A-Z0-9]{4,10}$")
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# A physical line that starts a ticket: id;ref;date ...
_RECORD_START = re.compile(r'^"?\d+"?;"?\d{8}-[A-Z0-9]{4,10}"?;')
_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


@dataclass
class TicketRow:
    """One ticket as exported (bodies still HTML). ``line`` is the file line the row starts on (1-based)."""

    line: int
    id_tiket: str
    ref_tiket: str
    tgl_tiket: datetime
    status: str
    subject: str
    tim_agent: str
    departemen: str
    message_awal: str
    message_akhir: str
    agent: str
    status_akhir: str


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"baris {self.line}: {self.message}"


@dataclass
class ExportRead:
    rows: list[TicketRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _to_row(values: list[str], line: int) -> TicketRow | RowError:
    if len(values) != len(FIELDS):
        return RowError(line, f"jumlah kolom {len(values)}, seharusnya {len(FIELDS)}")
    data = dict(zip(FIELDS, (v.strip() if i < 7 or i > 8 else v for i, v in enumerate(values))))
    if not data["id_tiket"]:
        return RowError(line, "id_tiket kosong")
    if not REF_PATTERN.match(data["ref_tiket"]):
        return RowError(line, f"ref_tiket tidak dikenali: {data['ref_tiket'][:40]!r} (contoh 20230102-PXDXEX)")
    try:
        when = datetime.strptime(data["tgl_tiket"], DATE_FORMAT)
    except ValueError:
        return RowError(line, f"tgl_tiket tidak dikenali: {data['tgl_tiket'][:40]!r} (contoh 2023-01-02 10:31:06)")
    data["tgl_tiket"] = when
    return TicketRow(line=line, **data)


def _parse(lines: list[str], first_line: int, result: ExportRead, allow_recovery: bool = True) -> None:
    """Parse physical ``lines`` (the first being file line ``first_line``) into rows and errors."""
    reader = csv.reader(iter(lines), delimiter=";", quotechar='"', doublequote=True, strict=False)
    consumed = 0
    while True:
        start = consumed
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            consumed = reader.line_num
            result.errors.append(RowError(first_line + start, f"baris tidak dapat dibaca: {exc}"))
            continue
        consumed = reader.line_num
        if not values or all(not v.strip() for v in values):
            continue
        line = first_line + start
        parsed = _to_row(values, line)
        if isinstance(parsed, TicketRow):
            result.rows.append(parsed)
            continue
        chunk = lines[start:consumed]
        restarts = [i for i, text in enumerate(chunk) if i > 0 and _RECORD_START.match(text)]
        if allow_recovery and len(values) < len(FIELDS) + 1 and restarts:
            # an unclosed quote ran into the following tickets: report this row, re-read the rest
            result.errors.append(RowError(line, f"{parsed.message}; kutipan (\") tidak ditutup"))
            _parse(chunk[restarts[0]:], line + restarts[0], result)
        else:
            result.errors.append(parsed)


def _read_xlsx(path: Path) -> ExportRead:
    """The first sheet of a workbook with the export's columns; ``line`` is the sheet's row number."""
    from openpyxl import load_workbook

    result = ExportRead()
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds; the user needs one message
        result.errors.append(RowError(1, f"file XLSX tidak dapat dibaca: {exc}"))
        return result
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(v or "").strip().lower() for v in next(rows, ())]
        while header and not header[-1]:
            header.pop()
        if header != HEADER:
            result.errors.append(RowError(1, "header tidak dikenali; diharapkan: " + ";".join(HEADER)))
            return result
        for number, values in enumerate(rows, start=2):
            cells = list(values)
            while len(cells) > len(FIELDS) and cells[-1] in (None, ""):
                cells.pop()
            if all(v in (None, "") for v in cells):
                continue
            text = [v.strftime(DATE_FORMAT) if isinstance(v, datetime) else "" if v is None else str(v)
                    for v in cells]
            parsed = _to_row(text, number)
            (result.rows if isinstance(parsed, TicketRow) else result.errors).append(parsed)
    finally:
        book.close()
    return result


def read_export(path: str | Path) -> ExportRead:
    """Every readable ticket of the export at ``path`` (CSV, or XLSX by its suffix) plus one ``RowError`` per
    unreadable row."""
    if Path(path).suffix.lower() == ".xlsx":
        return _read_xlsx(Path(path))
    text = _decode(Path(path).read_bytes())
    lines = _LINE.findall(text)  # split on "\n" only: bodies may hold other line separators
    result = ExportRead()
    if not lines:
        result.errors.append(RowError(1, "file kosong"))
        return result
    header = next(csv.reader([lines[0]], delimiter=";"), [])
    first = 1
    if [h.strip().lower() for h in header] == HEADER:
        lines, first = lines[1:], 2
    elif not _RECORD_START.match(lines[0]):
        result.errors.append(RowError(1, "header tidak dikenali; diharapkan: " + ";".join(HEADER)))
        lines, first = lines[1:], 2
    _parse(lines, first, result)
    result.rows.sort(key=lambda r: r.line)
    result.errors.sort(key=lambda e: e.line)
    return result


def write_export(path: str | Path, rows: list[dict]) -> None:
    """Write tickets (dicts keyed by ``FIELDS``; ``tgl_tiket`` a datetime or text) in the export format."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow(HEADER)
        for row in rows:
            values = []
            for name in FIELDS:
                value = row.get(name, "")
                values.append(value.strftime(DATE_FORMAT) if isinstance(value, datetime) else str(value))
            writer.writerow(values)
