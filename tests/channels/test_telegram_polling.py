"""The Telegram polling worker (channels/telegram_polling.py) against the loopback Bot API stand-in and a
real SQLite app database. The channel it hands updates to is a recorder here; the end-to-end test
(tests/e2e/test_telegram_polling.py) runs it with the real Rasa server."""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from channels.telegram_api import TelegramApiError
from channels.telegram_core import SECRET_HEADER, webhook_secret
from channels.telegram_polling import (
    Backoff, DeliveryError, OffsetStore, PollingWorker, ScrubToken, UpdateRefused, bot_id_of, post_to_channel,
)
from hai.db import session_factory
from hai.settings import Settings
from testkit.stack import free_port
from testkit.telegram_standin import TelegramStandIn

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7000000001:POLL-unit-token_abc"


def message(update_id: int, chat_id: int = 4242, text: str = "halo") -> dict:
    sender = {"id": chat_id, "is_bot": False, "first_name": "Budi"}
    return {"update_id": update_id, "message": {"message_id": update_id, "date": 1718000000, "text": text,
                                                "chat": {"id": chat_id, "type": "private"}, "from": sender}}


@pytest.fixture()
def standin():
    with TelegramStandIn(token=TOKEN) as server:
        yield server


@pytest.fixture()
def offsets(tmp_path) -> OffsetStore:
    settings = Settings(data_dir=tmp_path)
    return OffsetStore(lambda: session_factory(settings), bot_id_of(TOKEN))


class Channel:
    """Records what the worker hands over, as the Rasa server's Telegram route would receive it."""

    def __init__(self) -> None:
        self.updates: list[dict] = []
        self.fail: list[Exception] = []  # raised, one per call, before anything is recorded

    def __call__(self, update: dict) -> dict:
        if self.fail:
            raise self.fail.pop(0)
        self.updates.append(update)
        return {"ok": True}

    @property
    def ids(self) -> list[int]:
        return [u["update_id"] for u in self.updates]


def make_worker(standin, offsets, channel, sleeps: list[float] | None = None, stop_after_sleeps: int = 0,
                api_base: str | None = None) -> PollingWorker:
    recorded = [] if sleeps is None else sleeps

    def sleep(seconds: float) -> None:  # no real waiting: the delays are what is checked
        recorded.append(seconds)
        if stop_after_sleeps and len(recorded) >= stop_after_sleeps:
            worker.stopping = True

    worker = PollingWorker(token=TOKEN, api_base=api_base or standin.base_url, offsets=offsets,
                           deliver=channel, poll_timeout_s=0, sleep=sleep)
    return worker


def test_offset_is_stored_after_each_update_and_a_restart_goes_on_from_it(standin, offsets):
    channel = Channel()
    standin.queue_updates(*(message(i) for i in (500, 501, 502)))
    worker = make_worker(standin, offsets, channel)
    worker.offset = offsets.load()
    assert worker.offset is None  # nothing stored yet: Telegram's earliest unconfirmed update
    assert worker.poll_once() == 3
    assert channel.ids == [500, 501, 502] and offsets.load() == 503
    assert "offset" not in standin.calls_to("getUpdates")[0].params
    assert standin.calls_to("getUpdates")[0].params["allowed_updates"] == [
        "message", "edited_message", "callback_query"]

    standin.queue_updates(message(503))
    restarted = make_worker(standin, offsets, channel)  # a new process: only the database is shared
    restarted.offset = offsets.load()
    assert restarted.poll_once() == 1
    assert channel.ids == [500, 501, 502, 503]  # nothing repeated, nothing lost
    assert standin.calls_to("getUpdates")[-1].params["offset"] == 503  # confirms 500-502 at Telegram
    assert offsets.load() == 504
    restarted.poll_once()
    assert standin.pending_updates() == []


def test_an_update_handed_over_but_not_yet_stored_is_handed_over_again_and_only_it(standin, offsets):
    channel = Channel()
    standin.queue_updates(*(message(i) for i in (10, 11, 12)))
    worker = make_worker(standin, offsets, channel)

    def killed_after(update):  # the process dies between the channel's answer and the offset write
        channel(update)
        if update["update_id"] == 11:
            raise KeyboardInterrupt

    worker.deliver = killed_after
    with pytest.raises(KeyboardInterrupt):
        worker.poll_once()
    assert offsets.load() == 11

    again = make_worker(standin, offsets, channel)
    again.offset = offsets.load()
    again.poll_once()
    # 11 reaches the channel twice; the channel knows its id and does not answer it again (SeenUpdates,
    # shown end to end in tests/e2e/test_telegram_polling.py)
    assert channel.ids == [10, 11, 11, 12] and offsets.load() == 13


