"""Start the whole service: train what is stale, start Rasa, the action server and the API, stop them cleanly.

    python -m hai.launcher run      # what `make run` calls
    python -m hai.launcher run-cluster   # `make run-cluster`: replicas on PostgreSQL, Redis, nginx (hai/cluster.py)
    python -m hai.launcher serve rasa    # one process in the foreground (a container: deploy/docker-compose.yml)
    python -m hai.launcher train    # train the Rasa model only if its inputs changed
    python -m hai.launcher check    # print the settings and whether the ports are free

Every port, URL and path comes from ``hai.settings``. The Rasa server runs from its own environment
(``.venv/rasa``, Rasa 3.6.21 and TensorFlow 2.12); everything else from ``.venv/app``. With
HAI_TELEGRAM_MODE=polling and a bot token, a fourth process fetches Telegram updates
(``channels/telegram_polling.py``). Every child is supervised (``hai.processes.supervise``): one that dies
is started again after a growing wait while the others keep serving; more than ``RESTART_LIMIT`` restarts
of one child within ``RESTART_WINDOW_S`` stops everything with exit code 1. The children's process groups
are recorded in ``data/runtime/children.json``; a start stops what a killed launcher left running there.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from hai.processes import (
    PortInUseError,
    Service,
    ServiceError,
    check_ports_free,
    remove_pid_file,
    stop_all,
    stop_stale_groups,
    supervise,
    write_pid_file,
)
from hai.rasa_model import ModelError, ensure_model
from hai.settings import ROOT, Settings, get_settings

RASA_BIN = ROOT / ".venv" / "rasa" / "bin" / "rasa"
RASA_PYTHON = ROOT / ".venv" / "rasa" / "bin" / "python"
APP_PYTHON = ROOT / ".venv" / "app" / "bin" / "python"


def pid_file(settings: Settings) -> Path:
    """Where a run records its children's process groups (see ``hai.processes.write_pid_file``)."""
    return settings.runtime_dir / "children.json"


def service_ports(settings: Settings) -> list[tuple[int, str]]:
    """Each process's port with the variable that changes it (for the messages when a port is taken)."""
    return [(settings.rasa_port, "HAI_RASA_PORT"), (settings.action_port, "HAI_ACTION_PORT"),
            (settings.api_port, "HAI_API_PORT")]


def rasa_environment(settings: Settings) -> dict[str, str]:
    """Environment variables that endpoints.yml and credentials.yml read (``${...}``)."""
    return {
        "HAI_ACTION_ENDPOINT_URL": settings.action_url,
        "HAI_TRACKER_STORE_URL": settings.tracker_url,
        "HAI_TELEGRAM_TOKEN": settings.telegram_token,
        "HAI_TELEGRAM_WEBHOOK_URL": settings.telegram_webhook_url,
        "HAI_TELEGRAM_BOT_NAME": settings.telegram_bot_name,
        "HAI_TELEGRAM_API_BASE": settings.telegram_api_base,
        "HAI_TELEGRAM_MODE": settings.telegram_mode,
        # Long button payloads of the Telegram channel (channels/telegram_core.py CallbackPayloads).
        "HAI_TELEGRAM_STATE_DB": str(settings.data_dir / "telegram_state.db"),
        # Browser origins the socket.io channel accepts (channels/socketio.py): own pages + widget sites.
        "HAI_SOCKET_ALLOWED_ORIGINS": ",".join(settings.socket_allowed_origins),
        # socket.io messages through Redis between Rasa servers (channels/socketio.py); empty on one host
        "HAI_REDIS_URL": settings.redis_url,
        "HAI_LOCK_STORE_PASSWORD": urlsplit(settings.redis_url).password or "",
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONWARNINGS": "ignore",
        # channels/ (custom input channels) and hai/messages.py are imported by the Rasa server.
        "PYTHONPATH": str(ROOT),
    }


def credentials_file(settings: Settings) -> Path:
    """credentials.yml as is, or a runtime copy with the Telegram channel when a token is configured."""
    base = ROOT / "credentials.yml"
    if not settings.telegram_token:
        return base
    runtime = settings.runtime_dir
    runtime.mkdir(parents=True, exist_ok=True)
    target = runtime / "credentials.yml"
    target.write_text(
        base.read_text(encoding="utf-8")
        + "\nchannels.telegram.HaiTelegramInput:\n"
        + '  access_token: ${HAI_TELEGRAM_TOKEN}\n'
        + '  verify: ${HAI_TELEGRAM_BOT_NAME}\n'
        + '  webhook_url: ${HAI_TELEGRAM_WEBHOOK_URL}\n'
        + '  api_base: ${HAI_TELEGRAM_API_BASE}\n'
        + '  state_db: ${HAI_TELEGRAM_STATE_DB}\n'
        + '  mode: ${HAI_TELEGRAM_MODE}\n',
        encoding="utf-8",
    )
    return target


