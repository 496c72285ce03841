"""Tables of the app database, declared on ``Base`` (``hai.db`` makes the engine and creates them)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


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


class HandoffRequest(Base):
    """A conversation handed over to a helpdesk agent (the agent console lists the open ones).

    ``sender_id`` is the Rasa conversation (sender) id, kept as is so an agent can reply into the conversation
    (a channel's chat id, not a person's data). ``transcript`` is a JSON list of ``{who, text, time}`` with
    every text redacted (``knowledge.redact``) before it is stored. ``status``: open, assigned, closed.
    ``predicted_team``/``team_confidence``: the L2 team the routing model chose from the user's messages and
    its probability (empty when no model is trained); ``team``: the team now responsible (the predicted one
    until an agent re-routes it, see ``HandoffReroute``).
    """

    __tablename__ = "handoff_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(32), default="rest")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    reason: Mapped[str] = mapped_column(String(32), default="asked")
    transcript: Mapped[list] = mapped_column(JSON, default=list)
    agent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    team: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    predicted_team: Mapped[str | None] = mapped_column(String(64), nullable=True)
    team_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)


class HandoffReroute(Base):
    """An agent moved a handoff to another team: who, when, from which team to which (the audit of routing)."""

    __tablename__ = "handoff_reroutes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    agent: Mapped[str] = mapped_column(String(64))
    from_team: Mapped[str | None] = mapped_column(String(64), nullable=True)
    to_team: Mapped[str] = mapped_column(String(64))


class HandoffReply(Base):
    """A message a helpdesk agent sent into a handed-over conversation (agent console).

    ``text`` is stored redacted (what the user received went out as typed); ``delivered`` is False when the
    Rasa server refused or could not be reached, so a failed reply stays visible to the agent."""

    __tablename__ = "handoff_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    agent: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    delivered: Mapped[bool] = mapped_column(Boolean, default=True)



class AnswerFeedback(Base):
    """An answer the assistant gave from the knowledge base, and the user's vote on it (helpdesk/feedback.py).

    A row is written when the answer goes out (``vote`` empty) and updated by each vote, so an answer has one
    vote and the last one counts. ``id`` is random and unguessable (it travels in buttons and API responses).
    Whose answer it was: ``sender_hash`` (sha256 of the conversation id, as for unanswered questions) for a
    chat, ``caller`` (``key:<id>`` or ``user:<id>``) for an API caller. ``question`` and ``comment`` are
    stored redacted. ``alternative_ids``: the next best entries, offered after a thumbs down."""

    __tablename__ = "answer_feedback"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)
    entry_id: Mapped[str] = mapped_column(String(64), index=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    channel: Mapped[str] = mapped_column(String(32), default="rest")
    sender_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    caller: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    question: Mapped[str] = mapped_column(Text, default="")
    alternative_ids: Mapped[list] = mapped_column(JSON, default=list)
    vote: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)  # up, down; None: not yet
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    voted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

class ResolvedTicket(Base):
    """One resolved ticket of an imported HAI export: its question and the agent's answer, both cleaned and
    redacted (``knowledge.import_review`` keeps them; the agent console's assist searches them for tickets
    like a new handoff). ``batch_id`` is the import it came with; ``ref_tiket`` HAI's ticket reference."""

    __tablename__ = "resolved_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(32), index=True)
    ref_tiket: Mapped[str] = mapped_column(String(64), default="")
    ticket_date: Mapped[str] = mapped_column(String(10), default="")  # YYYY-MM-DD
    category: Mapped[str] = mapped_column(String(64), default="")
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


# --- HTTP API: callers, staff accounts and the audit trail (api/keys.py, api/users.py, api/audit.py) -----


class ApiKey(Base):
    """A key an API caller sends in ``X-API-Key``. Only a keyed hash of it is stored (see api/keys.py);
    ``prefix`` is the key's first characters, enough for a person to tell keys apart, useless to log in."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), default="caller")  # caller | agent | admin
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)  # hex HMAC-SHA256
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class User(Base):
    """A staff account (agent or admin) for the agent console; the password is stored as an scrypt hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    role: Mapped[str] = mapped_column(String(16), default="agent")  # agent | admin
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditLog(Base):
    """One API request: who (key or user id), which route template, the outcome and how long it took.

    Never the request body, query values or path values beyond the route template: no personal data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    api_key_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    method: Mapped[str] = mapped_column(String(8))
    route: Mapped[str] = mapped_column(String(200))
    status: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[float] = mapped_column(Float)
    client_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    request_id: Mapped[str] = mapped_column(String(64), index=True)


class ConsoleLogin(Base):
    """One console login (api/console_session.py). The signed cookie names its row; logout deletes the row, so a
    copied cookie stops working at once instead of living until its expiry. ``id`` is random and useless
    without the signing key (the cookie's signature), so it is stored as is. Rows past ``expires_at`` are
    deleted at the next login."""

    __tablename__ = "console_logins"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # unix time, seconds (no time-zone pitfalls)


# --- Telegram in polling mode (channels/telegram_polling.py) ---------------------------------------------


class TelegramPollOffset(Base):
    """Where the Telegram polling worker goes on: the next ``update_id`` to ask getUpdates for, per bot.

    Written after each update has been handled and read at start, so a restart of the worker neither
    repeats nor loses an update. ``bot_id`` is the numeric part of the token before ":" (the bot's public
    user id), never the token itself."""

    __tablename__ = "telegram_poll_offsets"

    bot_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_update_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class KnowledgeBaseVersion(Base):
    """How many edits a knowledge base has had: every edit adds one, and each serving process that sees a
    number higher than its own reloads the knowledge base (``knowledge.versions``), so an edit made through
    one API worker is answered by all of them. ``kb``: the knowledge base's folder."""

    __tablename__ = "kb_versions"

    kb: Mapped[str] = mapped_column(String(255), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)
