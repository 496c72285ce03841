"""One session factory per app database URL for the API's own tables (keys, users, audit log).

``hai.db.session_factory`` creates the tables on every call; the API asks the database on hot paths (a key
lookup, the audit writer), so the tables are created once per URL and the factory is reused.
"""
from __future__ import annotations

import threading

from sqlalchemy.orm import Session, sessionmaker

from hai.db import session_factory
from hai.settings import Settings, get_settings

_factories: dict[str, sessionmaker[Session]] = {}
_lock = threading.Lock()


def sessions(settings: Settings | None = None) -> sessionmaker[Session]:
    settings = settings or get_settings()
    with _lock:
        factory = _factories.get(settings.app_url)
        if factory is None:
            factory = _factories[settings.app_url] = session_factory(settings)
        return factory
