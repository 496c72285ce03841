"""What every HAI action shares: the core call in a worker thread with a timeout, and one way to fail.

A subclass implements :meth:`HaiAction.respond` (plain Python, runs in a thread): it reads the tracker,
calls ``knowledge``/``analytics`` and returns a :class:`Reply` (messages and events). The base then
- sends the reply when the call finished within ``settings.action_timeout_s`` seconds;
- turns an :class:`AnalyticsError` into its Indonesian message (the user can act on it, no apology);
- turns anything else, a timeout included, into ``APOLOGY_REPLY`` (apology + helpdesk contact) and logs the
  exception (redacted). Nothing is dropped silently and no stack trace reaches the user.
Messages are sent only after the call returned, so a timed-out call never leaves half an answer.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from analytics.errors import AnalyticsError
from hai.messages import APOLOGY_REPLY
from hai.settings import get_settings
from knowledge.redact import redact

# Core calls run here so the action server's event loop keeps serving other conversations. A call that
# times out keeps its thread until it ends (Python cannot kill a thread); 8 leave room for that.
_EXECUTOR = ThreadPoolExecutor(max_workers=8, thread_name_prefix="hai-action")
FALLBACK_TIMEOUT_S = 5.0
COUNTER_SLOTS = frozenset({"validation_failures", "faq_unsure_count"})  # reset to 0, not emptied


class RedactingFilter(logging.Filter):
    """Personal data never reaches a log: the message and the formatted traceback are redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def get_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    return logger


log = get_logger(__name__)


@dataclass
class Reply:
    """Messages (keyword arguments of ``dispatcher.utter_message``) and events an action returns."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def say(self, text: str | None = None, **kwargs: Any) -> "Reply":
        self.messages.append({"text": text, **kwargs} if text is not None else kwargs)
        return self

    def set(self, slot: str, value: Any) -> "Reply":
        self.events.append(SlotSet(slot, value))
        return self

    def extend(self, other: "Reply") -> "Reply":
        self.messages += other.messages
        self.events += other.events
        return self

    def send(self, dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
        for message in self.messages:
            dispatcher.utter_message(**message)
        return self.events


def user_message(error: Exception) -> str:
    """An AnalyticsError's message as a sentence: capital first letter, full stop."""
    text = str(error).strip() or "Permintaan belum dapat diproses"
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


async def call_with_timeout(fn: Callable[..., Any], *args: Any, timeout: float | None = None,
                            **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in a worker thread; raises ``TimeoutError`` after ``timeout`` seconds
    (``settings.action_timeout_s`` by default)."""
    timeout = get_settings().action_timeout_s if timeout is None else timeout
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(_EXECUTOR, functools.partial(fn, *args, **kwargs))
    return await asyncio.wait_for(future, timeout=timeout)


def conversation_ref(tracker: Tracker) -> str:
    """A short pseudonym of the conversation for logs (never the raw id)."""
    from helpdesk.unanswered import sender_hash

    return sender_hash(tracker.sender_id)[:12]


class HaiAction(Action, ABC):
    """Base of every custom action. Subclasses set ``reset_slots`` (cleared after every outcome) and
    ``reset_slots_on_error`` (cleared as well when the core refused the input)."""

    reset_slots: tuple[str, ...] = ()
    reset_slots_on_error: tuple[str, ...] = ()

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def respond(self, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        """The work: read the tracker, call the core, return what to say and which events to return."""

    def on_user_error(self, error: AnalyticsError, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        return Reply().say(user_message(error))

    def on_failure(self, error: BaseException, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        """After a crash or a timeout (already logged); runs in a worker thread with a short timeout."""
        return Reply().say(APOLOGY_REPLY)

    def _cleanup(self, reply: Reply, slots: tuple[str, ...]) -> Reply:
        already = {e.get("name") for e in reply.events if e.get("event") == "slot"}
        for slot in slots:
            if slot not in already:
                reply.set(slot, 0 if slot in COUNTER_SLOTS else None)
        return reply

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            reply = await call_with_timeout(self.respond, tracker, domain)
            reply = self._cleanup(reply, self.reset_slots)
        except AnalyticsError as exc:
            log.info("%s: input refused by the core (%s): %s", self.name(), conversation_ref(tracker), exc)
            reply = self._cleanup(self.on_user_error(exc, tracker, domain),
                                  self.reset_slots + self.reset_slots_on_error)
        except Exception as exc:  # noqa: BLE001 - the user gets an apology, the log gets the trace
            if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
                log.error("%s timed out after %.1f s (%s)", self.name(), get_settings().action_timeout_s,
                          conversation_ref(tracker), exc_info=exc)
            else:
                log.exception("%s failed (%s)", self.name(), conversation_ref(tracker))
            try:
                reply = await call_with_timeout(self.on_failure, exc, tracker, domain,
                                                timeout=FALLBACK_TIMEOUT_S)
            except Exception:  # noqa: BLE001 - a failing fallback must not hide the apology
                log.exception("%s: fallback failed too", self.name())
                reply = Reply().say(APOLOGY_REPLY)
            reply = self._cleanup(reply, self.reset_slots + self.reset_slots_on_error)
        return reply.send(dispatcher)
