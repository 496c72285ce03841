"""One shared object per process for each builder and settings value, built on first use.

``shared(build, settings)`` returns ``build(settings)``, built once per process for each builder and each
distinct settings value: two equal settings objects (the action server's ``get_settings()`` and an API app's
``app.state.settings``) share one object, a changed setting gets its own. Concurrent first callers wait for
the one build; a build that raises is not kept, so the next call tries again.

The adapters (``actions.resources``, ``api.deps``) get the core services through it with the services' own
``from_settings`` builders, so the building is written once, in the core, and the caching once, here.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

S = TypeVar("S")
T = TypeVar("T")

_objects: dict[Hashable, Any] = {}
_locks: dict[Hashable, threading.Lock] = {}
_guard = threading.Lock()


def settings_key(settings: object) -> Hashable:
    """Settings by value: a pydantic model's JSON dump; any other settings object must be hashable itself."""
    dump = getattr(settings, "model_dump_json", None)
    return dump() if callable(dump) else settings


def shared(build: Callable[[S], T], settings: S) -> T:
    """``build(settings)``, once per process for this builder and this settings value. ``build`` is a
    module-level function or a classmethod (equal each time it is named); a lambda would never match."""
    key = (build, settings_key(settings))
    try:
        return _objects[key]
    except KeyError:
        pass
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        if key not in _objects:
            _objects[key] = build(settings)
        return _objects[key]


def peek(build: Callable[[S], T], settings: S) -> T | None:
    """The object ``shared`` built for this builder and settings, or ``None`` when none was built yet."""
    return _objects.get((build, settings_key(settings)))


def clear() -> None:
    """Forget every shared object (tests, or after the data changed); the next call builds again."""
    with _guard:
        _objects.clear()
        _locks.clear()
