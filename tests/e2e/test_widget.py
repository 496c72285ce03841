"""The embeddable chat widget on another site's page, in a real browser against the real stack.

A plain host page (its own origin, with hostile CSS for buttons and boxes) carries one <script> tag. On the
allowed origin (the ``widget_site`` fixture, in HAI_WIDGET_ORIGINS) a helpdesk and an analytics question are
answered inside the widget and the conversation survives a reload of the host page; on an origin that is not
allowed there is no button, a console message for the site's developer, and the socket.io server refuses
that origin; a wrong server address shows as unreachable. Screenshots (closed and open, desktop and phone)
go to artifacts/screenshots/.
"""
from __future__ import annotations

import http.server
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import socketio
from playwright.sync_api import Browser, FrameLocator, Page, expect

from testkit.stack import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
REPLY_MS = 30_000
COLOR = "#0b6f3a"  # rgb(11, 111, 58)
GREETING = "Halo dari Portal Satker contoh! Silakan bertanya."

HOST_PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portal Satker (contoh)</title><link rel="stylesheet" href="host.css"></head>
<body><h1>Portal Satker (contoh)</h1><p>Halaman situs lain yang memasang widget Asisten HAI DJPb.</p>
<p><a href="lain.html">Halaman lain</a></p>
<script src="{server}/widget.js" data-title="Asisten HAI DJPb" data-color="{color}"
        data-greeting="{greeting}" {extra} defer></script>
