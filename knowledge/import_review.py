"""Reviewing a HAI ticket export in the agent console: upload, candidate entries, accept or reject each.

``start_import`` runs the same pipeline as ``python -m knowledge ingest`` (``knowledge.ingest``: read,
clean, redact, group) on the uploaded bytes and keeps the result as a *batch* (JSON under
``<data_dir>/ingest/console/``) with a decision per candidate. The raw export is deleted as soon as it is
read: it holds personal data, the batch holds only redacted text. Accepting a candidate goes through
``knowledge.editing`` (same checks as a hand-written entry, immediate reindex); rejecting only records it.
"""
from __future__ import annotations

import os
import re
import tempfile
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from hai.settings import Settings
from knowledge.editing import EntryDraft, KnowledgeEditor, suggest_id
from knowledge.ingest import ingest_export
from knowledge.redact import redact
from knowledge.store import write_atomic
from knowledge.ticket_archive import keep_tickets

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
EXPORT, HANDOFF = "ekspor", "permintaan-petugas"  # where a batch's candidates come from
_BATCH_ID = re.compile(r"^[0-9a-f]{32}$")
_create_lock = threading.Lock()  # a batch with a chosen id is created once


class BatchNotFound(LookupError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} tidak ditemukan")


class DecisionError(ValueError):
    """A decision that cannot be made (already decided); message in Indonesian."""


class BatchExists(ValueError):
    """A batch with that id is already under review (the same source offered twice)."""

    def __init__(self, batch_id: str) -> None:
        super().__init__(f"impor {batch_id} sudah ada")
        self.batch_id = batch_id


class RowProblem(BaseModel):
    line: int
    message: str


class SkippedTicket(BaseModel):
    line: int
    id_tiket: str
    reason: str


class ReviewCandidate(BaseModel):
    id: str
    category: str
    category_known: bool
    question: str
    answer: str
    training_questions: list[str]
    source_tickets: list[str]
    ticket_count: int
    first_seen: str
    last_seen: str
    status: Literal["pending", "accepted", "rejected"] = PENDING
    entry_id: str | None = None
    decided_by: str | None = None
    reference: str | None = None  # the entry's reference when accepted; None: "Tiket HAI <first source ticket>"


class ImportBatch(BaseModel):
    id: str
    filename: str
    created_at: datetime
    created_by: str
    counts: dict[str, int]
    row_errors: list[RowProblem]
    skipped: list[SkippedTicket]
    candidates: list[ReviewCandidate]
    source: str = EXPORT  # "ekspor" (an uploaded HAI export) or "permintaan-petugas" (a closed handoff)

    def candidate(self, candidate_id: str) -> ReviewCandidate:
        for c in self.candidates:
            if c.id == candidate_id:
                return c
        raise BatchNotFound(f"kandidat {candidate_id!r}")


def batch_folder(data_dir: str | Path) -> Path:
    return Path(data_dir) / "ingest" / "console"


def _path(folder: Path, batch_id: str) -> Path:
    if not _BATCH_ID.match(batch_id or ""):  # the id becomes a file name: nothing else may pass
        raise BatchNotFound(f"impor {batch_id!r}")
    return folder / f"{batch_id}.json"


def _save(folder: Path, batch: ImportBatch) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(_path(folder, batch.id), batch.model_dump_json(indent=1))


def start_review(folder: Path, candidates: list[ReviewCandidate], filename: str, user: str, *,
                 counts: dict[str, int] | None = None, row_errors: list[RowProblem] = (),
                 skipped: list[SkippedTicket] = (), source: str = EXPORT, batch_id: str | None = None) -> ImportBatch:
    """A new batch of ``candidates`` for review, saved; ``batch_id`` (32 hex digits) names it when the same
    source must not be offered twice (``BatchExists`` then), else a random id is drawn."""
    batch = ImportBatch(
        id=batch_id or uuid.uuid4().hex, filename=redact(filename)[:200], created_at=datetime.now(timezone.utc),
        created_by=user, counts=counts or {"candidates": len(candidates)}, row_errors=list(row_errors),
        skipped=list(skipped), candidates=candidates, source=source)
    with _create_lock:
        if _path(folder, batch.id).exists():
            raise BatchExists(batch.id)
        _save(folder, batch)
    return batch


