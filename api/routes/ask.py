"""POST /api/v1/ask: a question to the knowledge base; an answer, alternatives to choose from, or a handoff."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from api.deps import current_principal, knowledge, SettingsDep
from api.errors import COMMON_ERRORS, error_responses
from knowledge.search import MAX_QUESTION_CHARS, AskResult, EntryHit

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


@router.post("/ask", response_model=AskResponse, summary="Jawab pertanyaan dari basis pengetahuan")
def ask(body: AskRequest, settings: SettingsDep) -> AskResponse:
    # A plain def: the embedding is CPU work and runs in the thread pool, not on the event loop.
    return to_response(knowledge(settings).ask(body.question))
