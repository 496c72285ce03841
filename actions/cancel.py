"""action_cancel_form: stop the form the user was filling and forget its answers."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop

from actions.base import HaiAction, Reply
from actions.conversation import form_slots, last_form
from actions.prompts import FORM_CANCELLED


class ActionCancelForm(HaiAction):
    def name(self) -> str:
        return "action_cancel_form"

    def respond(self, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        form = last_form(tracker)
        if not form:
            return Reply().say(response="utter_nothing_to_cancel")
        reply = Reply().say(text=FORM_CANCELLED)
        reply.events.append(ActiveLoop(None))
        reply.set("requested_slot", None).set("validation_failures", 0)
        for slot in form_slots(domain, form):
            reply.set(slot, None)
        return reply
