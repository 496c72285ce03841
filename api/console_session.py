"""Console sessions for staff (agents, admins): a signed cookie, and a CSRF token bound to it.

The cookie is ``<payload>.<signature>``: the payload (base64 JSON: user id, name, role, expiry, CSRF token)
is signed with HMAC-SHA256 under a key derived from the API-key secret (``api.keys``), so a tampered or expired
cookie is refused without a look-up. The payload also names a row of ``console_logins`` (``hai.models``):
logout deletes it, so a copied cookie stops working at once, server-side, not only in the browser that
logged out. It is HttpOnly (scripts cannot read it) and
SameSite=Strict (other sites' pages do not send it). State-changing requests must also carry the session's
CSRF token in the ``X-CSRF-Token`` header; the page receives it from the login or session response, and a
page of another origin cannot read either. ``api.middleware.AuthGate`` checks both before any body is read.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import delete, select

from api import keys
from api.keys import Principal
from api.storage import sessions
from hai.models import ConsoleLogin, User
from hai.settings import Settings

COOKIE = "hai_console"
CSRF_HEADER = "x-csrf-token"
COOKIE_PATH = "/"  # the page (/console) and its API (/api/v1/console) both need it
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class ConsoleSession:
    user_id: int
    name: str
    role: str
    csrf: str
    expires: float  # unix time, seconds
    sid: str = ""  # the console_logins row; logout deletes it

    @property
    def principal(self) -> Principal:
        return Principal(role=self.role, name=self.name, user_id=self.user_id)


def _key(settings: Settings) -> bytes:
    # a key of its own (derived): a console cookie can never pass for anything signed for API keys
    return hmac.new(keys._secret(settings), b"hai-console-session-v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(principal: Principal, settings: Settings) -> tuple[str, ConsoleSession]:
    """A new cookie value for a logged-in user, and the session it carries (with a fresh CSRF token).

    Records the login server-side (``console_logins``) and, while at it, deletes the rows of logins that have
    expired: logins are rare, so the table stays small without a scheduled job."""
    now = time.time()
    session = ConsoleSession(principal.user_id, principal.name, principal.role, secrets.token_urlsafe(24),
                             now + settings.console_session_hours * 3600, secrets.token_urlsafe(24))
    with sessions(settings)() as db:
        db.execute(delete(ConsoleLogin).where(ConsoleLogin.expires_at <= now))
        db.add(ConsoleLogin(id=session.sid, user_id=session.user_id, expires_at=session.expires))
        db.commit()
    payload = _b64(json.dumps({"u": session.user_id, "n": session.name, "r": session.role,
                               "c": session.csrf, "e": round(session.expires), "s": session.sid}).encode("utf-8"))
    signature = _b64(hmac.new(_key(settings), payload.encode("ascii"), hashlib.sha256).digest())
    return f"{payload}.{signature}", session


def verify(value: str, settings: Settings) -> ConsoleSession | None:
    """The session in a cookie value; None when it is malformed, forged or expired."""
    if not value or len(value) > 1024 or value.count(".") != 1:
        return None
    payload, signature = value.split(".")
    expected = _b64(hmac.new(_key(settings), payload.encode("ascii", "replace"), hashlib.sha256).digest())
    if not hmac.compare_digest(signature.encode("ascii", "replace"), expected.encode("ascii")):
        return None
    try:
        data = json.loads(_unb64(payload))
        session = ConsoleSession(int(data["u"]), str(data["n"]), str(data["r"]), str(data["c"]), float(data["e"]),
                                 str(data["s"]))
    except (ValueError, KeyError, TypeError):
        return None
    return session if session.expires > time.time() else None


def is_live(session: ConsoleSession, settings: Settings) -> bool:
    """False once the login was ended (logout), has expired, or the account was disabled
    (``python -m api.users disable`` or the admin tab): its cookie stops working at once. One query."""
    with sessions(settings)() as db:
        found = db.execute(
            select(User.disabled_at).join(ConsoleLogin, ConsoleLogin.user_id == User.id)
            .where(ConsoleLogin.id == session.sid, User.id == session.user_id,
                   ConsoleLogin.expires_at > time.time())
        ).first()
    return found is not None and found[0] is None


def revoke(session: ConsoleSession, settings: Settings) -> None:
    """End a login server-side (logout): every copy of its cookie is refused from now on."""
    with sessions(settings)() as db:
        db.execute(delete(ConsoleLogin).where(ConsoleLogin.id == session.sid))
        db.commit()


def csrf_ok(session: ConsoleSession, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(presented.encode("utf-8", "replace"),
                                                  session.csrf.encode("utf-8"))


def cookie_header(value: str, settings: Settings, max_age: int | None = None) -> str:
    """The Set-Cookie value (``max_age`` 0 deletes it)."""
    age = round(settings.console_session_hours * 3600) if max_age is None else max_age
    parts = [f"{COOKIE}={value}", f"Path={COOKIE_PATH}", f"Max-Age={age}", "HttpOnly", "SameSite=Strict"]
    if settings.console_cookie_secure:
        parts.append("Secure")
    return "; ".join(parts)
