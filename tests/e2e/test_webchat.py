"""The web chat page in a real browser against the real stack.

The system Chromium (scripts/ensure_deb.sh), driven by Playwright, opens the page the API serves;
the page talks to the Rasa server over its socket.io channel. Screenshots (desktop and phone) are written
to artifacts/screenshots/.
"""
from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, expect

from testkit.stack import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
REPLY_MS = 30_000  # a bot reply on a busy two-core machine
CHART_MS = 60_000  # the pagu forecast and its chart

GREETING = "Ada yang bisa saya bantu terkait SAKTI"
MENU = "Saya dapat membantu Anda untuk"
ASK_SATKER = "Berapa kode satker Anda?"
PAGU_BUTTON = "Prakiraan kecukupan pagu"
PAGU_QUESTION = "Apakah pagu listrik satker saya cukup sampai Desember?"  # that button's payload
SATKER = "527027"  # a satker of the shipped synthetic pagu data


@pytest.fixture(scope="module")
def chat_url(stack) -> str:
    stack.start("api")  # the session's Rasa and action servers, plus the API that serves the page
    return f"{stack.settings.api_url}/chat"


class ChatTab:
    """One browser tab (own storage) on the chat page; JavaScript errors and console errors are collected."""

    def __init__(self, browser: Browser, url: str, viewport: dict, **context_options) -> None:
        self.context = browser.new_context(viewport=viewport, locale="id-ID", **context_options)
        self.page = self.context.new_page()
        self.url = url
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def open(self, connected: bool = True) -> ChatTab:
        self.page.goto(self.url)
        if connected:
            self.wait_connected()
        return self

    def wait_connected(self) -> None:
        expect(self.page.locator("#status")).to_have_text("Terhubung", timeout=REPLY_MS)

    def send(self, text: str) -> None:
        self.page.get_by_label("Pertanyaan Anda").fill(text)
        self.page.get_by_role("button", name="Kirim").click()

    def bot(self, contains: str) -> Locator:
        return self.page.locator(".msg--bot", has_text=contains)

    def user_messages(self) -> list[str]:
        return self.page.locator(".msg--user .msg__bubble").all_text_contents()

    def notice(self) -> Locator:
        return self.page.get_by_role("alert")

    def transcript(self) -> list[tuple[str, str, list[bool]]]:
        """(speaker, text, disabled state of each button) of every message shown."""
        return self.page.eval_on_selector_all(".msg", """rows => rows.map(r => [
            r.className, r.textContent, [...r.querySelectorAll('button')].map(b => b.disabled)])""")

    def storage(self, key: str) -> str | None:
        return self.page.evaluate("k => localStorage.getItem(k)", key)

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        self.page.screenshot(path=str(path))
        return path

    def close(self) -> None:
        self.context.close()


def _tracker_user_events(stack, session_id: str) -> list[dict]:
    resp = httpx.get(f"{stack.settings.rasa_url}/conversations/{session_id}/tracker",
                     params={"token": stack.settings.rasa_api_token()}, timeout=30)
    resp.raise_for_status()
    return [e for e in resp.json()["events"] if e.get("event") == "user"]


def test_conversation_with_buttons_and_chart_survives_a_reload(stack, browser, chat_url):
    tab = ChatTab(browser, chat_url, DESKTOP).open()
    try:
        tab.send("halo")
        expect(tab.bot(GREETING)).to_be_visible(timeout=REPLY_MS)

        # the welcome's quick reply opens the menu (Rasa sends its buttons as socket.io quick replies)
        welcome_button = tab.page.get_by_role("button", name="Lihat menu layanan")
        welcome_button.click()
        menu = tab.bot(MENU)
        expect(menu).to_be_visible(timeout=REPLY_MS)
        expect(welcome_button).to_be_disabled()
        menu.get_by_role("button", name=PAGU_BUTTON).click()
        expect(tab.bot(ASK_SATKER)).to_be_visible(timeout=REPLY_MS)
        expect(menu.get_by_role("button", name="Cek kewajaran tagihan listrik")).to_be_disabled()
        assert tab.user_messages() == ["Anda: halo", "Anda: Lihat menu layanan", f"Anda: {PAGU_BUTTON}"]

        before, session_id = tab.transcript(), tab.storage("hai.webchat.session")
        assert session_id
        tab.page.reload()
        tab.wait_connected()
        assert tab.transcript() == before  # same messages, the used buttons still disabled
        assert tab.storage("hai.webchat.session") == session_id

        # the form asked for the satker code before the reload; answering it after the reload completes it
        tab.send(SATKER)
        chart = tab.page.locator(".msg--bot img.msg__image")
        expect(chart).to_be_visible(timeout=CHART_MS)
        assert chart.get_attribute("alt").startswith("Grafik dari Asisten HAI DJPb")
        expect(chart).to_have_js_property("complete", True, timeout=REPLY_MS)
        assert chart.evaluate("img => img.naturalWidth") > 0  # the PNG came from the API's /charts/
        tab.screenshot("webchat-desktop.png")

        users = _tracker_user_events(stack, session_id)
        assert [e["text"] for e in users] == ["halo", "/help", PAGU_QUESTION, SATKER]
        assert {e["input_channel"] for e in users} == {"socketio"}
        assert tab.errors == []
    finally:
        tab.close()


