"""The console's handoff queue (api/routes/console/handoffs.py): replies reach Rasa as bot events, the
conversation is read live from Rasa (or the stored one is shown with a note when Rasa fails), close, audit rows.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import select

from api.storage import sessions
from hai.models import AuditLog
from helpdesk import handoff


def test_queue_reply_reaches_rasa_as_a_bot_event_and_close(agent, rasa, settings):
    request, _ = handoff.create_or_get_open("web-sesi-1", channel="socketio", settings=settings, transcript=[
        {"who": "user", "text": "SP2D belum cair, email saya budi@contoh.go.id", "time": 1.0},
        {"who": "user", "text": "saya mau bicara dengan petugas", "time": 2.0}])
    queue = agent.get("/api/v1/console/handoffs").json()
    mine = next(h for h in queue if h["id"] == request.id)
    assert mine["status"] == "open" and mine["channel"] == "socketio"
    assert mine["last_user_text"] == "saya mau bicara dengan petugas"
    detail = agent.get(f"/api/v1/console/handoffs/{request.id}").json()
    assert [line["text"] for line in detail["transcript"]][0] == "SP2D belum cair, email saya [EMAIL]"

    rasa.requests.clear()
    r = agent.post(f"/api/v1/console/handoffs/{request.id}/reply",
                   json={"text": "Selamat siang, SP2D Anda sedang kami cek. Hubungi 0812-3456-7890 bila perlu."})
    assert r.status_code == 200, r.text
    (sent,) = rasa.requests
    assert sent.method == "POST" and sent.url.path == "/conversations/web-sesi-1/tracker/events"
    assert dict(sent.url.params) == {"output_channel": "latest", "execute_side_effects": "true",
                                     "token": settings.rasa_api_token()}
    assert json.loads(sent.content) == [{"event": "bot", "metadata": {"agent": "agen.satu"},
                                         "text": "Selamat siang, SP2D Anda sedang kami cek. "
                                                 "Hubungi 0812-3456-7890 bila perlu."}]
    body = r.json()
    assert body["status"] == "assigned" and body["agent"] == "agen.satu"
    assert [(x["agent"], x["delivered"]) for x in body["replies"]] == [("agen.satu", True)]
    assert "0812" not in body["replies"][0]["text"]  # the record is redacted; the user got the number

    rasa.status = 500
    try:
        r = agent.post(f"/api/v1/console/handoffs/{request.id}/reply", json={"text": "Apakah sudah cair?"})
    finally:
        rasa.status = 200
    assert r.status_code == 502 and "belum terkirim" in r.json()["detail"]
    replies = agent.get(f"/api/v1/console/handoffs/{request.id}").json()["replies"]
    assert [x["delivered"] for x in replies] == [True, False]

    assert agent.post(f"/api/v1/console/handoffs/{request.id}/reply", json={"text": "   "}).status_code == 422
    closed = agent.post(f"/api/v1/console/handoffs/{request.id}/close").json()
    assert closed["status"] == "closed" and closed["closed_at"]
    assert request.id not in [h["id"] for h in agent.get("/api/v1/console/handoffs").json()]
    r = agent.post(f"/api/v1/console/handoffs/{request.id}/reply", json={"text": "halo lagi"})
    assert r.status_code == 422 and "sudah ditutup" in r.json()["detail"]
    assert agent.get("/api/v1/console/handoffs/99999").status_code == 404


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")


T0 = 1_700_000_000.0
TRACKER = [  # what Rasa keeps: the stored transcript's messages, then the queue number, the user, an agent
    {"event": "action", "name": "action_listen", "timestamp": T0 - 1},
    {"event": "user", "text": "SPM saya ditolak, NIP 19850101 201001 1 001", "timestamp": T0},
    {"event": "bot", "text": "Mohon periksa kembali kelengkapan SPM Anda.", "timestamp": T0 + 1},
    {"event": "user", "text": "saya mau bicara dengan petugas", "timestamp": T0 + 5.2},
    {"event": "bot", "text": "Percakapan Anda saya teruskan (nomor antrean #7).", "timestamp": T0 + 5.6},
    {"event": "slot", "name": "handoff_id", "value": 7, "timestamp": T0 + 5.7},
    {"event": "user", "text": "email saya budi@contoh.go.id", "timestamp": T0 + 30},
    {"event": "bot", "text": "", "data": {"custom": {"x": 1}}, "timestamp": T0 + 31},
    {"event": "bot", "text": "Baik, kami cek SPM Anda.", "metadata": {"agent": "agen.satu"}, "timestamp": T0 + 60},
]


def test_open_handoff_shows_the_conversation_since_with_agent_replies(agent, rasa, settings):
    stored = [{"who": e["event"], "text": e["text"], "time": _iso(e["timestamp"])} for e in TRACKER[1:4]]
    request, _ = handoff.create_or_get_open("web-sesi-live", channel="socketio", transcript=stored, settings=settings)
    rasa.trackers["web-sesi-live"] = TRACKER
    rasa.requests.clear()
    detail = agent.get(f"/api/v1/console/handoffs/{request.id}").json()
    (asked,) = rasa.requests
    assert asked.url.path == "/conversations/web-sesi-live/tracker"
    assert dict(asked.url.params) == {"token": settings.rasa_api_token()}
    assert detail["live"] is True and detail["transcript_note"] is None
    assert [(line["who"], line["text"]) for line in detail["transcript"]] == [
        ("user", "SPM saya ditolak, NIP [NIP]"), ("bot", "Mohon periksa kembali kelengkapan SPM Anda."),
        ("user", "saya mau bicara dengan petugas"),
        ("bot", "Percakapan Anda saya teruskan (nomor antrean #7)."),
        ("user", "email saya [EMAIL]"),  # redacted like the stored transcript
        ("agent", "Baik, kami cek SPM Anda.")]
    assert detail["transcript"][-1]["time"] == _iso(T0 + 60)


def test_rasa_down_or_failing_shows_the_stored_transcript_with_a_note(agent, rasa, settings):
    request, _ = handoff.create_or_get_open("web-sesi-mati", channel="telegram", settings=settings, transcript=[
        {"who": "user", "text": "tolong hubungkan ke petugas, hp 081234567890", "time": _iso(T0)}])
    rasa.down = True
    try:
        r = agent.get(f"/api/v1/console/handoffs/{request.id}")
    finally:
        rasa.down = False
    assert r.status_code == 200
    body = r.json()
    assert body["live"] is False and "tidak dapat dimuat" in body["transcript_note"]
    assert "tidak dapat dihubungi" in body["transcript_note"]
    assert [line["text"] for line in body["transcript"]] == ["tolong hubungkan ke petugas, hp [TELEPON]"]
    rasa.status = 500
    try:
        body = agent.get(f"/api/v1/console/handoffs/{request.id}").json()
    finally:
        rasa.status = 200
    assert body["live"] is False and "menjawab 500" in body["transcript_note"] and len(body["transcript"]) == 1



def test_every_reply_and_close_has_an_audit_row(app, settings, agent):
    app.state.audit.flush()
    with sessions(settings)() as db:
        rows = db.scalars(select(AuditLog).where(AuditLog.method == "AKSI")).all()
    routes = [r.route for r in rows]
    assert any(r.startswith("konsol/balas/handoff-") for r in routes)
    assert any(r.startswith("konsol/balas-gagal/handoff-") for r in routes)
    assert any(r.startswith("konsol/tutup/handoff-") for r in routes)
    assert all(r.user_id is not None for r in rows)
