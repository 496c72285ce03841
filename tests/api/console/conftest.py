"""Set-up of the console tests: each test module has its own data folder and copy of the small knowledge base
(the tests edit them), an app whose Rasa client is a fake Rasa HTTP API (httpx MockTransport), a logged-in
agent and a caller key. The admin tests (test_admin.py) run on the session's app instead.
"""
from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from api.keys import create_key
from api.main import create_app
from api.users import create_user
from tests.api.conftest import write_kb

PASSWORD = "kata-sandi-uji-123"


class FakeRasa:
    """Records what the console sends to the Rasa HTTP API; answers ``status``, a conversation's tracker
    from ``trackers`` (sender id -> events), or cannot be reached at all while ``down``."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.status = 200
        self.trackers: dict[str, list[dict]] = {}
        self.down = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("Connection refused", request=request)
        if request.method == "GET" and request.url.path.endswith("/tracker"):
            sender = request.url.path.split("/")[2]
            return httpx.Response(self.status, json={"sender_id": sender, "events": self.trackers.get(sender, [])})
        return httpx.Response(self.status, json={"events": []})


@pytest.fixture(scope="module")
def settings(api_settings, tmp_path_factory):
    root = tmp_path_factory.mktemp("console")
    return api_settings.model_copy(update={"data_dir": root / "data", "kb_dir": write_kb(root / "kb")})


@pytest.fixture(scope="module")
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture(scope="module")
def app(settings, rasa):
    app = create_app(settings)
    app.state.rasa_client = httpx.AsyncClient(transport=httpx.MockTransport(rasa))
    return app


@pytest.fixture(scope="module")
def anon(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def agent(app, settings, anon):
    """A logged-in agent: cookie in the client, the CSRF token on every request."""
    create_user("agen.satu", PASSWORD, "agent", settings)
    c = TestClient(app, raise_server_exceptions=False)  # no second lifespan: ``anon`` runs the app's
    r = c.post("/api/v1/console/login", json={"username": "agen.satu", "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c


@pytest.fixture(scope="module")
def key(settings) -> dict[str, str]:
    return {"X-API-Key": create_key("uji-konsol", "caller", settings)[1]}


def ask(anon, key, question: str) -> dict:
    body = anon.post("/api/v1/ask", json={"question": question}, headers=key).json()
    body.pop("elapsed_ms")
    body.pop("answer_id")  # a new one for every answer given
    return body
