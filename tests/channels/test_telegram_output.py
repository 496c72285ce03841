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
    await out.api.close(); await channel.api.close()
    print(json.dumps({"down": down, "webhook_set": webhook_set, "sanic_patched": sanic_compat.apply()}))

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

    assert result == {"down": None, "webhook_set": True, "sanic_patched": True}
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
    assert methods[6:] == ["getMe", "setWebhook"]
    assert calls[7][1]["url"] == "https://x.go.id/webhooks/telegram/webhook"
