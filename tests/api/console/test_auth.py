"""The console's login, session and logout (api/routes/console/auth.py) and the pages that need a session
(api/routes/console/pages.py): the cookie, logout ending the session on the server, refusals without a session,
with the wrong role, a forged cookie or a missing CSRF token, and disabled accounts.
"""
from __future__ import annotations

import time

from fastapi.testclient import TestClient

from api.storage import sessions
from api.users import create_user, disable_user
from hai.models import ConsoleLogin
from tests.api.console.conftest import PASSWORD


def test_login_sets_a_strict_httponly_cookie_and_refuses_wrong_passwords(app, settings, anon):
    create_user("agen.dua", PASSWORD, "agent", settings)
    r = anon.post("/api/v1/console/login", json={"username": "agen.dua", "password": "salah-salah-salah"})
    assert r.status_code == 401 and "kata sandi salah" in r.json()["detail"]
    c = TestClient(app)  # not entered: the app's lifespan belongs to ``anon``
    r = c.post("/api/v1/console/login", json={"username": "agen.dua", "password": PASSWORD})
    assert r.status_code == 200 and r.json()["role"] == "agent"
    cookie = r.headers["set-cookie"]
    assert "hai_console=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    session = c.get("/api/v1/console/session").json()
    assert session["username"] == "agen.dua" and session["csrf_token"] == r.json()["csrf_token"]
    assert c.get("/console", follow_redirects=False).status_code == 200  # the page for a logged-in agent
    out = c.post("/api/v1/console/logout", headers={"X-CSRF-Token": session["csrf_token"]})
    assert out.status_code == 200 and "Max-Age=0" in out.headers["set-cookie"]
    assert c.get("/api/v1/console/session").status_code == 401


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_is_refused(app, settings, agent):
    with sessions(settings)() as db:  # a login that expired long ago: the next login removes its row
        db.add(ConsoleLogin(id="kedaluwarsa", user_id=1, expires_at=time.time() - 60))
        db.commit()
    c = TestClient(app, raise_server_exceptions=False)
    token = c.post("/api/v1/console/login", json={"username": "agen.satu", "password": PASSWORD}).json()["csrf_token"]
    copied = {"Cookie": f"hai_console={c.cookies['hai_console']}"}
    with sessions(settings)() as db:
        assert db.get(ConsoleLogin, "kedaluwarsa") is None
    other = TestClient(app, raise_server_exceptions=False)
    assert other.get("/api/v1/console/handoffs", headers=copied).status_code == 200  # the copy works until...
    assert c.post("/api/v1/console/logout", headers={"X-CSRF-Token": token}).status_code == 200
    r = other.get("/api/v1/console/handoffs", headers=copied)  # ...logout, though its signature is still valid
    assert r.status_code == 401 and "Sesi konsol" in r.json()["detail"]
    page = other.get("/console", headers=copied, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "console/login"


def test_no_session_wrong_role_forged_cookie_and_missing_csrf_are_refused(anon, agent, key, settings):
    assert anon.get("/api/v1/console/handoffs").status_code == 401
    page = anon.get("/console", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "console/login"
    assert "Masuk" in anon.get("/console/login").text
    r = anon.get("/api/v1/console/handoffs", headers=key)  # a caller API key is not staff
    assert r.status_code == 403 and "agent, admin" in r.json()["detail"]
    forged = anon.get("/api/v1/console/handoffs", headers={"Cookie": "hai_console=eyJ1IjoxfQ.palsu"})
    assert forged.status_code == 401 and "Sesi konsol" in forged.json()["detail"]
    token = agent.headers.pop("X-CSRF-Token")
    try:
        r = agent.post("/api/v1/console/entries", json={"category": "gaji"})
        assert r.status_code == 403 and "CSRF" in r.json()["detail"]
        r = agent.post("/api/v1/console/entries", json={"category": "gaji"}, headers={"X-CSRF-Token": "x" + token})
        assert r.status_code == 403
        assert agent.get("/api/v1/console/handoffs").status_code == 200  # reading needs no token
    finally:
        agent.headers["X-CSRF-Token"] = token


def test_disabled_account_loses_its_session(app, settings):
    info = create_user("agen.tiga", PASSWORD, "admin", settings)
    c = TestClient(app, raise_server_exceptions=False)
    assert c.post("/api/v1/console/login", json={"username": "agen.tiga", "password": PASSWORD}).status_code == 200
    assert c.get("/api/v1/console/handoffs").status_code == 200
    disable_user(info.id, settings)
    assert c.get("/api/v1/console/handoffs").status_code == 401

