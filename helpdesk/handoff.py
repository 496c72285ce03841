"""Handing a conversation over to a helpdesk agent: the queue of handoff requests in the app database.

The bot's ``action_handoff`` calls :func:`create_or_get_open`; the agent console (later) uses
:func:`list_open`, :func:`get`, :func:`assign` and :func:`close`. A conversation has at most one request that
is not closed: asking again reuses it (and adds the newer messages to its transcript). Every transcript
text is redacted here (``knowledge.redact``), so no caller can store personal data in clear.

Each request stores the L2 team the routing model (``helpdesk.triage``) predicts from the user's messages
and its confidence; an agent can move it to another team (:func:`reroute`, kept in ``handoff_reroutes``:
who, when, from, to), and the queue can be read per team.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from hai.db import session_factory
from hai.messages import HELPDESK_CONTACT
from hai.models import HandoffRequest, HandoffReroute
from hai.settings import Settings, get_settings
from knowledge.categories import HAI_LABELS
from knowledge.redact import redact

log = logging.getLogger("helpdesk.handoff")

OPEN, ASSIGNED, CLOSED = "open", "assigned", "closed"
ACTIVE_STATUSES = (OPEN, ASSIGNED)
# Why the bot handed over (stored in ``reason``), with the words an agent reads.
REASONS = {
    "asked": "pengguna meminta bicara dengan petugas",
    "unsure_twice": "asisten dua kali tidak yakin dengan jawabannya",
    "no_answer": "basis pengetahuan tidak memuat jawabannya",
    "error": "layanan asisten mengalami gangguan",
}
WORKING_HOURS = "Senin–Jumat 08.00–17.00 WIB"
MAX_TRANSCRIPT_LINES = 60  # the latest lines are what an agent needs; older ones stay in the tracker store
MAX_LINE_CHARS = 2000

_lock = threading.Lock()  # one writer per process: two quick requests must not open two rows


class HandoffNotFoundError(LookupError):
    def __init__(self, handoff_id: int) -> None:
        super().__init__(f"permintaan petugas #{handoff_id} tidak ditemukan")
        self.handoff_id = handoff_id


class UnknownTeamError(ValueError):
    """A team that is neither in the routing model nor among HAI's L2 teams; message in Indonesian."""

    def __init__(self, team: str, known: list[str]) -> None:
        super().__init__(f"tim {team!r} tidak dikenal; pilihan: {', '.join(known)}")
        self.team = team


class RerouteError(ValueError):
    """A re-route that cannot be done (already that team, request closed); message in Indonesian."""


@dataclass(frozen=True)
class Handoff:
    """A snapshot of one request (safe to pass between threads; the database row is not)."""

    id: int
    created_at: datetime
    sender_id: str
    channel: str
    status: str
    reason: str
    transcript: list[dict]
    agent: str | None = None
    closed_at: datetime | None = None
    team: str | None = None
    predicted_team: str | None = None
    team_confidence: float | None = None

    @classmethod
    def of(cls, row: HandoffRequest) -> "Handoff":
        return cls(row.id, row.created_at, row.sender_id, row.channel, row.status, row.reason,
                   list(row.transcript or []), row.agent, row.closed_at, row.team, row.predicted_team,
                   row.team_confidence)

    @property
    def reason_text(self) -> str:
        return REASONS.get(self.reason, self.reason)


@dataclass(frozen=True)
class Reroute:
    handoff_id: int
    created_at: datetime
    agent: str
    from_team: str | None
    to_team: str


