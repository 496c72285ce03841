import socket
import sys
import time
from pathlib import Path

import pytest

from hai.launcher import main
from hai.processes import PortInUseError, Service, ServiceError, check_ports_free, http_ok
from testkit.stack import free_port


def test_port_in_use_names_the_port_and_the_variable():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(PortInUseError) as info:
            check_ports_free("127.0.0.1", [(port, "HAI_RASA_PORT")])
    assert str(port) in str(info.value)
    assert "HAI_RASA_PORT" in str(info.value)


def test_launcher_refuses_to_start_on_a_busy_port(monkeypatch, capsys, tmp_path):
    from hai import settings as settings_module

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        monkeypatch.setenv("HAI_API_PORT", str(port))
        monkeypatch.setenv("HAI_DATA_DIR", str(tmp_path))
        settings_module.get_settings.cache_clear()
        try:
            assert main(["run"]) == 2
        finally:
            settings_module.get_settings.cache_clear()
    err = capsys.readouterr().err
    assert f"port {port}" in err and "HAI_API_PORT" in err


def test_service_starts_becomes_healthy_and_stops_on_sigterm(tmp_path: Path):
    port = free_port()
    svc = Service(
        name="web", cmd=[sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        port=port, health_url=f"http://127.0.0.1:{port}/", log_file=tmp_path / "web.log",
        start_timeout_s=20,
    )
    svc.start(cwd=tmp_path)
    try:
        svc.wait_healthy()
        assert http_ok(f"http://127.0.0.1:{port}/")
    finally:
        svc.stop(timeout_s=5)
    assert not svc.alive()
    time.sleep(0.2)
    assert not http_ok(f"http://127.0.0.1:{port}/", timeout=0.5)


def test_service_that_dies_while_starting_is_reported_with_its_log(tmp_path: Path):
    svc = Service(
        name="broken", cmd=[sys.executable, "-c", "import sys; print('boom: bad config'); sys.exit(3)"],
        port=1, health_url="http://127.0.0.1:9/", log_file=tmp_path / "b.log", start_timeout_s=10,
    )
    svc.start(cwd=tmp_path)
    with pytest.raises(ServiceError, match="boom: bad config"):
        svc.wait_healthy()
    svc.stop()


def test_a_supervised_worker_is_started_again_after_a_growing_wait(tmp_path: Path):
    from hai.processes import RESTART_CAP_S, RESTART_RESET_AFTER_S

    worker = Service(name="worker", cmd=[sys.executable, "-c", "print('bekerja')"], port=None,
                     health_url=None, log_file=tmp_path / "w.log", restart=True)
    worker.start(cwd=tmp_path)
    worker._proc.wait(timeout=20)
    t0 = time.monotonic()
    assert not worker.alive() and not worker.restart_pending
    assert worker.schedule_restart(now=t0) == 1.0 and worker.restart_pending
    assert not worker.restart_if_due(tmp_path, now=t0 + 0.5)  # not yet
    assert worker.restart_if_due(tmp_path, now=t0 + 1.0) and not worker.restart_pending
    worker._proc.wait(timeout=20)
    assert worker.schedule_restart(now=time.monotonic()) == 2.0  # died again at once: twice the wait
    for _ in range(10):
        delay = worker.schedule_restart(now=time.monotonic())
    assert delay == RESTART_CAP_S
    assert worker.schedule_restart(now=time.monotonic() + RESTART_RESET_AFTER_S) == 1.0  # it had run a while
    worker.stop()
    assert (tmp_path / "w.log").read_text().count("bekerja") == 2


def test_a_worker_without_health_check_is_healthy_while_it_runs(tmp_path: Path):
    worker = Service(name="worker", cmd=[sys.executable, "-c", "import time; time.sleep(30)"], port=None,
                     health_url=None, log_file=tmp_path / "w.log", start_timeout_s=10)
    worker.start(cwd=tmp_path)
    try:
        worker.wait_healthy()
        assert worker.alive()
        worker.kill()
        assert not worker.alive() and worker.returncode == -9
    finally:
        worker.stop()


def test_supervise_starts_a_dead_worker_again_and_reports_a_dead_server(tmp_path: Path):
    from hai.processes import supervise

    worker = Service(name="worker", cmd=[sys.executable, "-c", "print('putaran')"], port=None,
                     health_url=None, log_file=tmp_path / "w.log", restart=True)
    server = Service(name="server", cmd=[sys.executable, "-c", "import time; time.sleep(30)"], port=1,
                     health_url="http://127.0.0.1:9/", log_file=tmp_path / "s.log")
    lines: list[str] = []
    for svc in (worker, server):
        svc.start(cwd=tmp_path)
    try:
        worker._proc.wait(timeout=20)
        deadline = time.monotonic() + 10
        while not any("started again" in line for line in lines) and time.monotonic() < deadline:
            assert supervise([worker, server], tmp_path, log=lines.append) == []
            time.sleep(0.1)
        assert "worker exited (code 0); starting it again in 1 s" in lines[0]
        assert any("worker started again" in line for line in lines)
        server.kill()
        assert supervise([worker, server], tmp_path, log=lines.append) == [server]
    finally:
        for svc in (worker, server):
            svc.stop()
    assert (tmp_path / "w.log").read_text().count("putaran") == 2
