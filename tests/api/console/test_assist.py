"""Agent assist in the console API (api/routes/console/handoffs.py): suggestions for an open handoff from the
knowledge base and from the resolved tickets of an imported export, who may ask, unknown and closed handoffs,
the handoff card's details, and a closed handoff turned into a knowledge-base candidate in the import review."""
from __future__ import annotations

from api.keys import create_key
from helpdesk import handoff
from knowledge.hai_export import write_export
from tests.api.console.conftest import ask

QUESTION = "Kapan batas pengajuan SPM gaji induk bulanan? satker 400156 periode Februari 2024"


def _export(path) -> bytes:
    answer = ("<p>SPM gaji induk diajukan paling lambat tanggal 15 setiap bulan melalui aplikasi SAKTI modul "
              "pembayaran. Hubungi Bapak Budi Santoso 0812-3456-7890 bila ada kendala.</p>")
    rows = [dict(id_tiket="201", ref_tiket="20230201-GAJI1", tgl_tiket="2023-02-01 10:00:00", status="Closed",
                 subject="gaji", tim_agent="L2 - GAJI", departemen="Gaji", agent="agen", status_akhir="Closed",
                 message_awal="<p>Kapan batas waktu pengajuan SPM gaji induk setiap bulan?</p>",
                 message_akhir=answer)]
    write_export(path, rows)
    return path.read_bytes()


def _open(settings, sender: str, text: str = QUESTION) -> handoff.Handoff:
    request, _ = handoff.create_or_get_open(sender, channel="socketio", settings=settings, transcript=[
        {"who": "user", "text": text, "time": 1.0}, {"who": "user", "text": "saya mau bicara dengan petugas",
                                                     "time": 2.0}])
    return request


def test_assist_suggests_entries_and_imported_tickets_redacted(agent, settings, tmp_path):
    r = agent.post("/api/v1/console/imports",
                   files={"file": ("ekspor.csv", _export(tmp_path / "ekspor.csv"), "text/csv")})
    assert r.status_code == 201, r.text
    request = _open(settings, "assist-1")
    r = agent.get(f"/api/v1/console/handoffs/{request.id}/assist")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["entries"][0]["kind"] == "entri" and body["entries"][0]["category"] == "gaji"
    assert body["category_title"] == "Gaji dan Tunjangan"
    (ticket,) = body["tickets"]
    assert ticket["id"] == "20230201-GAJI1" and ticket["source"] == "Tiket HAI 20230201-GAJI1 · 2023-02-01"
    assert "tanggal 15" in ticket["text"]
    assert "Budi" not in ticket["text"] and "0812" not in ticket["text"]

    detail = agent.get(f"/api/v1/console/handoffs/{request.id}").json()
    assert detail["details"] == [{"label": "Kode satker", "value": "400156"},
                                 {"label": "Periode", "value": "Februari 2024"}]


def test_assist_is_for_agents_and_admins_only(app, anon, agent, settings, key):
    request = _open(settings, "assist-2")
    url = f"/api/v1/console/handoffs/{request.id}/assist"
    assert anon.get(url).status_code == 401
    assert anon.get(url, headers=key).status_code == 403  # a caller key is no agent
    admin = {"X-API-Key": create_key("uji-admin", "admin", settings)[1]}
    assert anon.get(url, headers=admin).status_code == 200
    assert agent.get(url).status_code == 200


def test_assist_for_an_unknown_or_closed_handoff(agent, settings):
    r = agent.get("/api/v1/console/handoffs/99999/assist")
    assert r.status_code == 404 and r.json()["detail"] == "Permintaan petugas #99999 tidak ditemukan."
    request = _open(settings, "assist-3")
    handoff.close(request.id, settings)
    r = agent.get(f"/api/v1/console/handoffs/{request.id}/assist")
    assert r.status_code == 409 and "sudah ditutup" in r.json()["detail"]


def test_nothing_to_search_says_so(agent, settings):
    request, _ = handoff.create_or_get_open("assist-4", settings=settings, transcript=[
        {"who": "user", "text": "saya mau bicara dengan petugas", "time": 1.0}])
    body = agent.get(f"/api/v1/console/handoffs/{request.id}/assist").json()
    assert body["entries"] == [] and body["tickets"] == [] and body["message"].startswith("Belum ada pertanyaan")


def test_closed_handoff_becomes_a_candidate_once_and_is_reviewed_like_an_import(agent, anon, key, settings):
    request = _open(settings, "assist-5", "Bagaimana cara mencetak kartu pengawasan kontrak di SAKTI? "
                                          "email saya budi@contoh.go.id")
    url = f"/api/v1/console/handoffs/{request.id}"
    assert agent.post(f"{url}/candidate").status_code == 409  # not closed yet
    reply = ("Kartu pengawasan kontrak dicetak dari modul komitmen SAKTI, menu laporan kartu pengawasan. "
             "Bila gagal hubungi Ibu Sari Dewi 0812-1111-2222.")
    assert agent.post(f"{url}/reply", json={"text": reply}).status_code == 200
    agent.post(f"{url}/close")
    r = agent.post(f"{url}/candidate")
    assert r.status_code == 201, r.text
    batch = r.json()
    (candidate,) = batch["candidates"]
    assert batch["source"] == "permintaan-petugas" and candidate["status"] == "pending"
    assert "kartu pengawasan kontrak" in candidate["question"] and "@" not in candidate["question"]
    assert "modul komitmen" in candidate["answer"] and "Sari" not in candidate["answer"]
    assert "0812" not in candidate["answer"]
    queue = agent.get("/api/v1/console/imports").json()
    assert any(b["id"] == batch["id"] and b["pending"] == 1 for b in queue)

    again = agent.post(f"{url}/candidate")
    assert again.status_code == 409 and "sudah dijadikan kandidat" in again.json()["detail"]
    assert sum(b["id"] == batch["id"] for b in agent.get("/api/v1/console/imports").json()) == 1
    assert agent.post("/api/v1/console/handoffs/99999/candidate").status_code == 404

    draft = agent.get(f"/api/v1/console/imports/{batch['id']}/candidates/{candidate['id']}/draft").json()
    assert draft["reference"] == f"Permintaan petugas #{request.id}"
    draft["category"] = draft["category"] or "gaji"
    draft["training_questions"] = ["cetak kartu pengawasan kontrak sakti", "kartu pengawasan kontrak dimana"]
    accepted = agent.post(f"/api/v1/console/imports/{batch['id']}/candidates/{candidate['id']}/accept", json=draft)
    assert accepted.status_code == 201, accepted.text
    assert ask(anon, key, "cara cetak kartu pengawasan kontrak di sakti")["answer"]["entry_id"] == accepted.json()["id"]


def test_closed_handoff_without_a_delivered_reply_is_refused(agent, settings, rasa):
    request = _open(settings, "assist-6")
    rasa.status = 500
    try:
        agent.post(f"/api/v1/console/handoffs/{request.id}/reply", json={"text": "Sedang kami cek."})
    finally:
        rasa.status = 200
    agent.post(f"/api/v1/console/handoffs/{request.id}/close")
    r = agent.post(f"/api/v1/console/handoffs/{request.id}/candidate")
    assert r.status_code == 409 and "belum punya balasan petugas" in r.json()["detail"]
