"""The console's team routing of handoffs (api/routes/console/handoffs.py): the predicted team and confidence
in the queue, the per-team filter, re-routing to another team (audited), and an unknown team refused."""
from __future__ import annotations

from sqlalchemy import select

from api.storage import sessions
from hai.models import AuditLog
from helpdesk import handoff
from helpdesk.triage.model import TeamRouter
from tests.helpdesk.triage.conftest import KOMITMEN, PEMBAYARAN, labelled

BASE = "/api/v1/console"


def test_team_in_queue_filter_and_reroute(app, agent, settings):
    TeamRouter(seed=1).fit(*labelled()).save(settings.triage_model_path)
    a, _ = handoff.create_or_get_open("tim-1", settings=settings, transcript=[
        {"who": "user", "text": "SPM ditolak karena akun belanja salah, NIP 19850101 201001 1 001", "time": 1.0}])
    b, _ = handoff.create_or_get_open("tim-2", settings=settings, transcript=[
        {"who": "user", "text": "data supplier ditolak kppn, npwp tidak valid", "time": 1.0}])

    queue = {h["id"]: h for h in agent.get(f"{BASE}/handoffs").json()}
    assert queue[a.id]["team"] == queue[a.id]["predicted_team"] == PEMBAYARAN
    assert 0 < queue[a.id]["team_confidence"] <= 1 and queue[b.id]["team"] == KOMITMEN
    assert [h["id"] for h in agent.get(f"{BASE}/handoffs", params={"team": KOMITMEN}).json()] == [b.id]
    assert KOMITMEN in agent.get(f"{BASE}/handoff-teams").json()

    r = agent.post(f"{BASE}/handoffs/{a.id}/team", json={"team": KOMITMEN})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["team"] == KOMITMEN and body["predicted_team"] == PEMBAYARAN
    (moved,) = body["reroutes"]
    assert (moved["agent"], moved["from_team"], moved["to_team"]) == ("agen.satu", PEMBAYARAN, KOMITMEN)
    assert moved["created_at"]
    assert sorted(h["id"] for h in agent.get(f"{BASE}/handoffs", params={"team": KOMITMEN}).json()) == sorted(
        [a.id, b.id])

    r = agent.post(f"{BASE}/handoffs/{a.id}/team", json={"team": "L2 - TIM FIKTIF"})
    assert r.status_code == 422 and r.json()["detail"].startswith("Tim 'L2 - TIM FIKTIF' tidak dikenal; pilihan:")
    r = agent.post(f"{BASE}/handoffs/{a.id}/team", json={"team": KOMITMEN})
    assert r.status_code == 409 and "sudah ditangani tim" in r.json()["detail"]
    assert agent.post(f"{BASE}/handoffs/99999/team", json={"team": KOMITMEN}).status_code == 404
    assert agent.post(f"{BASE}/handoffs/{a.id}/team", json={"team": ""}).status_code == 422

    app.state.audit.flush()
    with sessions(settings)() as db:
        routes = [row.route for row in db.scalars(select(AuditLog).where(AuditLog.method == "AKSI")).all()]
    assert routes.count(f"konsol/alihkan-tim/handoff-{a.id}") == 1  # only the re-route that happened


def test_reroute_needs_a_console_user(anon):
    assert anon.post(f"{BASE}/handoffs/1/team", json={"team": KOMITMEN}).status_code in (401, 403)
