"""The Rasa-side Telegram classes (channels/telegram.py) against the stand-in, without a Rasa server.

They import Rasa and aiohttp, which live in .venv/rasa only: the calls run there in a child process, while
the stand-in records them here.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from testkit.telegram_standin import TelegramStandIn

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv" / "rasa" / "bin" / "python"
TOKEN = "123456:OUT-token"

SCRIPT = r"""
import asyncio, json, sys
from channels.telegram import BotApi, HaiTelegramInput, HaiTelegramOutput
from channels.telegram_core import CallbackPayloads
from channels import sanic_compat

base, token = sys.argv[1], sys.argv[2]

async def main():
    out = HaiTelegramOutput(BotApi(token, base), CallbackPayloads())
    await out.send_response("4242", {"text": "Pilih layanan:", "buttons": [
        {"title": "Tanya layanan", "payload": "Bagaimana cara mengajukan revisi DIPA?"},
        {"title": "FAQ SPAN", "payload": '/ask_helpdesk{"faq_id":"span-0042-pengembalian-belanja-pegawai-2024"}'}]})
    await out.send_response("4242", {"image": "https://hai.contoh.go.id/charts/pagu.png"})   # fails once
    await out.send_response("4242", {"text": "setelah batas"})                             # 429, then ok
    await out.send_custom_json("4242", {"method": "sendLocation", "latitude": -6.17, "longitude": 106.82})
    down = await BotApi(token, "http://127.0.0.1:9").call("getMe", {})  # nobody listens: logged, None
    channel = HaiTelegramInput.from_credentials({"access_token": token, "verify": "hai_djpb_bot",
                                                 "webhook_url": "https://x.go.id/webhooks/telegram/webhook",
                                                 "api_base": base})
    webhook_set = await channel.register_webhook()
    polling = HaiTelegramInput.from_credentials({"access_token": token, "api_base": base, "mode": "polling",
                                                 "webhook_url": "https://x.go.id/webhooks/telegram/webhook"})
    polling_webhook_set = await polling.register_webhook()  # polling mode: the webhook is deleted instead
    try:
        HaiTelegramInput.from_credentials({"access_token": token, "mode": "pull"})
        bad_mode = None
    except ValueError as exc:
        bad_mode = str(exc)
    await out.api.close(); await channel.api.close(); await polling.api.close()
    print(json.dumps({"down": down, "webhook_set": webhook_set, "sanic_patched": sanic_compat.apply(),
                      "polling_webhook_set": polling_webhook_set, "bad_mode": bad_mode}))

asyncio.run(main())
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason=".venv/rasa is not installed")
def test_output_channel_sends_keyboards_photos_and_survives_failures():
    with TelegramStandIn(token=TOKEN) as standin:
        standin.fail_next("sendPhoto", 400, "Bad Request: wrong file identifier/HTTP URL specified")
        standin.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT, standin.base_url, TOKEN], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        result = json.loads(done.stdout.strip().splitlines()[-1])
        calls = [(c.method, c.params) for c in standin.calls]

    bad_mode = result.pop("bad_mode")
    assert "'webhook' or 'polling'" in bad_mode and "HAI_TELEGRAM_MODE" in bad_mode
    assert result == {"down": None, "webhook_set": True, "sanic_patched": True, "polling_webhook_set": False}
    assert TOKEN not in done.stderr  # failures are logged without the token
    methods = [m for m, _ in calls]
    # keyboard message: 429 first, then the retry after 1 s
    assert methods[:2] == ["sendMessage", "sendMessage"] and calls[0][1] == calls[1][1]
    keyboard = calls[1][1]["reply_markup"]["inline_keyboard"]
    (first, faq), = keyboard  # two short titles share one row
    assert first == {"text": "Tanya layanan", "callback_data": "Bagaimana cara mengajukan revisi DIPA?"}
    assert faq["callback_data"].startswith("~") and len(faq["callback_data"]) <= 64  # 79-byte payload
    # the photo Telegram could not fetch is sent as a link instead
    assert methods[2:4] == ["sendPhoto", "sendMessage"]
    assert calls[3][1] == {"chat_id": 4242, "text": "Gambar: https://hai.contoh.go.id/charts/pagu.png"}
    assert calls[4][1] == {"chat_id": 4242, "text": "setelah batas"}
    assert calls[5] == ("sendLocation", {"latitude": -6.17, "longitude": 106.82, "chat_id": 4242})
    assert methods[6:] == ["getMe", "setWebhook", "getMe", "deleteWebhook"]
    assert calls[7][1]["url"] == "https://x.go.id/webhooks/telegram/webhook"
    assert calls[9][1] == {"drop_pending_updates": False}  # pending updates stay for the polling worker


ROUTE_SCRIPT = r"""
import asyncio, json, sys, time
import aiohttp
from sanic import Sanic
from channels.telegram import HaiTelegramInput
from channels.telegram_core import SECRET_HEADER, SeenUpdates, webhook_secret

base, token, state_db, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

async def main():
    channel = HaiTelegramInput(token, api_base=base, state_db=state_db, mode="polling")
    handled = []

    async def on_new_message(message):  # a slow turn of the bot
        handled.append(message.text)
        await asyncio.sleep(1.0)
        await message.output_channel.send_text_message(message.sender_id, f"jawaban {message.text}")

    app = Sanic("telegram_route_check")
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/telegram")
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    await server.start_serving()
    url = f"http://127.0.0.1:{port}/webhooks/telegram/webhook"
    headers = {SECRET_HEADER: webhook_secret(token)}
    update = {"update_id": 900, "message": {"message_id": 1, "chat": {"id": 77, "type": "private"},
                                            "text": "halo"}}
    out = {}
    async with aiohttp.ClientSession() as http:
        try:  # the poster goes away after 0.2 s (a killed worker; Sanic then cancels the request)
            async with http.post(url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=0.2)):
                out["first"] = "answered"
        except asyncio.TimeoutError:
            out["first"] = "gone"
        started = time.monotonic()
        async with http.post(url, json=update, headers=headers) as resp:  # the restarted worker, again
            out["again"] = await resp.json()
        out["again_waited_s"] = time.monotonic() - started
        async with http.post(url, json=update, headers=headers) as resp:
            out["third"] = await resp.json()
    out["handled"] = handled
    out["known_after_restart"] = not SeenUpdates(db_path=state_db).first_time(900)
    server.close()
    await server.wait_closed()
    await channel.api.close()
    print(json.dumps(out))

asyncio.run(main())
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason=".venv/rasa is not installed")
def test_an_update_whose_poster_went_away_is_answered_once(tmp_path):
    """A killed polling worker (or Telegram giving up on a slow webhook) must neither lose the update in hand
    nor get it answered twice when it is posted again."""
    from testkit.stack import free_port

    with TelegramStandIn(token=TOKEN) as standin:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([str(RASA_PYTHON), "-c", ROUTE_SCRIPT, standin.base_url, TOKEN,
                               str(tmp_path / "telegram_state.db"), str(free_port())],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        result = json.loads(done.stdout.strip().splitlines()[-1])
        sent = [c.params for c in standin.calls_to("sendMessage")]
    assert result["first"] == "gone" and result["handled"] == ["halo"]
    assert sent == [{"chat_id": 77, "text": "jawaban halo"}]  # handled to its end, once
    assert result["again"] == {"ok": True, "duplicate": True}
    assert result["again_waited_s"] > 0.5  # waited for the first handling: the next update comes after it
    assert result["third"] == {"ok": True, "duplicate": True} and result["known_after_restart"]