def _iso(timestamp: object) -> str | None:
    try:
        return datetime.fromtimestamp(float(timestamp), tz=timezone.utc).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def event_line(event: Mapping) -> dict | None:
    """One Rasa tracker event as a transcript line ``{who: user|bot, text, time}`` (not yet redacted), or None
    when it is not a message with something to show: a button press reads "[tombol: /payload]", an image
    without text "[gambar]". The bot's stored transcripts and the console's live ones are both written by it,
    so their lines can be lined up (``helpdesk.live_transcript``)."""
    kind = event.get("event")
    if kind not in ("user", "bot"):
        return None
    text = str(event.get("text") or "")
    if kind == "bot" and not text and (event.get("data") or {}).get("image"):
        text = "[gambar]"
    if kind == "user" and text.startswith("/"):
        text = f"[tombol: {text}]"
    return {"who": kind, "text": text, "time": _iso(event.get("timestamp"))} if text else None


def redact_transcript(lines: Iterable[Mapping]) -> list[dict]:
    """``[{who, text, time}]``, each text redacted and cut to ``MAX_LINE_CHARS``; the latest lines kept."""
    out = []
    for line in lines:
        text = redact(str(line.get("text") or ""))[:MAX_LINE_CHARS]
        if text.strip():
            out.append({"who": str(line.get("who") or "user"), "text": text, "time": line.get("time")})
    return out[-MAX_TRANSCRIPT_LINES:]


def _merge(old: list[dict], new: list[dict]) -> list[dict]:
    seen = {(line.get("who"), line.get("text"), line.get("time")) for line in old}
    merged = old + [line for line in new if (line.get("who"), line.get("text"), line.get("time")) not in seen]
    return merged[-MAX_TRANSCRIPT_LINES:]


def _router(settings: Settings):
    from helpdesk.triage.model import RoutingError, load_router

    try:
        return load_router(settings.triage_model_path)
    except RoutingError as exc:  # a broken model must not stop a handoff: the request goes without a team
        log.warning("model rute tim tidak dipakai: %s", exc)
        return None


def predict_team(lines: Iterable[Mapping], settings: Settings) -> tuple[str | None, float | None]:
    """(team, confidence) for the user's lines of a (redacted) transcript; (None, None) without a model."""
    text = "\n".join(str(line.get("text") or "") for line in lines if line.get("who") == "user"
                     and not str(line.get("text") or "").startswith("[tombol:"))
    router = _router(settings) if text.strip() else None
    if router is None:
        return None, None
    prediction = router.predict(text)
    return prediction.team[:64], round(prediction.confidence, 4)


def known_teams(settings: Settings | None = None) -> list[str]:
    """The teams a request can be routed to: the routing model's teams and HAI's L2 teams."""
    settings = settings or get_settings()
    router = _router(settings)
    return sorted(set(router.teams if router else []) | {tim for _, tim in HAI_LABELS.values()})


def create_or_get_open(sender_id: str, *, channel: str | None = None, transcript: Iterable[Mapping] = (),
                       reason: str = "asked", settings: Settings | None = None) -> tuple[Handoff, bool]:
    """The conversation's request that is not closed, or a new one; returns ``(handoff, created)``.

    A reused request keeps its number and reason and gets the transcript lines it did not have yet.
    """
    if reason not in REASONS:
        raise ValueError(f"alasan handoff tidak dikenal: {reason!r} (pilihan: {', '.join(REASONS)})")
    lines = redact_transcript(transcript)
    settings = settings or get_settings()
    with _lock, session_factory(settings)() as session, session.begin():
        row = session.scalars(
            select(HandoffRequest)
            .where(HandoffRequest.sender_id == sender_id, HandoffRequest.status.in_(ACTIVE_STATUSES))
            .order_by(HandoffRequest.id.desc())
        ).first()
        created = row is None
        if created:
            row = HandoffRequest(sender_id=sender_id, channel=(channel or "rest")[:32], status=OPEN,
                                 reason=reason, transcript=lines)
            session.add(row)
        else:
            row.transcript = _merge(list(row.transcript or []), lines)
        if row.predicted_team is None:  # first request, or one opened before a model was trained
            row.predicted_team, row.team_confidence = predict_team(row.transcript, settings)
            row.team = row.team or row.predicted_team
        session.flush()
        return Handoff.of(row), created


