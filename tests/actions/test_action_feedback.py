"""Feedback on answers: the answer asks "Apakah jawaban ini membantu?" with 👍/👎, action_answer_feedback stores
the vote (one per answer, the last counts), 👎 offers the next best entries or a person, and a broken
database never costs the user the reply."""
from __future__ import annotations

import json

import pytest

from actions import resources
from actions.faq import ActionAnswerQuestion
from actions.feedback import (
    DOWN_WITH_ALTERNATIVES, DOWN_WITHOUT_ALTERNATIVES, NO_ANSWER_YET, THANKS_UP, ActionAnswerFeedback,
)
from channels.telegram_core import CALLBACK_DATA_MAX_BYTES
from helpdesk import feedback
from knowledge.search import AskResult, CandidateScore
from tests.actions.test_action_faq import ENTRIES, FakeKB, hit
from tests.actions.trackers import conversation, run, slot_events, texts, user


class RankingSearch:
    """A confident answer for dipa-001 whose ranking has sp2d-002 and gaji-003 next."""

    def __init__(self):
        self.knowledge_base = FakeKB()

    def ask(self, question: str) -> AskResult:
        return AskResult(outcome="answer", question=question, confidence=0.88, entry=hit("dipa-001"),
                         candidates=[CandidateScore(id=i, fused=0.5, dense=0.5, lexical=0.5)
                                     for i in ("dipa-001", "sp2d-002", "gaji-003")])


@pytest.fixture(autouse=True)
def search(monkeypatch):
    fake = RankingSearch()
    monkeypatch.setattr(resources, "knowledge", lambda: fake)
    return fake


def answered(domain, sender: str, text: str = "gmn cara revisi dipa? email budi@contoh.go.id",
             channel: str = "telegram") -> tuple[str, list[dict]]:
    """Ask a question in conversation ``sender``; returns the answer id and the bot's messages."""
    state = user(conversation(), text, intent="ask_helpdesk", channel=channel)
    state["sender_id"] = sender
    events, messages = run(ActionAnswerQuestion(), state, domain)
    return slot_events(events)["answer_id"], messages


def press(domain, sender: str, answer_id: str | None, vote: str | None, slot: str | None = None,
          text: str | None = None) -> list[dict]:
    entities = [{"entity": k, "value": v} for k, v in (("answer_id", answer_id), ("vote", vote)) if v]
    payload = text or "/feedback" + json.dumps({"answer_id": answer_id, "vote": vote}, separators=(",", ":"))
    state = user(conversation(answer_id=slot), payload, intent="feedback", entities=entities)
    state["sender_id"] = sender
    _, messages = run(ActionAnswerFeedback(), state, domain)
    return messages


def stored(sender: str, answer_id: str) -> feedback.Answer:
    return feedback.get_answer(answer_id, owner=feedback.Owner.conversation(sender))


def test_the_answer_carries_the_question_and_two_buttons_and_is_stored(domain):
    answer_id, messages = answered(domain, "fb-answer")
    assert len(messages) == 1 and messages[0]["text"].endswith("\n\nApakah jawaban ini membantu?")
    buttons = messages[0]["buttons"]
    assert [b["title"] for b in buttons] == ["👍 Ya", "👎 Tidak"]
    assert [json.loads(b["payload"].removeprefix("/feedback")) for b in buttons] == [
        {"answer_id": answer_id, "vote": "up"}, {"answer_id": answer_id, "vote": "down"}]
    assert all(b["payload"].startswith("/feedback{") for b in buttons)
    assert max(len(b["payload"].encode()) for b in buttons) <= CALLBACK_DATA_MAX_BYTES  # Telegram sends it as is
    row = stored("fb-answer", answer_id)
    assert (row.entry_id, row.confidence, row.channel, row.vote) == ("dipa-001", 0.88, "telegram", None)
    assert "budi@contoh.go.id" not in row.question and "[EMAIL]" in row.question
    assert row.alternative_ids == ["sp2d-002", "gaji-003"]


