"""The console's list of questions the assistant could not answer, and the step that turns one into a new
knowledge-base entry (a prefilled form, then the entry; the question is marked resolved). The work itself is in
``helpdesk.unanswered`` and ``knowledge.editing``."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from api.audit import record_action
from api.deps import SettingsDep, knowledge
from api.errors import error_responses
from api.routes.console.knowledge import EntryOut, kb_editor, saved_entry, saving
from hai.settings import Settings
from helpdesk import unanswered
from knowledge.editing import EntryDraft

router = APIRouter()


class UnansweredOut(BaseModel):
    id: int
    created_at: datetime
    channel: str
    text: str = Field(description="Pertanyaan pengguna (disamarkan)")
    reason: str


def _question(question_id: int, settings: Settings) -> unanswered.Unanswered:
    found = unanswered.get_unanswered(question_id, settings)
    if found is None:
        raise HTTPException(404, f"Pertanyaan #{question_id} tidak ditemukan.")
    if found.resolved_entry_id:
        raise HTTPException(409, f"Pertanyaan #{question_id} sudah dijawab oleh entri {found.resolved_entry_id}.")
    return found


@router.get("/unanswered", response_model=list[UnansweredOut], summary="Pertanyaan yang belum terjawab asisten")
def list_unanswered(settings: SettingsDep) -> list[UnansweredOut]:
    return [UnansweredOut(id=q.id, created_at=q.created_at, channel=q.channel, text=q.text, reason=q.reason)
            for q in unanswered.list_unresolved(settings)]


@router.get("/unanswered/{question_id}/draft", response_model=EntryDraft, responses=error_responses(404, 409),
            summary="Formulir entri baru yang sudah terisi dari pertanyaan")
def unanswered_draft(question_id: int, settings: SettingsDep) -> EntryDraft:
    question = _question(question_id, settings)
    search = knowledge(settings)
    # the category of the nearest entry is the likeliest home for the new one; the agent can change it
    top = search.ask(question.text).candidates
    category = search.knowledge_base.get(top[0].id).category if top else ""
    return EntryDraft(category=category, question=question.text)


@router.post("/unanswered/{question_id}/entry", response_model=EntryOut, status_code=201,
             responses=error_responses(404, 409), summary="Jadikan pertanyaan entri baru (langsung dipakai menjawab)")
def unanswered_to_entry(question_id: int, body: EntryDraft, request: Request, settings: SettingsDep) -> EntryOut:
    _question(question_id, settings)
    entry = saving(lambda: kb_editor(settings).create(body))
    unanswered.mark_resolved(question_id, entry.id, settings)
    record_action(request, "tambah", f"entri/{entry.id}")
    return saved_entry(entry)