def endpoints_file(settings: Settings) -> Path:
    """endpoints.yml as is, or a runtime copy with Rasa's Redis lock store when HAI_REDIS_URL is set: several
    Rasa servers then take turns on a conversation (one message at a time, in the order they came)."""
    base = ROOT / "endpoints.yml"
    if not settings.redis_url:
        return base
    redis = urlsplit(settings.redis_url)
    db = redis.path.strip("/") or "0"
    target = settings.runtime_dir / "endpoints.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = (base.read_text(encoding="utf-8")
            + "\n# One conversation at a time across every Rasa server (HAI_REDIS_URL).\n"
            + "lock_store:\n  type: redis\n"
            + f"  url: {redis.hostname or '127.0.0.1'}\n  port: {redis.port or 6379}\n  db: {int(db)}\n"
            + "  key_prefix: hai\n")
    if redis.password:
        text += "  password: ${HAI_LOCK_STORE_PASSWORD}\n"
    tmp = target.with_suffix(".tmp")  # replicas of one data folder write the same file
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target


def build_services(settings: Settings, model_path: Path) -> list[Service]:
    logs = settings.log_dir
    app_env = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
               # read by knowledge.embeddings in every process that embeds (also when set in .env)
               "HAI_EMBEDDING_BACKEND": settings.embedding_backend,
               "HAI_QUERY_CACHE_SIZE": str(settings.query_cache_size)}
    rasa = Service(
        name="rasa",
        port=settings.rasa_port,
        # `rasa run` with Sanic 21.12's websockets fixed for Python 3.11 (socket.io's websocket transport).
        cmd=[
            str(RASA_PYTHON), "-m", "channels.sanic_compat", "run",
            "--model", str(model_path),
            "--enable-api", f"--auth-token={settings.rasa_api_token()}", "--cors", "*",  # "=": a token may start with "-"
            "--endpoints", str(endpoints_file(settings)),
            "--credentials", str(credentials_file(settings)),
            "--interface", settings.host,
            "--port", str(settings.rasa_port),
            "--response-timeout", "60",
        ],
        health_url=f"http://{settings.host}:{settings.rasa_port}/status?token={settings.rasa_api_token()}",
        env=rasa_environment(settings),
        log_file=logs / "rasa.log",
        start_timeout_s=240,
        restart=True,
    )
    actions = Service(
        name="actions",
        port=settings.action_port,
        cmd=[str(APP_PYTHON), "-m", "rasa_sdk", "--actions", "actions", "--port", str(settings.action_port)],
        health_url=f"http://{settings.host}:{settings.action_port}/health",
        env={**app_env, "SANIC_HOST": settings.host, "ACTION_SERVER_SANIC_WORKERS": "1"},
        log_file=logs / "actions.log",
        start_timeout_s=120,
        restart=True,
    )
    api = Service(
        name="api",
        port=settings.api_port,
        cmd=[
            str(APP_PYTHON), "-m", "uvicorn", "api.main:app",
            "--host", settings.host, "--port", str(settings.api_port), "--log-level", "warning",
        ],
        health_url=f"{settings.api_url}/api/v1/health/live",
        env=app_env,
        log_file=logs / "api.log",
        start_timeout_s=120,
        restart=True,
    )
    services = [actions, api, rasa]
    if settings.embedding_tuned == "auto":
        # Tunes the embedding model when none was built for this knowledge base (or enough of it changed),
        # at the lowest CPU priority; actions and api swap the tuned model in when it is recorded.
        services.append(Service(
            name="tuner",
            port=None,
            health_url=None,  # a worker: healthy while it runs
            cmd=[str(APP_PYTHON), "-m", "knowledge", "autotune"],
            env=app_env,
            log_file=logs / "tuner.log",
            restart=True,
        ))
    if settings.telegram_polling:
        services.append(Service(
            name="telegram-poller",
            port=None,
            health_url=None,  # a worker: healthy while it runs
            cmd=[str(APP_PYTHON), "-m", "channels.telegram_polling"],
            env={"PYTHONPATH": str(ROOT)},
            log_file=logs / "telegram-poller.log",
            restart=True,
        ))
    return services


def start_services(services: list[Service], log=print, pids: Path | None = None,
                   running: list[Service] = ()) -> None:
    """Start all, then wait for each health check; a child that dies while starting fails the start.
    ``pids``: the pid file, rewritten after each start; ``running``: children started before (recorded in it
    too, and a death of one of them fails the start as well)."""
    everyone = [*running, *services]
    for service in services:
        service.start(cwd=ROOT)
        if pids is not None:
            write_pid_file(pids, everyone)
        log(f"[hai] started {service.name} (pid {service.pid}), log: {service.log_file}")
    for service in services:
        service.wait_healthy(others=everyone)
        log(f"[hai] {service.name} is healthy on port {service.port}" if service.port is not None
            else f"[hai] {service.name} is running")


