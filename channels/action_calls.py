"""Cheaper custom-action calls in the Rasa server: a response check built once and one keep-alive session.

Every custom-action turn costs the Rasa server's single event loop more than a turn Rasa answers itself;
two of those costs are overhead, not work (measured with py-spy on benchmarks/bench_chat.py):

* ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``, which checks the response
  *schema* against the JSON Schema meta-schema and builds a new validator on every call: about 27 ms of CPU
  per helpdesk answer, a quarter of the Rasa process's time under load, against under 1 ms for the same
  check with a validator made once. ``validate_action_result`` is that check: the same schema and draft,
  the same error (``best_match``) and message, so what Rasa accepts and rejects is unchanged
  (tests/channels/test_action_calls.py compares the two).
* ``EndpointConfig.request`` opens a new ``aiohttp.ClientSession`` (a new connection pool, a new TCP
  connection) for every call to the action server and closes it afterwards. ``shared_session`` hands out
  one session per event loop and endpoint settings instead, so calls reuse kept-alive connections; the
  headers, basic auth and timeout are those Rasa would have used.

The Rasa server is started through ``channels.sanic_compat``, which calls ``apply()`` before Rasa runs.
"""
from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any

_SESSIONS: dict[tuple, Any] = {}


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, where jsonschema.validate does it on every call
    return cls(schema)


def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result``."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


class _Borrowed:
    """``async with`` over a long-lived session that is not closed on exit."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *exc: Any) -> bool:
        return False


def shared_session(self: Any) -> _Borrowed:
    """Drop-in for ``EndpointConfig.session``: one kept-alive session per event loop and endpoint."""
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
            if self.basic_auth else None)
    key = (id(asyncio.get_running_loop()), self.url, tuple(sorted(self.headers.items())),
           tuple(sorted(self.basic_auth.items())))
    session = _SESSIONS.get(key)
    if session is None or session.closed:
        session = aiohttp.ClientSession(headers=self.headers, auth=auth,
                                        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT))
        _SESSIONS[key] = session
    return _Borrowed(session)


def apply() -> bool:
    """Install both on Rasa's classes; True when they are in place."""
    try:
        from rasa.core.actions.action import RemoteAction
        from rasa.utils.endpoints import EndpointConfig
    except ImportError:
        return False
    RemoteAction._validate_action_result = validate_action_result
    EndpointConfig.session = shared_session
    return True
