"""Telegram channel logic without Rasa: reading updates, writing replies, button payloads, retried updates.

Standard library only, so that it runs both inside the Rasa server (``channels/telegram.py``, .venv/rasa) and
in the app environment (tests, the API's agent console). Nothing here talks to the network; see
``channels/telegram_api.py`` for the Bot API calls.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.telegram.org"
WEBHOOK_PATH = "/webhooks/telegram/webhook"  # the channel's route on the Rasa server
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # carries webhook_secret(); updates without it are refused
CALLBACK_DATA_MAX_BYTES = 64  # Bot API limit for InlineKeyboardButton.callback_data
MESSAGE_MAX_CHARS = 4096  # Bot API limit for sendMessage.text
# Updates the webhook asks Telegram for; everything else (channel posts, member changes ...) is not sent.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]

# Telegram commands the bot understands. They map onto domain intents with Rasa's "/intent" syntax, so the
# answer is the same as for "halo" or "menu" without depending on the NLU. Other commands ("/sp2d cair")
# lose the slash and go to the NLU as text: a user cannot inject intents or entities by typing.
COMMANDS = {"start": "/greet", "help": "/help", "menu": "/help", "bantuan": "/help"}

UNSUPPORTED_REPLY = (
    "Maaf, saat ini saya hanya dapat membaca pesan teks. Silakan tuliskan pertanyaan Anda, "
    "atau ketik /menu untuk melihat layanan yang tersedia."
)
BUTTONS_DEFAULT_TEXT = "Silakan pilih salah satu:"

# Long payloads get a token: "~" + 20 url-safe base64 characters of their SHA-256 (120 bits).
_TOKEN_PREFIX = "~"
_TOKEN_CHARS = 20
_SHORT_TITLE_CHARS = 14


def webhook_secret(access_token: str) -> str:
    """The ``secret_token`` given to setWebhook when none is configured: derived from the bot token, so
    Telegram's ``X-Telegram-Bot-Api-Secret-Token`` header proves an update came from Telegram."""
    return hmac.new(access_token.encode(), b"hai-telegram-webhook", hashlib.sha256).hexdigest()


def chat_id_param(recipient_id: Any) -> int | str:
    """Rasa keeps sender ids as text; the Bot API wants the numeric chat id (or "@channel")."""
    text = str(recipient_id)
    return int(text) if re.fullmatch(r"-?\d+", text) else text


# --- incoming updates ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Incoming:
    """What one Telegram update asks of the bot."""

    update_id: int | None
    chat_id: int | str
    kind: str  # "text", "command", "edited", "button" or "unsupported" (a sticker, photo, voice ...)
    text: str | None = None  # what goes to Rasa; None for "unsupported"
    callback_query_id: str | None = None
    message_id: int | None = None
    chat_type: str | None = None

    def metadata(self) -> dict[str, Any]:
        """Metadata kept with the user event: ids only, never names (personal data)."""
        return {"telegram": {"update_id": self.update_id, "message_id": self.message_id,
                             "chat_type": self.chat_type, "kind": self.kind}}


def command_text(text: str, bot_name: str | None = None) -> str | None:
    """Text for Rasa from a "/command args" message; None when the command is meant for another bot."""
    head, _, rest = text[1:].partition(" ")
    name, _, target = head.partition("@")
    if target and bot_name and target.lower() != bot_name.lower():
        return None
    mapped = COMMANDS.get(name.lower())
    if mapped:
        return mapped
    return " ".join(part for part in (name, rest.strip()) if part)


def parse_update(update: dict[str, Any], payloads: CallbackPayloads | None = None,
                 bot_name: str | None = None) -> Incoming | None:
    """Read an update as Telegram posts it to the webhook; None when there is nothing to answer."""
    update_id = update.get("update_id") if isinstance(update.get("update_id"), int) else None
    query = update.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message") if isinstance(query.get("message"), dict) else {}
        chat = message.get("chat") or {}
        chat_id = chat.get("id", (query.get("from") or {}).get("id"))
        if chat_id is None:
            return None
        data = query.get("data")
        payload = None
        if isinstance(data, str):
            payload = (payloads or CallbackPayloads()).decode(data, message.get("reply_markup"))
        return Incoming(update_id, chat_id, "button" if payload is not None else "unsupported", payload,
                        callback_query_id=query.get("id"), message_id=message.get("message_id"),
                        chat_type=chat.get("type"))
    for key, kind in (("message", "text"), ("edited_message", "edited")):
        message = update.get(key)
        if not isinstance(message, dict):
            continue
        chat = message.get("chat") or {}
        if "id" not in chat:
            return None
        text = message.get("text")
        common = {"message_id": message.get("message_id"), "chat_type": chat.get("type")}
        if not isinstance(text, str):
            return Incoming(update_id, chat["id"], "unsupported", None, **common)
        if text.startswith("/"):
            mapped = command_text(text, bot_name)
            if mapped is None:
                return None
            return Incoming(update_id, chat["id"], "command", mapped, **common)
        return Incoming(update_id, chat["id"], kind, text, **common)
    return None


