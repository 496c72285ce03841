"""POST /api/v1/answers/{answer_id}/feedback: the caller's vote on an answer of /api/v1/ask.

One vote per answer, the last one counts (``helpdesk.feedback``). Only the caller the answer was given to can
vote on it: an id that is unknown or was given to another key is answered 404 alike, and nothing is stored.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from api.deps import CurrentPrincipal, current_principal, SettingsDep
from api.errors import COMMON_ERRORS, error_responses
from helpdesk import feedback

router = APIRouter(prefix="/api/v1/answers", tags=["tanya jawab"], dependencies=[Depends(current_principal)],
                   responses={**COMMON_ERRORS, **error_responses(404)})


class FeedbackRequest(BaseModel):
    vote: Literal["up", "down"] = Field(description="up: jawaban membantu; down: tidak membantu")
    comment: str | None = Field(None, max_length=feedback.MAX_COMMENT_CHARS,
                                description="Catatan pengguna (data pribadi disamarkan sebelum disimpan)")


class FeedbackResponse(BaseModel):
    answer_id: str
    entry_id: str = Field(description="Entri basis pengetahuan yang menjadi jawaban")
    vote: Literal["up", "down"]
    comment: str | None = Field(None, description="Catatan yang disimpan (sudah disamarkan)")
    voted_at: datetime


@router.post("/{answer_id}/feedback", response_model=FeedbackResponse, summary="Nilai sebuah jawaban")
def give_feedback(answer_id: str, body: FeedbackRequest, settings: SettingsDep,
                  principal: CurrentPrincipal) -> FeedbackResponse:
    try:
        answer = feedback.vote(answer_id, body.vote, owner=feedback.Owner.api(principal.rate_key),
                               comment=body.comment, settings=settings)
    except feedback.AnswerNotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    return FeedbackResponse(answer_id=answer.id, entry_id=answer.entry_id, vote=answer.vote,
                            comment=answer.comment, voted_at=answer.voted_at)
