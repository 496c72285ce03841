"""Telegram channel logic without the server: updates in, Bot API requests out, long button payloads,
retried updates."""
from __future__ import annotations

from channels.telegram_core import (
    BUTTONS_DEFAULT_TEXT, CALLBACK_DATA_MAX_BYTES, MESSAGE_MAX_CHARS, CallbackPayloads, SeenUpdates,
    chat_id_param, inline_keyboard, parse_update, photo_request, split_text, text_requests, webhook_secret,
)

CHAT = {"id": 424242, "type": "private", "first_name": "Budi"}
USER = {"id": 424242, "is_bot": False, "first_name": "Budi", "language_code": "id"}


def message_update(text: str | None, update_id: int = 1, **extra) -> dict:
    message = {"message_id": 10, "from": USER, "chat": CHAT, "date": 1700000000, **extra}
    if text is not None:
        message["text"] = text
    return {"update_id": update_id, "message": message}


def button_update(data: str, keyboard: dict | None = None, update_id: int = 2) -> dict:
    message = {"message_id": 11, "from": {"id": 1, "is_bot": True, "first_name": "HAI"}, "chat": CHAT,
               "date": 1700000000, "text": "Saya dapat membantu Anda untuk:"}
    if keyboard:
        message["reply_markup"] = keyboard
    return {"update_id": update_id, "callback_query": {"id": "cb-1", "from": USER, "message": message,
                                                        "chat_instance": "-1", "data": data}}


def test_text_message_goes_to_rasa_with_the_chat_id_as_sender():
    incoming = parse_update(message_update("cara revisi DIPA?", update_id=77))
    assert (incoming.kind, incoming.chat_id, incoming.text, incoming.update_id) == ("text", 424242,
                                                                                    "cara revisi DIPA?", 77)
    assert incoming.metadata() == {"telegram": {"update_id": 77, "message_id": 10, "chat_type": "private",
                                                "kind": "text"}}
    assert "Budi" not in str(incoming.metadata())  # no names kept with the conversation


def test_start_greets_and_menu_commands_show_the_menu():
    assert parse_update(message_update("/start")).text == "/greet"
    assert parse_update(message_update("/start kampanye-2024")).text == "/greet"  # deep link parameter
    assert parse_update(message_update("/menu@hai_djpb_bot"), bot_name="hai_djpb_bot").text == "/help"
    assert parse_update(message_update("/bantuan")).text == "/help"
    assert parse_update(message_update("/start@bot_lain"), bot_name="hai_djpb_bot") is None


def test_other_commands_and_typed_intents_lose_the_slash():
    assert parse_update(message_update("/sp2d belum cair")).text == "sp2d belum cair"
    # a user cannot set intents or entities by typing Rasa's syntax
    assert parse_update(message_update('/check_bill{"idpel":"1"}')).text == 'check_bill{"idpel":"1"}'
    assert parse_update(message_update("/")).text == ""


def test_edited_message_is_answered_again():
    update = {"update_id": 5, "edited_message": message_update("cara revisi POK")["message"]}
    incoming = parse_update(update)
    assert (incoming.kind, incoming.text) == ("edited", "cara revisi POK")


def test_sticker_or_photo_is_unsupported_and_unknown_updates_are_ignored():
    incoming = parse_update(message_update(None, sticker={"file_id": "x"}))
    assert incoming.kind == "unsupported" and incoming.text is None and incoming.chat_id == 424242
    assert parse_update({"update_id": 9, "my_chat_member": {"chat": CHAT}}) is None
    assert parse_update({"update_id": 9}) is None


def test_button_press_gives_the_payload_and_the_callback_id():
    incoming = parse_update(button_update("Cek kewajaran tagihan listrik"))
    assert incoming.kind == "button" and incoming.text == "Cek kewajaran tagihan listrik"
    assert incoming.callback_query_id == "cb-1" and incoming.chat_id == 424242


