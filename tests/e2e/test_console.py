"""The agent console in a real browser against the real stack: a web-chat user asks for a person, an agent
logs in, finds the request in the queue with its transcript, replies (the reply appears in the user's chat
page through Rasa's socket.io channel), closes it, and adds a knowledge entry that /api/v1/ask then answers.

The API runs as its own process here, on a copy of the knowledge base and a throwaway data folder (it edits
the knowledge base and its index), sharing the stack's app database with the action server (handoffs).
Screenshots: artifacts/screenshots/console_*.png (docs/screenshots/ holds copies from a run).
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from api.keys import create_key
from api.users import create_user
from hai.launcher import build_services, start_services
from hai.processes import stop_all
from hai.settings import ROOT, Settings
from testkit.stack import child_environment
from tests.e2e.test_webchat import DESKTOP, PHONE, REPLY_MS, SCREENSHOTS, ChatTab

pytestmark = pytest.mark.e2e

AGENT, PASSWORD = "agen.e2e", "kata-sandi-e2e-123"
ADMIN = "admin.e2e"
ASK_FOR_AGENT = "saya mau bicara dengan petugas"
REPLY = "Selamat siang, kami petugas Helpdesk HAI DJPb. SP2D Anda sudah kami teruskan ke KPPN."
NEW_QUESTION = "Bagaimana cara mengaktifkan kembali akun e-Rekon yang terkunci?"
NEW_ANSWER = ("Akun e-Rekon yang terkunci dibuka kembali oleh admin Kanwil DJPb setelah operator satker mengirim "
              "permohonan reset melalui layanan HAI.")


@pytest.fixture(scope="module")
def console(stack, tmp_path_factory, console_api_port):
    """(settings of the console's API process, caller API key for /api/v1/ask)."""
    root = tmp_path_factory.mktemp("console")
    kb_dir, data_dir = root / "kb", root / "data"
    shutil.copytree(ROOT / "knowledge" / "kb", kb_dir)
    if (ROOT / "data" / "index").is_dir():  # vectors of the unchanged texts: no full re-embedding at start
        shutil.copytree(ROOT / "data" / "index", data_dir / "index")
    data_dir.mkdir(exist_ok=True)
    settings = stack.settings.model_copy(update={"api_port": console_api_port, "kb_dir": kb_dir})
    api = next(s for s in build_services(settings, stack.model) if s.name == "api")
    api.env.update(child_environment(settings), HAI_DATA_DIR=str(data_dir), HAI_KB_DIR=str(kb_dir))
    # the test's own look-ups (users, keys) go to the same database and key secret as that process
    local = Settings(data_dir=data_dir, app_db_url=settings.app_url)
    create_user(AGENT, PASSWORD, "agent", local)
    key = create_key("e2e-konsol", "caller", local)[1]
    try:
        start_services([api], log=lambda _m: None)
        yield settings, key
    finally:
        stop_all([api])


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def test_agent_answers_a_handoff_in_the_users_chat_then_adds_knowledge(console, browser):
    settings, key = console
    user = ChatTab(browser, f"{settings.api_url}/chat", DESKTOP).open()
    agent_context = browser.new_context(viewport=DESKTOP, locale="id-ID")
    page = agent_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        user.send(ASK_FOR_AGENT)
        queued = user.bot("nomor antrean #")
        expect(queued).to_be_visible(timeout=REPLY_MS)
        # other e2e conversations of this session ask for a person too: this user's request is found by number
        number = re.search(r"nomor antrean #(\d+)", queued.text_content()).group(1)
        in_queue = page.locator("#queue .card", has_text=f"#{number} ·")

        page.goto(f"{settings.api_url}/console")
        expect(page).to_have_url(f"{settings.api_url}/console/login")  # no session: the login page first
        page.get_by_label("Nama pengguna").fill(AGENT)
        page.get_by_label("Kata sandi").fill(PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        expect(page).to_have_url(f"{settings.api_url}/console")
        expect(page.get_by_role("button", name="Admin")).to_be_hidden()  # an agent has no admin tab
        expect(in_queue).to_have_count(1, timeout=REPLY_MS)
        expect(in_queue).to_contain_text(ASK_FOR_AGENT)
        in_queue.get_by_role("button", name="Buka").click()
        expect(page.locator("#transcript")).to_contain_text(ASK_FOR_AGENT)
        expect(page.locator("#transcript .line--bot", has_text="nomor antrean #")).to_have_count(1)  # live

        page.get_by_label("Balasan untuk pengguna").fill(REPLY)
        page.get_by_role("button", name="Kirim balasan").click()
        expect(page.locator("#notice")).to_have_text("Balasan terkirim ke pengguna.", timeout=REPLY_MS)
        expect(page.locator("#transcript .line--agent")).to_contain_text(REPLY)
        shot(page, "console_queue.png")
        expect(user.bot(REPLY)).to_be_visible(timeout=REPLY_MS)  # pushed to the user's socket.io room
        user.screenshot("console_user_reply.png")

        page.get_by_role("button", name="Tutup permintaan").click()
        expect(page.locator("#notice")).to_contain_text("ditutup")
        expect(in_queue).to_have_count(0)

        page.get_by_role("button", name="Basis pengetahuan").click()
        page.get_by_role("button", name="Entri baru").click()
        page.get_by_label("Kategori", exact=True).fill("rekonsiliasi_lk")
        page.get_by_label("Id entri (kosongkan untuk dibuatkan)").fill("e2e-erekon-akun-terkunci")
        page.get_by_label("Pertanyaan", exact=True).fill(NEW_QUESTION)
        page.get_by_label("Jawaban").fill(NEW_ANSWER)
        page.get_by_label("Variasi pertanyaan (satu per baris)").fill(
            "akun e-rekon terkunci\nlupa password e-rekon, akun terblokir\nreset akun e-rekon gmn")
        shot(page, "console_entry_form.png")
        page.get_by_role("button", name="Simpan entri").click()
        expect(page.locator("#notice")).to_contain_text("e2e-erekon-akun-terkunci disimpan", timeout=REPLY_MS)
        answer = httpx.post(f"{settings.api_url}/api/v1/ask", json={"question": "akun e-rekon saya terkunci"},
                            headers={"X-API-Key": key}, timeout=60).json()
        assert answer["answer"]["entry_id"] == "e2e-erekon-akun-terkunci", answer

        page.set_viewport_size(PHONE)
        page.get_by_role("button", name="Antrean").click()
        page.wait_for_timeout(300)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll
        shot(page, "console_phone.png")
        assert errors == [] and not [e for e in user.errors if "pageerror" in e]
    finally:
        user.close()
        agent_context.close()


def test_admin_sees_the_admin_tab_and_makes_a_key_shown_once(console, browser):
    settings, _ = console
    create_user(ADMIN, PASSWORD, "admin", Settings(app_db_url=settings.app_url))
    context = browser.new_context(viewport=DESKTOP, locale="id-ID")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{settings.api_url}/console/login")
        page.get_by_label("Nama pengguna").fill(ADMIN)
        page.get_by_label("Kata sandi").fill(PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        expect(page).to_have_url(f"{settings.api_url}/console")
        page.get_by_role("button", name="Admin").click()
        expect(page.locator("#users .card", has_text=AGENT)).to_have_count(1)
        page.get_by_label("Pemakai kunci").fill("e2e-portal-satker")
        page.get_by_role("button", name="Buat kunci").click()
        key = page.locator("#new-key-value")
        expect(key).to_have_value(re.compile(r"^hai_.{40,}$"), timeout=REPLY_MS)
        expect(page.locator("#keys .card", has_text="e2e-portal-satker")).to_have_count(1)
        shot(page, "console_admin.png")
        answer = httpx.post(f"{settings.api_url}/api/v1/ask", json={"question": "cara revisi dipa"},
                            headers={"X-API-Key": key.input_value()}, timeout=60)
        assert answer.status_code == 200, answer.text
        assert errors == []
    finally:
        context.close()
