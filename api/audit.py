"""The audit trail of API requests, written by one background thread in batches.

A request only puts a small record on a queue (no database round trip on the request's path); the writer
inserts whatever has queued up in one transaction. Records hold no request body, query values or personal
data: who (key or user id), the route template, status, duration, client address and request id.
"""
from __future__ import annotations

import logging
import queue
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from sqlalchemy import insert

from api.storage import sessions
from hai.models import AuditLog
from hai.settings import Settings

log = logging.getLogger("api.audit")
_BATCH = 500


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class AuditRecord:
    method: str
    route: str
    status: int
    duration_ms: float
    request_id: str
    client_ip: str | None = None
    api_key_id: int | None = None
    user_id: int | None = None
    created_at: datetime = field(default_factory=_now)


class AuditWriter:
    def __init__(self, settings: Settings, max_queue: int = 100_000) -> None:
        self.settings = settings
        self._queue: queue.Queue = queue.Queue(maxsize=max_queue)
        self._thread: threading.Thread | None = None
        self.dropped = 0

    def start(self) -> "AuditWriter":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hai-audit", daemon=True)
            self._thread.start()
        return self

    def record(self, rec: AuditRecord) -> None:
        try:
            self._queue.put_nowait(rec)
        except queue.Full:  # the database is stuck: serve requests, count what is lost
            self.dropped += 1

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until everything queued so far is written (tests, shutdown)."""
        if self._thread is None:
            self._write(self._drain())
            return
        done = threading.Event()
        self._queue.put(_Marker(done))  # type: ignore[arg-type]
        done.wait(timeout)

    def close(self) -> None:
        if self._thread is not None:
            self.flush()
            self._queue.put(_STOP)
            self._thread.join(timeout=5)
            self._thread = None

    def _drain(self, first: object = None) -> list:
        items = [first] if first is not None else []
        while len(items) < _BATCH:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return items

    def _run(self) -> None:
        while True:
            items = self._drain(self._queue.get())
            stop = any(i is _STOP for i in items)
            self._write([i for i in items if isinstance(i, AuditRecord)])
            for marker in (i for i in items if isinstance(i, _Marker)):
                marker.event.set()
            if stop:
                return

    def _write(self, records: list) -> None:
        records = [r for r in records if isinstance(r, AuditRecord)]
        if not records:
            return
        try:
            with sessions(self.settings)() as session:
                session.execute(insert(AuditLog), [asdict(r) for r in records])
                session.commit()
        except Exception:  # noqa: BLE001 - the audit trail must never take the API down
            log.exception("gagal menulis %d catatan audit", len(records))


@dataclass(frozen=True)
class _Marker:
    event: threading.Event


_STOP = object()  # tells the writer thread to finish


# Console actions (a reply, a close, a knowledge edit) get a row of their own beside the request's row, so the
# trail says what was done to which object: ``method`` "AKSI", ``route`` "konsol/<action>/<target>". Targets
# are handoff numbers and entry ids, never message text.
ACTION_METHOD = "AKSI"


def record_action(request, action: str, target: str, status: int = 200) -> None:
    """Queue the audit row of a console action done by ``request``'s caller (a FastAPI/Starlette request)."""
    principal = getattr(request.state, "principal", None)
    client = request.client
    request.app.state.audit.record(AuditRecord(
        method=ACTION_METHOD, route=f"konsol/{action}/{target}"[:200], status=status, duration_ms=0.0,
        request_id=getattr(request.state, "request_id", None) or "-", client_ip=client.host if client else None,
        api_key_id=getattr(principal, "key_id", None), user_id=getattr(principal, "user_id", None),
    ))
