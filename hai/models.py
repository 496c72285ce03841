"""Tables of the app database."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hai.db import Base


def _now() -> datetime:
    return datetime.now(timezone.utc)


class UnansweredQuestion(Base):
    """A user message the assistant could not answer; agents turn these into knowledge entries.

    ``text`` is stored redacted: personal data never reaches the database in clear.
    """

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    channel: Mapped[str] = mapped_column(String(32), default="rest")
    sender_hash: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(32), default="nlu_fallback")
    resolved_entry_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
