"""The agent console's API: login and its refusals, the handoff queue with replies delivered through a fake
Rasa server, knowledge edits that change what /api/v1/ask answers, unanswered questions, export import, audit.

The module has its own data folder and copy of the small knowledge base (it edits them), and a fake Rasa HTTP
API (httpx MockTransport) in place of the app's Rasa client.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.keys import create_key
from api.main import create_app
from api.storage import sessions
from api.users import create_user, disable_user
from helpdesk import handoff, unanswered
from hai.models import AuditLog, ConsoleLogin
from knowledge.hai_export import write_export
from tests.api.conftest import write_kb

PASSWORD = "kata-sandi-uji-123"


class FakeRasa:
    """Records what the console sends to the Rasa HTTP API; answers ``status``, a conversation's tracker
    from ``trackers`` (sender id -> events), or cannot be reached at all while ``down``."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.status = 200
        self.trackers: dict[str, list[dict]] = {}
        self.down = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("Connection refused", request=request)
        if request.method == "GET" and request.url.path.endswith("/tracker"):
            sender = request.url.path.split("/")[2]
            return httpx.Response(self.status, json={"sender_id": sender, "events": self.trackers.get(sender, [])})
        return httpx.Response(self.status, json={"events": []})


@pytest.fixture(scope="module")
def settings(api_settings, tmp_path_factory):
    root = tmp_path_factory.mktemp("console")
    return api_settings.model_copy(update={"data_dir": root / "data", "kb_dir": write_kb(root / "kb")})


@pytest.fixture(scope="module")
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture(scope="module")
def app(settings, rasa):
    app = create_app(settings)
    app.state.rasa_client = httpx.AsyncClient(transport=httpx.MockTransport(rasa))
    return app


