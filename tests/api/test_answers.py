"""Feedback over the API: /api/v1/ask returns an answer_id, POST /api/v1/answers/{answer_id}/feedback stores the
caller's vote (the last one counts); unknown and foreign ids are 404 and store nothing; a bad vote is 422."""
from __future__ import annotations

import pytest

from api.keys import create_key
from hai.db import session_factory
from hai.models import AnswerFeedback
from helpdesk import feedback
from helpdesk.feedback import Owner


@pytest.fixture(scope="module")
def other(api_settings) -> dict[str, str]:
    _, key = create_key("pengujian-lain", "caller", api_settings)
    return {"X-API-Key": key}


def ask(client, auth, question: str = "cara revisi dipa gmn?") -> dict:
    r = client.post("/api/v1/ask", json={"question": question}, headers=auth)
    assert r.status_code == 200
    return r.json()


def stored_vote(api_settings, answer_id: str) -> str | None:
    with session_factory(api_settings)() as s:
        return s.get(AnswerFeedback, answer_id).vote


def test_an_answer_comes_with_an_answer_id_and_none_without_an_answer(client, auth):
    body = ask(client, auth)
    assert body["answer"]["entry_id"] == "dipa-001" and feedback.is_answer_id(body["answer_id"])
    assert ask(client, auth)["answer_id"] != body["answer_id"]  # one per answer given
    assert ask(client, auth, "resep rendang padang yang enak")["answer_id"] is None


def test_feedback_is_stored_and_the_last_vote_counts(client, auth, api_settings):
    answer_id = ask(client, auth)["answer_id"]
    url = f"/api/v1/answers/{answer_id}/feedback"
    r = client.post(url, json={"vote": "down", "comment": "kurang lengkap, hubungi saya di budi@contoh.go.id"},
                    headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["answer_id"], body["entry_id"], body["vote"]) == (answer_id, "dipa-001", "down")
    assert body["comment"] == "kurang lengkap, hubungi saya di [EMAIL]" and body["voted_at"]
    r = client.post(url, json={"vote": "up"}, headers=auth)
    assert r.status_code == 200 and r.json()["vote"] == "up" and r.json()["comment"] is None
    assert stored_vote(api_settings, answer_id) == "up"


@pytest.mark.parametrize("answer_id", ["tidak-pernah-diberikan-xx", "x", "a" * 300])
def test_an_unknown_answer_is_404_in_indonesian(client, auth, answer_id):
    r = client.post(f"/api/v1/answers/{answer_id}/feedback", json={"vote": "up"}, headers=auth)
    assert r.status_code == 404
    assert r.json()["detail"].startswith("Jawaban tidak ditemukan") and r.json()["request_id"]


def test_an_answer_of_another_key_is_refused_and_nothing_is_stored(client, auth, other, api_settings):
    answer_id = ask(client, auth)["answer_id"]
    r = client.post(f"/api/v1/answers/{answer_id}/feedback", json={"vote": "down"}, headers=other)
    assert r.status_code == 404 and r.json()["detail"].startswith("Jawaban tidak ditemukan")
    assert stored_vote(api_settings, answer_id) is None
    chat_id = feedback.record_answer("dipa-001", owner=Owner.conversation("tg-1"), channel="telegram",
                                     settings=api_settings)  # a chat's answer is no API caller's either
    r = client.post(f"/api/v1/answers/{chat_id}/feedback", json={"vote": "up"}, headers=auth)
    assert r.status_code == 404


@pytest.mark.parametrize("body, message", [
    ({"vote": "maybe"}, "vote: harus salah satu dari: 'up', 'down'"),
    ({}, "vote: wajib diisi"),
    ({"vote": "up", "comment": "x" * 1001}, "comment: terlalu panjang (paling banyak 1000 karakter)"),
])
def test_a_bad_vote_is_422_in_indonesian_and_stores_nothing(client, auth, api_settings, body, message):
    answer_id = ask(client, auth)["answer_id"]
    r = client.post(f"/api/v1/answers/{answer_id}/feedback", json=body, headers=auth)
    assert r.status_code == 422
    assert r.json()["detail"].startswith("Masukan tidak valid") and message in r.json()["detail"]
    assert stored_vote(api_settings, answer_id) is None


def test_feedback_needs_a_key(client):
    r = client.post("/api/v1/answers/abcdefghijklmnopqrstuv/feedback", json={"vote": "up"})
    assert r.status_code == 401
