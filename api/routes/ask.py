"""POST /api/v1/ask: a question to the knowledge base; an answer, alternatives to choose from, or a handoff.

An answer comes with an ``answer_id`` for ``POST /api/v1/answers/{answer_id}/feedback``
(api/routes/answers.py).
"""
from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from api.deps import CurrentPrincipal, current_principal, knowledge, SettingsDep
from api.errors import COMMON_ERRORS, error_responses
from hai.settings import Settings
from helpdesk import feedback
from knowledge.search import MAX_QUESTION_CHARS, AskResult, EntryHit

log = logging.getLogger("api.ask")

router = APIRouter(prefix="/api/v1", tags=["tanya jawab"], dependencies=[Depends(current_principal)],
                   responses={**COMMON_ERRORS, **error_responses(503)})


class AskRequest(BaseModel):
    question: str = Field(..., min_length=1, max_length=MAX_QUESTION_CHARS,
                          description="Pertanyaan pengguna (bahasa Indonesia)",
                          examples=["Bagaimana cara mengajukan revisi DIPA?"])


class Answer(BaseModel):
    entry_id: str
    category: str
    category_title: str
    question: str = Field(description="Pertanyaan baku entri basis pengetahuan")
    answer: str
    source: str | None = Field(None, description="Dasar hukum/rujukan entri, bila ada")
    score: float = Field(description="Skor kemiripan gabungan 0..1")


class Source(BaseModel):
    entry_id: str
    category_title: str
    reference: str | None = None


class AskResponse(BaseModel):
    outcome: Literal["answer", "alternatives", "handoff", "empty", "too_long"] = Field(
        description="answer: jawaban yakin; alternatives: beberapa pilihan; handoff: diteruskan ke petugas; "
                    "empty: pertanyaan kosong/terlalu pendek")
    handoff: bool = Field(description="True bila pertanyaan perlu dijawab petugas")
    confidence: float = Field(ge=0, le=1, description="Perkiraan peluang jawaban teratas benar")
    message: str = Field(description="Penjelasan untuk pengguna bila bukan jawaban langsung")
    answer: Answer | None = None
    alternatives: list[Answer] = []
    sources: list[Source] = []
    answer_id: str | None = Field(None, description="Kode jawaban untuk penilaian lewat POST /api/v1/answers/"
                                                    "{answer_id}/feedback; kosong bila tidak ada jawaban")
    elapsed_ms: float


def _answer(hit: EntryHit) -> Answer:
    return Answer(entry_id=hit.id, category=hit.category, category_title=hit.category_title, question=hit.question,
                  answer=hit.answer, source=hit.reference, score=hit.score)


def to_response(result: AskResult) -> AskResponse:
    return AskResponse(
        outcome=result.outcome, handoff=result.outcome == "handoff", confidence=result.confidence,
        message=result.message, answer=_answer(result.entry) if result.entry else None,
        alternatives=[_answer(h) for h in result.alternatives],
        sources=[Source(**s.model_dump()) for s in result.sources], elapsed_ms=round(result.elapsed_ms, 2),
    )


def record_for_feedback(result: AskResult, principal_key: str, settings: Settings) -> str | None:
    """The answer's id for feedback; None when there is no answer or it could not be stored (the caller still
    gets the answer)."""
    try:
        return feedback.record_result(result, owner=feedback.Owner.api(principal_key),
                                      channel=feedback.API_CHANNEL, settings=settings)
    except Exception:  # noqa: BLE001 - losing a vote must not lose the answer
        log.exception("could not store an answer for feedback")
        return None


@router.post("/ask", response_model=AskResponse, summary="Jawab pertanyaan dari basis pengetahuan")
def ask(body: AskRequest, settings: SettingsDep, principal: CurrentPrincipal) -> AskResponse:
    # A plain def: the embedding is CPU work and runs in the thread pool, not on the event loop.
    result = knowledge(settings).ask(body.question)
    response = to_response(result)
    response.answer_id = record_for_feedback(result, principal.rate_key, settings)
    return response
