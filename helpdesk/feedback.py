"""Feedback on answers: every answer from the knowledge base gets a random id, and its user votes on it.

``record_answer`` (or ``record_result`` for an ``AskResult``) stores the answer when it goes out and returns
its id; the bot puts the id in its 👍/👎 buttons, the API returns it as ``answer_id``. ``vote`` stores the
user's verdict on it: one vote per answer, the last one counts (the row is updated, never duplicated).
An answer belongs to whoever received it (:class:`Owner`: a conversation or an API caller); a vote for an
answer of someone else, or for an id never issued, is refused the same way (:class:`AnswerNotFoundError`),
so an id reveals nothing. After a thumbs down, ``Answer.alternative_ids`` are the next best entries to offer.

The question and any comment are stored redacted. Plain Python: no Rasa, no FastAPI. Adapters catch the
errors of ``record_answer`` themselves: losing a vote must never lose the user's reply.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from hai.db import session_factory
from hai.models import AnswerFeedback
from hai.settings import Settings
from helpdesk.unanswered import sender_hash
from knowledge.redact import redact

if TYPE_CHECKING:
    from knowledge.search import AskResult

UP, DOWN = "up", "down"
VOTES = (UP, DOWN)
API_CHANNEL = "api"
ALTERNATIVES_KEPT = 2  # next best entries offered after a thumbs down
MAX_QUESTION_CHARS = 2000
MAX_COMMENT_CHARS = 1000
# 16 random bytes, URL-safe base64 (22 characters): unguessable, and short enough that a button's payload
# /feedback{"answer_id":"<id>","vote":"down"} stays within Telegram's 64-byte callback data.
_ID_BYTES = 16
_ANSWER_ID = re.compile(r"[A-Za-z0-9_-]{16,32}")


class FeedbackError(Exception):
    """A refused feedback request; the message is Indonesian and can be shown to the caller."""


class AnswerNotFoundError(FeedbackError, LookupError):
    def __init__(self) -> None:
        super().__init__("Jawaban tidak ditemukan: answer_id tidak dikenal atau bukan jawaban untuk Anda.")


class InvalidVoteError(FeedbackError, ValueError):
    def __init__(self, value: object) -> None:
        super().__init__("penilaian harus 'up' (membantu) atau 'down' (tidak membantu), "
                         f"bukan {str(value)[:20]!r}")


@dataclass(frozen=True)
class Owner:
    """Who received an answer: a chat conversation (its sender id, kept only as a hash) or an API caller
    (``Principal.rate_key``: ``key:<id>`` or ``user:<id>``)."""

    sender_hash: str | None = None
    caller: str | None = None

    @classmethod
    def conversation(cls, sender_id: str) -> "Owner":
        return cls(sender_hash=sender_hash(sender_id))

    @classmethod
    def api(cls, caller: str) -> "Owner":
        return cls(caller=str(caller)[:32])


@dataclass(frozen=True)
class Answer:
    """A snapshot of one answer and its vote (texts already redacted)."""

    id: str
    entry_id: str
    confidence: float | None
    channel: str
    question: str
    alternative_ids: list[str]
    vote: str | None
    comment: str | None
    created_at: datetime
    updated_at: datetime
    voted_at: datetime | None

    @classmethod
    def of(cls, row: AnswerFeedback) -> "Answer":
        return cls(row.id, row.entry_id, row.confidence, row.channel, row.question,
                   list(row.alternative_ids or []), row.vote, row.comment, row.created_at, row.updated_at,
                   row.voted_at)


def new_answer_id() -> str:
    return secrets.token_urlsafe(_ID_BYTES)


def is_answer_id(value: object) -> bool:
    """Could ``value`` be an id this module issued? (Anything else is refused without a database query.)"""
    return isinstance(value, str) and _ANSWER_ID.fullmatch(value) is not None


def parse_vote(value: object) -> str:
    """``up`` or ``down`` (any case, surrounding spaces ignored); :class:`InvalidVoteError` otherwise."""
    vote = value.strip().lower() if isinstance(value, str) else ""
    if vote not in VOTES:
        raise InvalidVoteError(value)
    return vote


def next_best_ids(result: AskResult, limit: int = ALTERNATIVES_KEPT) -> list[str]:
    """The entries after the given answer, best first: the offered alternatives, then the ranking's next."""
    answered = result.entry.id if result.entry else None
    ids = [h.id for h in result.alternatives] + [c.id for c in result.candidates]
    return list(dict.fromkeys(i for i in ids if i != answered))[:limit]


def record_answer(entry_id: str, *, owner: Owner, channel: str | None = None, confidence: float | None = None,
                  question: str = "", alternative_ids: Iterable[str] = (), answer_id: str | None = None,
                  settings: Settings | None = None) -> str:
    """Store an answer that goes out now (no vote yet); returns its id (``answer_id`` or a new random one).
    ``confidence``: 0..1 from the knowledge service, None when the user picked the entry from a list."""
    answer_id = answer_id or new_answer_id()
    if not is_answer_id(answer_id):
        raise ValueError("answer_id tidak valid")
    row = AnswerFeedback(
        id=answer_id, entry_id=str(entry_id)[:64], confidence=confidence, channel=(channel or "rest")[:32],
        sender_hash=owner.sender_hash, caller=owner.caller,
        question=redact(question or "")[:MAX_QUESTION_CHARS],
        alternative_ids=[str(i)[:64] for i in alternative_ids][:ALTERNATIVES_KEPT],
    )
    with session_factory(settings)() as session, session.begin():
        session.add(row)
    return answer_id


def record_result(result: AskResult, *, owner: Owner, channel: str | None = None,
                  answer_id: str | None = None, settings: Settings | None = None) -> str | None:
    """``record_answer`` for a result of ``KnowledgeSearch.ask``; None when it carries no entry to vote on."""
    if result.entry is None:
        return None
    return record_answer(result.entry.id, owner=owner, channel=channel, confidence=result.confidence,
                         question=result.question, alternative_ids=next_best_ids(result), answer_id=answer_id,
                         settings=settings)


def vote(answer_id: str, value: str, *, owner: Owner, comment: str | None = None,
         settings: Settings | None = None) -> Answer:
    """Store ``owner``'s vote (``up``/``down``) on the answer, replacing any earlier vote and comment.

    Raises :class:`InvalidVoteError` for another value, :class:`AnswerNotFoundError` for an id that was never
    issued or belongs to someone else (nothing is stored then)."""
    value = parse_vote(value)
    if not is_answer_id(answer_id):
        raise AnswerNotFoundError()
    with session_factory(settings)() as session, session.begin():
        row = session.get(AnswerFeedback, answer_id, with_for_update=True)
        if row is None or (row.sender_hash, row.caller) != (owner.sender_hash, owner.caller):
            raise AnswerNotFoundError()
        row.vote = value
        row.comment = redact(comment)[:MAX_COMMENT_CHARS] if comment and comment.strip() else None
        row.voted_at = datetime.now(timezone.utc)
        session.flush()
        return Answer.of(row)


def get_answer(answer_id: str, *, owner: Owner, settings: Settings | None = None) -> Answer:
    """The owner's answer; :class:`AnswerNotFoundError` as for :func:`vote`."""
    if not is_answer_id(answer_id):
        raise AnswerNotFoundError()
    with session_factory(settings)() as session:
        row = session.get(AnswerFeedback, answer_id)
        if row is None or (row.sender_hash, row.caller) != (owner.sender_hash, owner.caller):
            raise AnswerNotFoundError()
        return Answer.of(row)
