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
