"""Child processes of the service: start, health-check, supervise, stop.

Each child runs in its own session and process group (the group id is the child's pid). Stopping a child
signals its whole group and session, also when the child itself is already dead, and waits until no process
of it is left (SIGTERM, then SIGKILL): a server's worker processes (Sanic's, uvicorn's) never outlive it
holding its port. A child that dies is started again by :func:`supervise` after a growing wait
(``RESTART_FIRST_S`` doubling up to ``RESTART_CAP_S``); more than ``RESTART_LIMIT`` restarts of one child
within ``RESTART_WINDOW_S`` is given up, and the caller stops everything. The groups of a run are recorded
in a pid file (:func:`write_pid_file`) so that the next run can stop what a killed launcher left behind
(:func:`stop_stale_groups`), checking each process's command line first."""
from __future__ import annotations

import json
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
                holder = port_holder(port)
                if holder is None:
                    who = "stop the process holding it"
                else:
                    pid, pgid, command = holder
                    who = (f"it is held by pid {pid} ({command[:200]}): stop it with `kill {pid}` "
                           f"(`kill -- -{pgid}` for its whole process group, e.g. what a killed `make run` "
                           f"left running)")
                raise PortInUseError(
                    f"port {port} on {host} is already in use; {who} "
                    f"or choose another port with {var}=<port>"
                ) from None


_PROC = Path("/proc")


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, process group, session) of ``pid`` from /proc, or None when it is gone."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2:].split()  # after "pid (comm) ": state ppid pgrp session ...
    try:
        return fields[0], int(fields[2]), int(fields[3])
    except (IndexError, ValueError):
        return None


