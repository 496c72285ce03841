"""The shared pieces: user messages from core errors, log redaction, warm-up."""
from __future__ import annotations

import logging

from actions import resources
from actions.base import RedactingFilter, get_logger, user_message
from analytics.errors import IdpelNotFoundError


def test_user_message_is_a_sentence():
    assert user_message(IdpelNotFoundError("123456789012")) == "Idpel 123456789012 tidak ditemukan dalam data tagihan listrik."


def test_logs_are_redacted(caplog):
    log = get_logger("actions.test_redaction")
    assert sum(isinstance(f, RedactingFilter) for f in get_logger("actions.test_redaction").filters) == 1
    with caplog.at_level(logging.INFO):
        log.info("pertanyaan dari %s: %s", "andi@contoh.go.id", "NIK 3171012345678901")
        try:
            raise ValueError("hubungi 0812-3456-7890")
        except ValueError:
            log.exception("gagal")
    assert "andi@contoh.go.id" not in caplog.text and "3171012345678901" not in caplog.text
    assert "0812-3456-7890" not in caplog.text and "[TELEPON]" in caplog.text and "[EMAIL]" in caplog.text


def test_warm_up_times_each_step_and_survives_a_failure(caplog):
    def broken():
        raise RuntimeError("model hilang")

    timings = resources.warm_up([("ok", lambda: None), ("rusak", broken)])
    assert list(timings) == ["ok"] and "warm-up of rusak failed" in caplog.text


def test_no_warm_up_outside_the_action_server():
    assert not resources.in_action_server()
