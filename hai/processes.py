"""Child processes of the service: start, health-check, stop (process groups, SIGTERM then SIGKILL)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
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


@dataclass
class Service:
    name: str
    cmd: list[str]
    port: int
    health_url: str
    log_file: Path
    env: dict[str, str] = field(default_factory=dict)
    start_timeout_s: float = 120.0
    _proc: subprocess.Popen | None = field(default=None, init=False, repr=False)

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
            if http_ok(self.health_url):
                return
            time.sleep(0.5)
        raise ServiceError(f"{self.name} did not answer {self.health_url.split('?')[0]} within {self.start_timeout_s:.0f} s; "
                           f"see {self.log_file}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

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


def stop_all(services: list[Service]) -> None:
    """Stop in reverse start order, so the Rasa server goes before the action server it calls."""
    for service in reversed(services):
        service.stop()
