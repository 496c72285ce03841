"""action_handoff: a redacted queue entry per conversation, reused while open, and the user told what next."""
from __future__ import annotations

from actions.handoff import ActionHandoff
from helpdesk import handoff as handoff_core
from tests.actions.trackers import action, conversation, form_waiting, run, slot_events, texts, user


def test_handoff_is_stored_with_a_redacted_transcript(domain):
    state = user(conversation("personal_data_chat"), "saya mau bicara dengan petugas", intent="human_handoff",
                 channel="telegram")
    events, messages = run(ActionHandoff(), state, domain)
    slots = slot_events(events)
    request = handoff_core.get(int(slots["handoff_id"]))
    assert request.sender_id == "web-5f3c2a" and request.channel == "telegram"
    assert request.status == "open" and request.reason == "asked"
    stored = " ".join(line["text"] for line in request.transcript)
    assert "198501012010011001" not in stored and "budi.santoso@kemenkeu.go.id" not in stored
    assert "Budi Santoso" not in stored and "[NIP]" in stored and "[EMAIL]" in stored
    assert "satker 400156" in stored  # a satker code is not personal data and helps the agent
    assert [line["who"] for line in request.transcript] == ["user", "bot", "user", "bot", "user"]
    assert request.transcript[0]["time"] == "2023-11-14T22:13:30+00:00"
    said = texts(messages)
    assert said.startswith(f"Percakapan Anda saya teruskan ke petugas Helpdesk HAI DJPb (nomor antrean #{request.id}).")
    assert "Senin–Jumat 08.00–17.00 WIB" in said and "14090" in said
    assert slots["faq_unsure_count"] == 0


def test_asking_again_while_open_reuses_the_request(domain):
    state = user(conversation(), "petugas dong", intent="human_handoff")
    state["sender_id"] = "handoff-twice"
    first, _ = run(ActionHandoff(), state, domain)
    user(state, "halo? masih menunggu petugas", intent="human_handoff")
    second, messages = run(ActionHandoff(), state, domain)
    assert slot_events(first)["handoff_id"] == slot_events(second)["handoff_id"]
    assert "sudah tercatat dengan nomor antrean" in texts(messages)
    request = handoff_core.get(int(slot_events(second)["handoff_id"]))
    assert [line["text"] for line in request.transcript] == ["petugas dong", "halo? masih menunggu petugas"]
    handoff_core.close(request.id)
    third, _ = run(ActionHandoff(), state, domain)
    assert slot_events(third)["handoff_id"] != slot_events(first)["handoff_id"]


def test_handoff_during_a_form_forgets_the_form_answers(domain):
    state = form_waiting("bill_form_nominal")
    user(state, "saya mau ke petugas saja", intent="human_handoff")
    action(state, "action_deactivate_loop")
    state["events"].append({"event": "active_loop", "name": None})
    state["active_loop"] = {}
    events, _ = run(ActionHandoff(), state, domain)
    slots = slot_events(events)
    assert slots["idpel"] is None and slots["nominal"] is None and slots["requested_slot"] is None
