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
from typing import Any

from hai.launcher import RASA_BIN, build_services, start_services
from hai.processes import Service, stop_all
from hai.rasa_model import ensure_model
from hai.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_environment(settings: Settings) -> dict[str, str]:
    """``HAI_*`` variables that make every child process see the stack's ports, databases and overrides.

    The data folder itself is not passed on: the action server and the API keep the repository's data/
    for the knowledge index, the tuned model and the charts (rebuilding those per run would be slow), while
    the databases (tracker, app) and the Rasa API token live in the stack's throwaway folder.
    """
    env = {f"HAI_{name.upper()}": str(getattr(settings, name)) for name in settings.model_fields_set
           if name != "data_dir" and getattr(settings, name) is not None}
    env.update(HAI_HOST=settings.host, HAI_RASA_PORT=str(settings.rasa_port),
               HAI_ACTION_PORT=str(settings.action_port), HAI_API_PORT=str(settings.api_port),
               HAI_APP_DB_URL=settings.app_url, HAI_RASA_TOKEN=settings.rasa_api_token())
    return env


@dataclass
class RunningStack:
    settings: Settings
    services: dict[str, Service]
    model: Path

    def restart(self, name: str, hard: bool = False) -> None:
        """Stop one process (SIGTERM and wait; with ``hard`` SIGKILL, as a crash would) and start it
        again."""
        svc = self.services[name]
        if hard:
            svc.kill()
        svc.stop()
        start_services([svc], log=lambda _m: None)

    def start(self, name: str) -> Service:
        """Start one more process of the stack (e.g. "api" for the web chat) unless it already runs.

        It is stopped with the rest when the ``running_stack`` block ends.
        """
        if name not in self.services:
            svc = next(s for s in build_services(self.settings, self.model) if s.name == name)
            svc.env.update(child_environment(self.settings))
            self.services[name] = svc  # registered first: a half-started process is stopped too
            start_services([svc], log=lambda _m: None)
        return self.services[name]


@contextlib.contextmanager
def running_stack(names: tuple[str, ...] = ("rasa", "actions"), data_dir: Path | None = None,
                  log=print, **overrides: Any) -> Iterator[RunningStack]:
    """Train the model if needed, start ``names`` and yield; everything is stopped on exit.

    ``overrides`` are further ``Settings`` fields, e.g. ``telegram_token=..., telegram_api_base=...``.
    """
    with contextlib.ExitStack() as cleanup:
        if data_dir is None:
            data_dir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="hai-stack-")))
        settings = Settings(**{"rasa_port": free_port(), "action_port": free_port(),
                               "api_port": free_port(), "data_dir": data_dir, **overrides})
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        model = ensure_model(settings, RASA_BIN, log=log)
        services = {s.name: s for s in build_services(settings, model) if s.name in names}
        for service in services.values():
            service.env.update(child_environment(settings))
        # reads the dict at exit, so processes added by RunningStack.start are stopped as well
        cleanup.callback(lambda: stop_all(list(services.values())))
        start_services(list(services.values()), log=log)
        yield RunningStack(settings, services, model)


def free_port_run(count: int, low: int = 20000, high: int = 60000) -> int:
    """The first of ``count`` consecutive free loopback ports (replicas listen on base + i)."""
    import random

    for _ in range(200):
        base = random.randrange(low, high - count)
        try:
            holders = []
            for port in range(base, base + count):
                s = socket.socket()
                holders.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in holders:
                s.close()
    raise RuntimeError(f"no {count} consecutive free ports")


@dataclass
class RunningCluster:
    settings: Settings  # the cluster's settings (databases, Redis, the balancer's ports)
    services: dict[str, Service]

    @property
    def lb_url(self) -> str:
        return f"http://{self.settings.host}:{self.settings.lb_port}"

    def rasa_url(self, number: int) -> str:
        """Address of Rasa server ``number`` (from 1), bypassing the balancer."""
        return f"http://{self.settings.host}:{self.settings.rasa_port + number - 1}"

    def api_url(self, number: int) -> str:
        return f"http://{self.settings.host}:{self.settings.api_port + number - 1}"


@contextlib.contextmanager
def running_cluster(data_dir: Path | None = None, log=print, **overrides: Any) -> Iterator[RunningCluster]:
    """``make run-cluster`` on free loopback ports with a throwaway data folder (PostgreSQL and Redis data
    in it); everything is stopped on exit. ``overrides``: further ``Settings`` fields (cluster sizes ...)."""
    from hai.cluster import Cluster

    with contextlib.ExitStack() as cleanup:
        if data_dir is None:
            data_dir = Path(tempfile.mkdtemp(prefix="hai-cluster-"))
            cleanup.callback(lambda: __import__("shutil").rmtree(data_dir, ignore_errors=True))
        data_dir.chmod(0o755)  # PostgreSQL runs as its own user and must reach its folder
        sizes = {k: overrides.get(k, Settings.model_fields[k].default)
                 for k in ("cluster_rasa", "cluster_actions", "cluster_api")}
        ports = {"rasa_port": free_port_run(sizes["cluster_rasa"]),
                 "action_port": free_port_run(sizes["cluster_actions"]),
                 "api_port": free_port_run(sizes["cluster_api"]), "lb_port": free_port(),
                 "lb_action_port": free_port(), "postgres_port": free_port(), "redis_port": free_port()}
        plan = Cluster(Settings(**{**ports, "data_dir": data_dir, **overrides}))
        plan.settings.log_dir.mkdir(parents=True, exist_ok=True)
        services: list[Service] = []
        cleanup.callback(lambda: stop_all(services))
        for group in plan.stages():
            running = list(services)
            services += group
            start_services(group, log=log, running=running)
        yield RunningCluster(plan.settings, {s.name: s for s in services})