def test_an_entry_picked_from_the_alternatives_gets_the_buttons_too(domain):
    state = user(conversation(), "dana belum masuk", intent="ask_helpdesk")
    user(state, '/ask_helpdesk{"faq_id":"sp2d-002"}', intent="ask_helpdesk",
         entities=[{"entity": "faq_id", "value": "sp2d-002"}])
    state["sender_id"] = "fb-picked"
    events, messages = run(ActionAnswerQuestion(), state, domain)
    answer_id = slot_events(events)["answer_id"]
    assert messages[0]["buttons"][0]["payload"] == '/feedback{"answer_id":"%s","vote":"up"}' % answer_id
    row = stored("fb-picked", answer_id)
    assert (row.entry_id, row.confidence, row.question) == ("sp2d-002", None, "dana belum masuk")


def test_thumbs_up_is_stored_and_thanked(domain):
    answer_id, _ = answered(domain, "fb-up")
    messages = press(domain, "fb-up", answer_id, "up")
    assert texts(messages) == THANKS_UP and not messages[0]["buttons"]
    assert stored("fb-up", answer_id).vote == "up"


def test_thumbs_down_offers_the_next_best_entries_and_a_person(domain):
    answer_id, _ = answered(domain, "fb-down")
    messages = press(domain, "fb-down", answer_id, "down")
    assert messages[0]["text"] == DOWN_WITH_ALTERNATIVES
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/ask_helpdesk{"faq_id":"sp2d-002"}', '/ask_helpdesk{"faq_id":"gaji-003"}', "/human_handoff"]
    assert messages[0]["buttons"][0]["title"] == ENTRIES["sp2d-002"].question
    assert stored("fb-down", answer_id).vote == "down"


def test_a_double_click_keeps_one_vote_the_last(domain):
    answer_id, _ = answered(domain, "fb-twice")
    press(domain, "fb-twice", answer_id, "down")
    press(domain, "fb-twice", answer_id, "up")
    assert stored("fb-twice", answer_id).vote == "up"


def test_thumbs_down_without_alternatives_offers_a_person(domain, monkeypatch):
    answer_id = feedback.record_answer("gaji-003", owner=feedback.Owner.conversation("fb-alone"))
    messages = press(domain, "fb-alone", answer_id, "down")
    assert messages[0]["text"] == DOWN_WITHOUT_ALTERNATIVES
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/human_handoff"]


def test_a_vote_on_another_conversations_answer_stores_nothing(domain):
    answer_id, _ = answered(domain, "fb-owner")
    messages = press(domain, "fb-intruder", answer_id, "down")
    assert messages[0]["text"] == DOWN_WITHOUT_ALTERNATIVES  # no alternatives of someone else's question
    assert stored("fb-owner", answer_id).vote is None
    assert texts(press(domain, "fb-owner", "tidak-pernah-diberikan-x", "up")) == THANKS_UP


def test_typed_feedback_votes_on_the_latest_answer_or_asks_again(domain):
    answer_id, _ = answered(domain, "fb-typed")
    messages = press(domain, "fb-typed", None, "down", slot=answer_id, text="jawabannya tidak membantu")
    assert messages[0]["text"] == DOWN_WITH_ALTERNATIVES and stored("fb-typed", answer_id).vote == "down"
    messages = press(domain, "fb-typed", None, None, slot=answer_id, text="saya mau menilai jawaban tadi")
    assert messages[0]["text"] == "Apakah jawaban ini membantu?" and len(messages[0]["buttons"]) == 2
    assert texts(press(domain, "fb-new", None, "up", text="jawaban ini membantu")) == NO_ANSWER_YET


def test_a_broken_database_never_costs_the_reply(domain, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database terkunci")

    monkeypatch.setattr(feedback, "record_result", broken)
    monkeypatch.setattr(feedback, "vote", broken)
    answer_id, messages = answered(domain, "fb-broken")
    assert messages[0]["text"].startswith("Revisi DIPA") and len(messages[0]["buttons"]) == 2
    assert feedback.is_answer_id(answer_id)
    assert texts(press(domain, "fb-broken", answer_id, "up")) == THANKS_UP
    down = press(domain, "fb-broken", answer_id, "down")
    assert down[0]["text"] == DOWN_WITHOUT_ALTERNATIVES
    assert "could not store an answer for feedback" in caplog.text and "could not store feedback" in caplog.text