@pytest.fixture(scope="module")
def anon(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def agent(app, settings, anon):
    """A logged-in agent: cookie in the client, the CSRF token on every request."""
    create_user("agen.satu", PASSWORD, "agent", settings)
    c = TestClient(app, raise_server_exceptions=False)  # no second lifespan: ``anon`` runs the app's
    r = c.post("/api/v1/console/login", json={"username": "agen.satu", "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c


@pytest.fixture(scope="module")
def key(settings) -> dict[str, str]:
    return {"X-API-Key": create_key("uji-konsol", "caller", settings)[1]}


def ask(anon, key, question: str) -> dict:
    body = anon.post("/api/v1/ask", json={"question": question}, headers=key).json()
    body.pop("elapsed_ms")
    return body


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


NEW_ENTRY = {"category": "gaji", "question": "Bagaimana cara mengajukan tunjangan kinerja pegawai pindahan?",
             "answer": "Tunjangan kinerja pegawai pindahan diajukan satker baru dengan SPM tukin setelah "
                       "SKPP dari satker lama diterima.",
             "training_questions": ["tukin pegawai pindahan gmn", "pegawai mutasi belum dapat tukin",
                                    "cara bayar tunjangan kinerja pegawai mutasi masuk"],
             "keywords": ["tukin", "mutasi"]}


def test_add_edit_retire_change_what_ask_answers(agent, anon, key):
    question = "tukin pegawai mutasi belum dibayar, bagaimana?"
    assert (ask(anon, key, question).get("answer") or {}).get("entry_id") != "gaji-003"
    r = agent.post("/api/v1/console/entries", json=NEW_ENTRY)
    assert r.status_code == 201, r.text
    assert r.json()["id"] == "gaji-003" and r.json()["warnings"] == []  # id suggested from the category
    assert ask(anon, key, question)["answer"]["entry_id"] == "gaji-003"

    edited = {**NEW_ENTRY, "answer": "Tukin pegawai pindahan dibayar satker baru memakai SPM tukin susulan "
                                     "berdasarkan SKPP."}
    r = agent.put("/api/v1/console/entries/gaji-003", json=edited)
    assert r.status_code == 200 and r.json()["answer"] == edited["answer"]
    assert ask(anon, key, question)["answer"]["answer"] == edited["answer"]
    found = agent.get("/api/v1/console/entries", params={"q": "tukin"}).json()
    assert found["total"] == 1 and found["entries"][0]["id"] == "gaji-003"

    assert agent.post("/api/v1/console/entries/gaji-003/retire").json()["status"] == "retired"
    assert (ask(anon, key, question).get("answer") or {}).get("entry_id") != "gaji-003"
    assert agent.get("/api/v1/console/entries", params={"q": "tukin"}).json()["total"] == 0
    assert agent.get("/api/v1/console/entries", params={"q": "tukin", "include_retired": True}).json()["total"] == 1
    assert agent.post("/api/v1/console/entries/tidak-ada/retire").status_code == 404


def test_rejected_edit_leaves_the_served_index_unchanged(agent, anon, key, settings):
    question = "cara revisi dipa gmn?"
    before = ask(anon, key, question)
    files = {p.name: p.read_text(encoding="utf-8") for p in settings.kb_dir.glob("*.yaml")}
    for bad in ({"category": "dipa_revisi", "question": "Bagaimana cara mengajukan revisi DIPA?", "answer": ""},
                {"category": "dipa_revisi", "question": "Bagaimana cara mengajukan revisi DIPA?",
                 "answer": "Hubungi Bapak Budi Santoso di budi@contoh.go.id"},
                {"category": "kategori_baru", "question": "Apa itu revisi?", "answer": "Perubahan DIPA."}):
        r = agent.put("/api/v1/console/entries/dipa-001", json=bad)
        assert r.status_code == 422
        assert r.json()["detail"].startswith("Entri tidak disimpan:")
    assert "data pribadi" in agent.put("/api/v1/console/entries/dipa-001", json={
        **NEW_ENTRY, "category": "dipa_revisi", "answer": "Kirim ke budi@contoh.go.id"}).json()["detail"]
    assert ask(anon, key, question) == before
    assert {p.name: p.read_text(encoding="utf-8") for p in settings.kb_dir.glob("*.yaml")} == files


def test_unanswered_question_becomes_an_entry_in_one_step(agent, anon, key, settings):
    qid = unanswered.record_unanswered("Bagaimana cara mengajukan uang makan lembur pegawai?", sender_id="s-9",
                                       reason="no_answer", settings=settings)
    listed = agent.get("/api/v1/console/unanswered").json()
    assert [q["text"] for q in listed if q["id"] == qid] == ["Bagaimana cara mengajukan uang makan lembur pegawai?"]
    draft = agent.get(f"/api/v1/console/unanswered/{qid}/draft").json()
    assert draft["question"] == "Bagaimana cara mengajukan uang makan lembur pegawai?" and draft["category"]
    draft.update(category="gaji", answer="Uang makan lembur diajukan dengan SPM lembur beserta daftar "
                                         "perhitungan dan surat perintah kerja lembur.",
                 training_questions=["uang lembur pegawai gmn", "cara bayar lembur", "spm uang makan lembur"])
    r = agent.post(f"/api/v1/console/unanswered/{qid}/entry", json=draft)
    assert r.status_code == 201, r.text
    entry_id = r.json()["id"]
    assert unanswered.get_unanswered(qid, settings).resolved_entry_id == entry_id
    assert qid not in [q["id"] for q in agent.get("/api/v1/console/unanswered").json()]
    assert ask(anon, key, "cara mengajukan uang makan lembur pegawai")["answer"]["entry_id"] == entry_id
    assert agent.post(f"/api/v1/console/unanswered/{qid}/entry", json=draft).status_code == 409


def _export(path) -> bytes:
    answer = ("<p>SPM gaji induk diajukan paling lambat tanggal 15 setiap bulan melalui "
              "aplikasi SAKTI modul pembayaran.</p>")
    rows = [dict(id_tiket=str(100 + i), ref_tiket=f"2023010{i}-ABCD{i}", tgl_tiket=f"2023-01-0{i} 10:00:00",
                 status="Closed", subject="gaji", tim_agent="L2 - GAJI", departemen="Gaji",
                 message_awal=q, message_akhir=answer, agent="agen", status_akhir="Closed")
            for i, q in enumerate(["<p>Kapan batas pengajuan SPM gaji induk bulanan?</p>",
                                   "<p>kapan batas pengajuan spm gaji induk bulanan ya?</p>"], start=1)]
    rows.append(dict(rows[0], id_tiket="103", ref_tiket="20230103-ABCD3",
                     message_awal="<p>Bagaimana cara cetak kartu pengawasan kontrak di SAKTI?</p>",
                     message_akhir="<p>Kartu pengawasan kontrak dicetak dari modul komitmen menu laporan "
                                   "kartu pengawasan.</p>"))
    write_export(path, rows)
    return path.read_bytes() + b'104;rusak;baris ini tidak lengkap\n'


def test_import_shows_candidates_and_row_errors_then_accept_and_reject(agent, anon, key, tmp_path):
    files = {"file": ("ekspor_hai.csv", _export(tmp_path / "ekspor.csv"), "text/csv")}
    r = agent.post("/api/v1/console/imports", files=files)
    assert r.status_code == 201, r.text
    batch = r.json()
    assert [(e["line"], "jumlah kolom" in e["message"]) for e in batch["row_errors"]] == [(5, True)]
    assert len(batch["candidates"]) == 2 and batch["counts"]["tickets_used"] == 3
    gaji = next(c for c in batch["candidates"] if c["ticket_count"] == 2)
    other = next(c for c in batch["candidates"] if c["ticket_count"] == 1)
    assert gaji["category"] == "gaji" and other["ticket_count"] == 1

    url = f"/api/v1/console/imports/{batch['id']}/candidates"
    draft = agent.get(f"{url}/{gaji['id']}/draft").json()
    assert draft["category"] == "gaji" and draft["question"] == gaji["question"]
    r = agent.post(f"{url}/{gaji['id']}/accept")
    assert r.status_code == 201, r.text
    assert ask(anon, key, "batas waktu pengajuan spm gaji induk")["answer"]["entry_id"] == r.json()["id"]
    assert agent.post(f"{url}/{gaji['id']}/accept").status_code == 409
    assert agent.post(f"{url}/{other['id']}/reject").status_code == 200
    statuses = {c["id"]: c["status"] for c in agent.get(f"/api/v1/console/imports/{batch['id']}").json()["candidates"]}
    assert statuses == {gaji["id"]: "accepted", other["id"]: "rejected"}
    assert agent.get("/api/v1/console/imports").json()[0]["pending"] == 0
    assert agent.get("/api/v1/console/imports/..%2F..%2Fetc").status_code == 404


def test_too_large_or_empty_upload_is_refused(app, settings):
    small = create_app(settings.model_copy(update={"max_upload_bytes": 200}))
    with TestClient(small, raise_server_exceptions=False) as c:
        r = c.post("/api/v1/console/login", json={"username": "agen.satu", "password": PASSWORD})
        headers = {"X-CSRF-Token": r.json()["csrf_token"]}
        r = c.post("/api/v1/console/imports", files={"file": ("a.csv", b"x" * 500, "text/csv")}, headers=headers)
        assert r.status_code == 413
        r = c.post("/api/v1/console/imports", files={"file": ("a.csv", b"  ", "text/csv")}, headers=headers)
        assert r.status_code == 422 and "kosong" in r.json()["detail"]


def test_every_reply_close_and_edit_has_an_audit_row(app, settings, agent):
    app.state.audit.flush()
    with sessions(settings)() as db:
        rows = db.scalars(select(AuditLog).where(AuditLog.method == "AKSI")).all()
    routes = [r.route for r in rows]
    assert any(r.startswith("konsol/balas/handoff-") for r in routes)
    assert any(r.startswith("konsol/balas-gagal/handoff-") for r in routes)
    assert any(r.startswith("konsol/tutup/handoff-") for r in routes)
    assert {"konsol/tambah/entri/gaji-003", "konsol/ubah/entri/gaji-003", "konsol/pensiun/entri/gaji-003"} <= set(routes)
    assert any(r.startswith("konsol/terima/impor/") for r in routes) and any("konsol/tolak/" in r for r in routes)
    assert all(r.user_id is not None for r in rows)
