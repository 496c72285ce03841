"""The console's two HTML pages, /console and /console/login, served from ``api/static/console/`` with a strict
Content-Security-Policy; their scripts call the API under /api/v1/console."""
from __future__ import annotations

from pathlib import Path

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse

from api import console_session, users
from api.deps import SettingsDep

STATIC = Path(__file__).resolve().parents[2] / "static" / "console"
CSP = "; ".join(["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                 "img-src 'self' data:", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
                 "frame-ancestors 'none'"])

router = APIRouter(include_in_schema=False)


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type="text/html; charset=utf-8", headers={
        "Cache-Control": "no-store", "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"})


@router.get("/console")
async def console_page(request: Request, settings: SettingsDep):
    """The console for a logged-in agent; everyone else goes to the login page first."""
    session = console_session.verify(request.cookies.get(console_session.COOKIE, ""), settings)
    active = session is not None and await anyio.to_thread.run_sync(console_session.is_live, session, settings)
    if not active or session.role not in users.ROLES:
        return RedirectResponse("console/login", status_code=303)
    return _page("console.html")


@router.get("/console/login")
def login_page() -> FileResponse:
    return _page("login.html")
