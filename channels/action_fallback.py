"""An apology instead of silence when the Rasa server cannot reach the action server.

Rasa 3.6, when a custom action's call to the action server fails to connect (the action server is down or
being restarted: connection refused, or a kept-alive connection closed under it), logs a stack trace,
drops the action's events and goes on: the user gets an empty answer (REST ``[]``, nothing on socket.io or
Telegram). ``apply()`` wraps ``RemoteAction.run`` so that such a failure (and only that: an answer with an
error status is left to Rasa) is one line in the log and a bot message with ``APOLOGY_REPLY`` (apology
plus the helpdesk contact), on every channel alike since it is an ordinary ``BotUttered`` event:

* once per user message: the form's ``validate_…`` action and its ``action_ask_…`` fail in the same turn,
  the user reads one apology;
* a form's validation that cannot run accepts nothing: the slots it was to check are set back to empty, as
  a rejecting validation would, so the form asks again once the action server is back;
* no other event: the conversation goes on from where it was, the next message works as before.

Connection refused is answered at once (the measured turn takes about 0.1 s), well within the 2 s the
user may wait. The Rasa server is started through ``channels.sanic_compat``, whose ``__main__`` calls
``apply()`` with the other patches.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from hai.messages import APOLOGY_REPLY

logger = logging.getLogger(__name__)

_APOLOGISED: OrderedDict[tuple[str, float | None], None] = OrderedDict()  # (sender, user message time)
_REMEMBER = 10_000
_ORIGINAL: dict[str, Any] = {}


def _unreachable(exc: BaseException) -> bool:
    """True when ``exc`` (Rasa's ``RasaException``) comes from failing to connect to the action server."""
    import aiohttp

    seen = exc
    for _ in range(5):
        seen = seen.__cause__ or seen.__context__
        if seen is None:
            return False
        if isinstance(seen, aiohttp.ClientConnectionError):  # refused, disconnected, connection timeout
            return True
    return False


def _turn_key(tracker: Any) -> tuple[str, float | None]:
    from rasa.shared.core.events import UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return tracker.sender_id, event.timestamp
    return tracker.sender_id, None


def fallback_events(action_name: str, tracker: Any) -> list[Any]:
    """The events that stand for an unreachable action server's answer (see the module docstring)."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet

    events: list[Any] = []
    if action_name.startswith("validate_"):
        candidates: list[str] = []
        for event in reversed(tracker.events):  # the form's candidates come after its ActionExecuted
            if isinstance(event, ActionExecuted):
                break
            if isinstance(event, SlotSet) and event.key != "requested_slot":
                candidates.append(event.key)
        events.extend(SlotSet(name, None) for name in dict.fromkeys(reversed(candidates)))
    key = _turn_key(tracker)
    if key not in _APOLOGISED:
        _APOLOGISED[key] = None
        while len(_APOLOGISED) > _REMEMBER:
            _APOLOGISED.popitem(last=False)
        events.insert(0, BotUttered(text=APOLOGY_REPLY))
    return events


async def run_or_apologise(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Any]:
    """Drop-in for ``RemoteAction.run``."""
    from rasa.shared.exceptions import RasaException

    try:
        return await _ORIGINAL["run"](self, output_channel, nlg, tracker, domain)
    except RasaException as exc:
        if not _unreachable(exc):
            raise
        logger.error("action server unreachable for '%s' (%s): the user gets the apology", self.name(), exc)
        return fallback_events(self.name(), tracker)


def apply() -> bool:
    """Install the wrapper on Rasa's ``RemoteAction`` (once); True when it is in place."""
    try:
        from rasa.core.actions.action import RemoteAction
    except ImportError:
        return False
    if RemoteAction.run is not run_or_apologise:
        _ORIGINAL["run"] = RemoteAction.run
        RemoteAction.run = run_or_apologise
    return True
