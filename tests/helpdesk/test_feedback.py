"""helpdesk.feedback: answers stored under a random id, one vote per answer (the last counts), owners apart."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hai.db import session_factory
from hai.models import AnswerFeedback
from hai.settings import Settings
from helpdesk import feedback
from helpdesk.feedback import AnswerNotFoundError, InvalidVoteError, Owner
from helpdesk.unanswered import sender_hash
from knowledge.search import AskResult, CandidateScore, EntryHit

ALICE = Owner.conversation("tg-1001")
BOB = Owner.conversation("tg-2002")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path)


def rows(settings) -> int:
    with session_factory(settings)() as s:
        return s.scalar(select(func.count()).select_from(AnswerFeedback))


def hit(entry_id: str) -> EntryHit:
    return EntryHit(id=entry_id, category="dipa", category_title="DIPA", question="q", answer="a", score=0.9)


def test_an_answer_is_stored_without_a_vote_under_a_random_id(settings):
    first = feedback.record_answer("dipa-001", owner=ALICE, channel="telegram", confidence=0.91,
                                   question="email saya budi@contoh.go.id, cara revisi dipa?",
                                   alternative_ids=["dipa-002", "gaji-001", "gaji-002"], settings=settings)
    second = feedback.record_answer("dipa-001", owner=ALICE, settings=settings)
    assert first != second and feedback.is_answer_id(first) and len(first) == 22
    answer = feedback.get_answer(first, owner=ALICE, settings=settings)
    assert (answer.entry_id, answer.confidence, answer.channel) == ("dipa-001", 0.91, "telegram")
    assert answer.vote is None
    assert answer.question == "email saya [EMAIL], cara revisi dipa?"
    assert answer.alternative_ids == ["dipa-002", "gaji-001"]  # the next two best
    with session_factory(settings)() as s:
        row = s.get(AnswerFeedback, first)
        assert row.sender_hash == sender_hash("tg-1001") and row.caller is None  # never the raw sender id


def test_one_vote_per_answer_and_the_last_one_counts(settings):
    answer_id = feedback.record_answer("dipa-001", owner=ALICE, settings=settings)
    before = rows(settings)
    up = feedback.vote(answer_id, "up", owner=ALICE, settings=settings)
    assert up.vote == "up" and up.voted_at is not None
    down = feedback.vote(answer_id, " DOWN ", owner=ALICE, comment="kurang jelas, hubungi 081234567890",
                         settings=settings)
    assert down.vote == "down" and down.comment == "kurang jelas, hubungi [TELEPON]"
    again = feedback.vote(answer_id, "up", owner=ALICE, settings=settings)
    assert again.vote == "up" and again.comment is None  # the whole last vote counts
    assert rows(settings) == before  # updated, never inserted
    stored = feedback.get_answer(answer_id, owner=ALICE, settings=settings)
    assert stored.vote == "up" and stored.updated_at >= stored.created_at


@pytest.mark.parametrize("answer_id", ["tidak-ada-jawaban-ini-xx", "", "pendek", "a" * 40, "../../etc/passwd",
                                       None])
def test_unknown_or_malformed_ids_are_not_found(settings, answer_id):
    with pytest.raises(AnswerNotFoundError, match="Jawaban tidak ditemukan"):
        feedback.vote(answer_id, "up", owner=ALICE, settings=settings)


def test_an_answer_of_someone_else_is_not_found_and_keeps_its_vote(settings):
    answer_id = feedback.record_answer("dipa-001", owner=ALICE, settings=settings)
    feedback.vote(answer_id, "up", owner=ALICE, settings=settings)
    for stranger in (BOB, Owner.api("key:1"), Owner(sender_hash=None, caller=None)):
        with pytest.raises(AnswerNotFoundError):
            feedback.vote(answer_id, "down", owner=stranger, settings=settings)
    api_id = feedback.record_answer("gaji-001", owner=Owner.api("key:7"), channel="api", settings=settings)
    for stranger in (Owner.api("key:8"), ALICE):
        with pytest.raises(AnswerNotFoundError):
            feedback.vote(api_id, "down", owner=stranger, settings=settings)
    assert feedback.get_answer(answer_id, owner=ALICE, settings=settings).vote == "up"
    assert feedback.vote(api_id, "down", owner=Owner.api("key:7"), settings=settings).vote == "down"


@pytest.mark.parametrize("value", ["", "maybe", "👍", None, 1])
def test_a_vote_is_up_or_down(settings, value):
    answer_id = feedback.record_answer("dipa-001", owner=ALICE, settings=settings)
    with pytest.raises(InvalidVoteError, match="'up'"):
        feedback.vote(answer_id, value, owner=ALICE, settings=settings)
    assert feedback.get_answer(answer_id, owner=ALICE, settings=settings).vote is None


def test_record_result_keeps_the_next_best_entries_and_skips_results_without_an_entry(settings):
    answered = AskResult(outcome="answer", question="cara revisi dipa", confidence=0.87, entry=hit("dipa-001"),
                         candidates=[CandidateScore(id=i, fused=0.5, dense=0.5, lexical=0.5)
                                     for i in ("dipa-001", "dipa-002", "gaji-001", "gaji-002")])
    answer_id = feedback.record_result(answered, owner=ALICE, channel="socketio", settings=settings)
    answer = feedback.get_answer(answer_id, owner=ALICE, settings=settings)
    assert (answer.entry_id, answer.confidence, answer.question) == ("dipa-001", 0.87, "cara revisi dipa")
    assert answer.alternative_ids == ["dipa-002", "gaji-001"]
    unsure = answered.model_copy(update={"outcome": "alternatives",
                                         "alternatives": [hit("gaji-002"), hit("dipa-002")]})
    assert feedback.next_best_ids(unsure) == ["gaji-002", "dipa-002"]
    nothing = AskResult(outcome="handoff", question="resep rendang", confidence=0.1)
    assert feedback.record_result(nothing, owner=ALICE, settings=settings) is None
