"""Sending to Telegram outside a webhook call (the agent console's helper), against the loopback stand-in."""
from __future__ import annotations

import json
import socket
import urllib.parse
import urllib.request

import pytest

from channels.telegram_api import TelegramApiError, call_bot_api, send_text_to_user
from testkit.telegram_standin import TelegramStandIn

TOKEN = "123456:TEST-token_abc"


@pytest.fixture()
def standin():
    with TelegramStandIn(token=TOKEN) as server:
        yield server


def test_agent_message_reaches_the_chat(standin):
    sent = send_text_to_user("424242", "Halo, saya Rina dari Helpdesk HAI DJPb.", token=TOKEN,
                             api_base=standin.base_url)
    assert sent[0]["chat"]["id"] == 424242 and sent[0]["message_id"] == 1
    call = standin.wait_for("sendMessage", timeout=1)
    assert call.params == {"chat_id": 424242, "text": "Halo, saya Rina dari Helpdesk HAI DJPb."}
    assert call.token == TOKEN


def test_long_agent_message_is_sent_in_parts(standin):
    sent = send_text_to_user(7, "kata " * 1500, token=TOKEN, api_base=standin.base_url)
    assert len(sent) == 2 and len(standin.calls_to("sendMessage")) == 2


def test_refusal_is_a_typed_error_without_the_token(standin):
    standin.fail_next("sendMessage", 400, "Bad Request: chat not found")
    with pytest.raises(TelegramApiError) as caught:
        send_text_to_user(99, "halo", token=TOKEN, api_base=standin.base_url)
    assert caught.value.error_code == 400
    assert "chat not found" in str(caught.value) and "Telegram menolak sendMessage" in str(caught.value)
    with pytest.raises(TelegramApiError, match="kode 401"):
        send_text_to_user(99, "halo", token="999:wrong", api_base=standin.base_url)


def test_unreachable_bot_api_and_missing_configuration():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TelegramApiError) as caught:
        call_bot_api("getMe", {}, token=TOKEN, api_base=f"http://127.0.0.1:{port}", timeout=2)
    assert "tidak dapat dihubungi" in str(caught.value) and TOKEN not in str(caught.value)
    with pytest.raises(TelegramApiError, match="HAI_TELEGRAM_TOKEN"):
        send_text_to_user(1, "halo", token="", api_base="http://127.0.0.1:1")
    with pytest.raises(TelegramApiError, match="kosong"):
        send_text_to_user(1, "  ", token=TOKEN, api_base="http://127.0.0.1:1")


def _post(url: str, data: bytes, content_type: str) -> dict:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type}, method="POST")
    with urllib.request.urlopen(request, timeout=5) as resp:
        return json.loads(resp.read())


def test_standin_reads_form_and_multipart_bodies_like_telegram(standin):
    url = f"{standin.base_url}/bot{TOKEN}/sendMessage"
    markup = json.dumps({"inline_keyboard": [[{"text": "Ya", "callback_data": "/affirm"}]]})
    form = urllib.parse.urlencode({"chat_id": "5", "text": "pilih", "reply_markup": markup}).encode()
    answer = _post(url, form, "application/x-www-form-urlencoded")
    assert answer["ok"] and answer["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Ya"
    boundary = "hai-batas"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n5\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"pagu.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n\x89PNG....\r\n--{boundary}--\r\n").encode("latin-1")
    photo = _post(f"{standin.base_url}/bot{TOKEN}/sendPhoto", body, f"multipart/form-data; boundary={boundary}")
    assert photo["ok"] and photo["result"]["photo"]
    recorded = standin.calls_to("sendPhoto")[0].params
    assert recorded["chat_id"] == "5" and recorded["photo"]["filename"] == "pagu.png"
    answer = _post(f"{standin.base_url}/bot{TOKEN}/getWebhookInfo", b"", "application/json")
    assert answer == {"ok": True, "result": {"pending_update_count": 0, "has_custom_certificate": False,
                                             "url": ""}}
