"""Trackers for action tests, built from the JSON fixtures the way the Rasa server builds them.

``conversation(name)`` loads a state from fixtures/conversations.json; ``user(state, text, ...)`` adds a
user message; ``form_waiting(name)`` is a form that asked for its requested slot; ``form_turn(...)`` adds
the user's answer and the form's validation call (slot candidates after ``ActionExecuted(form)``), and
``activation(...)`` the call at a form's start. ``run(action, state, domain)`` runs an action and returns
``(events, messages)``.
"""
from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

FIXTURES = Path(__file__).parent / "fixtures"
_T = [1700000100.0]


def _ts() -> float:
    _T[0] += 1.0
    return _T[0]


def _load(file: str) -> dict[str, Any]:
    return json.loads((FIXTURES / file).read_text(encoding="utf-8"))


def conversation(name: str = "fresh", **slots: Any) -> dict[str, Any]:
    state = copy.deepcopy(_load("conversations.json")[name])
    state["slots"].update(slots)
    return state


def user(state: dict, text: str, intent: str = "inform", confidence: float = 0.95,
         entities: list[dict] | None = None, channel: str = "rest") -> dict:
    parse = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": entities or []}
    state["events"].append({"event": "user", "text": text, "timestamp": _ts(), "input_channel": channel,
                            "parse_data": parse})
    state["latest_message"] = parse
    return state


def action(state: dict, name: str, text: str | None = None) -> dict:
    state["events"].append({"event": "action", "name": name, "timestamp": _ts()})
    if text:
        state["events"].append({"event": "bot", "text": text, "timestamp": _ts()})
    state["latest_action_name"] = name
    return state


def set_slot(state: dict, name: str, value: Any) -> dict:
    state["events"].append({"event": "slot", "name": name, "value": value, "timestamp": _ts()})
    state["slots"][name] = value
    return state


def form_waiting(name: str, **slots: Any) -> dict:
    """A form (fixtures/forms.json) that asked for its requested slot and listens."""
    spec = _load("forms.json")[name]
    form = spec.get("form", name)
    state = user(conversation(), spec["trigger"], intent=spec["intent"])
    state["events"].append({"event": "active_loop", "name": form, "timestamp": _ts()})
    for slot, value in {**spec["slots"], **slots}.items():
        set_slot(state, slot, value)
    set_slot(state, "requested_slot", spec["requested_slot"])
    action(state, form, spec["ask"])
    action(state, "action_listen")
    state["active_loop"] = {"name": form}
    return state


def form_call(state: dict, form: str, candidates: dict[str, Any] | None = None) -> dict:
    """What FormAction sends to validate_<form>: extraction events, requested_slot, the form, candidates."""
    candidates = candidates or {}
    for slot, value in candidates.items():  # set by action_extract_slots after the message
        set_slot(state, slot, value)
    set_slot(state, "requested_slot", state["slots"].get("requested_slot"))
    action(state, form)
    for slot, value in candidates.items():
        set_slot(state, slot, value)
    state["active_loop"] = {"name": form}
    return state


def form_turn(name: str, text: str, *, intent: str = "inform", confidence: float = 0.95,
              entities: dict[str, str] | None = None, failures: int = 0, slots: dict | None = None,
              candidates: dict[str, Any] | None = None) -> dict:
    """The user answers a waiting form; ``entities`` become both NLU entities and slot candidates."""
    spec = _load("forms.json")[name]
    form = spec.get("form", name)
    state = form_waiting(name, **(slots or {}))
    state["slots"]["validation_failures"] = failures
    ents = [{"entity": k, "value": v} for k, v in (entities or {}).items()]
    user(state, text, intent=intent, confidence=confidence, entities=ents)
    return form_call(state, form, {**(entities or {}), **(candidates or {})})


def activation(form: str, text: str, intent: str, prefilled: dict[str, Any], failures: int = 0) -> dict:
    """The validation call at a form's start, with slots the triggering message already filled."""
    state = conversation(validation_failures=failures)
    user(state, text, intent=intent, entities=[{"entity": k, "value": v} for k, v in prefilled.items()])
    for slot, value in prefilled.items():
        set_slot(state, slot, value)
    action(state, form)
    state["events"].insert(len(state["events"]) - 1, {"event": "active_loop", "name": form, "timestamp": _ts()})
    for slot, value in prefilled.items():
        set_slot(state, slot, value)
    state["active_loop"] = {"name": form}
    return state


def tracker(state: dict) -> Tracker:
    return Tracker.from_dict(copy.deepcopy(state))


def run(action_obj, state: dict, domain: dict) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action_obj.run(dispatcher, tracker(state), domain))
    return events, dispatcher.messages


def slot_events(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)
