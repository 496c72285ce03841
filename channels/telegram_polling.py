"""Telegram in polling mode: fetch updates with getUpdates and hand them to the Telegram channel.

    python -m channels.telegram_polling     # started by `make run` when HAI_TELEGRAM_MODE=polling

For networks where Telegram cannot post to a webhook (no public HTTPS address, only outbound HTTPS,
perhaps through a proxy: HTTPS_PROXY / NO_PROXY are honoured for the Bot API). The loop:

1. ``getUpdates(offset, timeout=HAI_TELEGRAM_POLL_TIMEOUT_S, allowed_updates=ALLOWED_UPDATES)``, a long poll;
2. each update, in order, is POSTed to the Rasa server's own Telegram route (``/webhooks/telegram/webhook``
   with the secret header the channel checks), so the same channel code (``channels/telegram.py``) answers
   it; the next update waits until the channel has finished, so replies come out in order;
3. after each update ``update_id + 1`` is stored as the offset in the app database (``hai.models.
   TelegramPollOffset``) and read back at start.

Exactly once across a restart: Telegram forgets an update only when getUpdates is called with an offset
past it, which happens only after that offset was stored, so nothing is lost. An update handed over whose
offset was not stored yet (the worker was killed in between) comes again after the restart; the channel
knows its id (in memory, and in its state file across a restart of the Rasa server too) and does not answer
it twice; if it is still being handled, the channel waits for it first, so order holds as well.

Malformed updates (not an object, no integer update_id, no message / edited_message / callback_query object
in it) are skipped with a log line, and the offset moves past them. Failures back off exponentially: the
Bot API (unreachable, 5xx, 409) 1 s doubling to 60 s, or as long as a 429's retry_after says; the Rasa
server (not up yet, 5xx) 0.5 s doubling to 5 s; the database 1 s doubling to 30 s. No log line carries the
bot token. SIGTERM / SIGINT: the update in hand is finished and its offset stored, then exit 0; a long poll or
a back-off wait is cut short at once.

Environment: ``.venv/app``. The offset lives in the app database, reached through ``hai.db`` (SQLAlchemy 2,
SQLite or PostgreSQL alike), which Rasa's environment (SQLAlchemy 1.4, no pydantic-settings) cannot load;
the HTTP calls use the standard library only (``channels.telegram_api``).
"""
from __future__ import annotations

import hashlib
import http.client
import json
import logging
import signal
import sys
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from channels.telegram_api import TelegramApiError, call_bot_api, scrub
from channels.telegram_core import (
    ALLOWED_UPDATES, SECRET_HEADER, WEBHOOK_PATH, update_id_of, update_problem, webhook_secret,
)
from hai.db import session_factory
from hai.models import TelegramPollOffset
from hai.settings import Settings

logger = logging.getLogger("telegram-poller")

DELIVERY_TIMEOUT_S = 90.0  # one update through the channel (Rasa's own response timeout is 60 s)
BATCH_LIMIT = 100  # updates per getUpdates (the Bot API's maximum)

# The local Rasa server is reached directly, never through an HTTP(S)_PROXY from the environment.
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Backoff:
    """Waits after failures in a row: ``first_s``, doubling, at most ``cap_s``; :meth:`reset` after a success.

    A ``retry_after`` (Telegram's 429 flood control) is waited exactly, and does not count as a step."""

    first_s: float
    cap_s: float
    _next_s: float = field(init=False)

    def __post_init__(self) -> None:
        self._next_s = self.first_s

    def next_delay(self, retry_after: float | None = None) -> float:
        if retry_after is not None and retry_after > 0:
            return float(retry_after)
        delay = self._next_s
        self._next_s = min(self._next_s * 2, self.cap_s)
        return delay

    def reset(self) -> None:
        self._next_s = self.first_s