def _live(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def cmdline(pid: int) -> list[str]:
    try:
        raw = (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def group_members(pgid: int) -> list[int]:
    """Live processes (zombies left out) in process group or session ``pgid``; [] where /proc is missing."""
    members = []
    try:
        entries = list(_PROC.iterdir())
    except OSError:
        return members
    for entry in entries:
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is not None and stat[0] not in ("Z", "X") and pgid in (stat[1], stat[2]):
            members.append(int(entry.name))
    return members


def signal_group(pgid: int, sig: int) -> None:
    """``sig`` to the process group ``pgid`` and to every process of the session of the same id (a child
    that made itself a group of its own); gone processes are skipped."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
    for pid in group_members(pgid):
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _wait_group_gone(pgid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        if not group_members(pgid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def port_holder(port: int) -> tuple[int, int, str] | None:
    """(pid, process group, start of the command line) of a process listening on TCP ``port``, when /proc
    tells. Only the program and its first two arguments: later ones may carry a token."""
    inodes = set()
    for table in ("net/tcp", "net/tcp6"):
        try:
            lines = (_PROC / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 9 and parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{parts[9]}]")
    if not inodes:
        return None
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) in inodes:
                    pid = int(entry.name)
                    stat = _stat(pid)
                    return pid, (stat[1] if stat else pid), " ".join(cmdline(pid)[:3])  # no tokens
            except OSError:
                continue
    return None


def tcp_ok(url: str, timeout: float = 2.0) -> bool:
    """Whether ``tcp://host:port`` accepts a connection (servers that speak no HTTP: PostgreSQL, Redis)."""
    host, _, port = url.removeprefix("tcp://").rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback URL from settings
            return 200 <= resp.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


RESTART_FIRST_S = 1.0  # a supervised child that exits is started again after 1 s, 2 s, 4 s ...
RESTART_CAP_S = 60.0  # ... at most a minute apart
RESTART_RESET_AFTER_S = 60.0  # a child that ran this long before exiting starts over at RESTART_FIRST_S
RESTART_LIMIT = 5  # restarts of one child allowed within RESTART_WINDOW_S; one more death is given up ...
RESTART_WINDOW_S = 600.0  # ... and the launcher stops everything and exits non-zero
_SETTLE_S = 1.0  # a process without a health check counts as started once it has lived this long
_DEAD_LEADER_GRACE_S = 5.0  # SIGTERM to what is left of a dead child's group, then SIGKILL


@dataclass
class Service:
    """One child process. A server has a ``port`` and a ``health_url`` (``http://...`` answering 2xx, or
    ``tcp://host:port`` accepting a connection); a worker has neither and is healthy while it runs. ``restart``: started again when it exits (see :meth:`schedule_restart`), at most
    ``RESTART_LIMIT`` times within ``RESTART_WINDOW_S``, instead of stopping the whole service."""

    name: str
    cmd: list[str]
    port: int | None
    health_url: str | None
    log_file: Path
    env: dict[str, str] = field(default_factory=dict)
    start_timeout_s: float = 120.0
    restart: bool = False
    # what asks it to stop (PostgreSQL: SIGINT, its fast shutdown; SIGTERM would wait for every client)
    stop_signal: int = signal.SIGTERM
    _proc: subprocess.Popen | None = field(default=None, init=False, repr=False)
    _started_at: float = field(default=0.0, init=False, repr=False)
    _restart_delay_s: float = field(default=RESTART_FIRST_S, init=False, repr=False)
    _restart_at: float | None = field(default=None, init=False, repr=False)
    _restarts: list[float] = field(default_factory=list, init=False, repr=False)  # when, recent ones
    _awaiting_health: bool = field(default=False, init=False, repr=False)
    _group_gone: bool = field(default=False, init=False, repr=False)  # stopped: its group id is not ours
    gave_up: str | None = field(default=None, init=False)  # why supervise stopped restarting it

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
        self._group_gone = False

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
            if self.healthy():
                return
            time.sleep(0.5)
        raise ServiceError(f"{self.name} did not answer {(self.health_url or '').split('?')[0]} within "
                           f"{self.start_timeout_s:.0f} s; see {self.log_file}")

    def healthy(self, timeout: float = 2.0) -> bool:
        """One look: the health check answers (a worker: it has run ``_SETTLE_S``)."""
        if not self.alive():
            return False
        if self.health_url is None:
            return time.monotonic() - self._started_at >= _SETTLE_S
        if self.health_url.startswith("tcp://"):
            return tcp_ok(self.health_url, timeout=timeout)
        return http_ok(self.health_url, timeout=timeout)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    @property
    def restart_pending(self) -> bool:
        return self._restart_at is not None

    def restarts_in_window(self, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        self._restarts = [t for t in self._restarts if now - t < RESTART_WINDOW_S]
        return len(self._restarts)

    def schedule_restart(self, now: float | None = None) -> float:
        """For a ``restart`` service that has exited: seconds until :meth:`restart_if_due` starts it again.

        The wait doubles from ``RESTART_FIRST_S`` up to ``RESTART_CAP_S`` while the child keeps dying soon
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
        self.stop()  # what is left of its process group goes, the old process is reaped, its log closed
        self._restarts.append(now)
        self.start(cwd)
        self._awaiting_health = True
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
        """SIGTERM to the whole process group and session, SIGKILL after ``timeout_s``; returns once no
        process of it is left. Also when the child itself is already dead: its workers go too."""
        if self._proc is None:
            return
        pgid = self._proc.pid
        leader_alive = self._proc.poll() is None
        if leader_alive or (not self._group_gone and group_members(pgid)):
            signal_group(pgid, self.stop_signal)
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                self._proc.poll()  # reaps the child: a zombie leader no longer counts
                if self._proc.returncode is not None and not group_members(pgid):
                    break
                time.sleep(0.05)
            else:
                signal_group(pgid, signal.SIGKILL)
                try:
                    self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
                _wait_group_gone(pgid, 5.0)
        self._group_gone = True  # stopped and reaped: its id may be reused, so it is never signalled again
        log = getattr(self, "_log", None)
        if log is not None:
            log.close()
            self._log = None
        self._awaiting_health = False


def supervise(services: list[Service], cwd: Path,
              log=lambda line: print(line, file=sys.stderr), pid_file: Path | None = None) -> list[Service]:
    """One look at the running services, without waiting on any of them.

    A ``restart`` service that exited: what is left of its process group is stopped at once (no worker
    keeps its port), it is scheduled to start again after the back-off, and started once its time has
    come (the others keep serving meanwhile); one that exits more than ``RESTART_LIMIT`` times within
    ``RESTART_WINDOW_S`` is given up (``gave_up`` says why). A restarted server that does not answer its
    health check within ``start_timeout_s`` is stopped and counts as a death. Returns the services that
    exited and are not started again (the caller then stops everything). ``pid_file``: rewritten after a
    restart (:func:`write_pid_file`)."""
    fatal = []
    for service in services:
        if service.alive():
            if service._awaiting_health:
                if service.healthy(timeout=0.5):
                    service._awaiting_health = False
                    log(f"[hai] {service.name} is healthy again" +
                        (f" on port {service.port}" if service.port is not None else ""))
                elif time.monotonic() - service._started_at > service.start_timeout_s:
                    log(f"[hai] {service.name} did not become healthy within {service.start_timeout_s:.0f} s "
                        f"of its restart; stopping it")
                    service.stop(timeout_s=_DEAD_LEADER_GRACE_S)
            continue
        if not service.restart:
            fatal.append(service)
        elif not service.restart_pending:
            code = service.returncode
            tail = service.log_tail(10)
            service.stop(timeout_s=_DEAD_LEADER_GRACE_S)  # its workers too, before they are orphans
            if service.restarts_in_window() >= RESTART_LIMIT:
                service.gave_up = (f"{service.name} exited (code {code}) after {RESTART_LIMIT} restarts "
                                   f"within {RESTART_WINDOW_S:.0f} s (RESTART_LIMIT); not starting it again")
                log(f"[hai] {service.gave_up}; last log lines:\n{tail}")
                fatal.append(service)
                continue
            delay = service.schedule_restart()
            log(f"[hai] {service.name} exited (code {code}); starting it again in {delay:.0f} s "
                f"(restart {service.restarts_in_window() + 1} of at most {RESTART_LIMIT} within "
                f"{RESTART_WINDOW_S:.0f} s); last log lines:\n{tail}")
        else:
            try:
                if service.restart_if_due(cwd):
                    log(f"[hai] {service.name} started again (pid {service.pid})")
                    if pid_file is not None:
                        write_pid_file(pid_file, services)
            except ServiceError as exc:  # scheduled again on the next look
                log(f"[hai] {exc}")
    return fatal


def stop_all(services: list[Service]) -> None:
    """Stop in reverse start order, so the Rasa server goes before the action server it calls."""
    for service in reversed(services):
        service.stop()


def write_pid_file(path: Path, services: list[Service]) -> None:
    """Record each running child's process group and program, for :func:`stop_stale_groups` after a crash
    of the launcher itself (its children, in sessions of their own, do not die with it). Only the program
    (first word of the command): the arguments may carry a token."""
    entries = [{"name": s.name, "pgid": s.pid, "program": s.cmd[0]} for s in services if s.pid is not None]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"launcher": os.getpid(), "children": entries}, indent=1), encoding="utf-8")
    tmp.replace(path)


def remove_pid_file(path: Path) -> None:
    """Remove the pid file if this process wrote it (a run refused since another one runs keeps its file)."""
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("launcher") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def stop_stale_groups(path: Path, log=lambda line: print(line, file=sys.stderr)) -> int:
    """Stop the process groups a previous run recorded in ``path`` and left running (its launcher was
    killed): only processes of the recorded group that run the recorded program (first word of their
    command line) are signalled. Returns how many processes were stopped; the file is removed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    stopped = 0
    launcher = data.get("launcher") if isinstance(data, dict) else None
    if isinstance(launcher, int) and launcher != os.getpid() and _live(launcher) \
            and "hai.launcher" in " ".join(cmdline(launcher)):
        log(f"[hai] another launcher (pid {launcher}) still runs; not touching its children")
        return 0
    for entry in data.get("children", []) if isinstance(data, dict) else []:
        try:
            pgid, program, name = int(entry["pgid"]), str(entry["program"]), str(entry["name"])
        except (KeyError, TypeError, ValueError):
            continue
        ours = [pid for pid in group_members(pgid) if cmdline(pid)[:1] == [program]]
        if not ours:
            continue
        log(f"[hai] stopping {len(ours)} process(es) of {name} left by a previous run (process group {pgid})")
        for sig, wait_s in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            for pid in ours:
                try:
                    os.kill(pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline and any(_live(pid) for pid in ours):
                time.sleep(0.05)
        stopped += len(ours)
    try:
        path.unlink()
    except OSError:
        pass
    return stopped