def test_helpdesk_question_is_answered_with_its_source(browser, chat_url):
    tab = ChatTab(browser, chat_url, DESKTOP).open()
    try:
        tab.send("bagaimana cara mengajukan revisi DIPA ke kanwil?")
        # Rasa's socket.io channel sends each paragraph as its own message: the steps, then category and source
        source = tab.bot("Kategori:")
        expect(source).to_be_visible(timeout=REPLY_MS)
        expect(source).to_contain_text("Sumber:")
        expect(tab.bot("Revisi DIPA")).to_have_count(1)
        texts = tab.page.locator(".msg--bot").all_text_contents()
        at = next(i for i, t in enumerate(texts) if "Kategori:" in t)
        assert "Revisi DIPA" in texts[at - 1], texts  # the answer comes right before its source
        tab.screenshot("webchat-helpdesk.png")
        assert tab.errors == []
    finally:
        tab.close()


def test_empty_overlong_and_markup_messages(stack, browser, chat_url):
    tab = ChatTab(browser, chat_url, DESKTOP).open()
    try:
        box = tab.page.get_by_label("Pertanyaan Anda")
        box.fill("   \n  ")
        box.press("Enter")
        expect(tab.notice()).to_have_text("Pesan masih kosong. Tulis pertanyaan Anda terlebih dahulu.")

        too_long = ("Mohon bantuan, SP2D satker kami belum cair sejak minggu lalu. " * 40)[:2345]
        tab.send(too_long)
        expect(tab.notice()).to_contain_text("Pesan terlalu panjang (2.345 karakter; paling banyak 2.000 karakter)")
        expect(tab.page.locator("#counter")).to_have_text("2.345 / 2.000 karakter")
        assert box.input_value() == too_long  # kept, to be shortened
        assert tab.user_messages() == []
        session_id = tab.storage("hai.webchat.session")
        assert _tracker_user_events(stack, session_id) == []  # nothing reached the Rasa server

        # user text is shown as text: no element is made from it and nothing in it runs
        markup = '<img src=x onerror="window.haiInjected=1">halo <b>tebal</b>'
        tab.send(markup)
        expect(tab.page.locator(".msg--bot").nth(1)).to_be_attached(timeout=REPLY_MS)  # the reply after the welcome
        assert tab.user_messages() == [f"Anda: {markup}"]
        assert tab.page.locator(".msg--user img, .msg--user b").count() == 0
        assert tab.page.evaluate("window.haiInjected") is None
        stored = json.loads(tab.storage("hai.webchat.history"))
        assert {"from": "user", "text": markup} in stored
        assert tab.errors == []
    finally:
        tab.close()


def test_phone_layout(browser, chat_url):
    tab = ChatTab(browser, chat_url, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2).open()
    try:
        tab.send("halo")
        expect(tab.bot(GREETING)).to_be_visible(timeout=REPLY_MS)
        tab.page.get_by_role("button", name="Lihat menu layanan").click()
        menu = tab.bot(MENU)
        expect(menu).to_be_visible(timeout=REPLY_MS)
        expect(menu.get_by_role("button")).to_have_count(6)
        tab.page.wait_for_timeout(300)  # let the list settle at its end before measuring and drawing
        layout = tab.page.evaluate("""() => ({
            pageWidth: document.documentElement.scrollWidth, pageHeight: document.documentElement.scrollHeight,
            listWidth: document.getElementById('messages').scrollWidth,
            listBox: document.getElementById('messages').clientWidth,
            composerBottom: document.getElementById('composer').getBoundingClientRect().bottom,
            listScrolls: document.getElementById('messages').scrollHeight >
                         document.getElementById('messages').clientHeight})""")
        assert layout["pageWidth"] <= PHONE["width"] and layout["listWidth"] <= layout["listBox"]  # no sideways scroll
        assert layout["pageHeight"] <= PHONE["height"] and layout["listScrolls"]  # the list scrolls, not the page
        assert PHONE["height"] - 40 <= layout["composerBottom"] <= PHONE["height"]  # the input stays at the bottom
        tab.screenshot("webchat-phone.png")
        assert tab.errors == []
    finally:
        tab.close()


def test_unreachable_server_gets_a_friendly_note(browser, chat_url):
    tab = ChatTab(browser, chat_url, PHONE)

    def dead_socket(route):
        config = route.fetch().json()
        route.fulfill(json={**config, "socket_url": f"http://127.0.0.1:{free_port()}"})  # nobody listens

    tab.page.route("**/chat/config", dead_socket)
    try:
        tab.open(connected=False)
        expect(tab.page.locator("#status")).to_have_text("Menghubungkan ulang…", timeout=REPLY_MS)
        expect(tab.notice()).to_contain_text("belum dapat dihubungi")
        expect(tab.notice()).to_contain_text("14090")
        tab.send("halo")
        expect(tab.notice()).to_contain_text("Belum terhubung ke server, pesan belum terkirim")
        assert tab.user_messages() == []
        assert not [e for e in tab.errors if e.startswith("pageerror")]  # refused connections only
    finally:
        tab.close()