def bot_id_of(token: str) -> str:
    """The key the offset is kept under: the bot's numeric id (the token before ":"), never the token."""
    head = token.split(":", 1)[0]
    return head if head.isdigit() else "sha256-" + hashlib.sha256(token.encode()).hexdigest()[:20]


class OffsetStore:
    """The next ``update_id`` to fetch, per bot, in the app database (table ``telegram_poll_offsets``).

    ``sessions`` makes the session factory when first needed (``hai.db.session_factory`` creates the app's
    tables where missing), so a database that is down at start is one more failure to retry."""

    def __init__(self, sessions: Callable[[], sessionmaker[Session]], bot_id: str) -> None:
        self._make_sessions = sessions
        self._sessions: sessionmaker[Session] | None = None
        self.bot_id = bot_id

    @classmethod
    def from_settings(cls, settings: Settings) -> OffsetStore:
        return cls(lambda: session_factory(settings), bot_id_of(settings.telegram_token))

    def _session(self) -> Session:
        if self._sessions is None:
            self._sessions = self._make_sessions()
        return self._sessions()

    def load(self) -> int | None:
        with self._session() as session:
            row = session.get(TelegramPollOffset, self.bot_id)
            return row.next_update_id if row is not None else None

    def save(self, next_update_id: int) -> None:
        with self._session() as session, session.begin():
            row = session.get(TelegramPollOffset, self.bot_id)
            if row is None:
                session.add(TelegramPollOffset(bot_id=self.bot_id, next_update_id=next_update_id))
            else:
                row.next_update_id = next_update_id


class DeliveryError(RuntimeError):
    """The update did not reach the channel (Rasa server down, 5xx, refused secret): try again."""


class UpdateRefused(RuntimeError):
    """The channel refused the update itself (400): skip it."""


