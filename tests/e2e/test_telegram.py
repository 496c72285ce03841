"""The Telegram channel in the real Rasa server, talking to a loopback stand-in of the Bot API.

Its own stack (Rasa server + action server) is started with the Telegram settings; updates are posted to
/webhooks/telegram/webhook as Telegram posts them, and the replies are read from the stand-in's record.
"""
from __future__ import annotations

import itertools
import random

import httpx
import pytest

from channels.telegram_core import UNSUPPORTED_REPLY, webhook_secret
from hai.launcher import RASA_BIN
from testkit.stack import running_stack
from testkit.telegram_standin import TelegramStandIn

pytestmark = pytest.mark.e2e

TOKEN = "7000000001:HAI-e2e-token_Telegram"
BOT_NAME = "hai_djpb_bot"
WEBHOOK_URL = "https://hai.contoh.go.id/webhooks/telegram/webhook"
_update_ids = itertools.count(random.randint(10_000, 900_000))


@pytest.fixture(scope="module")
def telegram(tmp_path_factory):
    if not RASA_BIN.exists():
        pytest.fail(f"{RASA_BIN} is missing: run `make install` (make test does it)")
    with TelegramStandIn(token=TOKEN, bot_name=BOT_NAME) as standin, running_stack(
        data_dir=tmp_path_factory.mktemp("hai-telegram"), telegram_token=TOKEN,
        telegram_webhook_url=WEBHOOK_URL, telegram_api_base=standin.base_url, telegram_bot_name=BOT_NAME,
    ) as stack:
        standin.webhook_endpoint = f"{stack.settings.rasa_url}/webhooks/telegram/webhook"
        standin.stack = stack  # the agent-reply test needs the stack's settings (app database, Rasa token)
        yield standin


def new_chat() -> int:
    return random.randint(10**8, 10**9)


def post(standin: TelegramStandIn, update: dict, secret: str | None = None) -> httpx.Response:
    return httpx.post(standin.webhook_endpoint, json=update, timeout=90,
                      headers={"X-Telegram-Bot-Api-Secret-Token": secret or webhook_secret(TOKEN)})


def text_update(chat_id: int, text: str | None, **extra) -> dict:
    message = {"message_id": 1, "date": 1718000000, "chat": {"id": chat_id, "type": "private",
                                                              "first_name": "Budi"},
               "from": {"id": chat_id, "is_bot": False, "first_name": "Budi", "language_code": "id"}, **extra}
    if text is not None:
        message["text"] = text
    if text and text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
    return {"update_id": next(_update_ids), "message": message}


def press_update(chat_id: int, data: str, keyboard: dict | None = None) -> dict:
    message = {"message_id": 2, "date": 1718000000, "text": "Saya dapat membantu Anda untuk:",
               "chat": {"id": chat_id, "type": "private"},
               "from": {"id": 7000000001, "is_bot": True, "first_name": "Asisten HAI DJPb"}}
    if keyboard:
        message["reply_markup"] = keyboard
    return {"update_id": next(_update_ids), "callback_query": {
        "id": f"cb-{chat_id}", "chat_instance": "1", "data": data, "message": message,
        "from": {"id": chat_id, "is_bot": False, "first_name": "Budi"}}}


def replies(standin: TelegramStandIn, chat_id: int, after: int, method: str = "sendMessage") -> list[dict]:
    return [c.params for c in standin.calls[after:] if c.method == method and c.params.get("chat_id") == chat_id]


def say(standin: TelegramStandIn, update: dict, chat_id: int) -> list[dict]:
    """Post an update and return the sendMessage calls it caused (the webhook answers after replying)."""
    mark = standin.mark()
    resp = post(standin, update)
    assert resp.status_code == 200, resp.text
    standin.wait_for("sendMessage", lambda c: c.params.get("chat_id") == chat_id, after=mark, timeout=30)
    return replies(standin, chat_id, mark)


def test_webhook_is_set_at_start_up_with_the_configured_url(telegram):
    call = telegram.wait_for("setWebhook", timeout=60)
    assert call.params["url"] == WEBHOOK_URL
    assert call.params["secret_token"] == webhook_secret(TOKEN)
    assert set(call.params["allowed_updates"]) == {"message", "edited_message", "callback_query"}
    assert call.token == TOKEN
    assert telegram.calls_to("getMe")  # the bot name is checked once, at start-up


