"""The embeddable chat widget: one ``<script src=".../widget.js">`` on another site's page.

- ``/widget.js`` draws a floating button in its own shadow DOM (the host page's styles do not reach it and
  its styles do not leak out) and, when opened, the chat in an iframe: the page ``/widget-frame``, which is
  the web chat page (``chat.html``, ``chat.js``) in embed mode, so history, buttons and charts behave exactly
  as on ``/chat``.
- ``/widget/config`` tells the script whether the page's origin may embed the widget (``Origin`` header,
  set by the browser) and where the frame is; a site not in ``HAI_WIDGET_ORIGINS`` gets ``allowed: false``
  and a sentence for its developer, which the script writes to the browser console instead of a button.
- ``/widget-frame`` carries ``Content-Security-Policy: frame-ancestors`` with the same list, so a browser
  refuses to show the chat inside any other site even if the script is bypassed; and the socket.io server
  accepts connections only from the allowed origins (``channels/socketio.py``).
Nothing is loaded from outside the assistant's own server.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from api.routes.webchat import CHAT_PAGE, STATIC_DIR, content_security_policy, request_settings, socket_url
from hai.settings import Settings

WIDGET_SCRIPT = STATIC_DIR / "widget.js"
FRAME_URL = "/widget-frame"  # top level, so chat.html's relative paths (static/…, chat/config) still resolve
CONFIG_URL = "/widget/config"

router = APIRouter(tags=["widget"])


def embedding_allowed(settings: Settings, origin: str | None) -> bool:
    """A page of ``origin`` may embed the widget: one of the assistant's own origins or HAI_WIDGET_ORIGINS.
    No Origin header (a same-origin GET) counts as the assistant's own page."""
    if not origin:
        return True
    origin = origin.strip().rstrip("/").lower()
    return origin in settings.widget_origin_list or origin in settings.own_origins


def denied_message(origin: str) -> str:
    return (f"Widget Asisten HAI DJPb tidak diizinkan di {origin}. Pengelola layanan perlu menambahkan origin "
            f"ini ke HAI_WIDGET_ORIGINS di server asisten; sampai saat itu tombol obrolan tidak ditampilkan.")


def _cors_headers(origin: str | None) -> dict[str, str]:
    headers = {"Vary": "Origin", "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if origin:
        headers["Access-Control-Allow-Origin"] = origin
    return headers


@router.api_route("/widget.js", methods=["GET", "HEAD"], include_in_schema=False)
def widget_script() -> FileResponse:
    # Loaded by <script> from any site: the decision is /widget/config's, and the frame's CSP enforces it.
    return FileResponse(WIDGET_SCRIPT, media_type="text/javascript; charset=utf-8", headers={
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "cross-origin",
    })


@router.get(CONFIG_URL, include_in_schema=False)
def widget_config(request: Request) -> JSONResponse:
    settings = request_settings(request)
    origin = request.headers.get("origin")
    allowed = embedding_allowed(settings, origin)
    body = {"allowed": allowed, "frame_url": FRAME_URL if allowed else None,
            "message": "" if allowed else denied_message(origin or "")}
    return JSONResponse(body, headers=_cors_headers(origin))


def frame_ancestors(settings: Settings) -> str:
    return " ".join(["'self'", *settings.widget_origin_list])


@router.api_route(FRAME_URL, methods=["GET", "HEAD"], include_in_schema=False)
def widget_frame(request: Request) -> HTMLResponse:
    """chat.html in embed mode (chat.js reads ``?embed=1``), showable only inside the allowed sites."""
    settings = request_settings(request)
    csp = content_security_policy(socket_url(settings, request.url.hostname))
    page = CHAT_PAGE.read_text(encoding="utf-8").replace('<html lang="id">', '<html lang="id" class="embed">', 1)
    return HTMLResponse(page, headers={
        "Cache-Control": "no-cache",
        "Content-Security-Policy": f"{csp}; frame-ancestors {frame_ancestors(settings)}",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    })
