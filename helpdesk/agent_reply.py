"""An agent's reply into a handed-over conversation, delivered on the channel the user last used.

The reply goes through the Rasa server's HTTP API as a ``bot`` event appended to the conversation, with
``execute_side_effects=true&output_channel=latest``: Rasa then sends the event's text through the output
channel of the user's latest input channel (the web chat's socket.io room, Telegram, ...), and the tracker
keeps the reply in the conversation history, so the bot sees it too. ``trigger_intent`` would not do: it
runs the bot's policies instead of saying the agent's words.

Every reply is recorded (``HandoffReply``, text redacted) whether or not it reached the user.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import httpx
from sqlalchemy import select

from helpdesk import handoff as handoff_core
from hai.db import session_factory
from hai.messages import MAX_MESSAGE_CHARS
from hai.models import HandoffReply
from hai.settings import Settings
from knowledge.redact import redact


class ReplyError(ValueError):
    """The reply cannot be sent as written (empty, too long, the request is closed); message in Indonesian."""


class DeliveryError(RuntimeError):
    """The Rasa server did not take the reply; the message says what the agent can do."""


@dataclass(frozen=True)
class Reply:
    id: int
    handoff_id: int
    created_at: datetime
    agent: str
    text: str  # redacted
    delivered: bool


def _of(row: HandoffReply) -> Reply:
    return Reply(row.id, row.handoff_id, row.created_at, row.agent, row.text, row.delivered)


def check_reply_text(text: str) -> str:
    """The reply without surrounding blanks; ``ReplyError`` when it is empty or longer than the chat limit."""
    text = (text or "").strip()
    if not text:
        raise ReplyError("Balasan masih kosong. Tulis balasan untuk pengguna terlebih dahulu.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise ReplyError(f"Balasan terlalu panjang ({len(text)} karakter; paling banyak {MAX_MESSAGE_CHARS}).")
    return text


def events_url(settings: Settings, sender_id: str) -> str:
    """Rasa's append-events endpoint for ``sender_id`` (query: ``events_params``)."""
    return f"{settings.rasa_url}/conversations/{quote(sender_id, safe='')}/tracker/events"


def events_params(settings: Settings) -> dict[str, str]:
    """Send the appended bot events to the user's latest channel; the token guards Rasa's HTTP API."""
    return {"output_channel": "latest", "execute_side_effects": "true", "token": settings.rasa_api_token()}


def bot_event(text: str, agent: str) -> list[dict]:
    """The body Rasa appends: one bot utterance, marked as the agent's (not the assistant's) words."""
    return [{"event": "bot", "text": text, "metadata": {"agent": agent}}]


def record_reply(handoff_id: int, agent: str, text: str, delivered: bool,
                 settings: Settings | None = None) -> Reply:
    row = HandoffReply(handoff_id=handoff_id, agent=agent[:64], text=redact(text), delivered=delivered)
    with session_factory(settings)() as session, session.begin():
        session.add(row)
        session.flush()
        return _of(row)


def replies_of(handoff_id: int, settings: Settings | None = None) -> list[Reply]:
    with session_factory(settings)() as session:
        rows = session.scalars(select(HandoffReply).where(HandoffReply.handoff_id == handoff_id)
                               .order_by(HandoffReply.id)).all()
        return [_of(r) for r in rows]


async def send_reply(client: httpx.AsyncClient, settings: Settings, handoff_id: int, text: str,
                     agent: str) -> Reply:
    """Deliver ``text`` to the user of request ``handoff_id`` and record it; the request becomes ``assigned``
    to ``agent`` if nobody had taken it. Raises ``HandoffNotFoundError``, ``ReplyError`` or ``DeliveryError``
    (the failed reply is still recorded, marked not delivered)."""
    text = check_reply_text(text)
    request = handoff_core.get(handoff_id, settings)
    if request is None:
        raise handoff_core.HandoffNotFoundError(handoff_id)
    if request.status == handoff_core.CLOSED:
        raise ReplyError(f"Permintaan #{handoff_id} sudah ditutup; balasan tidak dikirim.")
    try:
        response = await client.post(events_url(settings, request.sender_id), json=bot_event(text, agent),
                                     params=events_params(settings))
        delivered = response.status_code < 300
        problem = "" if delivered else f"server asisten menjawab {response.status_code}"
    except httpx.HTTPError as exc:
        delivered, problem = False, f"server asisten tidak dapat dihubungi ({type(exc).__name__})"
    reply = record_reply(handoff_id, agent, text, delivered, settings)
    if not delivered:
        raise DeliveryError(f"Balasan belum terkirim ke pengguna: {problem}. Coba kirim ulang sebentar lagi.")
    if request.status == handoff_core.OPEN:
        handoff_core.assign(handoff_id, agent, settings)
    return reply