def test_start_command_is_answered_with_the_greeting(telegram):
    chat = new_chat()
    sent = say(telegram, text_update(chat, "/start"), chat)
    assert len(sent) == 1 and "Asisten HAI DJPb" in sent[0]["text"]


def test_menu_buttons_arrive_as_an_inline_keyboard(telegram):
    chat = new_chat()
    sent = say(telegram, text_update(chat, "kamu bisa bantu apa saja"), chat)
    menu = sent[-1]
    assert "Saya dapat membantu Anda untuk" in menu["text"]
    rows = menu["reply_markup"]["inline_keyboard"]
    titles = [button["text"] for row in rows for button in row]
    assert "Cek kewajaran tagihan listrik" in titles and "Bicara dengan petugas" in titles
    assert all(len(b["callback_data"].encode()) <= 64 for row in rows for b in row)


def test_button_press_is_answered_and_gets_a_reply(telegram):
    chat = new_chat()
    mark = telegram.mark()
    sent = say(telegram, press_update(chat, "halo"), chat)
    assert "Asisten HAI DJPb" in sent[0]["text"]
    answered = [c.params for c in telegram.calls[mark:] if c.method == "answerCallbackQuery"]
    assert answered == [{"callback_query_id": f"cb-{chat}"}]  # the client stops its spinner


def test_button_with_an_unknown_token_falls_back_to_its_title(telegram):
    chat = new_chat()
    token = "~" + "A" * 20  # a long payload's token this server has never issued
    keyboard = {"inline_keyboard": [[{"text": "terima kasih", "callback_data": token}]]}
    sent = say(telegram, press_update(chat, token, keyboard), chat)
    assert sent[0]["text"].startswith("Sama-sama")


def test_a_retried_update_is_handled_once(telegram):
    chat = new_chat()
    update = text_update(chat, "halo")
    first = say(telegram, update, chat)
    mark = telegram.mark()
    again = post(telegram, update)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert len(first) == 1 and replies(telegram, chat, mark) == []


def test_oversized_and_non_text_messages_get_a_clear_reply(telegram):
    chat = new_chat()
    long_reply = say(telegram, text_update(chat, "sp2d belum cair " * 160), chat)[0]["text"]
    assert "terlalu panjang" in long_reply and "2.559 karakter" in long_reply
    sticker = say(telegram, text_update(chat, None, sticker={"file_id": "CAAC", "width": 512}), chat)
    assert sticker[0]["text"] == UNSUPPORTED_REPLY


def test_updates_without_the_webhook_secret_are_refused(telegram):
    chat = new_chat()
    mark = telegram.mark()
    assert post(telegram, text_update(chat, "halo"), secret="tebakan").status_code == 403
    bad = httpx.post(telegram.webhook_endpoint, content=b"bukan json", timeout=30,
                     headers={"X-Telegram-Bot-Api-Secret-Token": webhook_secret(TOKEN)})
    assert bad.status_code == 400
    assert replies(telegram, chat, mark) == []


def test_a_failing_bot_api_does_not_break_the_channel(telegram):
    chat = new_chat()
    telegram.fail_next("sendMessage", 500, "Internal Server Error")
    mark = telegram.mark()
    assert post(telegram, text_update(chat, "halo")).status_code == 200  # the failure is only logged
    assert len(replies(telegram, chat, mark)) == 1  # the one failed attempt
    sent = say(telegram, text_update(chat, "terima kasih"), chat)
    assert sent[0]["text"].startswith("Sama-sama")


def test_agent_reply_reaches_the_telegram_user(telegram):
    import asyncio

    from helpdesk import handoff as handoff_core
    from helpdesk.agent_reply import send_reply

    chat = new_chat()
    sent = say(telegram, text_update(chat, "saya mau bicara dengan petugas"), chat)
    assert any("petugas" in m.get("text", "") for m in sent)
    settings = telegram.stack.settings
    request = next(h for h in handoff_core.list_open(settings) if h.sender_id == str(chat))
    assert request.channel == "telegram"

    async def reply() -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            await send_reply(client, settings, request.id, "Halo Pak Budi, SP2D Anda sudah kami cek.", agent="agen1")

    mark = telegram.mark()
    asyncio.run(reply())
    call = telegram.wait_for("sendMessage", lambda c: c.params.get("chat_id") == chat, after=mark, timeout=30)
    assert "SP2D Anda sudah kami cek" in call.params["text"]
