"""The console's knowledge-base routes: browse, add, edit, retire (each reindexed at once) and the review of an
imported HAI ticket export (upload, candidates, accept or reject). The work itself is in ``knowledge.editing``
and ``knowledge.import_review``; every change and decision is audited."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import anyio
from fastapi import APIRouter, File, HTTPException, Query, Request, UploadFile
from pydantic import BaseModel, Field

from api.audit import record_action
from api.deps import SettingsDep, knowledge, read_upload
from api.errors import error_responses
from api.routes.console.deps import ConsoleUser
from hai.settings import Settings
from knowledge import import_review as review
from knowledge.editing import EditRejected, EntryDraft, EntryNotFound, KnowledgeEditor, draft_warnings
from knowledge.kb import Entry

router = APIRouter()
T = TypeVar("T")


class EntryOut(BaseModel):
    id: str
    category: str
    category_title: str
    question: str
    answer: str
    training_questions: list[str]
    keywords: list[str]
    reference: str | None
    status: str = Field(description="active (dipakai menjawab) atau retired (tidak dipakai lagi)")
    warnings: list[str] = Field(default=[], description="Saran perbaikan setelah disimpan")


class EntryPage(BaseModel):
    total: int = Field(description="Jumlah entri yang cocok")
    entries: list[EntryOut]


class CategoryOut(BaseModel):
    id: str
    title: str
    active_entries: int


def entry_out(entry: Entry) -> EntryOut:
    return EntryOut(id=entry.id, category=entry.category, category_title=entry.category_title,
                    question=entry.question, answer=entry.answer, training_questions=entry.training_questions,
                    keywords=entry.keywords, reference=entry.reference, status=entry.status)


def saved_entry(entry: Entry) -> EntryOut:
    """A saved entry as answered to the agent, with the warnings that would make it better."""
    return entry_out(entry).model_copy(update={"warnings": draft_warnings(entry)})


def kb_editor(settings: Settings) -> KnowledgeEditor:
    """The editor of the knowledge base that the app serves (its edits reindex the served search at once)."""
    return KnowledgeEditor(knowledge(settings))


def saving(action: Callable[[], T]) -> T:
    """Run a change; a rejected edit becomes 422 with the Indonesian reason (nothing was written)."""
    try:
        return action()
    except EditRejected as exc:
        raise HTTPException(422, exc.message) from exc


def _entry(editor: KnowledgeEditor, entry_id: str) -> Entry:
    try:
        return editor.get(entry_id)
    except EntryNotFound as exc:
        raise HTTPException(404, f"Entri {entry_id!r} tidak ditemukan.") from exc


@router.get("/categories", response_model=list[CategoryOut], summary="Kategori basis pengetahuan")
def list_categories(settings: SettingsDep) -> list[CategoryOut]:
    kb = kb_editor(settings).kb
    counts = {c: sum(1 for e in kb.active() if e.category == c) for c in kb.categories}
    return [CategoryOut(id=c.id, title=c.title, active_entries=counts[c.id]) for c in kb.categories.values()]


@router.get("/entries", response_model=EntryPage, summary="Cari dan telusuri entri basis pengetahuan")
def browse_entries(
    settings: SettingsDep,
    q: str = Query("", max_length=200, description="Kata yang dicari"),
    category: str = Query("", max_length=64),
    include_retired: bool = False,
    limit: int = Query(50, ge=1, le=200),
) -> EntryPage:
    total, entries = kb_editor(settings).browse(q, category, include_retired, limit)
    return EntryPage(total=total, entries=[entry_out(e) for e in entries])


@router.get("/entries/{entry_id}", response_model=EntryOut, responses=error_responses(404), summary="Satu entri")
def get_entry(entry_id: str, settings: SettingsDep) -> EntryOut:
    return entry_out(_entry(kb_editor(settings), entry_id))


@router.post("/entries", response_model=EntryOut, status_code=201,
             summary="Tambah entri (langsung dipakai menjawab)")
def create_entry(body: EntryDraft, request: Request, settings: SettingsDep) -> EntryOut:
    entry = saving(lambda: kb_editor(settings).create(body))
    record_action(request, "tambah", f"entri/{entry.id}")
    return saved_entry(entry)


@router.put("/entries/{entry_id}", response_model=EntryOut, responses=error_responses(404),
            summary="Ubah entri (langsung dipakai menjawab; entri yang ditolak tidak mengubah apa pun)")
def update_entry(entry_id: str, body: EntryDraft, request: Request, settings: SettingsDep) -> EntryOut:
    editor = kb_editor(settings)
    _entry(editor, entry_id)
    entry = saving(lambda: editor.update(entry_id, body))
    record_action(request, "ubah", f"entri/{entry.id}")
    return saved_entry(entry)


@router.post("/entries/{entry_id}/retire", response_model=EntryOut, responses=error_responses(404),
             summary="Pensiunkan entri (tetap tersimpan, tidak dipakai menjawab lagi)")
def retire_entry(entry_id: str, request: Request, settings: SettingsDep) -> EntryOut:
    editor = kb_editor(settings)
    _entry(editor, entry_id)
    entry = editor.retire(entry_id)
    record_action(request, "pensiun", f"entri/{entry_id}")
    return entry_out(entry)


# --- import of a HAI ticket export ----------------------------------------------------------------------
class BatchSummary(BaseModel):
    id: str
    filename: str
    created_at: datetime
    created_by: str
    candidates: int
    pending: int


def _batch_summary(batch: review.ImportBatch) -> BatchSummary:
    return BatchSummary(id=batch.id, filename=batch.filename, created_at=batch.created_at,
                        created_by=batch.created_by, candidates=len(batch.candidates),
                        pending=sum(c.status == review.PENDING for c in batch.candidates))


def _folder(settings: Settings):
    return review.batch_folder(settings.data_dir)


def _batch(settings: Settings, batch_id: str) -> review.ImportBatch:
    try:
        return review.load_batch(_folder(settings), batch_id)
    except review.BatchNotFound as exc:
        raise HTTPException(404, f"Impor {batch_id!r} tidak ditemukan.") from exc


def _candidate(batch: review.ImportBatch, candidate_id: str) -> review.ReviewCandidate:
    try:
        return batch.candidate(candidate_id)
    except review.BatchNotFound as exc:
        raise HTTPException(404, f"Kandidat {candidate_id!r} tidak ditemukan.") from exc


@router.post("/imports", response_model=review.ImportBatch, status_code=201,
             summary="Unggah ekspor tiket HAI (CSV ;) dan buat kandidat entri untuk direview")
async def upload_export(
    settings: SettingsDep,
    request: Request,
    who: ConsoleUser,
    file: UploadFile = File(..., description="Ekspor tiket HAI (.csv)"),
) -> review.ImportBatch:
    data = await read_upload(file)
    categories = {c.id: c.title for c in kb_editor(settings).kb.categories.values()}
    batch = await anyio.to_thread.run_sync(review.start_import, data, file.filename or "ekspor.csv",
                                           _folder(settings), categories, who.name, settings)
    record_action(request, "impor", f"impor/{batch.id}")
    return batch


@router.get("/imports", response_model=list[BatchSummary], summary="Impor terakhir")
def list_imports(settings: SettingsDep) -> list[BatchSummary]:
    return [_batch_summary(b) for b in review.list_batches(_folder(settings))]


@router.get("/imports/{batch_id}", response_model=review.ImportBatch, responses=error_responses(404),
            summary="Kandidat, baris rusak (per nomor baris) dan tiket yang dilewati dari satu impor")
def get_import(batch_id: str, settings: SettingsDep) -> review.ImportBatch:
    return _batch(settings, batch_id)


@router.get("/imports/{batch_id}/candidates/{candidate_id}/draft", response_model=EntryDraft,
            responses=error_responses(404), summary="Formulir entri yang terisi dari kandidat")
def candidate_draft(batch_id: str, candidate_id: str, settings: SettingsDep) -> EntryDraft:
    candidate = _candidate(_batch(settings, batch_id), candidate_id)
    return review.candidate_draft(candidate, kb_editor(settings))


@router.post("/imports/{batch_id}/candidates/{candidate_id}/accept", response_model=EntryOut, status_code=201,
             responses=error_responses(404, 409),
             summary="Terima kandidat (boleh diubah dulu): masuk basis pengetahuan dan langsung dipakai")
def accept_candidate(
    settings: SettingsDep,
    batch_id: str,
    candidate_id: str,
    request: Request,
    who: ConsoleUser,
    body: EntryDraft | None = None,
) -> EntryOut:
    _candidate(_batch(settings, batch_id), candidate_id)
    try:
        entry, _ = saving(lambda: review.accept(_folder(settings), batch_id, candidate_id, kb_editor(settings),
                                                who.name, body))
    except review.DecisionError as exc:
        raise HTTPException(409, str(exc)) from exc
    record_action(request, "terima", f"impor/{batch_id}/{candidate_id}->{entry.id}")
    return saved_entry(entry)


@router.post("/imports/{batch_id}/candidates/{candidate_id}/reject", response_model=review.ImportBatch,
             responses=error_responses(404, 409), summary="Tolak kandidat")
def reject_candidate(batch_id: str, candidate_id: str, request: Request, settings: SettingsDep,
                     who: ConsoleUser) -> review.ImportBatch:
    _candidate(_batch(settings, batch_id), candidate_id)
    try:
        batch = review.reject(_folder(settings), batch_id, candidate_id, who.name)
    except review.DecisionError as exc:
        raise HTTPException(409, str(exc)) from exc
    record_action(request, "tolak", f"impor/{batch_id}/{candidate_id}")
    return batch
