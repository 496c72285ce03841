"""action_answer_feedback: the user's 👍/👎 on an answer (``/feedback{"answer_id":"…","vote":"up"}``).

- 👍: the vote is stored (``helpdesk.feedback``) and the user thanked briefly.
- 👎: the vote is stored; the next best entries of that answer are offered as buttons (answered directly, as
  the alternatives of ``action_answer_question``) with a button for an agent, or, when there are none, the
  agent button and an invitation to rephrase.
- typed feedback ("jawabannya tidak membantu") votes on the latest answer (slot ``answer_id``); without a
  vote the question is asked again with its buttons.
Storing never stands between the user and the reply: a database failure is logged, the reply goes out. A
vote for an answer id that is unknown or belongs to another conversation stores nothing and reads the same.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions import resources
from actions.base import HaiAction, Reply, conversation_ref, get_logger
from actions.faq import AGENT_BUTTON, FEEDBACK_QUESTION, faq_button, feedback_buttons
from helpdesk import feedback

log = get_logger(__name__)

THANKS_UP = "Terima kasih atas penilaian Anda. Senang jawaban tersebut membantu."
DOWN_WITH_ALTERNATIVES = ("Terima kasih atas penilaian Anda, maaf jawabannya belum membantu. "
                          "Mungkin salah satu dari ini yang Anda maksud, atau bicara dengan petugas:")
DOWN_WITHOUT_ALTERNATIVES = ("Terima kasih atas penilaian Anda, maaf jawabannya belum membantu. Silakan "
                             "tulis ulang pertanyaan Anda dengan kata lain, atau bicara dengan petugas:")
NO_ANSWER_YET = ("Terima kasih atas masukan Anda. Silakan tulis pertanyaan Anda terkait layanan "
                 "perbendaharaan.")


def offered_entries(alternative_ids: list[str]) -> list[Any]:
    """The stored next best entries that are still served; none when the knowledge service is unavailable."""
    if not alternative_ids:
        return []
    try:
        kb = resources.knowledge().knowledge_base
    except Exception:  # noqa: BLE001 - the agent button is still there
        log.exception("knowledge base unavailable for the alternatives after a thumbs down")
        return []
    entries = [kb.get(entry_id) for entry_id in alternative_ids]
    return [e for e in entries if e is not None and getattr(e, "active", True)]


class ActionAnswerFeedback(HaiAction):
    def name(self) -> str:
        return "action_answer_feedback"

    def _store(self, tracker: Tracker, answer_id: str, vote: str) -> feedback.Answer | None:
        try:
            return feedback.vote(answer_id, vote, owner=feedback.Owner.conversation(tracker.sender_id))
        except feedback.AnswerNotFoundError:
            log.info("feedback for an unknown or foreign answer ignored (%s)", conversation_ref(tracker))
        except Exception:  # noqa: BLE001 - losing a vote must not lose the user's reply
            log.exception("could not store feedback (%s)", conversation_ref(tracker))
        return None

    def respond(self, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        answer_id = next(tracker.get_latest_entity_values("answer_id"), None) or tracker.get_slot("answer_id")
        raw_vote = next(tracker.get_latest_entity_values("vote"), None)
        if not answer_id:
            return Reply().say(NO_ANSWER_YET)
        try:
            vote = feedback.parse_vote(raw_vote)
        except feedback.InvalidVoteError:  # "jawabannya ...?" without a verdict: ask with the buttons
            return Reply().say(FEEDBACK_QUESTION, buttons=feedback_buttons(str(answer_id)))
        answer = self._store(tracker, str(answer_id), vote)
        if vote == feedback.UP:
            return Reply().say(THANKS_UP)
        entries = offered_entries(answer.alternative_ids if answer else [])
        if entries:
            buttons = [faq_button(e) for e in entries] + [AGENT_BUTTON]
            return Reply().say(DOWN_WITH_ALTERNATIVES, buttons=buttons)
        return Reply().say(DOWN_WITHOUT_ALTERNATIVES, buttons=[AGENT_BUTTON])