def test_malformed_updates_are_skipped_and_logged_and_the_worker_goes_on(standin, offsets, caplog):
    channel = Channel()
    standin.queue_updates(
        "bukan update", {"update_id": "20"}, {"update_id": True, "message": {}},
        {"update_id": 20, "message": "teks pribadi Budi"}, {"update_id": 21},
        {"update_id": 22, "channel_post": {"text": "x"}}, message(23), 42)
    worker = make_worker(standin, offsets, channel)
    with caplog.at_level(logging.INFO, logger="telegram-poller"):
        assert worker.poll_once() == 4  # 20, 21, 22 skipped with their offsets, 23 handled
    assert channel.ids == [23] and offsets.load() == 24
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 7, skipped
    assert any("not a JSON object (str)" in line for line in skipped)
    assert any("no integer update_id" in line for line in skipped)
    assert any("update 20: its message is a str, not an object" in line for line in skipped)
    assert "Budi" not in caplog.text  # no message content in the log

    # left: the trailing 42, which no offset can confirm; the worker waits instead of asking at once
    sleeps: list[float] = []
    worker.sleep = sleeps.append
    assert worker.poll_once() == 0
    assert standin.pending_updates() == [42] and sleeps == [1.0]
    standin.queue_updates(message(24))
    worker.poll_once()
    assert channel.ids == [23, 24] and standin.pending_updates() == [42, message(24)]
    worker.poll_once()
    assert standin.pending_updates() == []  # 24's offset confirmed the garbage before it


def test_backoff_doubles_up_to_its_cap_waits_a_retry_after_exactly_and_starts_over():
    backoff = Backoff(1.0, 60.0)
    assert [backoff.next_delay() for _ in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff.next_delay(retry_after=7) == 7 and backoff.next_delay() == 60
    backoff.reset()
    assert backoff.next_delay() == 1.0


def test_bot_api_failures_back_off_and_a_success_resets_the_wait(standin, offsets):
    channel = Channel()
    for _ in range(3):
        standin.fail_next("getUpdates", 502, "Bad Gateway")
    standin.fail_next("getUpdates", 429, "Too Many Requests: retry after 7", retry_after=7)
    standin.fail_next("getUpdates", 500, "Internal Server Error")
    standin.queue_updates(message(1))
    sleeps: list[float] = []
    worker = make_worker(standin, offsets, channel, sleeps)
    for _ in range(4):
        assert worker.poll_once() == 0
    assert sleeps == [1.0, 2.0, 4.0, 7.0]  # exponential, then what Telegram asked for
    assert worker.poll_once() == 0 and sleeps[-1] == 8.0
    assert worker.poll_once() == 1 and channel.ids == [1]
    standin.fail_next("getUpdates", 500, "Internal Server Error")
    worker.poll_once()
    assert sleeps[-1] == 1.0  # the success started the sequence over


def test_a_rasa_server_not_up_yet_is_retried_with_its_own_short_backoff(standin, offsets):
    channel = Channel()
    channel.fail = [DeliveryError("connection refused")] * 4
    standin.queue_updates(message(7), message(8))
    sleeps: list[float] = []
    worker = make_worker(standin, offsets, channel, sleeps)
    assert worker.poll_once() == 2
    assert sleeps == [0.5, 1.0, 2.0, 4.0] and channel.ids == [7, 8] and offsets.load() == 9
    channel.fail = [DeliveryError("HTTP 502")] * 6
    standin.queue_updates(message(9))
    sleeps.clear()
    worker.poll_once()
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]  # reset after the success, capped at 5 s


def test_a_webhook_in_the_way_is_deleted(standin, offsets):
    standin.webhook = {"url": "https://lama.contoh.go.id/webhooks/telegram/webhook"}
    standin.queue_updates(message(3))
    channel = Channel()
    worker = make_worker(standin, offsets, channel)
    assert worker.poll_once() == 0  # 409 Conflict
    assert standin.calls_to("deleteWebhook")[0].params == {"drop_pending_updates": False}
    assert worker.poll_once() == 1 and channel.ids == [3]


def test_stop_finishes_the_update_in_hand_stores_its_offset_and_leaves_the_rest(standin, offsets):
    channel = Channel()
    standin.queue_updates(message(30), message(31), message(32))
    worker = make_worker(standin, offsets, channel)

    def deliver(update):
        channel(update)
        worker.request_stop()  # SIGTERM while the channel handles update 30: not interrupted

    worker.deliver = deliver
    assert worker.run() == 0
    assert channel.ids == [30] and offsets.load() == 31
    assert [u["update_id"] for u in standin.pending_updates()] == [30, 31, 32]  # 30 confirmed next time


