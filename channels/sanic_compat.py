"""Make Sanic 21.12's websockets work on Python 3.11 (the socket.io channel's websocket transport).

Rasa 3.6 pins Sanic 21.12, whose websocket ``recv``/``recv_burst`` hand a bare coroutine to
``asyncio.wait``; Python 3.11 refuses that ("Passing coroutines is forbidden, use tasks explicitly"), so
every websocket (socket.io's preferred transport, used by the web widget) fails right after the upgrade
and only long-polling works. ``apply()`` gives that module an ``asyncio`` whose ``wait`` wraps
coroutines in tasks first, which is what ``asyncio.wait`` itself did before 3.11, so behaviour is as on
3.10. It does nothing on other Sanic versions or older Pythons, and is safe to call more than once.

hai/launcher.py starts the Rasa server through this module, so the patch is in place before Sanic runs
(together with channels/action_calls.py: cheaper calls to the action server, and
channels/action_fallback.py: an apology when the action server cannot be reached)::

    .venv/rasa/bin/python -m channels.sanic_compat run --model ...   # = `rasa run --model ...`
"""
from __future__ import annotations

import asyncio
import sys
import types
from typing import Any


class _Asyncio311(types.ModuleType):
    """``asyncio`` as seen by sanic.server.websockets.impl, with a ``wait`` that accepts coroutines."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def wait(fs: Any, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.wait([asyncio.ensure_future(f) for f in fs], *args, **kwargs)


def apply() -> bool:
    """Patch Sanic's websocket module if needed; True when the patch is (now) in place."""
    if sys.version_info < (3, 11):
        return False
    try:
        import sanic
        from sanic.server.websockets import impl
    except ImportError:
        return False
    if not str(getattr(sanic, "__version__", "")).startswith("21."):
        return False
    if not isinstance(impl.asyncio, _Asyncio311):
        impl.asyncio = _Asyncio311("asyncio")
    return True


if __name__ == "__main__":
    apply()
    from channels import action_calls, action_fallback

    action_calls.apply()
    action_fallback.apply()  # an apology, not silence, when the action server cannot be reached
    from rasa.__main__ import main

    sys.argv[0] = "rasa"
    sys.exit(main())
