"""Agent assist (helpdesk/assist.py): the user's questions picked from a transcript, knowledge-base entries and
resolved tickets ranked for them (redacted, one per distinct answer, nothing unrelated), the identifiers of the
conversation, and a closed handoff made a knowledge-base candidate once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

from hai.settings import Settings
from helpdesk import assist, handoff
from knowledge import import_review
from knowledge.search import KnowledgeSearch
from knowledge.ticket_archive import keep_tickets, similar_tickets
from tests.api.conftest import write_kb


@dataclass
class Ticket:  # the shape of knowledge.ingest.CleanTicket that the archive reads
    ref_tiket: str
    date: str
    category: str
    question: str
    answer: str


REVISI = ("Revisi DIPA diajukan KPA ke Kanwil DJPb melalui aplikasi SAKTI modul penganggaran dengan ADK "
          "revisi dan surat usulan.")
TICKETS = [
    Ticket("20240105-AAA1", "2024-01-05", "dipa_revisi", "Bagaimana cara mengajukan revisi DIPA satker kami?", REVISI),
    Ticket("20240106-AAA2", "2024-01-06", "dipa_revisi", "cara ajukan revisi DIPA gimana ya", REVISI),  # same answer
    Ticket("20240107-AAA3", "2024-01-07", "dipa_revisi", "Revisi DIPA halaman III ditolak Kanwil, kenapa?",
           "Revisi halaman III DIPA ditolak bila RPD tidak sesuai; hubungi Bapak Budi Santoso di "
           "budi.santoso@contoh.go.id untuk konfirmasi."),
    Ticket("20240108-AAA4", "2024-01-08", "gaji", "Kapan batas pengajuan SPM gaji induk bulanan?",
           "SPM gaji induk diajukan paling lambat tanggal 15 setiap bulan melalui SAKTI modul pembayaran."),
]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("assist")


@pytest.fixture(scope="module")
def search(root) -> KnowledgeSearch:
    return KnowledgeSearch(write_kb(root / "kb"), root / "index", tuned="off").ensure_ready()


@pytest.fixture(scope="module")
def settings(root) -> Settings:
    settings = Settings(data_dir=root / "data")
    keep_tickets("a" * 32, TICKETS, settings)
    return settings


def user(text: str) -> dict:
    return {"who": "user", "text": text, "time": None}


def test_user_questions_leave_out_buttons_requests_for_a_person_and_thanks_and_are_redacted():
    lines = [user("halo"), {"who": "bot", "text": "Ada yang bisa dibantu?"}, user("[tombol: /menu]"),
             user("SPM gaji saya ditolak, NIP 19850101 201001 1 001, kenapa?"), user("saya mau bicara dengan petugas"),
             user("tidak bisa login ke SAKTI sejak kemarin"), user("terima kasih ya"), user("ok")]
    assert assist.user_questions(lines) == ["SPM gaji saya ditolak, NIP [NIP], kenapa?",
                                            "tidak bisa login ke SAKTI sejak kemarin"]


def test_suggest_ranks_the_matching_entry_and_ticket_first_one_per_answer(search, settings):
    result = assist.suggest([user("saya mau bicara dengan petugas"),
                             user("bagaimana cara mengajukan revisi DIPA?")], search, settings)
    assert result.question and result.message == ""
    assert result.entries[0].id == "dipa-001" and result.entries[0].kind == "entri"
    assert result.category == "dipa_revisi" and result.category_title == "DIPA dan Revisi DIPA"
    assert [e.score for e in result.entries] == sorted((e.score for e in result.entries), reverse=True)
    refs = [t.id for t in result.tickets]
    assert refs[0] in ("20240105-AAA1", "20240106-AAA2")  # the same answer twice: shown once
    assert not {"20240105-AAA1", "20240106-AAA2"} <= set(refs)
    assert "20240108-AAA4" not in refs  # gaji has nothing to do with it
    assert result.tickets[0].text == REVISI and result.tickets[0].source.startswith("Tiket HAI 2024010")


def test_ticket_suggestions_are_redacted_even_when_stored_text_was_not(search, settings):
    result = assist.suggest([user("revisi DIPA halaman III ditolak kanwil")], search, settings)
    ticket = next(t for t in result.tickets if t.id == "20240107-AAA3")
    assert "Budi" not in ticket.text and "@" not in ticket.text
    assert "[NAMA]" in ticket.text and "[EMAIL]" in ticket.text


def test_empty_cases(search, settings, tmp_path):
    nothing = assist.suggest([user("saya mau bicara dengan petugas"), {"who": "bot", "text": "Baik."}],
                             search, settings)
    assert (nothing.entries, nothing.tickets, nothing.message) == ([], [], assist.NO_QUESTION)
    assert assist.suggest([], search, settings).message == assist.NO_QUESTION
    no_archive = assist.suggest([user("bagaimana cara mengajukan revisi DIPA?")], search,
                                Settings(data_dir=tmp_path / "kosong"))
    assert no_archive.tickets == [] and no_archive.entries  # no import yet: entries only
    assert similar_tickets("", settings) == [] and similar_tickets("xyzzy qwerty", settings) == []


def test_conversation_details_are_parsed_by_the_projects_parsers():
    lines = [user("tagihan listrik satker 400 156 periode Februari 2024 idpel 5000 2548 8143"),
             user("satker 400156 juga 03/2024"), {"who": "bot", "text": "satker 999999"},
             user("kode satker 12a saja, NIP 19850101 201001 1 001")]
    assert [(d.label, d.value) for d in assist.conversation_details(lines)] == [
        ("Kode satker", "400156"), ("Idpel", "500025488143"), ("Periode", "Februari 2024"),
        ("Periode", "Maret 2024")]


def _handoff(status: str, number: int = 7) -> handoff.Handoff:
    now = datetime(2024, 3, 4, 5, 6, tzinfo=timezone.utc)
    return handoff.Handoff(id=number, created_at=now, sender_id="s", channel="socketio", status=status,
                           reason="asked", transcript=[], closed_at=now if status == "closed" else None)


LINES = [user("Saya Budi Santoso dari satker 400156\nbagaimana cara mengajukan revisi DIPA? email budi@contoh.go.id"),
         user("saya mau bicara dengan petugas")]


def test_closed_handoff_becomes_one_redacted_candidate_in_the_review_queue(search, tmp_path):
    folder = tmp_path / "review"
    reply = "Revisi DIPA diajukan lewat SAKTI; hubungi Ibu Sari Dewi 0812-3456-7890 bila ditolak."
    with pytest.raises(assist.CandidateError, match="belum ditutup"):
        assist.handoff_candidate(_handoff("assigned"), LINES, reply, search, folder, "agen")
    with pytest.raises(assist.CandidateError, match="belum punya balasan"):
        assist.handoff_candidate(_handoff("closed"), LINES, None, search, folder, "agen")
    with pytest.raises(assist.CandidateError, match="tidak memuat pertanyaan"):
        assist.handoff_candidate(_handoff("closed"), LINES[1:], reply, search, folder, "agen")

    batch = assist.handoff_candidate(_handoff("closed"), LINES, reply, search, folder, "agen")
    (candidate,) = batch.candidates
    assert batch.source == import_review.HANDOFF and batch.filename == "Permintaan petugas #7"
    assert candidate.category == "dipa_revisi" and candidate.category_known
    assert "Budi" not in candidate.question and "@" not in candidate.question
    assert "revisi DIPA" in candidate.question and not candidate.question.startswith("Saya")  # intro line gone
    assert "Sari" not in candidate.answer and "0812" not in candidate.answer and "[TELEPON]" in candidate.answer
    assert candidate.status == import_review.PENDING and candidate.first_seen == "2024-03-04"
    assert [b.id for b in import_review.list_batches(folder)] == [batch.id]  # the import review queue
    assert import_review.candidate_draft(candidate, _Editor(search)).reference == "Permintaan petugas #7"

    with pytest.raises(assist.AlreadyCandidate) as twice:
        assist.handoff_candidate(_handoff("closed"), LINES, reply, search, folder, "agen lain")
    assert twice.value.batch_id == batch.id and len(import_review.list_batches(folder)) == 1
    assert assist.candidate_batch_id(7) != assist.candidate_batch_id(8)


class _Editor:
    def __init__(self, search):
        self.kb = search.knowledge_base
