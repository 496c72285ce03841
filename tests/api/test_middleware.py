"""Cross-cutting behaviour: request ids, body limits (413 before reading), rate limits (429), the 500 handler,
the audit log and the Prometheus metrics."""
import sqlite3
import threading
import time

import httpx
import pytest
import uvicorn

from api.keys import create_key, list_keys
from api.main import create_app
from testkit.stack import free_port

MULTIPART_HEAD = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="besar.csv"\r\n'
                  b"Content-Type: text/csv\r\n\r\n")


def test_request_id_is_echoed_or_made(client):
    r = client.get("/api/v1/health/live", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    made = client.get("/api/v1/health/live", headers={"X-Request-ID": "bad id with spaces"}).headers["x-request-id"]
    assert made != "bad id with spaces" and len(made) == 32


def test_oversized_bodies_are_413_by_content_length(make_client, auth):
    c = make_client(max_upload_bytes=4096, max_json_bytes=256)
    r = c.post("/api/v1/bills/batch", files={"file": ("big.csv", b"x" * 5000, "text/csv")}, headers=auth)
    assert r.status_code == 413
    assert r.json()["detail"].startswith("Ukuran berkas unggahan melebihi batas 4 kB")
    r = c.post("/api/v1/ask", json={"question": "a" * 300}, headers=auth)
    assert r.status_code == 413 and "isi permintaan" in r.json()["detail"]
    assert c.post("/api/v1/ask", json={"question": "revisi dipa"}, headers=auth).status_code == 200


def test_chunked_upload_is_cut_off_while_streaming(make_client, auth):
    c = make_client(max_upload_bytes=4096)
    sent = []

    def chunks():
        yield MULTIPART_HEAD
        for _ in range(100):
            sent.append(1)
            yield b"y" * 1024

    r = c.post("/api/v1/bills/batch", content=chunks(), headers={**auth, "Content-Type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413
    assert "content-length" not in {k.lower() for k in r.request.headers}


def test_chunked_upload_413_over_a_real_socket(api_settings, auth):
    """uvicorn streams the body in pieces: the limit must hold without a Content-Length."""
    port = free_port()
    config = uvicorn.Config(create_app(api_settings.model_copy(update={"max_upload_bytes": 8192})),
                            host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.time() + 10
        while not server.started and time.time() < deadline:
            time.sleep(0.05)

        def chunks():  # a well-formed multipart start, so the parser keeps reading the endless file
            yield MULTIPART_HEAD
            for _ in range(64):
                yield b"z" * 1024

        r = httpx.post(f"http://127.0.0.1:{port}/api/v1/bills/batch", content=chunks(), timeout=10,
                       headers={**auth, "Content-Type": "multipart/form-data; boundary=b"})
        assert r.status_code == 413
        assert "8 kB" in r.json()["detail"]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_rate_limit_is_429_with_retry_after(make_client, api_settings):
    c = make_client(rate_limit_per_minute=3)
    _, key = create_key("terbatas", "caller", api_settings)
    codes = [c.get("/api/v1/pagu/12a", headers={"X-API-Key": key}).status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]
    r = c.get("/api/v1/pagu/12a", headers={"X-API-Key": key})
    assert r.status_code == 429
    assert 1 <= int(r.headers["retry-after"]) <= 20
    assert "Terlalu banyak permintaan" in r.json()["detail"]
    _, other = create_key("lain", "caller", api_settings)
    assert c.get("/api/v1/pagu/12a", headers={"X-API-Key": other}).status_code == 422


def test_unhandled_error_is_500_in_indonesian_without_trace(make_client, auth, caplog):
    c = make_client()

    def boom():
        raise RuntimeError("rahasia internal /etc/passwd")

    c.app.add_api_route("/api/v1/boom", boom)
    r = c.get("/api/v1/boom", headers={**auth, "X-Request-ID": "req-500"})
    assert r.status_code == 500
    assert r.json() == {"detail": r.json()["detail"], "request_id": "req-500", "errors": []}
    assert "Terjadi kesalahan pada server" in r.json()["detail"]
    assert "rahasia" not in r.text and "Traceback" not in r.text
    assert "req-500" in caplog.text  # the trace goes to the log, with the id the user can quote


def test_audit_rows_hold_who_route_status_and_no_body(client, auth, api_settings):
    key_id = next(k.id for k in list_keys(api_settings) if k.name == "pengujian")
    client.post("/api/v1/ask", json={"question": "rahasia pribadi 3171234567890123"}, headers={**auth, "X-Request-ID": "aud-1"})
    client.post("/api/v1/ask", json={"question": "x"}, headers={"X-Request-ID": "aud-2"})
    client.get("/api/v1/health/live", headers={"X-Request-ID": "aud-3"})
    client.app.state.audit.flush()
    with sqlite3.connect(api_settings.data_dir / "app.db") as db:
        db.row_factory = sqlite3.Row
        rows = {r["request_id"]: dict(r) for r in db.execute("SELECT * FROM audit_log")}
        dump = "\n".join(map(str, db.execute("SELECT * FROM audit_log").fetchall()))
    assert rows["aud-1"]["route"] == "/api/v1/ask" and rows["aud-1"]["status"] == 200
    assert rows["aud-1"]["api_key_id"] == key_id and rows["aud-1"]["method"] == "POST"
    assert rows["aud-1"]["duration_ms"] > 0 and rows["aud-1"]["client_ip"] == "testclient"
    assert rows["aud-2"]["status"] == 401 and rows["aud-2"]["api_key_id"] is None
    assert "aud-3" not in rows  # health probes are not audited
    assert "3171234567890123" not in dump and "rahasia" not in dump


def test_metrics_count_routes_by_template(client, auth):
    client.get("/api/v1/pagu/12a", headers=auth)
    text = client.get("/metrics").text
    assert 'hai_http_requests_total{method="GET",route="/api/v1/pagu/{kode_satker}",status="422"}' in text
    assert 'hai_http_request_duration_seconds_bucket{le="0.5",method="GET",route="/api/v1/pagu/{kode_satker}"' in text
    assert "/api/v1/pagu/12a" not in text


@pytest.mark.parametrize("role, status", [(None, 401), ("caller", 403), ("admin", 200)])
def test_metrics_can_be_restricted_to_admins(make_client, api_settings, role, status):
    c = make_client(metrics_public=False)
    headers = {"X-API-Key": create_key(f"m-{role}", role, api_settings)[1]} if role else {}
    assert c.get("/metrics", headers=headers).status_code == status
