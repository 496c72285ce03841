"""Reading a rasa-sdk tracker: the latest user message, what happened since, the transcript, form slots."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from helpdesk.handoff import event_line

# Slots a form uses besides its required ones (optional values the submit action reads).
FORM_EXTRA_SLOTS: dict[str, tuple[str, ...]] = {
    "bill_form": ("periode",),
    "pagu_form": ("periode",),
}
# Events Rasa adds around a form run that do not mean "another action answered the message".
_NEUTRAL_ACTIONS = {"action_listen", "action_extract_slots", None}


def latest_user_index(tracker: Tracker) -> int | None:
    for i in range(len(tracker.events) - 1, -1, -1):
        if tracker.events[i].get("event") == "user":
            return i
    return None


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = (tracker.latest_message or {}).get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def latest_entities(tracker: Tracker) -> list[dict[str, Any]]:
    return list((tracker.latest_message or {}).get("entities") or [])


def form_at_message(tracker: Tracker) -> str | None:
    """The form that was active when the user sent the latest message (None at a form's activation, whose
    ``active_loop`` event comes after the message)."""
    idx = latest_user_index(tracker)
    if idx is None:
        return None
    for event in reversed(tracker.events[:idx]):
        if event.get("event") == "active_loop":
            return event.get("name") or None
    return None


def form_was_active_before_message(tracker: Tracker, form: str) -> bool:
    """Does the latest message answer ``form`` (it was active when the message came)?"""
    return form_at_message(tracker) == form


def other_action_since_message(tracker: Tracker, form: str) -> bool:
    """Did an action other than the form run after the latest user message? Then the message was handled
    elsewhere (an interruption) and the form is only resuming."""
    idx = latest_user_index(tracker)
    if idx is None:
        return False
    return any(
        e.get("event") == "action" and e.get("name") not in _NEUTRAL_ACTIONS and e.get("name") != form
        for e in tracker.events[idx + 1:]
    )


def slots_set_since_message(tracker: Tracker) -> dict[str, Any]:
    """Slot values set after the latest user message (by slot extraction or the form), last one wins."""
    idx = latest_user_index(tracker)
    out: dict[str, Any] = {}
    for event in tracker.events[(idx + 1 if idx is not None else 0):]:
        if event.get("event") == "slot":
            out[event.get("name")] = event.get("value")
    return out


def form_slots(domain: dict[str, Any], form: str | None) -> tuple[str, ...]:
    """The slots a form fills (required ones from the domain, then its optional ones)."""
    if not form:
        return ()
    required = (domain.get("forms", {}).get(form) or {}).get("required_slots") or []
    if isinstance(required, dict):  # older domain format: {slot: mappings}
        required = list(required)
    return tuple(dict.fromkeys([*required, *FORM_EXTRA_SLOTS.get(form, ())]))


def last_form(tracker: Tracker) -> str | None:
    """The form active now, or else the one active when the latest message came (a rule such as
    cancel -> action_deactivate_loop -> action_cancel_form has just closed it)."""
    return tracker.active_loop_name or form_at_message(tracker)


def transcript(tracker: Tracker, limit: int = 60) -> list[dict[str, Any]]:
    """``[{who: user|bot, text, time}]`` of the conversation since its last restart (not redacted here:
    ``helpdesk.handoff`` redacts everything it stores)."""
    lines = [line for line in map(event_line, tracker.events_after_latest_restart()) if line]
    return lines[-limit:]
