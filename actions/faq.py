"""action_answer_question: the knowledge service answers, offers alternatives, or hands over to an agent.

- answer: the answer, its category and source, then "Apakah jawaban ini membantu?" with 👍/👎 buttons
  (payload ``/feedback{"answer_id":"<id>","vote":"up"}``, handled by ``actions.feedback``); the answer is
  stored for the vote (``helpdesk.feedback``), its id kept in the ``answer_id`` slot; ``faq_unsure_count``
  back to 0. An entry picked from the alternatives is answered the same way.
- alternatives: "Apakah maksud Anda ...?" with a button per candidate (payload
  ``/ask_helpdesk{"faq_id":"<id>"}``, answered directly next turn) and one for an agent; the count goes up,
  and the second unsure turn in a row hands over instead.
- handoff: the conversation goes to an agent (``actions.handoff.hand_over``).
- empty / too long: the knowledge service's own explanation.
Unsure and unanswered questions are stored redacted (``helpdesk.unanswered``) so agents can add entries.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rasa_sdk import Tracker

from actions import resources
from actions.base import HaiAction, Reply, conversation_ref, get_logger
from actions.conversation import latest_text
from actions.handoff import hand_over
from hai.messages import APOLOGY_REPLY
from helpdesk import feedback
from helpdesk.unanswered import record_unanswered

if TYPE_CHECKING:
    from knowledge.search import AskResult

log = get_logger(__name__)

UNSURE_LIMIT = 2  # unsure answers in a row before a person takes over
DEFAULT_SOURCE = "Basis pengetahuan HAI DJPb"
ALTERNATIVES_PROMPT = "Apakah maksud Anda salah satu dari ini?"
AGENT_BUTTON = {"title": "Bicara dengan petugas", "payload": "/human_handoff"}
BUTTON_TITLE_CHARS = 80
UNSURE_TWICE_INTRO = "Maaf, saya masih belum yakin dengan jawaban untuk pertanyaan Anda."
FEEDBACK_QUESTION = "Apakah jawaban ini membantu?"
VOTE_TITLES = {feedback.UP: "👍 Ya", feedback.DOWN: "👎 Tidak"}
GONE_REPLY = ("Maaf, jawaban yang Anda pilih sudah tidak tersedia. Silakan tulis ulang pertanyaan Anda, "
              "atau ketik \"petugas\" untuk bicara dengan petugas Helpdesk HAI DJPb.")


def answer_text(entry: Any) -> str:
    """The answer with its category and source (works for ``EntryHit`` and ``Entry``)."""
    source = entry.reference or DEFAULT_SOURCE
    category = entry.category_title or entry.category
    return f"{entry.answer.strip()}\n\nKategori: {category}\nSumber: {source} ({entry.id})"


def faq_button(entry: Any) -> dict[str, str]:
    title = " ".join(entry.question.split())
    if len(title) > BUTTON_TITLE_CHARS:
        title = title[: BUTTON_TITLE_CHARS - 1].rstrip() + "…"
    payload = "/ask_helpdesk" + json.dumps({"faq_id": entry.id}, separators=(",", ":"))
    return {"title": title, "payload": payload}


def feedback_buttons(answer_id: str) -> list[dict[str, str]]:
    """👍/👎 for one answer; each payload stays within Telegram's 64 bytes of callback data."""
    return [{"title": title, "payload": "/feedback" + json.dumps({"answer_id": answer_id, "vote": vote},
                                                                   separators=(",", ":"))}
            for vote, title in VOTE_TITLES.items()]


def asked_question(tracker: Tracker) -> str:
    """The latest question the user typed (not a button's payload), for the feedback record."""
    for event in reversed(tracker.events):
        text = str(event.get("text") or "") if event.get("event") == "user" else ""
        if text and not text.startswith("/"):
            return text
    return ""


def answer_with_feedback(tracker: Tracker, entry: Any, result: AskResult | None = None) -> Reply:
    """The answer, asking whether it helped. The answer is stored for the vote; when that fails the user still
    gets the answer and the buttons (a vote for an answer that was not stored is only thanked for)."""
    owner = feedback.Owner.conversation(tracker.sender_id)
    channel = tracker.get_latest_input_channel() or "rest"
    answer_id = feedback.new_answer_id()
    try:
        if result is not None:
            feedback.record_result(result, owner=owner, channel=channel, answer_id=answer_id)
        else:  # picked from a list: no confidence, the question the user typed before
            feedback.record_answer(entry.id, owner=owner, channel=channel, question=asked_question(tracker),
                                   answer_id=answer_id)
    except Exception:  # noqa: BLE001 - losing a vote must not lose the user's answer
        log.exception("could not store an answer for feedback (%s)", conversation_ref(tracker))
    return (Reply().say(f"{answer_text(entry)}\n\n{FEEDBACK_QUESTION}", buttons=feedback_buttons(answer_id))
            .set("answer_id", answer_id).set("faq_unsure_count", 0))


class ActionAnswerQuestion(HaiAction):
    def name(self) -> str:
        return "action_answer_question"

    def _record(self, tracker: Tracker, text: str, reason: str) -> None:
        try:
            record_unanswered(text, sender_id=tracker.sender_id, channel=tracker.get_latest_input_channel(),
                              reason=reason)
        except Exception:  # noqa: BLE001 - losing a statistic must not lose the user's answer
            log.exception("could not record an unanswered question (%s)", conversation_ref(tracker))

    def respond(self, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        search = resources.knowledge()
        faq_id = next(tracker.get_latest_entity_values("faq_id"), None)
        if faq_id:  # a button of an earlier "Apakah maksud Anda ...": answer that entry, no search
            entry = search.knowledge_base.get(str(faq_id))
            if entry is None or not entry.active:
                return Reply().say(GONE_REPLY)
            return answer_with_feedback(tracker, entry)

        text = latest_text(tracker)
        question = "" if text.startswith("/") else text  # a bare intent payload carries no question
        result = search.ask(question)
        if result.outcome == "answer":
            return answer_with_feedback(tracker, result.entry, result)
        if result.outcome == "alternatives":
            self._record(tracker, question, "unsure")
            unsure = int(tracker.get_slot("faq_unsure_count") or 0) + 1
            if unsure >= UNSURE_LIMIT:
                return Reply().say(UNSURE_TWICE_INTRO).extend(hand_over(tracker, "unsure_twice"))
            candidates = ([result.entry] if result.entry else []) + list(result.alternatives)
            buttons = [faq_button(e) for e in candidates[:3]] + [AGENT_BUTTON]
            return Reply().say(ALTERNATIVES_PROMPT, buttons=buttons).set("faq_unsure_count", unsure)
        if result.outcome == "handoff":
            self._record(tracker, question, "no_answer")
            return Reply().say(result.message).extend(hand_over(tracker, "no_answer"))
        return Reply().say(result.message)  # empty or too long: how to ask instead

    def on_failure(self, error: BaseException, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        """The question is not lost: besides the apology it goes to an agent's queue."""
        return Reply().say(APOLOGY_REPLY).extend(hand_over(tracker, "error"))
