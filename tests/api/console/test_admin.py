"""The console's admin routes (api/routes/console/admin.py): only admins manage API keys and staff accounts; a
key made there works on /api/v1/ask until it is revoked; an account made there can log in until it is disabled;
an admin cannot disable themself; every change leaves an audit row.

Runs on the session's app (``client``: its data folder and knowledge base), with logins of its own.
"""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.storage import sessions
from api.users import create_user
from hai.models import AuditLog

PASSWORD = "kata-sandi-admin-123"


def login(app, username: str, password: str = PASSWORD) -> TestClient:
    c = TestClient(app, raise_server_exceptions=False)  # no lifespan of its own: ``client`` runs the app's
    r = c.post("/api/v1/console/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c


@pytest.fixture(scope="module")
def admin(client, api_settings) -> TestClient:
    create_user("admin.konsol", PASSWORD, "admin", api_settings)
    return login(client.app, "admin.konsol")


@pytest.fixture(scope="module")
def agent(client, api_settings) -> TestClient:
    create_user("agen.biasa", PASSWORD, "agent", api_settings)
    return login(client.app, "agen.biasa")


def test_agents_and_caller_keys_get_403_on_admin_routes(agent, client, auth):
    for method, path, body in (("GET", "/admin/keys", None), ("POST", "/admin/keys", {"name": "x"}),
                               ("POST", "/admin/keys/1/revoke", None), ("GET", "/admin/users", None),
                               ("POST", "/admin/users", {"username": "x.y.z", "password": "p" * 12}),
                               ("POST", "/admin/users/1/disable", None)):
        r = agent.request(method, f"/api/v1/console{path}", json=body)
        assert r.status_code == 403 and "admin" in r.json()["detail"], (path, r.text)
        assert client.request(method, f"/api/v1/console{path}", json=body, headers=auth).status_code == 403
    assert client.get("/api/v1/console/admin/keys").status_code == 401  # no session, no key


def test_key_made_in_the_console_works_until_revoked(admin, client):
    r = admin.post("/api/v1/console/admin/keys", json={"name": "portal-satker-uji", "role": "caller"})
    assert r.status_code == 201, r.text
    created = r.json()
    key = created["key"]
    assert key.startswith("hai_") and created["prefix"] == key[:12] and created["revoked_at"] is None
    listed = admin.get("/api/v1/console/admin/keys").json()
    mine = [k for k in listed if k["id"] == created["id"]]
    assert mine and "key" not in mine[0] and key not in admin.get("/api/v1/console/admin/keys").text

    ask = {"question": "cara revisi dipa gmn?"}
    assert client.post("/api/v1/ask", json=ask, headers={"X-API-Key": key}).status_code == 200
    r = admin.post(f"/api/v1/console/admin/keys/{created['id']}/revoke")
    assert r.status_code == 200 and r.json()["revoked_at"]
    r = client.post("/api/v1/ask", json=ask, headers={"X-API-Key": key})
    assert r.status_code == 401 and "dicabut" in r.json()["detail"]

    assert admin.post("/api/v1/console/admin/keys/999999/revoke").status_code == 404
    r = admin.post("/api/v1/console/admin/keys", json={"name": "x", "role": "dewa"})
    assert r.status_code == 422 and "peran tidak dikenal" in r.json()["detail"]
    assert admin.post("/api/v1/console/admin/keys", json={"name": "x"},
                      headers={"X-CSRF-Token": "salah"}).status_code == 403  # CSRF, as everywhere in the console


def test_account_made_in_the_console_logs_in_until_disabled(admin, client):
    url = "/api/v1/console/admin/users"
    r = admin.post(url, json={"username": "agen.baru", "password": "pendek", "role": "agent"})
    assert r.status_code == 422 and "paling sedikit 10 karakter" in r.json()["detail"]
    r = admin.post(url, json={"username": "Agen Baru!", "password": PASSWORD})
    assert r.status_code == 422 and "nama pengguna" in r.json()["detail"]
    r = admin.post(url, json={"username": "agen.baru", "password": PASSWORD, "role": "agent"})
    assert r.status_code == 201 and r.json()["role"] == "agent" and r.json()["disabled_at"] is None
    new_id = r.json()["id"]
    r = admin.post(url, json={"username": "agen.baru", "password": PASSWORD})
    assert r.status_code == 422 and "sudah dipakai" in r.json()["detail"]
    assert "password" not in admin.get(url).text and any(u["id"] == new_id for u in admin.get(url).json())

    new_agent = login(client.app, "agen.baru")
    assert new_agent.get("/api/v1/console/session").json()["role"] == "agent"
    r = admin.post(f"{url}/{new_id}/disable")
    assert r.status_code == 200 and r.json()["disabled_at"]
    assert new_agent.get("/api/v1/console/handoffs").status_code == 401  # its session ends at once
    r = client.post("/api/v1/console/login", json={"username": "agen.baru", "password": PASSWORD})
    assert r.status_code == 401
    assert admin.post(f"{url}/999999/disable").status_code == 404


def test_an_admin_cannot_disable_themself(admin):
    me = next(u for u in admin.get("/api/v1/console/admin/users").json() if u["username"] == "admin.konsol")
    r = admin.post(f"/api/v1/console/admin/users/{me['id']}/disable")
    assert r.status_code == 409 and "akun Anda sendiri" in r.json()["detail"]
    assert admin.get("/api/v1/console/admin/users").status_code == 200  # still logged in, still active


def test_every_admin_change_has_an_audit_row(admin, client, api_settings):
    client.app.state.audit.flush()
    with sessions(api_settings)() as db:
        rows = db.scalars(select(AuditLog).where(AuditLog.method == "AKSI",
                                                 AuditLog.route.like("konsol/%-%/%"))).all()
    actions = {r.route.split("/")[1] for r in rows}
    assert {"buat-kunci", "cabut-kunci", "buat-pengguna", "nonaktifkan-pengguna"} <= actions
    assert all(r.user_id is not None for r in rows)
    assert not [r for r in rows if "hai_" in r.route or PASSWORD in r.route]
