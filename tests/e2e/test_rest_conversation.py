"""A first Indonesian conversation through the real Rasa server, REST channel and action server."""
from __future__ import annotations

import uuid

import httpx
import pytest

pytestmark = pytest.mark.e2e


def _sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


def test_small_talk_in_indonesian(stack):
    sender = _sender()
    assert "Asisten HAI DJPb" in stack.texts(sender, "halo selamat pagi")[0]
    assert "Sama-sama" in stack.texts(sender, "terima kasih banyak ya")[0]
    assert "Sampai jumpa" in stack.texts(sender, "sampai jumpa")[0]


def test_bot_identity(stack):
    reply = " ".join(stack.texts(_sender(), "kamu siapa?"))
    assert "asisten virtual" in reply and "petugas helpdesk" in reply


def test_menu_comes_from_the_action_server_with_buttons(stack):
    messages = stack.say(_sender(), "kamu bisa bantu apa saja")
    assert len(messages) == 1
    menu = messages[0]
    assert "Saya dapat membantu Anda untuk" in menu["text"]
    titles = [b["title"] for b in menu.get("buttons", [])]
    assert "Cek kewajaran tagihan listrik" in titles and "Bicara dengan petugas" in titles
    assert "522111" in menu["text"] and "050-5889" in menu["text"]


def test_out_of_scope_points_to_the_call_centre(stack):
    reply = " ".join(stack.texts(_sender(), "tolong rekomendasikan resep rendang"))
    assert "di luar layanan" in reply and "14090" in reply


def test_empty_and_oversized_messages_get_a_clear_reply(stack):
    sender = _sender()
    assert "Pesan Anda kosong" in stack.texts(sender, "")[0]
    assert "Pesan Anda kosong" in stack.texts(sender, "   \n ")[0]
    long_reply = stack.texts(sender, "sp2d belum cair " * 640)[0]  # 10,240 characters
    assert "terlalu panjang" in long_reply and "10.239 karakter" in long_reply


def test_bad_requests_get_a_4xx_with_a_message(stack):
    url = f"{stack.settings.rasa_url}/webhooks/rest/webhook"
    not_json = httpx.post(url, content=b"bukan json", headers={"content-type": "application/json"}, timeout=30)
    assert not_json.status_code == 400 and "JSON" in not_json.json()["error"]
    no_sender = httpx.post(url, json={"message": "halo"}, timeout=30)
    assert no_sender.status_code == 400 and "sender" in no_sender.json()["error"]
    wrong_type = httpx.post(url, json={"sender": "x", "message": {"a": 1}}, timeout=30)
    assert wrong_type.status_code == 400


def test_conversation_survives_a_restart_of_the_rasa_server(stack):
    sender = _sender()
    stack.texts(sender, "halo")
    stack.texts(sender, "kamu siapa")
    stack.restart("rasa")
    url = f"{stack.settings.rasa_url}/conversations/{sender}/tracker"
    assert httpx.get(url, timeout=30).status_code == 401  # the HTTP API is closed without the token
    tracker = httpx.get(url, params={"token": stack.settings.rasa_api_token()}, timeout=30).json()
    said = [e.get("text") for e in tracker["events"] if e.get("event") == "user"]
    assert said[:2] == ["halo", "kamu siapa"]
    assert stack.texts(sender, "terima kasih")[0].startswith("Sama-sama")
