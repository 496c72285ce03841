"""The console's knowledge-base routes (api/routes/console/knowledge.py): add, edit and retire change what
/api/v1/ask answers; a rejected edit changes nothing; a HAI export import shows candidates and row errors, and
its candidates are accepted or rejected; uploads too large or empty are refused; audit rows.
"""
from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.main import create_app
from api.storage import sessions
from hai.models import AuditLog
from knowledge.hai_export import write_export
from tests.api.console.conftest import PASSWORD, ask

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


def test_too_large_or_empty_upload_is_refused(app, settings, agent):  # ``agent``: agen.satu exists
    small = create_app(settings.model_copy(update={"max_upload_bytes": 200}))
    with TestClient(small, raise_server_exceptions=False) as c:
        r = c.post("/api/v1/console/login", json={"username": "agen.satu", "password": PASSWORD})
        headers = {"X-CSRF-Token": r.json()["csrf_token"]}
        r = c.post("/api/v1/console/imports", files={"file": ("a.csv", b"x" * 500, "text/csv")}, headers=headers)
        assert r.status_code == 413
        r = c.post("/api/v1/console/imports", files={"file": ("a.csv", b"  ", "text/csv")}, headers=headers)
        assert r.status_code == 422 and "kosong" in r.json()["detail"]



def test_every_edit_and_import_decision_has_an_audit_row(app, settings, agent):
    app.state.audit.flush()
    with sessions(settings)() as db:
        rows = db.scalars(select(AuditLog).where(AuditLog.method == "AKSI")).all()
    routes = [r.route for r in rows]
    assert {"konsol/tambah/entri/gaji-003", "konsol/ubah/entri/gaji-003", "konsol/pensiun/entri/gaji-003"} <= set(routes)
    assert any(r.startswith("konsol/terima/impor/") for r in routes) and any("konsol/tolak/" in r for r in routes)
    assert all(r.user_id is not None for r in rows)
