"""The console's login, current session and logout. Login is the one console route open to anyone (rate-limited
per address by ``api.middleware.AuthGate``): it is where the session cookie and the CSRF token come from."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field

from api import console_session, users
from api.deps import SettingsDep
from api.errors import error_responses
from api.routes.console.deps import BrowserSession

public = APIRouter()  # no session needed
router = APIRouter()


class LoginRequest(BaseModel):
    username: str = Field(..., min_length=1, max_length=64)
    password: str = Field(..., min_length=1, max_length=256)


class SessionOut(BaseModel):
    username: str
    role: str
    csrf_token: str = Field(description="Kirim di header X-CSRF-Token pada setiap permintaan yang mengubah data")
    expires_at: datetime


class Done(BaseModel):
    ok: bool = True
    message: str


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
def current_session(session: BrowserSession) -> SessionOut:
    if session is None:  # an API key, not a browser session: there is no cookie or CSRF token to give
        raise HTTPException(401, "Belum masuk ke konsol petugas.")
    return _session_out(session)


@router.post("/logout", response_model=Done, summary="Keluar dari konsol (sesi diakhiri di server, cookie dihapus)")
def logout(session: BrowserSession, response: Response, settings: SettingsDep) -> Done:
    if session is not None:  # server-side too: a copy of the cookie must not outlive the logout
        console_session.revoke(session, settings)
    response.headers["set-cookie"] = console_session.cookie_header("", settings, max_age=0)
    return Done(message="Anda sudah keluar dari konsol petugas.")
