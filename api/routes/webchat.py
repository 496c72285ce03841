"""The web chat page (``api/static/chat.html``) and what it needs from the server: where the socket is.

The page talks to the Rasa server directly over Rasa's socket.io channel (credentials.yml ``socketio``);
the API only serves the files and tells the page the socket's address, path, event names and the message
limit, so none of them is written twice.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from hai.messages import MAX_MESSAGE_CHARS
from hai.settings import ROOT, Settings, get_settings

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_URL = "/static"  # chat.html refers to its files relative to the page: static/chat.js ...
# Outside /api/ on purpose: the page is public, and every /api/v1 route but health needs an API key.
CONFIG_URL = "/chat/config"
CHAT_PAGE = STATIC_DIR / "chat.html"
# A server bound to every interface has no address a browser can use: take the host the page came from.
_WILDCARD_HOSTS = {"0.0.0.0", "::", ""}

router = APIRouter(tags=["web chat"])


class WebchatConfig(BaseModel):
    socket_url: str = Field(description="Origin of the Rasa socket.io server, e.g. http://127.0.0.1:5005")
    socket_path: str = Field(description="socket.io path on that server, e.g. /socket.io")
    user_message_evt: str = Field(description="Event the page emits with {message, session_id}")
    bot_message_evt: str = Field(description="Event the Rasa server emits with each bot message")
    max_message_chars: int = Field(description="Longest message the page sends (characters)")


@lru_cache(maxsize=1)
def socketio_events() -> tuple[str, str]:
    """(user event, bot event) of the socket.io channel in credentials.yml; Rasa's defaults if unset."""
    try:
        channels = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        channels = {}
    # Rasa's own channel ("socketio") or a subclass of it ("channels.socketio.HaiSocketIOInput")
    socketio = next((v for k, v in channels.items() if "socketio" in str(k).lower() and isinstance(v, dict)), {})
    return socketio.get("user_message_evt", "user_uttered"), socketio.get("bot_message_evt", "bot_uttered")


def socket_url(settings: Settings, page_host: str | None) -> str:
    """HAI_WEBCHAT_SOCKET_URL, else the Rasa server's address as the browser can reach it."""
    if settings.webchat_socket_url:
        return settings.webchat_socket_url.rstrip("/")
    host = settings.host
    if host in _WILDCARD_HOSTS and page_host:
        host = page_host
    if ":" in host and not host.startswith("["):  # IPv6 literal
        host = f"[{host}]"
    return f"http://{host}:{settings.rasa_port}"


def content_security_policy(socket: str) -> str:
    """Scripts and styles from this server only, so nothing a message carries can run as code."""
    parts = urlsplit(socket)
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    origin = f"{parts.scheme}://{parts.netloc}"
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"connect-src 'self' {origin} {ws_scheme}://{parts.netloc}",
        "img-src 'self' data: http: https:",  # pagu charts may come from HAI_PUBLIC_URL
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ])


def request_settings(request: Request) -> Settings:
    """The app's settings (``create_app(settings)``), else the process's."""
    return getattr(request.app.state, "settings", None) or get_settings()


def _page(request: Request) -> FileResponse:
    csp = content_security_policy(socket_url(request_settings(request), request.url.hostname))
    return FileResponse(CHAT_PAGE, media_type="text/html; charset=utf-8", headers={
        "Cache-Control": "no-cache",
        # only the widget's frame (api/routes/widget.py) may be shown inside other sites
        "Content-Security-Policy": f"{csp}; frame-ancestors 'self'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    })


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
def root_page(request: Request) -> FileResponse:
    return _page(request)


@router.api_route("/chat", methods=["GET", "HEAD"], include_in_schema=False)
def chat_page(request: Request) -> FileResponse:
    return _page(request)


@router.get(CONFIG_URL, response_model=WebchatConfig,
            summary="Where the web chat page opens its socket.io connection to the Rasa server")
def webchat_config(request: Request) -> WebchatConfig:
    settings = request_settings(request)
    user_evt, bot_evt = socketio_events()
    return WebchatConfig(
        socket_url=socket_url(settings, request.url.hostname),
        socket_path=settings.webchat_socket_path,
        user_message_evt=user_evt,
        bot_message_evt=bot_evt,
        max_message_chars=MAX_MESSAGE_CHARS,
    )


def static_files() -> StaticFiles:
    """chat.js, chat.css and the vendored socket.io client; mounted at ``STATIC_URL`` by api/main.py."""
    return StaticFiles(directory=STATIC_DIR)
