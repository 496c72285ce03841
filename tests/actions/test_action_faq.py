"""action_answer_question over a stand-in knowledge service: answer, alternatives, handoff, empty, errors."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from actions import resources
from actions.faq import ALTERNATIVES_PROMPT, ActionAnswerQuestion
from helpdesk import handoff as handoff_core
from hai.db import session_factory
from hai.messages import APOLOGY_REPLY
from hai.models import UnansweredQuestion
from knowledge.kb import Entry
from knowledge.search import MESSAGES, AskResult, EntryHit
from tests.actions.trackers import conversation, run, slot_events, texts, user

ENTRIES = {
    "dipa-001": Entry(id="dipa-001", question="Bagaimana cara mengajukan revisi DIPA?",
                      answer="Revisi DIPA diajukan melalui aplikasi SAKTI modul Penganggaran.",
                      reference="PMK 62 Tahun 2023", category="dipa", category_title="DIPA dan Revisi"),
    "sp2d-002": Entry(id="sp2d-002", question="Mengapa SP2D belum cair?", answer="Periksa status SPM di OM SPAN.",
                      category="sp2d", category_title="SP2D"),
    "gaji-003": Entry(id="gaji-003", question="Kapan gaji ke-13 dibayarkan?", answer="Sesuai PMK tahun berjalan.",
                      category="gaji", category_title="Gaji"),
}


def hit(entry_id: str) -> EntryHit:
    e = ENTRIES[entry_id]
    return EntryHit(id=e.id, category=e.category, category_title=e.category_title, question=e.question,
                    answer=e.answer, reference=e.reference, score=0.8)


class FakeKB:
    def get(self, entry_id):
        return ENTRIES.get(entry_id)


class FakeSearch:
    """Answers from a fixed outcome; records what was asked."""

    def __init__(self, outcome: str):
        self.outcome, self.asked, self.knowledge_base = outcome, [], FakeKB()

    def ask(self, question: str) -> AskResult:
        self.asked.append(question)
        entry = hit("dipa-001") if self.outcome in ("answer", "alternatives") else None
        alts = [hit("sp2d-002"), hit("gaji-003")] if self.outcome == "alternatives" else []
        return AskResult(outcome=self.outcome, question=question, confidence=0.5, entry=entry,
                         alternatives=alts, message=MESSAGES.get(self.outcome, ""))


@pytest.fixture
def search(monkeypatch):
    def use(outcome: str) -> FakeSearch:
        fake = FakeSearch(outcome)
        monkeypatch.setattr(resources, "knowledge", lambda: fake)
        return fake
    return use


def unanswered(sender_hash_prefix: str = "") -> list[UnansweredQuestion]:
    with session_factory()() as s:
        return list(s.scalars(select(UnansweredQuestion)).all())


def test_answer_with_category_and_source_resets_the_unsure_count(domain, search):
    fake = search("answer")
    state = user(conversation(faq_unsure_count=1), "gmn cara revisi dipa?", intent="ask_helpdesk")
    events, messages = run(ActionAnswerQuestion(), state, domain)
    assert fake.asked == ["gmn cara revisi dipa?"]
    assert texts(messages) == ("Revisi DIPA diajukan melalui aplikasi SAKTI modul Penganggaran.\n\n"
                               "Kategori: DIPA dan Revisi\nSumber: PMK 62 Tahun 2023 (dipa-001)\n\n"
                               "Apakah jawaban ini membantu?")
    slots = slot_events(events)
    assert slots["faq_unsure_count"] == 0 and set(slots) == {"faq_unsure_count", "answer_id"}


def test_alternatives_offer_buttons_and_count_the_unsure_turn(domain, search):
    search("alternatives")
    before = len(unanswered())
    state = user(conversation(), "dana saya belum masuk, email budi@contoh.go.id", intent="ask_helpdesk")
    events, messages = run(ActionAnswerQuestion(), state, domain)
    assert messages[0]["text"] == ALTERNATIVES_PROMPT
    buttons = messages[0]["buttons"]
    assert [b["payload"] for b in buttons] == ['/ask_helpdesk{"faq_id":"dipa-001"}', '/ask_helpdesk{"faq_id":"sp2d-002"}',
                                              '/ask_helpdesk{"faq_id":"gaji-003"}', "/human_handoff"]
    assert buttons[-1]["title"] == "Bicara dengan petugas"
    assert slot_events(events) == {"faq_unsure_count": 1}
    rows = unanswered()
    assert len(rows) == before + 1 and rows[-1].reason == "unsure"
    assert "budi@contoh.go.id" not in rows[-1].text and "[EMAIL]" in rows[-1].text


def test_second_unsure_turn_in_a_row_hands_over(domain, search):
    search("alternatives")
    state = user(conversation(faq_unsure_count=1), "uang belum masuk juga", intent="ask_helpdesk")
    state["sender_id"] = "faq-unsure-twice"
    events, messages = run(ActionAnswerQuestion(), state, domain)
    said = texts(messages)
    assert "belum yakin" in said and "nomor antrean #" in said and "14090" in said
    slots = slot_events(events)
    assert slots["faq_unsure_count"] == 0
    request = handoff_core.get(int(slots["handoff_id"]))
    assert request.reason == "unsure_twice" and request.sender_id == "faq-unsure-twice"


def test_knowledge_handoff_outcome_hands_over_and_records_the_question(domain, search):
    search("handoff")
    state = user(conversation(), "bagaimana cara klaim asuransi mobil dinas?", intent="ask_helpdesk")
    state["sender_id"] = "faq-no-answer"
    events, messages = run(ActionAnswerQuestion(), state, domain)
    assert messages[0]["text"] == MESSAGES["handoff"] and "nomor antrean" in messages[1]["text"]
    assert handoff_core.get(int(slot_events(events)["handoff_id"])).reason == "no_answer"
    assert unanswered()[-1].reason == "no_answer"


def test_a_button_answers_its_entry_without_searching(domain, search):
    fake = search("handoff")
    state = user(conversation(faq_unsure_count=1), '/ask_helpdesk{"faq_id":"sp2d-002"}', intent="ask_helpdesk",
                 entities=[{"entity": "faq_id", "value": "sp2d-002"}])
    events, messages = run(ActionAnswerQuestion(), state, domain)
    assert fake.asked == []
    assert texts(messages).startswith("Periksa status SPM di OM SPAN.")
    assert "Sumber: Basis pengetahuan HAI DJPb (sp2d-002)" in texts(messages)
    assert texts(messages).endswith("Apakah jawaban ini membantu?")
    slots = slot_events(events)
    assert slots["faq_unsure_count"] == 0 and slots["answer_id"]


def test_a_button_for_a_retired_entry_asks_to_rephrase(domain, search):
    search("answer")
    state = user(conversation(), '/ask_helpdesk{"faq_id":"lama-999"}', intent="ask_helpdesk",
                 entities=[{"entity": "faq_id", "value": "lama-999"}])
    _, messages = run(ActionAnswerQuestion(), state, domain)
    assert "sudah tidak tersedia" in texts(messages)


@pytest.mark.parametrize("outcome", ["empty", "too_long"])
def test_empty_and_too_long_questions_get_the_service_message(domain, search, outcome):
    search(outcome)
    events, messages = run(ActionAnswerQuestion(), user(conversation(), "?", intent="ask_helpdesk"), domain)
    assert texts(messages) == MESSAGES[outcome] and slot_events(events) == {}


def test_a_failing_knowledge_service_apologises_and_queues_the_question(domain, monkeypatch, caplog):
    def broken():
        raise RuntimeError("index rusak")

    monkeypatch.setattr(resources, "knowledge", broken)
    state = user(conversation(), "cara revisi dipa", intent="ask_helpdesk")
    state["sender_id"] = "faq-error"
    events, messages = run(ActionAnswerQuestion(), state, domain)
    assert messages[0]["text"] == APOLOGY_REPLY and "nomor antrean" in messages[1]["text"]
    assert handoff_core.get(int(slot_events(events)["handoff_id"])).reason == "error"
    assert "action_answer_question failed" in caplog.text and "index rusak" in caplog.text
