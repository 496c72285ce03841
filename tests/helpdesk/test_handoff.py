"""helpdesk.handoff: one open request per conversation, redacted transcripts, the agent console's operations."""
from __future__ import annotations

import pytest

from helpdesk import handoff
from hai.settings import Settings
from helpdesk.unanswered import record_unanswered, sender_hash


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path)


LINES = [
    {"who": "user", "text": "NIP saya 19850101 201001 1 001, email andi@contoh.go.id", "time": "2024-01-02T03:04:05+00:00"},
    {"who": "bot", "text": "Baik.", "time": None},
    {"who": "user", "text": "   ", "time": None},
]


def test_create_then_reuse_while_open(settings):
    first, created = handoff.create_or_get_open("tg-1", channel="telegram", transcript=LINES, settings=settings)
    assert created and first.status == "open" and first.channel == "telegram" and first.reason == "asked"
    assert [line["text"] for line in first.transcript] == ["NIP saya [NIP], email [EMAIL]", "Baik."]
    more = LINES[:2] + [{"who": "user", "text": "halo?", "time": "2024-01-02T03:09:00+00:00"}]
    again, created_again = handoff.create_or_get_open("tg-1", transcript=more, reason="error", settings=settings)
    assert not created_again and again.id == first.id and again.reason == "asked"
    assert [line["text"] for line in again.transcript][-1] == "halo?" and len(again.transcript) == 3
    other, created_other = handoff.create_or_get_open("tg-2", settings=settings)
    assert created_other and other.id != first.id


def test_console_operations(settings):
    a, _ = handoff.create_or_get_open("web-a", settings=settings)
    b, _ = handoff.create_or_get_open("web-b", reason="unsure_twice", settings=settings)
    assert [h.id for h in handoff.list_open(settings)] == [a.id, b.id]
    assigned = handoff.assign(a.id, "(014) Agen Satu", settings)
    assert assigned.status == "assigned" and assigned.agent == "(014) Agen Satu"
    assert handoff.create_or_get_open("web-a", settings=settings)[0].id == a.id  # assigned still counts as open
    closed = handoff.close(a.id, settings)
    assert closed.status == "closed" and closed.closed_at is not None
    assert [h.id for h in handoff.list_open(settings)] == [b.id]
    assert handoff.get(b.id, settings).reason_text == "asisten dua kali tidak yakin dengan jawabannya"
    assert handoff.get(9999, settings) is None
    with pytest.raises(handoff.HandoffNotFoundError, match="#9999 tidak ditemukan"):
        handoff.close(9999, settings)
    with pytest.raises(ValueError, match="alasan handoff tidak dikenal"):
        handoff.create_or_get_open("web-c", reason="bosan", settings=settings)


def test_reply_names_the_queue_number_hours_and_contact(settings):
    request, _ = handoff.create_or_get_open("web-d", settings=settings)
    new, reused = handoff.handoff_reply(request, True), handoff.handoff_reply(request, False)
    assert f"nomor antrean #{request.id}" in new and handoff.WORKING_HOURS in new and "14090" in new
    assert "sudah tercatat" in reused and "14090" in reused


def test_transcript_keeps_the_latest_lines_only():
    lines = [{"who": "user", "text": f"pesan {i}"} for i in range(handoff.MAX_TRANSCRIPT_LINES + 5)]
    kept = handoff.redact_transcript(lines)
    assert len(kept) == handoff.MAX_TRANSCRIPT_LINES and kept[-1]["text"] == f"pesan {len(lines) - 1}"


def test_unanswered_questions_are_stored_redacted(settings):
    from hai.db import session_factory
    from hai.models import UnansweredQuestion

    row_id = record_unanswered("hubungi 081234567890 ya", sender_id="tg-9", channel="telegram", reason="unsure",
                               settings=settings)
    with session_factory(settings)() as s:
        row = s.get(UnansweredQuestion, row_id)
    assert row.text == "hubungi [TELEPON] ya" and row.sender_hash == sender_hash("tg-9") and row.reason == "unsure"
    assert len(row.sender_hash) == 64 and "tg-9" not in row.sender_hash
