"""Child processes of the service: start, health-check, stop (process groups, SIGTERM then SIGKILL)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


class ServiceError(RuntimeError):
    """A child process failed to start or to become healthy."""


class PortInUseError(ServiceError):
    pass


def check_ports_free(host: str, ports: list[tuple[int, str]]) -> None:
    """Raise ``PortInUseError`` naming the port and the variable that changes it."""
    for port, var in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                raise PortInUseError(
                    f"port {port} on {host} is already in use; stop the process holding it "
                    f"or choose another port with {var}=<port>"
                ) from None


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback URL from settings
            return 200 <= resp.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


RESTART_FIRST_S = 1.0  # a supervised worker that exits is started again after 1 s, 2 s, 4 s ...
RESTART_CAP_S = 60.0  # ... at most a minute apart
RESTART_RESET_AFTER_S = 60.0  # a worker that ran this long before exiting starts over at RESTART_FIRST_S
_SETTLE_S = 1.0  # a process without a health check counts as started once it has lived this long


@dataclass
class Service:
    """One child process. A server has a ``port`` and a ``health_url``; a worker has neither and is healthy
    while it runs. ``restart``: started again when it exits (see :meth:`schedule_restart`) instead of
    stopping the whole service."""

    name: str
    cmd: list[str]
    port: int | None
    health_url: str | None
    log_file: Path
    env: dict[str, str] = field(default_factory=dict)
    start_timeout_s: float = 120.0
    restart: bool = False
    _proc: subprocess.Popen | None = field(default=None, init=False, repr=False)
    _started_at: float = field(default=0.0, init=False, repr=False)
    _restart_delay_s: float = field(default=RESTART_FIRST_S, init=False, repr=False)
    _restart_at: float | None = field(default=None, init=False, repr=False)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc else None

    def start(self, cwd: Path) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_file, "ab")  # noqa: SIM115 - handed to the child, closed in stop()
        log.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {self.name}\n".encode())
        log.flush()
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        try:
            self._proc = subprocess.Popen(
                self.cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        except OSError as exc:
            log.close()
            raise ServiceError(f"{self.name}: cannot execute {self.cmd[0]}: {exc}") from exc
        self._log = log
        self._started_at = time.monotonic()

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def wait_healthy(self, others: list["Service"] = ()) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            for svc in [self, *others]:
                if svc._proc is not None and not svc.alive():
                    raise ServiceError(
                        f"{svc.name} exited with code {svc.returncode} while starting; "
                        f"see {svc.log_file}:\n{svc.log_tail()}"
                    )
            if self.health_url is None:
                if time.monotonic() - self._started_at >= _SETTLE_S:
                    return
            elif http_ok(self.health_url):
                return
            time.sleep(0.5)
        raise ServiceError(f"{self.name} did not answer {(self.health_url or '').split('?')[0]} within "
                           f"{self.start_timeout_s:.0f} s; see {self.log_file}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    @property
    def restart_pending(self) -> bool:
        return self._restart_at is not None

    def schedule_restart(self, now: float | None = None) -> float:
        """For a ``restart`` service that has exited: seconds until :meth:`restart_if_due` starts it again.

        The wait doubles from ``RESTART_FIRST_S`` up to ``RESTART_CAP_S`` while the worker keeps dying soon
        after its start, and starts over once it had run ``RESTART_RESET_AFTER_S`` before exiting."""
        now = time.monotonic() if now is None else now
        if now - self._started_at >= RESTART_RESET_AFTER_S:
            self._restart_delay_s = RESTART_FIRST_S
        delay = self._restart_delay_s
        self._restart_at = now + delay
        self._restart_delay_s = min(delay * 2, RESTART_CAP_S)
        return delay

    def restart_if_due(self, cwd: Path, now: float | None = None) -> bool:
        """Start the exited service again once its scheduled time has come; True when it was started."""
        now = time.monotonic() if now is None else now
        if self._restart_at is None or now < self._restart_at or self.alive():
            return False
        self._restart_at = None
        self.stop()  # reaps the old process and closes its log file
        self.start(cwd)
        return True

    def kill(self) -> None:
        """SIGKILL the process group at once, as a crash would (tests); the process is reaped."""
        if self._proc is not None and self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._proc.wait(timeout=5)

    def stop(self, timeout_s: float = 15.0) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self._proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self._proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self._proc.wait(timeout=5)
        log = getattr(self, "_log", None)
        if log is not None:
            log.close()
            self._log = None


def supervise(services: list[Service], cwd: Path,
              log=lambda line: print(line, file=sys.stderr)) -> list[Service]:
    """One look at the running services: a ``restart`` worker that exited is scheduled to start again, and
    started once its time has come. Returns the others that exited (the caller then stops everything)."""
    fatal = []
    for service in services:
        if service.alive():
            continue
        if not service.restart:
            fatal.append(service)
        elif not service.restart_pending:
            delay = service.schedule_restart()
            log(f"[hai] {service.name} exited (code {service.returncode}); starting it again in "
                f"{delay:.0f} s; last log lines:\n{service.log_tail(5)}")
        else:
            try:
                if service.restart_if_due(cwd):
                    log(f"[hai] {service.name} started again (pid {service.pid})")
            except ServiceError as exc:  # scheduled again on the next look
                log(f"[hai] {exc}")
    return fatal


def stop_all(services: list[Service]) -> None:
    """Stop in reverse start order, so the Rasa server goes before the action server it calls."""
    for service in reversed(services):
        service.stop()
