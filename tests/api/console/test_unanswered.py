"""The console's unanswered questions (api/routes/console/unanswered.py): one becomes a knowledge-base entry in
one step, is marked resolved and answers /api/v1/ask at once; a second try is refused."""
from __future__ import annotations

from helpdesk import unanswered
from tests.api.console.conftest import ask


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

