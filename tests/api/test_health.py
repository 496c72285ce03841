from fastapi.testclient import TestClient

from api.main import create_app
from hai import settings as settings_module


def test_live_and_ready_report_components(monkeypatch, tmp_path):
    monkeypatch.setenv("HAI_DATA_DIR", str(tmp_path))
    # Nothing listens on these ports: the API must say "degraded", not fail.
    monkeypatch.setenv("HAI_RASA_PORT", "9")
    monkeypatch.setenv("HAI_ACTION_PORT", "9")
    settings_module.get_settings.cache_clear()
    try:
        with TestClient(create_app()) as client:
            assert client.get("/api/v1/health/live").json() == {"status": "ok"}
            ready = client.get("/api/v1/health").json()
    finally:
        settings_module.get_settings.cache_clear()
    components = {c["name"]: c["ok"] for c in ready["components"]}
    details = {c["name"]: c["detail"] for c in ready["components"]}
    assert details["knowledge"] == "dimuat pada pertanyaan pertama"  # the health check loads no model
    assert components == {"database": True, "rasa": False, "actions": False, "knowledge": True}
    assert ready["status"] == "degraded"
    assert (tmp_path / "app.db").exists()


def test_openapi_document_is_served():
    with TestClient(create_app()) as client:
        doc = client.get("/openapi.json").json()
    assert "/api/v1/health" in doc["paths"]