def list_open(settings: Settings | None = None, limit: int = 200, team: str | None = None) -> list[Handoff]:
    """Requests waiting for or being handled by an agent, oldest first; only ``team``'s when given."""
    query = select(HandoffRequest).where(HandoffRequest.status.in_(ACTIVE_STATUSES))
    if team is not None:
        query = query.where(HandoffRequest.team == team)
    with session_factory(settings)() as session:
        rows = session.scalars(query.order_by(HandoffRequest.id).limit(limit)).all()
        return [Handoff.of(r) for r in rows]


def reroute(handoff_id: int, team: str, agent: str, settings: Settings | None = None) -> Handoff:
    """Move the request to ``team`` (one of :func:`known_teams`), recording who did it, when, from and to."""
    settings = settings or get_settings()
    team = " ".join((team or "").split())
    known = known_teams(settings)
    match = next((t for t in known if t.lower() == team.lower()), None)
    if match is None:
        raise UnknownTeamError(team, known)
    with _lock, session_factory(settings)() as session, session.begin():
        row = session.get(HandoffRequest, handoff_id)
        if row is None:
            raise HandoffNotFoundError(handoff_id)
        if row.status == CLOSED:
            raise RerouteError(f"permintaan petugas #{handoff_id} sudah ditutup")
        if row.team == match:
            raise RerouteError(f"permintaan petugas #{handoff_id} sudah ditangani tim {match}")
        session.add(HandoffReroute(handoff_id=handoff_id, agent=agent[:64], from_team=row.team, to_team=match))
        row.team = match
        session.flush()
        return Handoff.of(row)


def reroutes_of(handoff_id: int, settings: Settings | None = None) -> list[Reroute]:
    """The request's re-routes, oldest first."""
    with session_factory(settings)() as session:
        rows = session.scalars(select(HandoffReroute).where(HandoffReroute.handoff_id == handoff_id)
                               .order_by(HandoffReroute.id)).all()
        return [Reroute(r.handoff_id, r.created_at, r.agent, r.from_team, r.to_team) for r in rows]


def get(handoff_id: int, settings: Settings | None = None) -> Handoff | None:
    with session_factory(settings)() as session:
        row = session.get(HandoffRequest, handoff_id)
        return Handoff.of(row) if row else None


def _update(handoff_id: int, settings: Settings | None, **values) -> Handoff:
    with _lock, session_factory(settings)() as session, session.begin():
        row = session.get(HandoffRequest, handoff_id)
        if row is None:
            raise HandoffNotFoundError(handoff_id)
        for key, value in values.items():
            setattr(row, key, value)
        session.flush()
        return Handoff.of(row)


def assign(handoff_id: int, agent: str, settings: Settings | None = None) -> Handoff:
    """An agent takes the request (status ``assigned``)."""
    return _update(handoff_id, settings, status=ASSIGNED, agent=agent[:64])


def close(handoff_id: int, settings: Settings | None = None) -> Handoff:
    """The request is done; the conversation's next handoff opens a new one."""
    return _update(handoff_id, settings, status=CLOSED, closed_at=datetime.now(timezone.utc))


def handoff_reply(handoff: Handoff, created: bool) -> str:
    """What the user is told: the queue number, when an agent answers, and the fallback contact."""
    if created:
        head = (f"Percakapan Anda saya teruskan ke petugas Helpdesk HAI DJPb (nomor antrean #{handoff.id}). "
                f"Petugas akan membalas di sini pada jam kerja ({WORKING_HOURS}).")
    else:
        head = (f"Permintaan Anda sudah tercatat dengan nomor antrean #{handoff.id} dan sedang menunggu "
                f"petugas Helpdesk HAI DJPb. Petugas akan membalas di sini pada jam kerja ({WORKING_HOURS}).")
    return f"{head} Jika mendesak, Anda juga dapat menghubungi {HELPDESK_CONTACT}."