def prepare(settings: Settings) -> Path:
    """Everything a start needs that can be built ahead: folders and the Rasa model."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    return ensure_model(settings, RASA_BIN, log=print)


class _Stop(Exception):
    """SIGTERM while starting: stop what was started."""


def _raise_stop(_signum, _frame):
    raise _Stop


class SingleHost:
    """What `make run` starts: one process of each kind on SQLite (the default). ``hai.cluster.Cluster`` is
    the other plan: replicas on PostgreSQL and Redis behind nginx. A plan names its ports, yields the groups
    of services to start one after the other (each group healthy before the next is built), and says where
    to find the running service."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def ports(self) -> list[tuple[int, str]]:
        return service_ports(self.settings)

    def stages(self) -> Iterator[list[Service]]:
        yield build_services(self.settings, prepare(self.settings))

    def banner(self) -> list[str]:
        settings = self.settings
        lines = [f"Rasa REST:   {settings.rasa_url}/webhooks/rest/webhook"]
        if (ROOT / "api" / "static" / "chat.html").exists():
            lines.append(f"Web chat:    {settings.api_url}/chat")
        lines.append(f"API docs:    {settings.api_url}/docs")
        if settings.telegram_polling:
            lines.append(f"Telegram:    polling {settings.telegram_api_base} (getUpdates)")
        return lines


def run(settings: Settings, plan=None) -> int:
    """Start what ``plan`` names (default: :class:`SingleHost`), supervise it until Ctrl-C or SIGTERM, stop it."""
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        return _run(settings, plan or SingleHost(settings))
    finally:  # as they were (tests call run in their own process)
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])


def _run(settings: Settings, plan) -> int:
    started_at = time.monotonic()
    services: list[Service] = []
    pids = pid_file(settings)
    # Until the supervision loop runs, Ctrl-C (KeyboardInterrupt) and SIGTERM (_Stop) abort the start and
    # stop what was started.
    signal.signal(signal.SIGTERM, _raise_stop)
    try:
        stop_stale_groups(pids, log=lambda line: print(line, file=sys.stderr))
        check_ports_free(settings.host, plan.ports())
        for group in plan.stages():
            running = list(services)
            services += group  # first: a half-started group is stopped too
            start_services(group, pids=pids, running=running)
    except (PortInUseError, ModelError, ServiceError) as exc:
        print(f"[hai] cannot start: {exc}", file=sys.stderr)
        _shutdown(services, pids)
        return 2
    except (KeyboardInterrupt, _Stop):
        print("[hai] interrupted while starting; stopping ...", file=sys.stderr)
        _shutdown(services, pids)
        return 130

    print(f"[hai] ready in {time.monotonic() - started_at:.1f} s")
    for line in plan.banner():
        print(f"[hai]   {line}")
    print("[hai] press Ctrl-C to stop")

    stopping = {"flag": False}

    def _stop(signum, _frame):
        stopping["flag"] = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    exit_code = 0
    try:
        while not stopping["flag"]:
            fatal = supervise(services, ROOT, pid_file=pids)
            if fatal:
                for s in fatal:
                    if not s.gave_up:  # a given-up one was reported by supervise, with its last lines
                        print(f"[hai] {s.name} exited unexpectedly (code {s.returncode}); last log lines:\n"
                              f"{s.log_tail()}", file=sys.stderr)
                print("[hai] giving up: stopping every process of the service", file=sys.stderr)
                exit_code = 1
                break
            time.sleep(0.5)
    finally:
        print("[hai] stopping ...")
        _shutdown(services, pids)
        print("[hai] stopped")
    return exit_code


def _shutdown(services: list[Service], pids: Path) -> None:
    """Stop every child with its whole process group, then forget the pid file."""
    stop_all(services)
    remove_pid_file(pids)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hai.launcher", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run", "run-cluster", "serve", "train", "check"])
    parser.add_argument("name", nargs="?", help="serve: the one process to run in the foreground "
                                                "(rasa, actions, api), e.g. as a container's command")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    try:
        settings = get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            field = "HAI_" + "_".join(str(part) for part in error["loc"]).upper()
            print(f"[hai] bad setting {field}: {error['msg']}", file=sys.stderr)
        return 2
    if args.command == "run":
        return run(settings)
    if args.command == "run-cluster":
        from hai.cluster import Cluster

        return run(settings, Cluster(settings))
    if args.command == "serve":  # one process, no supervision: a container runtime restarts it
        model = prepare(settings) if args.name == "rasa" else settings.model_dir
        chosen = [s for s in build_services(settings, model) if s.name == args.name]
        if not chosen:
            print(f"[hai] serve: unknown process {args.name!r} (rasa, actions, api)", file=sys.stderr)
            return 2
        os.execvpe(chosen[0].cmd[0], chosen[0].cmd, {**os.environ, **chosen[0].env, "PYTHONUNBUFFERED": "1"})
    if args.command == "train":
        try:
            print(prepare(settings))
        except ModelError as exc:
            print(f"[hai] training failed: {exc}", file=sys.stderr)
            return 2
        return 0
    for key, value in settings.model_dump().items():
        if "token" in key and value:
            value = "***"
        print(f"{key} = {value}")
    try:
        check_ports_free(settings.host, service_ports(settings))
        print("ports: free")
    except PortInUseError as exc:
        print(f"ports: {exc}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