def test_short_payloads_are_sent_as_callback_data_and_long_ones_as_tokens():
    payloads = CallbackPayloads()
    short = "Apakah pagu listrik satker saya cukup sampai Desember?"  # 54 bytes
    assert payloads.encode(short) == short
    long_payload = '/ask_helpdesk{"faq_id":"span-0042-pengembalian-belanja","sumber":"tombol alternatif"}'
    token = payloads.encode(long_payload)
    assert len(token.encode()) <= CALLBACK_DATA_MAX_BYTES and token != long_payload
    assert payloads.encode(long_payload) == token  # stable: the same payload, the same token
    assert payloads.decode(token) == long_payload
    assert parse_update(button_update(token), payloads).text == long_payload


def test_the_64_byte_limit_counts_bytes_not_characters():
    payloads = CallbackPayloads()
    accented = "é" * 40  # 40 characters, 80 bytes in UTF-8
    assert payloads.encode(accented) != accented
    assert payloads.decode(payloads.encode(accented)) == accented
    exactly = "a" * CALLBACK_DATA_MAX_BYTES
    assert payloads.encode(exactly) == exactly


def test_payload_that_looks_like_a_token_is_tokenised_too():
    payloads = CallbackPayloads()
    odd = "~pilihan"
    assert payloads.decode(payloads.encode(odd)) == odd


def test_tokens_survive_a_restart_through_the_state_db(tmp_path):
    db = tmp_path / "telegram_state.db"
    payload = "x" * 200
    token = CallbackPayloads(db).encode(payload)
    assert CallbackPayloads(db).decode(token) == payload  # a new process, same file
    assert CallbackPayloads().decode(token) is None  # memory only: unknown


def test_unknown_token_falls_back_to_the_pressed_buttons_title():
    token = CallbackPayloads.token_for("y" * 100)
    keyboard = {"inline_keyboard": [[{"text": "Tanya layanan", "callback_data": "a"}],
                                    [{"text": "Pertanyaan lain tentang SPAN", "callback_data": token}]]}
    incoming = parse_update(button_update(token, keyboard), CallbackPayloads())
    assert incoming.kind == "button" and incoming.text == "Pertanyaan lain tentang SPAN"
    lost = parse_update(button_update(token), CallbackPayloads())
    assert lost.kind == "unsupported" and lost.text is None and lost.callback_query_id == "cb-1"


def test_memory_of_tokens_is_bounded():
    payloads = CallbackPayloads(memory_limit=3)
    tokens = [payloads.encode(f"{i}" * 70) for i in range(1, 6)]
    assert payloads.decode(tokens[-1]) == "5" * 70
    assert payloads.decode(tokens[0]) is None


def test_retried_update_is_seen_once_and_memory_is_bounded():
    seen = SeenUpdates(capacity=3)
    assert seen.first_time(100) and not seen.first_time(100)
    for update_id in (101, 102, 103):
        assert seen.first_time(update_id)
    assert seen.first_time(100)  # forgotten after 3 newer ids
    assert seen.first_time(None) and seen.first_time(None)


def test_menu_buttons_become_an_inline_keyboard_one_per_row():
    buttons = [{"title": "Tanya layanan", "payload": "Bagaimana cara mengajukan revisi DIPA?"},
               {"title": "Cek kewajaran tagihan listrik", "payload": "Cek kewajaran tagihan listrik"},
               {"title": "Bicara dengan petugas", "payload": "Saya ingin bicara dengan petugas"}]
    keyboard = inline_keyboard(buttons, CallbackPayloads())
    assert keyboard == {"inline_keyboard": [
        [{"text": "Tanya layanan", "callback_data": "Bagaimana cara mengajukan revisi DIPA?"}],
        [{"text": "Cek kewajaran tagihan listrik", "callback_data": "Cek kewajaran tagihan listrik"}],
        [{"text": "Bicara dengan petugas", "callback_data": "Saya ingin bicara dengan petugas"}]]}