def post_to_channel(url: str, secret: str, update: dict[str, Any],
                    timeout: float = DELIVERY_TIMEOUT_S) -> dict[str, Any]:
    """POST one update to the Telegram route of the Rasa server and wait until the channel has answered it;
    returns the channel's JSON answer (``{"ok": true}``, with ``"duplicate": true`` for one seen before)."""
    request = urllib.request.Request(url, data=json.dumps(update).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json", SECRET_HEADER: secret})
    try:
        with _LOCAL.open(request, timeout=timeout) as resp:
            body = resp.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 400:
            raise UpdateRefused("the channel refused it as no Telegram update (HTTP 400)") from None
        if exc.code == 403:
            raise DeliveryError("the channel refused the secret (HTTP 403): the Rasa server runs with "
                                "another HAI_TELEGRAM_TOKEN") from None
        if exc.code == 404:
            raise DeliveryError(f"no Telegram channel at {url} (HTTP 404): the Rasa server runs without "
                                "HAI_TELEGRAM_TOKEN") from None
        raise DeliveryError(f"the Rasa server answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DeliveryError(f"the Rasa server cannot be reached at {url}: {reason}") from None
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        answer = {}
    return answer if isinstance(answer, dict) else {}


class Interrupted(BaseException):
    """Raised from the signal handler to cut short a long poll or a back-off wait (nothing is in hand)."""


class PollingWorker:
    """The polling loop. ``deliver`` hands one update to the channel (default: :func:`post_to_channel`) and
    ``sleep`` waits; both can be replaced (tests)."""

    def __init__(self, *, token: str, api_base: str, offsets: OffsetStore,
                 deliver: Callable[[dict[str, Any]], dict[str, Any]],
                 poll_timeout_s: float = 25, sleep: Callable[[float], None] = time.sleep,
                 api_backoff: Backoff | None = None, rasa_backoff: Backoff | None = None,
                 db_backoff: Backoff | None = None) -> None:
        self.token = token
        self.api_base = api_base
        self.offsets = offsets
        self.deliver = deliver
        self.poll_timeout_s = poll_timeout_s
        self.sleep = sleep
        self.api_backoff = api_backoff or Backoff(1.0, 60.0)
        self.rasa_backoff = rasa_backoff or Backoff(0.5, 5.0)
        self.db_backoff = db_backoff or Backoff(1.0, 30.0)
        self.offset: int | None = None  # next update_id to ask for; None = whatever Telegram holds
        self.stopping = False
        self._interruptible = False

    @classmethod
    def from_settings(cls, settings: Settings) -> PollingWorker:
        url = f"{settings.rasa_url}{WEBHOOK_PATH}"
        secret = webhook_secret(settings.telegram_token)
        return cls(token=settings.telegram_token, api_base=settings.telegram_api_base,
                   offsets=OffsetStore.from_settings(settings),
                   deliver=lambda update: post_to_channel(url, secret, update),
                   poll_timeout_s=settings.telegram_poll_timeout_s)

    # --- stopping -------------------------------------------------------------------------------
    def request_stop(self) -> None:
        """End the loop after the update in hand (from a signal handler): while the worker only waits
        (a long poll, a back-off) it stops at once, by raising :class:`Interrupted`."""
        self.stopping = True
        if self._interruptible:
            raise Interrupted()

    @contextmanager
    def _waiting(self) -> Iterator[None]:
        """A stretch with nothing in hand, which a stop request may cut short."""
        if self.stopping:
            raise Interrupted()
        self._interruptible = True
        try:
            yield
        finally:
            self._interruptible = False

    def _wait(self, seconds: float) -> None:
        with self._waiting():
            self.sleep(seconds)

    # --- the loop -------------------------------------------------------------------------------
    def run(self) -> int:
        """Poll until asked to stop; 0 when stopped."""
        try:
            self.offset = self._load_offset()
            logger.info("polling %s for updates from offset %s (long poll %s s)", self.api_base,
                        self.offset if self.offset is not None else "(none stored)", self.poll_timeout_s)
            while not self.stopping:
                try:
                    self.poll_once()
                except Exception as exc:  # noqa: BLE001 - a bug or an odd answer: log it, wait, go on
                    text = scrub("".join(traceback.format_exception(exc)), self.token)
                    delay = self.api_backoff.next_delay()
                    logger.error("unexpected failure; retrying in %.1f s\n%s", delay, text.rstrip())
                    self._wait(delay)
        except Interrupted:
            pass
        logger.info("stopped; next offset %s", self.offset)
        return 0

    def poll_once(self) -> int:
        """One getUpdates and the handling of what it brought; the number of updates handled."""
        try:
            with self._waiting():
                updates = self._get_updates()
        except (TelegramApiError, http.client.HTTPException) as exc:
            self._bot_api_failed(exc)
            return 0
        self.api_backoff.reset()
        handled = 0
        for update in updates:
            if self.stopping:
                break
            handled += self._handle(update)
        if updates and not handled and not self.stopping:
            # only updates without an id: nothing can confirm them, so do not ask again at once
            delay = self.api_backoff.next_delay()
            logger.warning("getUpdates brought only malformed updates without an id; waiting %.1f s", delay)
            self._wait(delay)
        return handled

    def _get_updates(self) -> list[Any]:
        params: dict[str, Any] = {"timeout": self.poll_timeout_s, "limit": BATCH_LIMIT,
                                  "allowed_updates": ALLOWED_UPDATES}
        if self.offset is not None:
            params["offset"] = self.offset
        result = call_bot_api("getUpdates", params, token=self.token, api_base=self.api_base,
                              timeout=self.poll_timeout_s + 15)
        if not isinstance(result, list):
            raise TelegramApiError("Telegram menjawab getUpdates dengan isi yang tidak dikenal "
                                   "(bukan daftar)")
        return result

    def _bot_api_failed(self, exc: Exception) -> None:
        code = getattr(exc, "error_code", None)
        reason = scrub(str(exc), self.token)
        if code == 409 and "webhook" in reason.lower():
            # Telegram refuses getUpdates while a webhook is set (the Rasa channel deletes it at start too).
            logger.warning("getUpdates refused while a webhook is set; deleting the webhook "
                           "(HAI_TELEGRAM_MODE=polling)")
            try:
                call_bot_api("deleteWebhook", {"drop_pending_updates": False}, token=self.token,
                             api_base=self.api_base)
            except TelegramApiError as error:
                logger.warning("deleteWebhook failed: %s", scrub(str(error), self.token))
        retry_after = getattr(exc, "retry_after", None) if code == 429 else None
        delay = self.api_backoff.next_delay(retry_after)
        logger.warning("getUpdates failed (%s); retrying in %.1f s", reason, delay)
        self._wait(delay)

    def _handle(self, update: Any) -> int:
        """Hand one update to the channel and store the offset past it; 1 when the offset moved."""
        update_id = update_id_of(update)
        problem = update_problem(update)
        if update_id is None:
            logger.warning("skipped a malformed update: %s", problem)
            return 0
        if self.offset is not None and update_id < self.offset:
            logger.info("update %s is before offset %s, handled before; skipped", update_id, self.offset)
            return 0
        if problem:
            logger.warning("skipped malformed update %s: %s", update_id, problem)
        else:
            self._deliver(update, update_id)
        self._store_offset(update_id + 1)
        return 1

    def _deliver(self, update: dict[str, Any], update_id: int) -> None:
        while True:
            try:
                answer = self.deliver(update)
            except UpdateRefused as exc:
                logger.warning("skipped update %s: %s", update_id, exc)
                return
            except DeliveryError as exc:
                delay = self.rasa_backoff.next_delay()
                logger.warning("update %s not handed over (%s); retrying in %.1f s", update_id,
                               scrub(str(exc), self.token), delay)
                self._wait(delay)  # a stop here leaves the update to the next start: its offset is not stored
                continue
            self.rasa_backoff.reset()
            if isinstance(answer, dict) and answer.get("duplicate"):
                logger.info("update %s was handled before (the channel says duplicate)", update_id)
            return

    def _store_offset(self, next_update_id: int) -> None:
        while True:
            try:
                self.offsets.save(next_update_id)
                break
            except SQLAlchemyError as exc:
                delay = self.db_backoff.next_delay()
                logger.error("cannot store offset %s (%s); retrying in %.1f s", next_update_id,
                             type(exc).__name__, delay)
                self._wait(delay)
        self.db_backoff.reset()
        self.offset = next_update_id

    def _load_offset(self) -> int | None:
        while True:
            try:
                offset = self.offsets.load()
                self.db_backoff.reset()
                return offset
            except SQLAlchemyError as exc:
                delay = self.db_backoff.next_delay()
                logger.error("cannot read the stored offset (%s); retrying in %.1f s",
                             type(exc).__name__, delay)
                self._wait(delay)


class ScrubToken(logging.Filter):
    """Takes the bot token out of every log record that passes (a last guard: messages are scrubbed
    already)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg, record.args = scrub(message, self.token), None
        return True


def main(argv: list[str] | None = None) -> int:
    from hai.settings import get_settings

    settings = get_settings()
    logging.basicConfig(level=settings.log_level, stream=sys.stdout,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(ScrubToken(settings.telegram_token))
    if not settings.telegram_token:
        logger.error("HAI_TELEGRAM_TOKEN is empty: nothing to poll")
        return 2
    if settings.telegram_mode != "polling":
        logger.error("HAI_TELEGRAM_MODE is %r: the polling worker runs only with HAI_TELEGRAM_MODE=polling "
                     "(it would delete the webhook)", settings.telegram_mode)
        return 2
    worker = PollingWorker.from_settings(settings)

    def _stop(signum: int, _frame: Any) -> None:
        worker.request_stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    return worker.run()


if __name__ == "__main__":
    sys.exit(main())