def update_id_of(update: object) -> int | None:
    """The integer ``update_id`` of an update as the Bot API sends it; None for anything else."""
    value = update.get("update_id") if isinstance(update, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def update_problem(update: object) -> str | None:
    """Why an update from getUpdates is not one the channel can take (English, for the log, without any of
    the message's content), or None when it is well formed."""
    if not isinstance(update, dict):
        return f"not a JSON object ({type(update).__name__})"
    if update_id_of(update) is None:
        return "no integer update_id"
    kinds = [key for key in ALLOWED_UPDATES if key in update]
    if not kinds:
        keys = sorted(str(key)[:32] for key in update if key != "update_id")[:5]
        return f"none of {', '.join(ALLOWED_UPDATES)} in it (keys: {keys})"
    if not isinstance(update[kinds[0]], dict):
        return f"its {kinds[0]} is a {type(update[kinds[0]]).__name__}, not an object"
    return None


class SeenUpdates:
    """Update ids already handled: Telegram re-sends an update when the webhook answered late or not 2xx,
    and the polling worker (``channels/telegram_polling.py``) posts one again when it was stopped after
    handing it over but before it had stored its offset.

    Bounded (oldest forgotten first); ids are increasing, so a few thousand cover any retry window. With
    ``db_path`` (the channel's state file, shared with the button payloads) the ids of updates handled to
    their end (:meth:`done`) are also written to a small SQLite table and read back at start, so that a
    re-sent update is recognised after a restart of the Rasa server too. Rows older than ``keep_s`` are
    deleted (Telegram keeps an undelivered update for 24 hours at most).
    """

    def __init__(self, capacity: int = 5000, db_path: str | Path | None = None,
                 keep_s: float = 2 * 86400) -> None:
        self.capacity = capacity
        self.db_path = Path(db_path) if db_path else None
        self.keep_s = keep_s
        self._ids: OrderedDict[int, None] = OrderedDict()
        self._lock = threading.Lock()
        self._writes = 0
        if self.db_path:
            try:
                self.db_path.parent.mkdir(parents=True, exist_ok=True)
                with closing(self._connect()) as db, db:
                    db.execute("CREATE TABLE IF NOT EXISTS telegram_update "
                               "(update_id INTEGER PRIMARY KEY, handled_at REAL NOT NULL)")
                    db.execute("DELETE FROM telegram_update WHERE handled_at < ?", (time.time() - keep_s,))
                    rows = db.execute("SELECT update_id FROM telegram_update ORDER BY handled_at DESC, "
                                      "update_id DESC LIMIT ?", (capacity,)).fetchall()
                for (update_id,) in reversed(rows):
                    self._ids[update_id] = None
            except (OSError, sqlite3.Error) as exc:
                logger.warning("telegram: update store %s unusable (%s); handled updates kept in memory only",
                               self.db_path, exc)
                self.db_path = None

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(str(self.db_path), timeout=5)

    def first_time(self, update_id: int | None) -> bool:
        """True the first time an id is seen (and remembers it); updates without an id always pass."""
        if update_id is None:
            return True
        with self._lock:
            if update_id in self._ids:
                return False
            self._ids[update_id] = None
            while len(self._ids) > self.capacity:
                self._ids.popitem(last=False)
            return True

    def done(self, update_id: int | None) -> None:
        """Record that an update was handled to its end: on disk too when ``db_path`` is set."""
        if not self.db_path or not isinstance(update_id, int) or isinstance(update_id, bool):
            return
        try:
            with closing(self._connect()) as db, db:
                db.execute("INSERT OR REPLACE INTO telegram_update VALUES (?, ?)", (update_id, time.time()))
                self._writes += 1
                if self._writes % 1000 == 0:
                    db.execute("DELETE FROM telegram_update WHERE handled_at < ?",
                               (time.time() - self.keep_s,))
        except sqlite3.Error as exc:
            logger.warning("telegram: cannot store handled update %s (%s); kept in memory", update_id, exc)


# --- button payloads ------------------------------------------------------------------------------

class CallbackPayloads:
    """Button payloads as ``callback_data``: as is when they fit in 64 bytes, else a short token.

    Tokens are kept in memory and, when ``db_path`` is given, in a small SQLite table, so that buttons sent
    before a restart (or by another process sharing the file) still work. A token that is known nowhere
    falls back to the pressed button's title, read from the keyboard Telegram sends back with the press.
    """

    def __init__(self, db_path: str | Path | None = None, memory_limit: int = 20_000) -> None:
        self.db_path = Path(db_path) if db_path else None
        self.memory_limit = memory_limit
        self._memory: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        if self.db_path:
            try:
                self.db_path.parent.mkdir(parents=True, exist_ok=True)
                with self._connect() as db:
                    db.execute("CREATE TABLE IF NOT EXISTS telegram_callback "
                               "(token TEXT PRIMARY KEY, payload TEXT NOT NULL, created_at REAL NOT NULL)")
            except (OSError, sqlite3.Error) as exc:
                logger.warning("telegram: button store %s unusable (%s); keeping tokens in memory only",
                               self.db_path, exc)
                self.db_path = None

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(str(self.db_path), timeout=5)

    @staticmethod
    def token_for(payload: str) -> str:
        digest = hashlib.sha256(payload.encode("utf-8")).digest()
        return _TOKEN_PREFIX + base64.urlsafe_b64encode(digest).decode()[:_TOKEN_CHARS]

    def encode(self, payload: str) -> str:
        """``callback_data`` for a payload (at most 64 bytes)."""
        if len(payload.encode("utf-8")) <= CALLBACK_DATA_MAX_BYTES and not payload.startswith(_TOKEN_PREFIX):
            return payload
        token = self.token_for(payload)
        self._remember(token, payload)
        if self.db_path:
            try:
                with self._connect() as db:
                    db.execute("INSERT OR IGNORE INTO telegram_callback VALUES (?, ?, ?)",
                               (token, payload, time.time()))
            except sqlite3.Error as exc:
                logger.warning("telegram: cannot store a button payload (%s); kept in memory", exc)
        return token

    def decode(self, data: str, keyboard: dict[str, Any] | None = None) -> str | None:
        """The payload for pressed ``callback_data``; None if it is an unknown token on an unknown button."""
        if not data.startswith(_TOKEN_PREFIX):
            return data
        with self._lock:
            payload = self._memory.get(data)
        if payload is None and self.db_path:
            try:
                with self._connect() as db:
                    row = db.execute("SELECT payload FROM telegram_callback WHERE token = ?", (data,)).fetchone()
                payload = row[0] if row else None
            except sqlite3.Error as exc:
                logger.warning("telegram: cannot read the button store (%s)", exc)
        if payload is not None:
            self._remember(data, payload)
            return payload
        title = _button_title(keyboard, data)
        if title:
            logger.info("telegram: unknown button token, using the button's title instead")
        return title

    def _remember(self, token: str, payload: str) -> None:
        with self._lock:
            self._memory[token] = payload
            self._memory.move_to_end(token)
            while len(self._memory) > self.memory_limit:
                self._memory.popitem(last=False)


def _button_title(keyboard: dict[str, Any] | None, data: str) -> str | None:
    rows = (keyboard or {}).get("inline_keyboard") or []
    for row in rows:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data and button.get("text"):
                return str(button["text"])
    return None


# --- outgoing replies -----------------------------------------------------------------------------

def split_text(text: str, limit: int = MESSAGE_MAX_CHARS) -> list[str]:
    """Cut a reply into messages of at most ``limit`` characters, at a paragraph, line or word if possible."""
    text = text.strip()
    parts: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def inline_keyboard(buttons: list[dict[str, Any]], payloads: CallbackPayloads) -> dict[str, Any]:
    """Rasa buttons as an inline keyboard: one button a row (titles are long Indonesian phrases), or one
    row when there are at most three short titles (e.g. "Ya" / "Tidak")."""
    keys = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "").strip()
        if not title:
            continue
        if button.get("url"):
            keys.append({"text": title, "url": str(button["url"])})
            continue
        payload = str(button.get("payload") or title)
        keys.append({"text": title, "callback_data": payloads.encode(payload)})
    if len(keys) <= 3 and all(len(k["text"]) <= _SHORT_TITLE_CHARS for k in keys):
        rows = [keys] if keys else []
    else:
        rows = [[k] for k in keys]
    return {"inline_keyboard": rows}


def text_requests(chat_id: Any, text: str | None, buttons: list[dict[str, Any]] | None = None,
                  payloads: CallbackPayloads | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Bot API calls (method, JSON parameters) that show ``text`` with ``buttons`` under its last part."""
    parts = split_text(text or "")
    if buttons and not parts:
        parts = [BUTTONS_DEFAULT_TEXT]
    requests = [("sendMessage", {"chat_id": chat_id_param(chat_id), "text": part}) for part in parts]
    if buttons and requests:
        keyboard = inline_keyboard(buttons, payloads or CallbackPayloads())
        if keyboard["inline_keyboard"]:
            requests[-1][1]["reply_markup"] = keyboard
    return requests


def photo_request(chat_id: Any, url: str, caption: str | None = None) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"chat_id": chat_id_param(chat_id), "photo": url}
    if caption:
        params["caption"] = caption[:1024]  # Bot API caption limit
    return "sendPhoto", params
