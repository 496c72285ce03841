"""Supervision of the service's children with real short-lived processes: a leader that spawns a grandchild
serving HTTP on a port (as the action server's Sanic worker does), then the leader alone is SIGKILLed."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hai import processes
from hai.processes import (
    PortInUseError,
    Service,
    check_ports_free,
    group_members,
    http_ok,
    stop_stale_groups,
    supervise,
    write_pid_file,
)
from testkit.stack import free_port

# The leader starts a grandchild (same process group) that holds the port, then only waits.
LEADER = ("import subprocess, sys, time\n"
          "subprocess.Popen([sys.executable, '-m', 'http.server', sys.argv[1], '--bind', '127.0.0.1'])\n"
          "time.sleep(600)\n")


def _server(tmp_path: Path, port: int, **kw) -> Service:
    return Service(name="srv", cmd=[sys.executable, "-c", LEADER, str(port)], port=port,
                   health_url=f"http://127.0.0.1:{port}/", log_file=tmp_path / "srv.log", start_timeout_s=20,
                   **kw)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _kill_leader(svc: Service) -> int:
    leader = svc.pid
    os.kill(leader, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while svc.alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not svc.alive()
    return leader


def test_stop_takes_the_whole_group_even_when_the_leader_is_already_dead(tmp_path):
    port = free_port()
    svc = _server(tmp_path, port)
    svc.start(cwd=tmp_path)
    try:
        svc.wait_healthy()
        leader = _kill_leader(svc)
        orphans = group_members(leader)
        assert orphans and http_ok(f"http://127.0.0.1:{port}/")  # the issue: the worker outlives its parent
    finally:
        svc.stop(timeout_s=5)
    assert group_members(leader) == []
    assert _port_free(port) and not http_ok(f"http://127.0.0.1:{port}/", timeout=0.5)


def test_stop_sends_sigkill_to_a_group_member_that_ignores_sigterm(tmp_path):
    stubborn = ("import signal, subprocess, sys, time\n"
                "subprocess.Popen([sys.executable, '-c', 'import signal, time; "
                "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)'])\n"
                "time.sleep(600)\n")
    svc = Service(name="stubborn", cmd=[sys.executable, "-c", stubborn], port=None, health_url=None,
                  log_file=tmp_path / "s.log", start_timeout_s=10)
    svc.start(cwd=tmp_path)
    svc.wait_healthy()
    leader = svc.pid
    assert len(group_members(leader)) == 2
    t0 = time.monotonic()
    svc.stop(timeout_s=1)
    assert group_members(leader) == [] and time.monotonic() - t0 < 8


def test_supervise_restarts_a_killed_child_and_its_port_is_free_meanwhile(tmp_path):
    port = free_port()
    svc = _server(tmp_path, port, restart=True)
    other = Service(name="other", cmd=[sys.executable, "-c", "import time; time.sleep(600)"], port=None,
                    health_url=None, log_file=tmp_path / "o.log", restart=True)
    lines: list[str] = []
    for s in (svc, other):
        s.start(cwd=tmp_path)
    try:
        svc.wait_healthy()
        other_pid = other.pid
        leader = _kill_leader(svc)
        assert supervise([svc, other], tmp_path, log=lines.append) == []
        # at once: what was left of the group is gone and the port free, the restart scheduled
        assert group_members(leader) == [] and _port_free(port)
        assert "srv exited (code -9); starting it again in 1 s (restart 1 of at most" in lines[0]
        assert other.alive() and other.pid == other_pid  # the others keep running
        deadline = time.monotonic() + 30
        while not any("healthy again" in line for line in lines) and time.monotonic() < deadline:
            assert supervise([svc, other], tmp_path, log=lines.append) == []
            time.sleep(0.1)
        assert any(f"srv started again (pid {svc.pid})" in line for line in lines)
        assert any(f"srv is healthy again on port {port}" in line for line in lines)
        assert http_ok(f"http://127.0.0.1:{port}/") and other.pid == other_pid
        new_leader = svc.pid
    finally:
        for s in (svc, other):
            s.stop(timeout_s=5)
    assert group_members(new_leader) == [] and _port_free(port)


def test_more_restarts_than_the_limit_within_the_window_are_given_up(tmp_path, monkeypatch):
    monkeypatch.setattr(processes, "RESTART_LIMIT", 2)
    monkeypatch.setattr(processes, "RESTART_FIRST_S", 0.05)
    monkeypatch.setattr(processes, "RESTART_CAP_S", 0.1)
    crash = Service(name="crash", cmd=[sys.executable, "-c", "print('rusak'); raise SystemExit(3)"],
                    port=None, health_url=None, log_file=tmp_path / "c.log", restart=True)
    crash._restart_delay_s = 0.05
    crash.start(cwd=tmp_path)
    lines: list[str] = []
    deadline = time.monotonic() + 30
    fatal: list[Service] = []
    while not fatal and time.monotonic() < deadline:
        fatal = supervise([crash], tmp_path, log=lines.append)
        time.sleep(0.02)
    crash.stop()
    assert fatal == [crash]
    assert sum("crash started again" in line for line in lines) == 2  # the limit, then no more
    window = f"{processes.RESTART_WINDOW_S:.0f} s"
    assert crash.gave_up == (f"crash exited (code 3) after 2 restarts within {window} (RESTART_LIMIT); "
                             f"not starting it again")
    assert "rusak" in lines[-1]  # with its last log lines
    assert (tmp_path / "c.log").read_text().count("rusak") == 3


def test_restarts_older_than_the_window_do_not_count(tmp_path):
    svc = Service(name="w", cmd=[sys.executable, "-c", "pass"], port=None, health_url=None,
                  log_file=tmp_path / "w.log", restart=True)
    now = time.monotonic()
    svc._restarts = [now - processes.RESTART_WINDOW_S - 1, now - 10]
    assert svc.restarts_in_window(now) == 1


def test_the_launcher_gives_up_stops_everything_and_exits_non_zero(tmp_path, monkeypatch, capsys):
    from hai import launcher
    from hai.settings import Settings

    monkeypatch.setattr(processes, "RESTART_LIMIT", 1)
    settings = Settings(data_dir=tmp_path, rasa_port=free_port(), action_port=free_port(),
                        api_port=free_port())
    port = free_port()
    steady = _server(tmp_path, port, restart=True)
    dies_soon = "import time; time.sleep(3); raise SystemExit(4)"
    flaky = Service(name="flaky", cmd=[sys.executable, "-c", dies_soon],
                    port=None, health_url=None, log_file=tmp_path / "f.log", restart=True)
    monkeypatch.setattr(launcher, "prepare", lambda _s: tmp_path / "model.tar.gz")
    monkeypatch.setattr(launcher, "build_services", lambda _s, _m: [steady, flaky])
    pids_seen: list[dict] = []
    real_write = processes.write_pid_file

    def spy(path, services):
        real_write(path, services)
        pids_seen.append(json.loads(path.read_text()))

    monkeypatch.setattr(launcher, "write_pid_file", spy)
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    assert launcher.run(settings) == 1
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers  # given back
    err = capsys.readouterr().err
    assert "flaky exited (code 4); starting it again in 1 s" in err
    assert "flaky exited (code 4) after 1 restarts within 600 s (RESTART_LIMIT); not starting it again" in err
    assert "giving up: stopping every process of the service" in err
    assert not steady.alive() and group_members(steady.pid) == [] and _port_free(port)
    assert {c["name"] for c in pids_seen[-1]["children"]} == {"srv", "flaky"}
    assert not launcher.pid_file(settings).exists()  # a clean exit leaves no pid file


def test_groups_left_by_a_killed_launcher_are_stopped_at_the_next_start(tmp_path):
    port = free_port()
    svc = _server(tmp_path, port)
    svc.start(cwd=tmp_path)
    pid_file = tmp_path / "runtime" / "children.json"
    try:
        svc.wait_healthy()
        write_pid_file(pid_file, [svc])
        assert json.loads(pid_file.read_text())["children"] == [
            {"name": "srv", "pgid": svc.pid, "program": sys.executable}]  # no arguments: may hold a token
        leader = svc.pid
        # the launcher dies here; the next start finds the pid file
        with pytest.raises(PortInUseError) as info:
            check_ports_free("127.0.0.1", [(port, "HAI_ACTION_PORT")])
        assert "it is held by pid" in str(info.value) and f"kill -- -{leader}" in str(info.value)
        lines: list[str] = []
        assert stop_stale_groups(pid_file, log=lines.append) == 2  # the leader and its grandchild
        assert "stopping 2 process(es) of srv left by a previous run" in lines[0]
        assert group_members(leader) == [] and _port_free(port) and not pid_file.exists()
        check_ports_free("127.0.0.1", [(port, "HAI_ACTION_PORT")])
    finally:
        svc.stop(timeout_s=5)


def test_a_recorded_group_running_another_program_is_not_touched(tmp_path):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
    pid_file = tmp_path / "children.json"
    try:
        pid_file.write_text(json.dumps({"launcher": 1, "children": [
            {"name": "actions", "pgid": other.pid, "program": "/nonexistent/.venv/app/bin/python"},
            {"name": "broken"}]}))
        assert stop_stale_groups(pid_file, log=lambda _l: None) == 0
        assert other.poll() is None  # not ours: the command line differs
    finally:
        other.kill()
        other.wait()
