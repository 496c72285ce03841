"""The agent console: its pages (/console, /console/login), login/logout, the handoff queue and the list of
unanswered questions. Knowledge-base editing and export import are in ``api/routes/console_kb.py``.

Every /api/v1/console route (but login) needs a console session (cookie + CSRF header on changes, checked by
``api.middleware.AuthGate``) or an API key, and the role agent or admin; anything else gets 401/403.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import anyio
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel, Field

from api import console_session, users
from api.audit import record_action
from api.deps import current_principal, knowledge, rasa_client, require_role, SettingsDep
from api.errors import COMMON_ERRORS, error_responses
from api.keys import Principal
from api.routes.console_admin import router as admin_router
from api.routes.console_kb import EntryOut, router as kb_router, saved_entry
from helpdesk import agent_reply, handoff, live_transcript, unanswered
from hai.messages import MAX_MESSAGE_CHARS
from hai.settings import Settings
from knowledge.editing import EditRejected, EntryDraft, KnowledgeEditor

STATIC = Path(__file__).resolve().parent.parent / "static" / "console"
CSP = "; ".join(["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                 "img-src 'self' data:", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
                 "frame-ancestors 'none'"])
staff = require_role("agent", "admin")

pages = APIRouter(include_in_schema=False)
public = APIRouter(prefix="/api/v1/console", tags=["konsol petugas"])
router = APIRouter(prefix="/api/v1/console", tags=["konsol petugas"], dependencies=[Depends(staff)],
                   responses={**COMMON_ERRORS, **error_responses(403)})


# --- pages ----------------------------------------------------------------------------------------------
def _page(name: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type="text/html; charset=utf-8", headers={
        "Cache-Control": "no-store", "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"})


@pages.get("/console")
async def console_page(request: Request):
    """The console for a logged-in agent; everyone else goes to the login page first."""
    settings = request.app.state.settings
    session = console_session.verify(request.cookies.get(console_session.COOKIE, ""), settings)
    active = session is not None and await anyio.to_thread.run_sync(console_session.is_live, session, settings)
    if not active or session.role not in users.ROLES:
        return RedirectResponse("console/login", status_code=303)
    return _page("console.html")


@pages.get("/console/login")
def login_page() -> FileResponse:
    return _page("login.html")


# --- session --------------------------------------------------------------------------------------------
class LoginRequest(BaseModel):
    username: str = Field(..., min_length=1, max_length=64)
    password: str = Field(..., min_length=1, max_length=256)


class SessionOut(BaseModel):
    username: str
    role: str
    csrf_token: str = Field(description="Kirim di header X-CSRF-Token pada setiap permintaan yang mengubah data")
    expires_at: datetime


def _session_out(session: console_session.ConsoleSession) -> SessionOut:
    return SessionOut(username=session.name, role=session.role, csrf_token=session.csrf,
                      expires_at=datetime.fromtimestamp(session.expires).astimezone())


@public.post("/login", response_model=SessionOut, summary="Masuk ke konsol petugas (membuat cookie sesi)",
             responses=error_responses(401, 413, 422, 429, 500))
def login(body: LoginRequest, response: Response, settings: SettingsDep) -> SessionOut:
    principal = users.authenticate(body.username, body.password, settings)  # scrypt: in the thread pool
    if principal is None:
        raise HTTPException(401, "Nama pengguna atau kata sandi salah, atau akun dinonaktifkan.")
    value, session = console_session.issue(principal, settings)
    response.headers["set-cookie"] = console_session.cookie_header(value, settings)
    return _session_out(session)


@router.get("/session", response_model=SessionOut, summary="Sesi konsol yang sedang berjalan")
def current_session(request: Request) -> SessionOut:
    session = getattr(request.state, "console_session", None)
    if session is None:  # an API key, not a browser session: there is no cookie or CSRF token to give
        raise HTTPException(401, "Belum masuk ke konsol petugas.")
    return _session_out(session)


class Done(BaseModel):
    ok: bool = True
    message: str


@router.post("/logout", response_model=Done, summary="Keluar dari konsol (sesi diakhiri di server, cookie dihapus)")
def logout(request: Request, response: Response, settings: SettingsDep) -> Done:
    session = getattr(request.state, "console_session", None)
    if session is not None:  # server-side too: a copy of the cookie must not outlive the logout
        console_session.revoke(session, settings)
    response.headers["set-cookie"] = console_session.cookie_header("", settings, max_age=0)
    return Done(message="Anda sudah keluar dari konsol petugas.")


# --- handoff queue --------------------------------------------------------------------------------------
class TranscriptLine(BaseModel):
    who: str = Field(description="user, bot atau agent")
    text: str
    time: float | str | None = None


class ReplyOut(BaseModel):
    id: int
    created_at: datetime
    agent: str
    text: str = Field(description="Teks balasan (data pribadi disamarkan)")
    delivered: bool


class HandoffSummary(BaseModel):
    id: int
    created_at: datetime
    channel: str
    status: str
    reason: str
    reason_text: str
    agent: str | None
    last_user_text: str = Field(description="Pesan terakhir pengguna (disamarkan)")


class HandoffDetail(HandoffSummary):
    closed_at: datetime | None
    transcript: list[TranscriptLine]
    replies: list[ReplyOut]
    live: bool = Field(False, description="true: transkrip memuat percakapan terbaru dari server asisten, "
                                          "termasuk balasan petugas yang terkirim")
    transcript_note: str | None = Field(None, description="Mengapa transkrip bukan yang terbaru")


def _summary(h: handoff.Handoff) -> dict:
    last = next((line.get("text", "") for line in reversed(h.transcript) if line.get("who") == "user"), "")
    return dict(id=h.id, created_at=h.created_at, channel=h.channel, status=h.status, reason=h.reason,
                reason_text=h.reason_text, agent=h.agent, last_user_text=last)


def _reply_out(r: agent_reply.Reply) -> ReplyOut:
    return ReplyOut(id=r.id, created_at=r.created_at, agent=r.agent, text=r.text, delivered=r.delivered)


def _detail(h: handoff.Handoff, settings: Settings,
            now: live_transcript.LiveTranscript | None = None) -> HandoffDetail:
    """``now``: the conversation read from Rasa (GET); the other routes answer with the stored transcript."""
    lines = now.lines if now is not None else h.transcript
    return HandoffDetail(**_summary(h), closed_at=h.closed_at,
                         transcript=[TranscriptLine(**{k: line.get(k) for k in ("who", "text", "time")})
                                     for line in lines],
                         replies=[_reply_out(r) for r in agent_reply.replies_of(h.id, settings)],
                         live=bool(now and now.live), transcript_note=now.note if now else None)


def _handoff(handoff_id: int, settings: Settings) -> handoff.Handoff:
    found = handoff.get(handoff_id, settings)
    if found is None:
        raise HTTPException(404, f"Permintaan petugas #{handoff_id} tidak ditemukan.")
    return found


@router.get("/handoffs", response_model=list[HandoffSummary], summary="Antrean permintaan petugas yang belum ditutup")
def list_handoffs(settings: SettingsDep) -> list[HandoffSummary]:
    return [HandoffSummary(**_summary(h)) for h in handoff.list_open(settings)]


@router.get("/handoffs/{handoff_id}", response_model=HandoffDetail, responses=error_responses(404),
            summary="Satu permintaan dengan percakapan terbaru (dari server asisten) dan balasan petugas")
async def get_handoff(handoff_id: int, settings: SettingsDep,
                      client=Depends(rasa_client)) -> HandoffDetail:
    found = await anyio.to_thread.run_sync(_handoff, handoff_id, settings)
    now = await live_transcript.live_transcript(client, settings, found)
    return await anyio.to_thread.run_sync(_detail, found, settings, now)


@router.post("/handoffs/{handoff_id}/assign", response_model=HandoffDetail, responses=error_responses(404),
             summary="Ambil permintaan (ditangani petugas ini)")
def assign_handoff(handoff_id: int, request: Request, settings: SettingsDep,
                   who: Principal = Depends(current_principal)) -> HandoffDetail:
    _handoff(handoff_id, settings)
    record_action(request, "ambil", f"handoff-{handoff_id}")
    return _detail(handoff.assign(handoff_id, who.name, settings), settings)


class ReplyRequest(BaseModel):
    text: str = Field(..., min_length=1, max_length=MAX_MESSAGE_CHARS, description="Balasan untuk pengguna")


@router.post("/handoffs/{handoff_id}/reply", response_model=HandoffDetail, responses=error_responses(404, 502),
             summary="Kirim balasan ke pengguna lewat kanal yang terakhir dipakainya (web chat, Telegram)")
async def reply_to_handoff(handoff_id: int, body: ReplyRequest, request: Request,
                           settings: SettingsDep, who: Principal = Depends(current_principal),
                           client=Depends(rasa_client)) -> HandoffDetail:
    try:
        await agent_reply.send_reply(client, settings, handoff_id, body.text, who.name)
    except handoff.HandoffNotFoundError as exc:
        raise HTTPException(404, f"Permintaan petugas #{handoff_id} tidak ditemukan.") from exc
    except agent_reply.ReplyError as exc:
        raise HTTPException(422, str(exc)) from exc
    except agent_reply.DeliveryError as exc:
        record_action(request, "balas-gagal", f"handoff-{handoff_id}", status=502)
        raise HTTPException(502, str(exc)) from exc
    record_action(request, "balas", f"handoff-{handoff_id}")
    return await anyio.to_thread.run_sync(_detail, _handoff(handoff_id, settings), settings)


@router.post("/handoffs/{handoff_id}/close", response_model=HandoffDetail, responses=error_responses(404),
             summary="Tutup permintaan (percakapan kembali dilayani asisten)")
def close_handoff(handoff_id: int, request: Request, settings: SettingsDep) -> HandoffDetail:
    _handoff(handoff_id, settings)
    record_action(request, "tutup", f"handoff-{handoff_id}")
    return _detail(handoff.close(handoff_id, settings), settings)


# --- unanswered questions -------------------------------------------------------------------------------
class UnansweredOut(BaseModel):
    id: int
    created_at: datetime
    channel: str
    text: str = Field(description="Pertanyaan pengguna (disamarkan)")
    reason: str


@router.get("/unanswered", response_model=list[UnansweredOut], summary="Pertanyaan yang belum terjawab asisten")
def list_unanswered(settings: SettingsDep) -> list[UnansweredOut]:
    return [UnansweredOut(id=q.id, created_at=q.created_at, channel=q.channel, text=q.text, reason=q.reason)
            for q in unanswered.list_unresolved(settings)]


def _question(question_id: int, settings: Settings) -> unanswered.Unanswered:
    found = unanswered.get_unanswered(question_id, settings)
    if found is None:
        raise HTTPException(404, f"Pertanyaan #{question_id} tidak ditemukan.")
    if found.resolved_entry_id:
        raise HTTPException(409, f"Pertanyaan #{question_id} sudah dijawab oleh entri {found.resolved_entry_id}.")
    return found


@router.get("/unanswered/{question_id}/draft", response_model=EntryDraft, responses=error_responses(404, 409),
            summary="Formulir entri baru yang sudah terisi dari pertanyaan")
def unanswered_draft(question_id: int, settings: SettingsDep) -> EntryDraft:
    question = _question(question_id, settings)
    search = knowledge(settings)
    # the category of the nearest entry is the likeliest home for the new one; the agent can change it
    top = search.ask(question.text).candidates
    category = search.knowledge_base.get(top[0].id).category if top else ""
    return EntryDraft(category=category, question=question.text)


@router.post("/unanswered/{question_id}/entry", response_model=EntryOut, status_code=201,
             responses=error_responses(404, 409), summary="Jadikan pertanyaan entri baru (langsung dipakai menjawab)")
def unanswered_to_entry(question_id: int, body: EntryDraft, request: Request,
                        settings: SettingsDep) -> EntryOut:
    _question(question_id, settings)
    editor = KnowledgeEditor(knowledge(settings))
    try:
        entry = editor.create(body)
    except EditRejected as exc:
        raise HTTPException(422, exc.message) from exc
    unanswered.mark_resolved(question_id, entry.id, settings)
    record_action(request, "tambah", f"entri/{entry.id}")
    return saved_entry(entry)


router.include_router(kb_router)
router.include_router(admin_router)  # admins only (keys, staff accounts)
