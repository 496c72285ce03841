"""Questions the assistant could not answer well, kept (redacted) so agents can add knowledge entries."""
from __future__ import annotations

import hashlib

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
