"""action_handoff: queue the conversation for a helpdesk agent (``helpdesk.handoff``) and say what happens next."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.base import HaiAction, Reply
from actions.conversation import form_at_message, form_slots, transcript
from helpdesk import handoff as handoff_core


def hand_over(tracker: Tracker, reason: str) -> Reply:
    """Open (or reuse) the conversation's request; the reply carries the queue number and sets handoff_id.
    Shared by action_handoff and action_answer_question, so every handoff reads the same."""
    request, created = handoff_core.create_or_get_open(
        tracker.sender_id, channel=tracker.get_latest_input_channel() or "rest",
        transcript=transcript(tracker), reason=reason,
    )
    return (Reply().say(handoff_core.handoff_reply(request, created))
            .set("handoff_id", str(request.id)).set("faq_unsure_count", 0))


class ActionHandoff(HaiAction):
    def name(self) -> str:
        return "action_handoff"

    def respond(self, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        reply = hand_over(tracker, "asked")
        left = form_at_message(tracker)
        if left and not tracker.active_loop_name:  # a rule closed the form for the handoff: forget it
            reply.set("requested_slot", None).set("validation_failures", 0)
            for slot in form_slots(domain, left):
                reply.set(slot, None)
        return reply
