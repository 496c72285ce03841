"""The real stack for end-to-end tests: the trained Rasa model, the Rasa server and the action server,
started once per test session by ``testkit.stack.running_stack`` (free ports, its own SQLite tracker store)."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from hai.launcher import RASA_BIN
from testkit.stack import RunningStack, free_port, running_stack

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package (scripts/ensure_deb.sh)


class Stack(RunningStack):
    def say(self, sender: str, text: str, timeout: float = 60.0) -> list[dict]:
        resp = httpx.post(f"{self.settings.rasa_url}/webhooks/rest/webhook",
                          json={"sender": sender, "message": text}, timeout=timeout)
        resp.raise_for_status()
        return resp.json()

    def texts(self, sender: str, text: str) -> list[str]:
        return [m.get("text", "") for m in self.say(sender, text)]


@pytest.fixture(scope="session")
def widget_site() -> str:
    """The one other site allowed to embed the chat widget (tests/e2e/test_widget.py serves a page there)."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def console_api_port() -> int:
    """Port of the second API process that tests/e2e/test_console.py starts with its own knowledge base; its
    pages are the assistant's own too, so the socket.io server must accept them."""
    return free_port()


@pytest.fixture(scope="session")
def stack(tmp_path_factory, widget_site, console_api_port) -> Stack:
    if not RASA_BIN.exists():
        pytest.fail(f"{RASA_BIN} is missing: run `make install` (make test does it)")
    allowed = f"{widget_site},http://127.0.0.1:{console_api_port}"
    with running_stack(data_dir=tmp_path_factory.mktemp("hai-data"), widget_origins=allowed) as running:
        yield Stack(running.settings, running.services, running.model)


@pytest.fixture(scope="module")
def browser() -> Browser:
    """Headless Debian Chromium driven by Playwright (its own browser downloads are never used)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run make browser (make test does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()
