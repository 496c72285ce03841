"""The 👍/👎 under an answer on Telegram: one inline row whose callback data is the payload itself (within 64
bytes, so no token store is needed), and a press comes back to Rasa as that payload."""
from __future__ import annotations

import json

from actions.faq import AGENT_BUTTON, FEEDBACK_QUESTION, faq_button, feedback_buttons
from channels.telegram_core import CALLBACK_DATA_MAX_BYTES, CallbackPayloads, parse_update, text_requests
from helpdesk.feedback import new_answer_id
from tests.channels.test_telegram_core import button_update


def test_feedback_buttons_become_one_row_of_plain_callback_data():
    answer_id = new_answer_id()
    buttons = feedback_buttons(answer_id)
    requests = text_requests("424242", f"Revisi DIPA diajukan ke Kanwil DJPb.\n\n{FEEDBACK_QUESTION}", buttons,
                             CallbackPayloads())
    assert len(requests) == 1
    method, params = requests[0]
    assert method == "sendMessage" and params["text"].endswith(FEEDBACK_QUESTION)
    row, = params["reply_markup"]["inline_keyboard"]  # short titles share one row
    assert [k["text"] for k in row] == ["👍 Ya", "👎 Tidak"]
    assert [k["callback_data"] for k in row] == [b["payload"] for b in buttons]  # as is: no token
    assert all(len(k["callback_data"].encode()) <= CALLBACK_DATA_MAX_BYTES for k in row)


def test_the_longest_possible_feedback_payload_still_fits():
    down = feedback_buttons(new_answer_id())[1]["payload"]  # "down" is the longer vote
    assert len(down.encode()) == 61 <= CALLBACK_DATA_MAX_BYTES


def test_a_press_comes_back_as_the_feedback_payload():
    answer_id = new_answer_id()
    payloads = CallbackPayloads()
    keyboard = {"inline_keyboard": [[{"text": b["title"], "callback_data": payloads.encode(b["payload"])}
                                     for b in feedback_buttons(answer_id)]]}
    down = keyboard["inline_keyboard"][0][1]["callback_data"]
    incoming = parse_update(button_update(down, keyboard), payloads)
    assert incoming.kind == "button" and incoming.callback_query_id == "cb-1" and incoming.chat_id == 424242
    assert incoming.text.startswith("/feedback{")
    assert json.loads(incoming.text.removeprefix("/feedback")) == {"answer_id": answer_id, "vote": "down"}
    # a fresh process without the token store gets the same payload: feedback data is never a token
    assert parse_update(button_update(down), CallbackPayloads()).text == incoming.text


def test_the_alternatives_after_a_thumbs_down_come_back_too():
    class Entry:
        id = "span-0042-pengembalian-belanja-pegawai-tahun-anggaran-lalu"
        question = "Bagaimana mengembalikan belanja pegawai tahun anggaran yang lalu melalui SPAN?"

    payloads = CallbackPayloads()
    buttons = [faq_button(Entry()), AGENT_BUTTON]
    _, params = text_requests("424242", "Mungkin salah satu dari ini:", buttons, payloads)[0]
    rows = params["reply_markup"]["inline_keyboard"]
    assert [len(r) for r in rows] == [1, 1]  # long titles: one a row
    token = rows[0][0]["callback_data"]
    assert token.startswith("~") and len(token.encode()) <= CALLBACK_DATA_MAX_BYTES
    assert parse_update(button_update(token, params["reply_markup"]), payloads).text == buttons[0]["payload"]
    assert parse_update(button_update(rows[1][0]["callback_data"]), payloads).text == "/human_handoff"