def test_the_token_is_never_logged(standin, offsets, caplog):
    unreachable = f"http://127.0.0.1:{free_port()}"
    channel = Channel()
    channel.fail = [RuntimeError(f"boom at /bot{TOKEN}/sendMessage"), DeliveryError(f"down {TOKEN}")]
    standin.fail_next("getUpdates", 500, "Internal Server Error")
    standin.queue_updates(message(40))
    with caplog.at_level(logging.DEBUG):
        worker = make_worker(standin, offsets, channel, api_base=unreachable, stop_after_sleeps=2)
        worker.run()  # Bot API unreachable twice, then stopped
        worker = make_worker(standin, offsets, channel, stop_after_sleeps=3)
        worker.run()  # a 500, an unexpected failure, a Rasa server down, then update 40 and stop
    assert channel.ids == [40]
    assert "tidak dapat dihubungi" in caplog.text and "unexpected failure" in caplog.text
    assert TOKEN not in caplog.text and "<token>" in caplog.text

    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "url %s", (f"/bot{TOKEN}/getMe",), None)
    assert ScrubToken(TOKEN).filter(record) and record.getMessage() == "url /bot<token>/getMe"


def test_offsets_are_kept_per_bot_under_its_public_id(tmp_path):
    settings = Settings(data_dir=tmp_path)
    first = OffsetStore(lambda: session_factory(settings), bot_id_of(TOKEN))
    other = OffsetStore(lambda: session_factory(settings), bot_id_of("123:other"))
    first.save(77)
    other.save(5)
    first.save(78)
    assert (first.load(), other.load()) == (78, 5)
    assert bot_id_of(TOKEN) == "7000000001" and TOKEN not in bot_id_of("no-colon-" + TOKEN)


class _Route(BaseHTTPRequestHandler):
    status = 200
    seen: ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append((self.headers.get(SECRET_HEADER), json.loads(body)))
        data = json.dumps({"ok": self.status == 200, "duplicate": True}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args):
        pass


def test_post_to_channel_reads_the_routes_answers(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")  # the local server: never via a proxy
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Route)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/telegram/webhook"
    try:
        assert post_to_channel(url, "s3cret", message(1)) == {"ok": True, "duplicate": True}
        assert _Route.seen[-1] == ("s3cret", message(1))
        _Route.status = 400
        with pytest.raises(UpdateRefused):
            post_to_channel(url, "s3cret", message(2))
        for status, words in ((403, "HAI_TELEGRAM_TOKEN"), (404, "without"), (502, "HTTP 502")):
            _Route.status = status
            with pytest.raises(DeliveryError, match=words):
                post_to_channel(url, "s3cret", message(3))
    finally:
        _Route.status = 200
        server.shutdown()
        server.server_close()
    with pytest.raises(DeliveryError, match="cannot be reached"):
        post_to_channel(f"http://127.0.0.1:{free_port()}/webhooks/telegram/webhook", "s", message(4),
                        timeout=2)


def test_sigterm_during_a_long_poll_stops_the_process_at_once_with_code_0(standin, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HAI_DATA_DIR": str(tmp_path), "HAI_TELEGRAM_TOKEN": TOKEN,
           "HAI_TELEGRAM_MODE": "polling", "HAI_TELEGRAM_API_BASE": standin.base_url,
           "HAI_TELEGRAM_POLL_TIMEOUT_S": "30", "HAI_RASA_PORT": str(free_port())}
    proc = subprocess.Popen([sys.executable, "-m", "channels.telegram_polling"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        standin.wait_for("getUpdates", timeout=30)  # now in a 30 s long poll
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and time.monotonic() - started < 5
    assert "stopped; next offset None" in output and TOKEN not in output
    assert standin.calls_to("getUpdates")[0].params["timeout"] == 30
    assert webhook_secret(TOKEN) not in output


def test_the_worker_refuses_to_run_outside_polling_mode(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HAI_DATA_DIR": str(tmp_path), "HAI_TELEGRAM_TOKEN": TOKEN,
           "HAI_TELEGRAM_MODE": "webhook"}
    done = subprocess.run([sys.executable, "-m", "channels.telegram_polling"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "HAI_TELEGRAM_MODE=polling" in done.stdout


def test_standin_long_poll_returns_when_an_update_arrives_and_a_second_poller_conflicts(standin):
    from channels.telegram_api import call_bot_api

    answers: list = []

    def poll():
        try:
            answers.append(call_bot_api("getUpdates", {"timeout": 20}, token=TOKEN, api_base=standin.base_url,
                                        timeout=30))
        except TelegramApiError as exc:
            answers.append(exc.error_code)

    first = threading.Thread(target=poll)
    first.start()
    standin.wait_for("getUpdates", timeout=5)
    second = threading.Thread(target=poll)
    second.start()
    first.join(timeout=10)
    assert answers == [409]  # "terminated by other getUpdates request"
    standin.queue_updates(message(1), message(2))
    second.join(timeout=10)
    assert answers[1] == [message(1), message(2)]
    assert call_bot_api("getUpdates", {"offset": 2, "limit": 5}, token=TOKEN, api_base=standin.base_url) == \
        [message(2)]
