"""The app's own database (handoffs, unanswered questions, answer votes, API keys, audit log): SQLAlchemy 2.

SQLite under the data folder by default; any SQLAlchemy URL (e.g. PostgreSQL) through ``HAI_APP_DB_URL``.
Tables are declared in ``hai.models`` and created by ``init_db``; a column added to a table that already
exists is added to the database by ``init_db`` too (nullable columns only, so old rows stay valid).
"""
from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from hai.models import Base
from hai.settings import Settings, get_settings

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # the API and the action server write concurrently
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def get_engine(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    url = settings.app_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"check_same_thread": False})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            _engines[url] = engine
        return engine


_ready: set[str] = set()


def _add_missing_columns(engine: Engine) -> None:
    """ALTER TABLE ... ADD COLUMN for each nullable column a model has and the database table lacks."""
    inspector = inspect(engine)
    existing_tables = set(inspector.get_table_names())
    for table in Base.metadata.sorted_tables:
        if table.name not in existing_tables:
            continue
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present or not column.nullable:
                continue
            kind = column.type.compile(dialect=engine.dialect)
            with engine.begin() as conn:
                conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}'))
                for index in table.indexes:
                    if [c.name for c in index.columns] == [column.name]:
                        index.create(conn, checkfirst=True)


def init_db(settings: Settings | None = None) -> Engine:
    """Create the app's tables where they are missing and add new columns to old tables (idempotent)."""
    engine = get_engine(settings)
    Base.metadata.create_all(engine)
    url = str(engine.url)
    if url not in _ready:
        with _lock:
            _add_missing_columns(engine)
            _ready.add(url)
    return engine


def session_factory(settings: Settings | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=init_db(settings), expire_on_commit=False)


def ping(settings: Settings | None = None) -> bool:
    try:
        with get_engine(settings).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - health check reports, never raises
        return False
