"""Slot validation for every form, driven by ``actions.forms_config`` (one base class, five names).

Per turn the base
1. steps aside (``ActionExecutionRejection``) when the message is a confident command the rules answer
   (cancel, handoff, menu, another form), so the rules run even where a free-text mapping took the text;
2. takes a bare reply ("12a4", "satu juta") as the answer to the requested slot (``extract_<slot>``), so
   that it reaches validation instead of the form being rejected with the failure never counted;
3. checks every new value with the core's parsers (and, where cheap, that the idpel or satker exists);
   a wrong value is cleared with a message naming it and the expected shape (for an identifier, the
   parser's own message, the one the API answers with), and the form asks again;
   a new value for a slot filled earlier replaces it (a correction), and the user is told;
4. counts wrong turns in ``validation_failures`` (reset on success); at the third in a row it clears the
   form's slots and sets ``requested_slot`` to None, which ends the form; the submit action then finds its
   slots empty and does nothing.
When the form resumes after an interruption, a value the free-text mapping took from the interrupting
message is cleared, so the form asks for it again.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.interfaces import ActionExecutionRejection

from actions.base import call_with_timeout, conversation_ref, get_logger
from actions.conversation import (
    form_was_active_before_message,
    latest_entities,
    latest_intent,
    latest_text,
    latest_user_index,
    other_action_since_message,
    slots_set_since_message,
)
from actions.forms_config import (
    FORMS,
    MAX_VALIDATION_FAILURES,
    STEP_ASIDE_INTENTS,
    STOP_REPLY,
    SURE_INTENT_CONFIDENCE,
    VALUE_INTENTS,
    FormConfig,
    SlotRule,
)
from analytics.errors import InvalidInputError, NotFoundError, shown

log = get_logger(__name__)
EXISTS_TIMEOUT_S = 5.0  # an existence check is a convenience: when slow, the value is taken as it is


def _looks_like_value(text: str) -> bool:
    """A digit in a few words ("12a4", "Rp 1.250.000", "02/2024") is an answer whatever the intent; a button's
    payload ('/feedback{"answer_id":"…"}') never is."""
    return not text.lstrip().startswith("/") and bool(re.search(r"\d", text)) and len(text.split()) <= 4


def _value_before_message(tracker: Tracker, slot: str) -> Any:
    idx = latest_user_index(tracker)
    for event in reversed(tracker.events[: idx if idx is not None else len(tracker.events)]):
        if event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


class HaiFormValidation(FormValidationAction, ABC):
    @abstractmethod
    def name(self) -> str: ...

    @property
    def config(self) -> FormConfig:
        return FORMS[self.form_name()]

    # --- the message: for the form, for the rules, or already handled ----------------------------
    def _answers_form(self, tracker: Tracker) -> bool:
        """The latest message came while this form was waiting, and nothing else answered it."""
        form = self.form_name()
        return form_was_active_before_message(tracker, form) and not other_action_since_message(tracker, form)

    def _non_value_intent(self, tracker: Tracker) -> str | None:
        """The intent, when NLU is sure the message is something other than a value (and it does not look
        like one): then the text is no answer to the requested slot."""
        intent, confidence = latest_intent(tracker)
        if intent in VALUE_INTENTS or confidence < SURE_INTENT_CONFIDENCE:
            return None
        if _looks_like_value(latest_text(tracker)):
            return None
        return intent

    def _slot_entities(self, tracker: Tracker) -> set[str]:
        slots = set(self.config.slots) | set(self.config.optional)
        return {e.get("entity") for e in latest_entities(tracker) if e.get("entity") in slots}

    # --- extraction: a bare reply answers the requested slot ------------------------------------
    def _bare(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        text = latest_text(tracker).strip()
        if (tracker.get_slot(REQUESTED_SLOT) != slot or not text or text.startswith("/")
                or not self._answers_form(tracker) or self._slot_entities(tracker)
                or slot in slots_set_since_message(tracker) or self._non_value_intent(tracker)):
            return {}
        return {slot: text}

    async def extract_idpel(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._bare(tracker, "idpel")

    async def extract_nominal(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._bare(tracker, "nominal")

    async def extract_kode_satker(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._bare(tracker, "kode_satker")

    async def extract_kode_akun(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._bare(tracker, "kode_akun")

    async def extract_nama_akun(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._bare(tracker, "nama_akun")

    # --- the turn ---------------------------------------------------------------------------------
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        form = self.form_name()
        if self._answers_form(tracker):
            other = self._non_value_intent(tracker)
            if other in STEP_ASIDE_INTENTS and other != self.config.intent:
                raise ActionExecutionRejection(self.name(), f"'{other}' is answered by a rule, not by {form}")
        elif form_was_active_before_message(tracker, form):
            # resuming after an interruption: drop what a free-text mapping took from that message
            requested = tracker.get_slot(REQUESTED_SLOT)
            if requested in self.config.slots and requested in slots_set_since_message(tracker):
                return [SlotSet(requested, None)]
            return []
        return await super().run(dispatcher, tracker, domain)

    async def _check(self, rule: SlotRule, raw: Any, tracker: Tracker) -> tuple[str | None, str | None]:
        """(normalised value, None) or (None, message for the user)."""
        text = str(raw).strip() if raw is not None else ""
        try:
            value = rule.parse(text)
        except InvalidInputError as exc:  # the parser's message is the API's too, unless the form has its own
            return None, rule.wrong.format(value=shown(text)) if rule.wrong else str(exc)
        if rule.exists is not None:
            try:
                await call_with_timeout(rule.exists, value, timeout=EXISTS_TIMEOUT_S)
            except NotFoundError:
                return None, rule.not_found.format(value=value)
            except Exception:  # noqa: BLE001 - data unavailable: accept; the submit action reports it
                log.exception("%s: could not check that %s exists (%s)", self.name(), rule.label,
                              conversation_ref(tracker))
        return value, None

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: dict[str, Any]) -> list[dict[str, Any]]:
        cfg = self.config
        candidates = {k: v for k, v in tracker.slots_to_validate().items()
                      if k in cfg.slots and v is not None}
        since = slots_set_since_message(tracker)
        candidates.update({k: since[k] for k in cfg.optional if since.get(k) is not None})
        if not candidates:
            return []
        answers_form = form_was_active_before_message(tracker, self.form_name())
        results: dict[str, Any] = {}
        problems: list[str] = []
        requested = tracker.get_slot(REQUESTED_SLOT)
        for slot, raw in candidates.items():
            rule = cfg.slots.get(slot) or cfg.optional[slot]
            value, problem = await self._check(rule, raw, tracker)
            text = latest_text(tracker).strip()
            if problem and answers_form and slot == requested and text not in ("", str(raw).strip()) \
                    and not text.startswith("/"):
                # NLU may tag a fragment ("8143" of "5000 2548 8143"): the whole reply may be the value
                value_from_text, problem_from_text = await self._check(rule, text, tracker)
                if problem_from_text is None:
                    value, problem = value_from_text, None
            results[slot] = value
            if problem:
                problems.append(problem)
                continue
            before = _value_before_message(tracker, slot)
            if answers_form and before not in (None, value) and slot != requested:
                dispatcher.utter_message(text=f"Baik, {rule.label} saya ganti menjadi {rule.show(value)}.")
        for problem in problems:
            dispatcher.utter_message(text=problem)
        failures = 0
        if problems:
            failures = (int(tracker.get_slot("validation_failures") or 0) if answers_form else 0) + 1
        if failures >= MAX_VALIDATION_FAILURES:
            log.info("%s stopped after %d wrong answers (%s)", self.name(), failures,
                     conversation_ref(tracker))
            dispatcher.utter_message(text=STOP_REPLY)
            stop = {slot: None for slot in [*cfg.slots, *cfg.optional]}
            return [SlotSet(k, v) for k, v in stop.items()] + [
                SlotSet("validation_failures", 0), SlotSet(REQUESTED_SLOT, None)]
        results["validation_failures"] = failures
        return [SlotSet(k, v) for k, v in results.items()]


class ValidateBillForm(HaiFormValidation):
    def name(self) -> str:
        return "validate_bill_form"


class ValidatePaguForm(HaiFormValidation):
    def name(self) -> str:
        return "validate_pagu_form"


class ValidateRekonForm(HaiFormValidation):
    def name(self) -> str:
        return "validate_rekon_form"


class ValidateAccountForm(HaiFormValidation):
    def name(self) -> str:
        return "validate_account_form"


class ValidateAccountCheckForm(HaiFormValidation):
    def name(self) -> str:
        return "validate_account_check_form"
