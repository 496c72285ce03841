"""Questions the assistant could not answer well, kept (redacted) so agents can add knowledge entries."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from hai.db import session_factory
from hai.models import UnansweredQuestion
from hai.settings import Settings
from knowledge.redact import redact

MAX_TEXT_CHARS = 2000


def sender_hash(sender_id: str) -> str:
    """A stable pseudonym of a conversation id (sha256 hex) for statistics that need no reply path."""
    return hashlib.sha256(str(sender_id).encode("utf-8")).hexdigest()


def record_unanswered(text: str, *, sender_id: str, channel: str | None = None, reason: str = "nlu_fallback",
                      settings: Settings | None = None) -> int:
    """Store ``text`` redacted; returns the row id. ``reason``: why it counts as unanswered
    (``no_answer``: nothing fitted, ``unsure``: only alternatives were offered, ``nlu_fallback``)."""
    row = UnansweredQuestion(channel=(channel or "rest")[:32], sender_hash=sender_hash(sender_id),
                             text=redact(text or "")[:MAX_TEXT_CHARS], reason=reason[:32])
    with session_factory(settings)() as session, session.begin():
        session.add(row)
        session.flush()
        return row.id


# --- agent console: review the questions and turn them into knowledge entries ------------------------
@dataclass(frozen=True)
class Unanswered:
    """A snapshot of one question (text already redacted)."""

    id: int
    created_at: datetime
    channel: str
    text: str
    reason: str
    resolved_entry_id: str | None


def _of(row: UnansweredQuestion) -> Unanswered:
    return Unanswered(row.id, row.created_at, row.channel, row.text, row.reason, row.resolved_entry_id)


def list_unresolved(settings: Settings | None = None, limit: int = 200) -> list[Unanswered]:
    """Questions no entry answers yet, newest first."""
    with session_factory(settings)() as session:
        rows = session.scalars(select(UnansweredQuestion).where(UnansweredQuestion.resolved_entry_id.is_(None))
                               .order_by(UnansweredQuestion.id.desc()).limit(limit)).all()
        return [_of(r) for r in rows]


def get_unanswered(question_id: int, settings: Settings | None = None) -> Unanswered | None:
    with session_factory(settings)() as session:
        row = session.get(UnansweredQuestion, question_id)
        return _of(row) if row else None


def mark_resolved(question_id: int, entry_id: str, settings: Settings | None = None) -> Unanswered:
    """Record that ``entry_id`` now answers the question (it leaves the unresolved list)."""
    with session_factory(settings)() as session, session.begin():
        row = session.get(UnansweredQuestion, question_id)
        if row is None:
            raise LookupError(f"pertanyaan #{question_id} tidak ditemukan")
        row.resolved_entry_id = entry_id[:64]
        session.flush()
        return _of(row)
