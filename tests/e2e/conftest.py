"""The real stack for end-to-end tests: the trained Rasa model, the Rasa server and the action server.

Started once per test session on free ports with a temporary data folder (its own SQLite tracker store),
so a developer's running instance is untouched. The model cache (models/) is shared with `make run`.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hai.launcher import RASA_BIN, build_services, start_services
from hai.processes import Service, stop_all
from hai.rasa_model import ensure_model
from hai.settings import Settings

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    settings: Settings
    services: dict[str, Service]
    model: Path

    def say(self, sender: str, text: str, timeout: float = 60.0) -> list[dict]:
        resp = httpx.post(f"{self.settings.rasa_url}/webhooks/rest/webhook",
                          json={"sender": sender, "message": text}, timeout=timeout)
        resp.raise_for_status()
        return resp.json()

    def texts(self, sender: str, text: str) -> list[str]:
        return [m.get("text", "") for m in self.say(sender, text)]

    def restart(self, name: str) -> None:
        svc = self.services[name]
        svc.stop()
        start_services([svc], log=lambda _m: None)


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    if not RASA_BIN.exists():
        pytest.fail(f"{RASA_BIN} is missing: run `make install` (make test does it)")
    data = tmp_path_factory.mktemp("hai-data")
    settings = Settings(
        rasa_port=free_port(), action_port=free_port(), api_port=free_port(), data_dir=data,
    )
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    model = ensure_model(settings, RASA_BIN, log=print)
    services = {s.name: s for s in build_services(settings, model) if s.name in ("rasa", "actions")}
    try:
        start_services(list(services.values()), log=print)
    except Exception:
        stop_all(list(services.values()))
        raise
    yield Stack(settings, services, model)
    stop_all(list(services.values()))