def start_import(data: bytes, filename: str, folder: Path, categories: dict[str, str], user: str,
                 settings: Settings | None = None) -> ImportBatch:
    """Candidates, row errors (by line) and skipped tickets of the export ``data``; saved as a new batch.

    ``categories`` maps the knowledge base's category ids to titles (HAI labels are mapped onto them). With
    ``settings``, the resolved tickets used are kept in the app database for the agent assist."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".csv", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        result = ingest_export(tmp, categories)
    finally:
        Path(tmp).unlink(missing_ok=True)
    batch = start_review(
        folder, [ReviewCandidate(**c.__dict__) for c in result.candidates], Path(filename or "ekspor.csv").name,
        user, counts=result.counts(),
        # a garbled row's message may quote its text: redacted like everything else kept
        row_errors=[RowProblem(line=e.line, message=redact(e.message)) for e in result.row_errors],
        skipped=[SkippedTicket(line=s.line, id_tiket=s.id_tiket, reason=s.reason) for s in result.skipped])
    if settings is not None:
        keep_tickets(batch.id, result.tickets, settings)
    return batch


def load_batch(folder: Path, batch_id: str) -> ImportBatch:
    path = _path(folder, batch_id)
    if not path.exists():
        raise BatchNotFound(f"impor {batch_id!r}")
    return ImportBatch.model_validate_json(path.read_text(encoding="utf-8"))


def list_batches(folder: Path, limit: int = 20) -> list[ImportBatch]:
    """The latest batches, newest first."""
    paths = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)[:limit]
    return [ImportBatch.model_validate_json(p.read_text(encoding="utf-8")) for p in paths]


def candidate_draft(candidate: ReviewCandidate, editor: KnowledgeEditor) -> EntryDraft:
    """The entry form prefilled from a candidate (the agent may change anything before accepting)."""
    kb = editor.kb
    return EntryDraft(id=suggest_id(kb, candidate.category), category=candidate.category,
                      category_title=kb.categories[candidate.category].title if candidate.category in kb.categories
                      else "", question=candidate.question, answer=candidate.answer,
                      training_questions=candidate.training_questions,
                      reference=candidate.reference or (f"Tiket HAI {candidate.source_tickets[0]}"
                                                        if candidate.source_tickets else ""))


def _pending(batch: ImportBatch, candidate_id: str) -> ReviewCandidate:
    candidate = batch.candidate(candidate_id)
    if candidate.status != PENDING:
        raise DecisionError(f"kandidat {candidate_id} sudah diputuskan ({candidate.status})")
    return candidate


def accept(folder: Path, batch_id: str, candidate_id: str, editor: KnowledgeEditor, user: str,
           draft: EntryDraft | None = None):
    """Publish the candidate (as ``draft`` when the agent edited it); returns (entry, batch).

    A draft that fails the knowledge-base checks raises ``EditRejected`` and the candidate stays pending."""
    batch = load_batch(folder, batch_id)
    candidate = _pending(batch, candidate_id)
    entry = editor.create(draft or candidate_draft(candidate, editor))
    candidate.status, candidate.entry_id, candidate.decided_by = ACCEPTED, entry.id, user
    _save(folder, batch)
    return entry, batch


def reject(folder: Path, batch_id: str, candidate_id: str, user: str) -> ImportBatch:
    batch = load_batch(folder, batch_id)
    candidate = _pending(batch, candidate_id)
    candidate.status, candidate.decided_by = REJECTED, user
    _save(folder, batch)
    return batch
