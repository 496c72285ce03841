"""Telegram in polling mode end to end: the real Rasa server with the Telegram channel in polling mode and
the supervised polling worker (channels/telegram_polling.py), both started by the launcher's service list
(testkit.stack), against the loopback Bot API stand-in.

200 updates from 5 chats arrive in one burst (with malformed ones among them); the worker is stopped with
SIGTERM in the middle and later killed with SIGKILL, and started again each time. Every update must be
answered exactly once, and each chat must get its replies in the order of its messages.

The messages are cheap and their replies tell them apart: every other message is too long (2,001 + k
characters), which the channel answers itself with its length in the reply; the ones between are /start,
which the Rasa server answers with its greeting (a rule, no action server needed).
"""
from __future__ import annotations

import random
import time

import pytest

from hai.launcher import RASA_BIN
from hai.messages import too_long_reply
from testkit.stack import running_stack
from testkit.telegram_standin import TelegramStandIn

pytestmark = pytest.mark.e2e

TOKEN = "7000000002:HAI-poll-e2e-token_Telegram"
BOT_NAME = "hai_djpb_bot"
GREETING = ("Halo! Saya Asisten HAI DJPb. Ada yang bisa saya bantu terkait SAKTI, SPAN, SP2D, DIPA, "
            "rekonsiliasi, LPJ, gaji, atau tagihan listrik satker Anda?")
CHATS = 5
PER_CHAT = 40


@pytest.fixture(scope="module")
def polling(tmp_path_factory):
    if not RASA_BIN.exists():
        pytest.fail(f"{RASA_BIN} is missing: run `make install` (make test does it)")
    with TelegramStandIn(token=TOKEN, bot_name=BOT_NAME) as standin, running_stack(
        names=("rasa", "telegram-poller"), data_dir=tmp_path_factory.mktemp("hai-telegram-polling"),
        telegram_token=TOKEN, telegram_mode="polling", telegram_api_base=standin.base_url,
        telegram_bot_name=BOT_NAME,
    ) as stack:
        standin.wait_for("deleteWebhook", timeout=60)  # the channel's start in polling mode
        yield standin, stack


def message_text(k: int) -> str:
    return "/start" if k % 2 else "sp2d " + "x" * (2001 + k - 5)  # even k: 2,001 + k characters


def expected_reply(k: int) -> str:
    return GREETING if k % 2 else too_long_reply(2001 + k)


def text_update(update_id: int, chat_id: int, text: str) -> dict:
    message = {"message_id": update_id, "date": 1718000000, "text": text,
               "chat": {"id": chat_id, "type": "private", "first_name": "Budi"},
               "from": {"id": chat_id, "is_bot": False, "first_name": "Budi", "language_code": "id"}}
    if text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text), "type": "bot_command"}]
    return {"update_id": update_id, "message": message}


def replies_to(standin: TelegramStandIn, chats: list[int]) -> dict[int, list[str]]:
    got: dict[int, list[str]] = {chat: [] for chat in chats}
    for call in standin.calls_to("sendMessage"):
        if call.params.get("chat_id") in got:
            got[call.params["chat_id"]].append(call.params["text"])
    return got


def wait_for_replies(standin: TelegramStandIn, chats: list[int], count: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        got = sum(len(texts) for texts in replies_to(standin, chats).values())
        if got >= count or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def test_a_burst_of_200_updates_with_worker_restarts_is_answered_once_each_in_order(polling):
    standin, stack = polling
    chats = random.sample(range(10**8, 10**9), CHATS)
    first_id = random.randint(10_000, 900_000)
    updates: list = []
    next_id = first_id
    for k in range(PER_CHAT):  # the chats take turns, as users writing at the same time would
        for chat in chats:
            updates.append(text_update(next_id, chat, message_text(k)))
            next_id += 1
        if k == 10:  # malformed updates from the Bot API: skipped, logged, the worker goes on
            updates += ["bukan update", {"update_id": next_id, "message": "rusak"}, {"update_id": "x"}]
            next_id += 1
    total = CHATS * PER_CHAT
    started = time.monotonic()
    standin.queue_updates(*updates)

    assert wait_for_replies(standin, chats, 60, timeout=120) >= 60
    stack.restart("telegram-poller")  # SIGTERM: the update in hand is finished and its offset stored
    after_term = wait_for_replies(standin, chats, 0, timeout=0)
    assert wait_for_replies(standin, chats, 130, timeout=120) >= 130
    stack.restart("telegram-poller", hard=True)  # SIGKILL, maybe with an update half handled
    assert wait_for_replies(standin, chats, total, timeout=120) >= total
    # all confirmed: the worker asked for updates past the last one, which forgets them at the stand-in
    standin.wait_for("getUpdates", lambda c: c.params.get("offset") == next_id, timeout=30)
    assert standin.pending_updates() == []
    time.sleep(1.0)  # room for a late duplicate to show up
    elapsed = time.monotonic() - started

    got = replies_to(standin, chats)
    for chat in chats:
        assert got[chat] == [expected_reply(k) for k in range(PER_CHAT)], f"chat {chat}"
    assert 60 <= after_term < total

    log = (stack.settings.log_dir / "telegram-poller.log").read_text(encoding="utf-8")
    assert log.count("stopped; next offset") == 1  # the SIGTERM; the SIGKILL leaves no line
    assert "skipped a malformed update: not a JSON object (str)" in log
    assert "skipped a malformed update: no integer update_id" in log
    assert "its message is a str, not an object" in log
    assert TOKEN not in log and "Budi" not in log
    assert not standin.calls_to("setWebhook")  # polling mode never sets a webhook
    polls = standin.calls_to("getUpdates")
    assert all(c.params["allowed_updates"] == ["message", "edited_message", "callback_query"] for c in polls)
    print(f"\n{total} updates answered once each, in order, in {elapsed:.1f} s "
          f"({len(polls)} getUpdates calls)")
