"""The real Rasa server and action server on free ports with a throwaway data folder.

For the end-to-end tests and the conversation benchmarks: a developer's running instance (default ports,
data/) is untouched, while the trained-model cache (models/) is shared with `make run`.
"""
from __future__ import annotations

import contextlib
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hai.launcher import RASA_BIN, build_services, start_services
from hai.processes import Service, stop_all
from hai.rasa_model import ensure_model
from hai.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningStack:
    settings: Settings
    services: dict[str, Service]
    model: Path

    def restart(self, name: str) -> None:
        svc = self.services[name]
        svc.stop()
        start_services([svc], log=lambda _m: None)


@contextlib.contextmanager
def running_stack(names: tuple[str, ...] = ("rasa", "actions"), data_dir: Path | None = None,
                  log=print) -> Iterator[RunningStack]:
    """Train the model if needed, start ``names`` and yield; everything is stopped on exit."""
    with contextlib.ExitStack() as cleanup:
        if data_dir is None:
            data_dir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="hai-stack-")))
        settings = Settings(rasa_port=free_port(), action_port=free_port(), api_port=free_port(),
                            data_dir=data_dir)
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        model = ensure_model(settings, RASA_BIN, log=log)
        services = {s.name: s for s in build_services(settings, model) if s.name in names}
        cleanup.callback(stop_all, list(services.values()))
        start_services(list(services.values()), log=log)
        yield RunningStack(settings, services, model)