def test_short_answers_share_a_row_and_url_buttons_open_links():
    keyboard = inline_keyboard([{"title": "Ya", "payload": "/affirm"}, {"title": "Tidak", "payload": "/deny"}],
                               CallbackPayloads())
    assert keyboard["inline_keyboard"] == [[{"text": "Ya", "callback_data": "/affirm"},
                                            {"text": "Tidak", "callback_data": "/deny"}]]
    link = inline_keyboard([{"title": "Portal HAI", "url": "https://hai.kemenkeu.go.id"}], CallbackPayloads())
    assert link["inline_keyboard"] == [[{"text": "Portal HAI", "url": "https://hai.kemenkeu.go.id"}]]


def test_text_with_buttons_requests():
    requests = text_requests("424242", "Pilih layanan:", [{"title": "Ya", "payload": "/affirm"}])
    assert requests == [("sendMessage", {"chat_id": 424242, "text": "Pilih layanan:", "reply_markup": {
        "inline_keyboard": [[{"text": "Ya", "callback_data": "/affirm"}]]}})]
    # Telegram refuses an empty text: buttons alone get a short prompt
    alone = text_requests("424242", None, [{"title": "Ya", "payload": "/affirm"}])
    assert alone[0][1]["text"] == BUTTONS_DEFAULT_TEXT
    assert text_requests("424242", "   ") == []


def test_long_reply_is_split_and_the_keyboard_goes_under_the_last_part():
    paragraph = "Langkah revisi DIPA di SAKTI. " * 60  # about 1,800 characters
    text = "\n\n".join([paragraph] * 5)
    parts = split_text(text)
    assert len(parts) == 3 and all(len(p) <= MESSAGE_MAX_CHARS for p in parts)
    assert "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")
    requests = text_requests(1, text, [{"title": "Menu", "payload": "/help"}])
    assert [("reply_markup" in p) for _, p in requests] == [False, False, True]
    assert split_text("a" * 5000) == ["a" * 4096, "a" * 904]  # no space to cut at


def test_photo_and_chat_ids():
    assert photo_request("-100123", "https://contoh.go.id/charts/pagu.png") == (
        "sendPhoto", {"chat_id": -100123, "photo": "https://contoh.go.id/charts/pagu.png"})
    assert chat_id_param("@kanal_djpb") == "@kanal_djpb"


def test_webhook_secret_is_stable_per_token_and_allowed_by_telegram():
    secret = webhook_secret("123456:ABC")
    assert secret == webhook_secret("123456:ABC") != webhook_secret("123456:ABD")
    assert 1 <= len(secret) <= 256 and secret.isalnum()


def test_handled_updates_are_remembered_across_a_restart_with_a_state_file(tmp_path):
    db = tmp_path / "telegram_state.db"
    seen = SeenUpdates(db_path=db)
    assert seen.first_time(500) and seen.first_time(501)
    seen.done(500)  # 501 was still being handled when the server stopped
    again = SeenUpdates(db_path=db)
    assert not again.first_time(500)  # re-sent after the restart: not answered twice
    assert again.first_time(501)  # not finished before: handled again rather than lost
    old = SeenUpdates(db_path=db, keep_s=-1)  # rows older than keep_s are dropped at start
    assert old.first_time(500)
    broken = SeenUpdates(db_path=tmp_path / "broken.db")
    (tmp_path / "broken.db").unlink()
    (tmp_path / "broken.db").mkdir()  # the file is gone, a folder in its place
    broken.done(1)  # only logged: the update was answered all the same
    assert SeenUpdates(db_path=tmp_path / "broken.db").db_path is None  # unusable store: memory only


def test_malformed_updates_are_named_without_their_content():
    from channels.telegram_core import update_id_of, update_problem

    assert update_problem(message_update("halo", update_id=9)) is None
    assert update_problem(button_update("halo")) is None
    assert update_problem(["x"]) == "not a JSON object (list)"
    assert update_problem({"update_id": "9", "message": {}}) == "no integer update_id"
    assert update_problem({"update_id": 9, "message": "Budi 0812"}) == "its message is a str, not an object"
    assert "keys: ['poll']" in update_problem({"update_id": 9, "poll": {"question": "Budi?"}})
    assert update_id_of({"update_id": True}) is None and update_id_of({"update_id": 3}) == 3