</body></html>"""
# The host's own styles are hostile to anything it embeds: every button, box and frame red, huge, outlined.
HOST_CSS = """body { font-family: Georgia, serif; background: #fffbe6; margin: 40px; }
* { border: 6px solid lime !important; }
button, div, section, iframe { background: red !important; font-size: 40px !important; }
p, a, h1 { border: 0 !important; }"""


class HostSite:
    """A tiny static site on 127.0.0.1:``port`` that embeds the widget from ``server``."""

    def __init__(self, port: int, server: str, extra: str = "") -> None:
        page = HOST_PAGE.format(server=server, color=COLOR, greeting=GREETING, extra=extra).encode("utf-8")
        css = HOST_CSS.encode("utf-8")
        # a strict policy, as a ministry portal has: no inline styles or scripts, scripts only from itself
        # and the assistant, which may also be framed and connected to
        policy = (f"default-src 'self'; style-src 'self'; script-src 'self' {server}; connect-src 'self' {server}; "
                  f"frame-src {server}; img-src 'self'")

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                body, kind = (css, "text/css") if self.path.endswith(".css") else (page, "text/html")
                self.send_response(200)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Security-Policy", policy)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def api_url(stack) -> str:
    stack.start("api")
    return stack.settings.api_url


@pytest.fixture(scope="module")
def allowed_site(api_url, widget_site):
    site = HostSite(urlsplit(widget_site).port, api_url)
    yield site
    site.close()


class Visitor:
    def __init__(self, browser: Browser, viewport: dict) -> None:
        self.context = browser.new_context(viewport=viewport, locale="id-ID")
        self.page: Page = self.context.new_page()
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))

    @property
    def launcher(self):
        return self.page.locator("[data-hai-widget] .launcher")  # Playwright's CSS pierces the open shadow root

    @property
    def panel(self):
        return self.page.locator("[data-hai-widget] .panel")

    @property
    def chat(self) -> FrameLocator:
        return self.page.frame_locator("[data-hai-widget] iframe")

    def ready(self) -> None:
        try:
            expect(self.launcher).to_have_attribute("data-state", "ready", timeout=REPLY_MS)
        except AssertionError as exc:
            raise AssertionError(f"widget not ready; browser console: {self.console}") from exc

    def send(self, text: str) -> None:
        self.chat.get_by_label("Pertanyaan Anda").fill(text)
        self.chat.get_by_role("button", name="Kirim").click()

    def bot(self, contains: str):
        return self.chat.locator(".msg--bot", has_text=contains)

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / name))

    def close(self) -> None:
        self.context.close()


def test_widget_answers_on_an_allowed_site_and_survives_a_reload(browser, allowed_site):
    visitor = Visitor(browser, DESKTOP)
    try:
        page = visitor.page
        page.goto(allowed_site.url)
        visitor.ready()
        expect(visitor.launcher).to_have_attribute("aria-expanded", "false")
        # the host's CSS (red, 40 px, lime borders, !important) does not reach the widget
        assert visitor.launcher.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(11, 111, 58)"
        assert visitor.launcher.evaluate("b => getComputedStyle(b).fontSize") == "15px"
        assert page.locator("h1").evaluate("h => getComputedStyle(h).fontFamily") == "Georgia, serif"
        assert page.locator("[data-hai-widget]").evaluate("h => getComputedStyle(h).borderTopWidth") == "0px"
        visitor.shot("widget_desktop_closed.png")

        visitor.launcher.focus()  # keyboard: Enter opens, focus moves into the chat
        page.keyboard.press("Enter")
        expect(visitor.panel).to_be_visible()
        expect(visitor.chat.locator("#status")).to_have_text("Terhubung", timeout=REPLY_MS)
        expect(visitor.bot(GREETING)).to_be_visible()

        visitor.send("bagaimana cara mengajukan revisi DIPA ke kanwil?")
        expect(visitor.bot("Kategori:")).to_be_visible(timeout=REPLY_MS)
        visitor.send("kode akun untuk belanja iuran jaminan asuransi apa ya?")
        expect(visitor.bot("5.1.01.01.09.0001")).to_be_visible(timeout=REPLY_MS)
        visitor.shot("widget_desktop_open.png")
        session = visitor.chat.locator("html").evaluate("() => localStorage.getItem('hai.webchat.session')")
        assert session

        page.reload()  # the host page reloads: the widget reopens on the same conversation
        expect(visitor.panel).to_be_visible(timeout=REPLY_MS)
        expect(visitor.bot("5.1.01.01.09.0001")).to_be_visible(timeout=REPLY_MS)
        expect(visitor.chat.locator("#status")).to_have_text("Terhubung", timeout=REPLY_MS)
        assert visitor.chat.locator("html").evaluate(
            "() => localStorage.getItem('hai.webchat.session')") == session
        visitor.send("terima kasih")
        expect(visitor.bot("Sama-sama")).to_be_visible(timeout=REPLY_MS)

        page.get_by_role("link", name="Halaman lain").click()  # another page of the host site
        page.wait_for_url("**/lain.html")
        expect(visitor.panel).to_be_visible(timeout=REPLY_MS)
        expect(visitor.bot("Sama-sama")).to_be_visible(timeout=REPLY_MS)

        visitor.chat.get_by_label("Pertanyaan Anda").press("Escape")  # Escape in the chat closes the widget
        expect(visitor.panel).to_be_hidden()
        expect(visitor.launcher).to_be_focused()
        assert not [m for m in visitor.console if m.startswith("error")], visitor.console
    finally:
        visitor.close()


def test_widget_on_a_phone(browser, allowed_site):
    visitor = Visitor(browser, PHONE)
    try:
        visitor.page.goto(allowed_site.url)
        visitor.ready()
        visitor.shot("widget_phone_closed.png")
        visitor.launcher.click()
        expect(visitor.chat.locator("#status")).to_have_text("Terhubung", timeout=REPLY_MS)
        box = visitor.panel.bounding_box()
        assert box == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}  # full screen
        visitor.send("halo")
        expect(visitor.bot("Ada yang bisa saya bantu")).to_be_visible(timeout=REPLY_MS)
        visitor.shot("widget_phone_open.png")
        visitor.page.locator("[data-hai-widget] .close").click()
        expect(visitor.panel).to_be_hidden()
    finally:
        visitor.close()


def test_a_site_that_is_not_allowed_gets_no_connection(browser, api_url, stack, widget_site):
    site = HostSite(free_port(), api_url)
    visitor = Visitor(browser, DESKTOP)
    try:
        visitor.page.goto(site.url)
        expect(visitor.page.locator("[data-hai-widget]")).to_have_count(0, timeout=REPLY_MS)
        denied = [m for m in visitor.console if m.startswith("error") and "HAI_WIDGET_ORIGINS" in m]
        assert denied and site.url.rstrip("/") in denied[0]
    finally:
        visitor.close()
        site.close()
    # and the socket.io server itself refuses that origin, while it accepts the allowed ones
    assert socket_connects(stack, widget_site) and socket_connects(stack, api_url)
    assert not socket_connects(stack, site.url.rstrip("/"))


def socket_connects(stack, origin: str) -> bool:
    client = socketio.Client(reconnection=False)
    try:
        client.connect(stack.settings.rasa_url, socketio_path="/socket.io", transports=["polling"],
                       headers={"Origin": origin}, wait_timeout=20)
    except socketio.exceptions.ConnectionError:  # the namespace refused: no event reaches the bot
        return False
    client.disconnect()
    return True


def test_a_wrong_server_address_shows_unreachable_not_a_spinner(browser, api_url):
    wrong = f"http://127.0.0.1:{free_port()}"
    site = HostSite(free_port(), api_url, extra=f'data-server="{wrong}"')
    visitor = Visitor(browser, DESKTOP)
    try:
        visitor.page.goto(site.url)
        expect(visitor.launcher).to_have_attribute("data-state", "unreachable", timeout=REPLY_MS)
        expect(visitor.launcher).to_contain_text("Asisten tidak dapat dihubungi")
        visitor.launcher.click()
        expect(visitor.page.locator("[data-hai-widget] .problem")).to_contain_text("tidak dapat dihubungi")
        expect(visitor.page.locator("[data-hai-widget] .retry")).to_be_visible()
    finally:
        visitor.close()
        site.close()
