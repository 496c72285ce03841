"""Start the real Rasa server and action server for a benchmark, on free ports with a throwaway data dir."""
from __future__ import annotations

import contextlib
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hai.launcher import RASA_BIN, build_services, start_services
from hai.processes import stop_all
from hai.rasa_model import ensure_model
from hai.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_stack(names: tuple[str, ...] = ("rasa", "actions")) -> Iterator[Settings]:
    with tempfile.TemporaryDirectory(prefix="hai-bench-") as tmp:
        settings = Settings(rasa_port=free_port(), action_port=free_port(), api_port=free_port(),
                            data_dir=Path(tmp))
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        model = ensure_model(settings, RASA_BIN, log=print)
        services = [s for s in build_services(settings, model) if s.name in names]
        try:
            start_services(services, log=print)
            yield settings
        finally:
            stop_all(services)
