"""Pure ASGI middleware (no BaseHTTPMiddleware: it would buffer bodies and hide the streaming).

Order, outermost first: :class:`RequestContext` (request id, metrics, audit, last-resort 500),
:class:`AuthGate` (API key, rate limit), :class:`BodySizeLimit` (413 before the body is read). Auth runs
before any body is read, so an unknown caller cannot make the service parse a 10 MB upload.
Shared objects (settings, metrics, audit writer, limiter) live on ``app.state``; ``scope["app"]`` is the app.
"""
from __future__ import annotations

import logging
import re
import time
import uuid

import anyio
from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import console_session, keys
from api.audit import AuditRecord
from api.errors import INTERNAL_ERROR, send_error
from api.ratelimit import retry_after_header

log = logging.getLogger("api")

OPEN_PREFIXES = ("/api/v1/health",)          # liveness/readiness probes: no key
CONSOLE_PREFIX = "/api/v1/console/"          # the agent console's API: a console session or an API key
CONSOLE_LOGIN = "/api/v1/console/login"      # open: it is where a session comes from (rate-limited per address)
UPLOAD_PATHS = frozenset({"/api/v1/bills/batch", "/api/v1/rekon/batch", "/api/v1/accounts/validate",
                          "/api/v1/console/imports"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def route_template(scope: Scope) -> str:
    """The matched route's path template, for labels and the audit log (never the raw path)."""
    route = scope.get("route")
    if route is None:
        app = scope.get("app")
        for candidate in getattr(getattr(app, "router", None), "routes", ()):
            match, _ = candidate.matches(scope)
            if match == Match.FULL:
                route = candidate
                break
    if route is None:
        return "unmatched"
    path = getattr(route, "path", "unmatched")
    return path + "/{path}" if type(route).__name__ == "Mount" else path


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:  # noqa: BLE001 - last resort: log it, tell the user in Indonesian, no trace
            log.exception("galat tak tertangani pada %s %s (request_id=%s)", scope["method"],
                          route_template(scope), request_id)
            if not response_started:
                await send_error(send_with_id, 500, INTERNAL_ERROR, request_id)
        finally:
            self._observe(scope, status, time.perf_counter() - started, request_id)

    @staticmethod
    def _observe(scope: Scope, status: int, seconds: float, request_id: str) -> None:
        app_state = scope["app"].state
        route = route_template(scope)
        app_state.metrics.observe(scope["method"], route, status, seconds)
        path = scope["path"]
        if path.startswith("/api/") and not path.startswith(OPEN_PREFIXES):
            principal = scope.get("state", {}).get("principal")
            client = scope.get("client")
            app_state.audit.record(AuditRecord(
                method=scope["method"], route=route, status=status, duration_ms=round(seconds * 1000, 3),
                request_id=request_id, client_ip=client[0] if client else None,
                api_key_id=getattr(principal, "key_id", None), user_id=getattr(principal, "user_id", None),
            ))


def presented_key(headers: Headers) -> str:
    """The key from ``X-API-Key`` or ``Authorization: Bearer <key>``."""
    key = headers.get("x-api-key", "")
    if not key:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            key = value
    return key.strip()


async def resolve_principal(key: str, settings) -> keys.Principal | None:
    found, principal = keys.cached_principal(key, settings)
    if found:
        return principal
    # A database round trip: off the event loop.
    return await anyio.to_thread.run_sync(keys.lookup_key, key, settings)


class AuthGate:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        needs_key = path.startswith("/api/") and not path.startswith(OPEN_PREFIXES)
        app_state = scope["app"].state if "app" in scope else None
        is_metrics = path == "/metrics" and app_state is not None and not app_state.settings.metrics_public
        if scope["type"] != "http" or not (needs_key or is_metrics):
            return await self.app(scope, receive, send)
        state = scope.setdefault("state", {})
        request_id = state.get("request_id")
        headers = Headers(scope=scope)
        if path.startswith(CONSOLE_PREFIX):
            refusal = await self._console(scope, headers, app_state, state)
            if refusal is not None:
                return await send_error(send, refusal[0], refusal[1], request_id)
            if "principal" in state or path == CONSOLE_LOGIN:
                return await self.app(scope, receive, send)
        key = presented_key(headers)
        principal = await resolve_principal(key, app_state.settings) if key else None
        if principal is None:
            detail = ("Kunci API tidak dikenal atau sudah dicabut." if key else
                      "Kunci API wajib disertakan pada header X-API-Key (atau Authorization: Bearer <kunci>).")
            return await send_error(send, 401, detail, request_id, [(b"www-authenticate", b"ApiKey")])
        state["principal"] = principal
        if is_metrics and principal.role != "admin":
            return await send_error(send, 403, "Metrik hanya dapat dibaca dengan kunci API peran admin.", request_id)
        wait = app_state.limiter.acquire(principal.rate_key)
        if wait > 0:
            retry = retry_after_header(wait)
            detail = (f"Terlalu banyak permintaan: batas {app_state.limiter.per_minute} permintaan per menit "
                      f"untuk kunci ini. Coba lagi dalam {retry} detik.")
            return await send_error(send, 429, detail, request_id, [(b"retry-after", retry.encode())])
        await self.app(scope, receive, send)


    @staticmethod
    async def _console(scope: Scope, headers: Headers, app_state, state: dict) -> tuple[int, str] | None:
        """Console requests: a valid session cookie sets the principal (with the CSRF check on changes);
        without a cookie the API-key check below applies. Returns (status, message) to refuse."""
        settings = app_state.settings
        if scope["path"] == CONSOLE_LOGIN:
            client = scope.get("client")
            wait = app_state.limiter.acquire(f"login:{client[0] if client else '-'}")
            if wait > 0:  # password guessing costs a token per try
                return 429, f"Terlalu banyak percobaan masuk. Coba lagi dalam {retry_after_header(wait)} detik."
            return None
        cookie = _cookie(headers, console_session.COOKIE)
        if not cookie:
            return None
        session = console_session.verify(cookie, settings)
        if session is None or not await anyio.to_thread.run_sync(console_session.is_live, session, settings):
            return 401, "Sesi konsol tidak berlaku atau sudah berakhir. Silakan masuk kembali."
        if scope["method"] not in console_session.SAFE_METHODS and not console_session.csrf_ok(
                session, headers.get(console_session.CSRF_HEADER)):
            return 403, "Permintaan ditolak: token CSRF tidak ada atau tidak cocok. Muat ulang halaman konsol."
        state["principal"] = session.principal
        state["console_session"] = session
        return None


def _cookie(headers: Headers, name: str) -> str:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value.strip()
    return ""


def _size(n: int) -> str:
    return f"{n / 1_048_576:.3g} MB" if n >= 1_048_576 else f"{n / 1024:.3g} kB"


class BodySizeLimit:
    """413 when Content-Length says too much (before reading), or when a chunked body grows past the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        settings = scope["app"].state.settings
        upload = scope["path"] in UPLOAD_PATHS
        limit = settings.max_upload_bytes if upload else settings.max_json_bytes
        request_id = scope.get("state", {}).get("request_id")
        what = "berkas unggahan" if upload else "isi permintaan"
        too_large = f"Ukuran {what} melebihi batas {_size(limit)}."
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.isdigit():
                return await send_error(send, 400, "Header Content-Length tidak valid.", request_id)
            if int(declared) > limit:
                return await send_error(send, 413, f"{too_large} Ukuran yang dikirim: {_size(int(declared))}.",
                                        request_id)
        received = 0
        rejected = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    rejected = True
                    if not response_started:
                        await send_error(send, 413, too_large, request_id)
                    # The app sees the client leave and stops reading; what it answers is dropped below.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if rejected:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)
