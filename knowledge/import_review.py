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
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from knowledge.editing import EntryDraft, KnowledgeEditor, suggest_id
from knowledge.ingest import ingest_export
from knowledge.redact import redact
from knowledge.store import write_atomic

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
_BATCH_ID = re.compile(r"^[0-9a-f]{32}$")


class BatchNotFound(LookupError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} tidak ditemukan")


class DecisionError(ValueError):
    """A decision that cannot be made (already decided); message in Indonesian."""


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


class ImportBatch(BaseModel):
    id: str
    filename: str
    created_at: datetime
    created_by: str
    counts: dict[str, int]
    row_errors: list[RowProblem]
    skipped: list[SkippedTicket]
    candidates: list[ReviewCandidate]

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


def start_import(data: bytes, filename: str, folder: Path, categories: dict[str, str], user: str) -> ImportBatch:
    """Candidates, row errors (by line) and skipped tickets of the export ``data``; saved as a new batch.

    ``categories`` maps the knowledge base's category ids to titles (HAI labels are mapped onto them)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".csv", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        result = ingest_export(tmp, categories)
    finally:
        Path(tmp).unlink(missing_ok=True)
    batch = ImportBatch(
        id=uuid.uuid4().hex, filename=redact(Path(filename or "ekspor.csv").name)[:200],
        created_at=datetime.now(timezone.utc), created_by=user, counts=result.counts(),
        # a garbled row's message may quote its text: redacted like everything else kept
        row_errors=[RowProblem(line=e.line, message=redact(e.message)) for e in result.row_errors],
        skipped=[SkippedTicket(line=s.line, id_tiket=s.id_tiket, reason=s.reason) for s in result.skipped],
        candidates=[ReviewCandidate(**c.__dict__) for c in result.candidates],
    )
    _save(folder, batch)
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
                      reference=f"Tiket HAI {candidate.source_tickets[0]}" if candidate.source_tickets else "")


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
