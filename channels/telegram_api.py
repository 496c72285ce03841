"""Telegram Bot API requests shared by the Rasa channel and by callers outside it (standard library only).

The agent console (API process, .venv/app) uses :func:`send_text_to_user` to write to a Telegram user
outside a webhook call; the Rasa server's channel (``channels/telegram.py``) sends through aiohttp but
reads the answers with :func:`read_response`, so both report failures the same way.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from channels.telegram_core import DEFAULT_API_BASE, text_requests


class TelegramApiError(RuntimeError):
    """A Bot API call failed; the message (Indonesian) says why and never contains the bot token."""

    def __init__(self, message: str, error_code: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.error_code = error_code
        self.retry_after = retry_after


def method_url(api_base: str, token: str, method: str) -> str:
    return f"{(api_base or DEFAULT_API_BASE).rstrip('/')}/bot{token}/{method}"


def scrub(text: str, token: str) -> str:
    """Remove the bot token from a text that is about to be logged or shown (URLs carry it)."""
    return text.replace(token, "<token>") if token else text


def read_response(method: str, status: int, body: bytes) -> Any:
    """The ``result`` of a Bot API answer, or :class:`TelegramApiError` for ``ok: false`` and garbage."""
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise TelegramApiError(f"Telegram menjawab {method} dengan isi yang tidak dikenal (HTTP {status})",
                               status) from None
    if not isinstance(answer, dict):
        raise TelegramApiError(f"Telegram menjawab {method} dengan isi yang tidak dikenal (HTTP {status})",
                               status)
    if answer.get("ok") is True:
        return answer.get("result")
    code = answer.get("error_code", status)
    retry_after = (answer.get("parameters") or {}).get("retry_after")
    description = answer.get("description") or "tanpa keterangan"
    raise TelegramApiError(f"Telegram menolak {method} (kode {code}): {description}", code, retry_after)


def call_bot_api(method: str, params: dict[str, Any], *, token: str, api_base: str = DEFAULT_API_BASE,
                 timeout: float = 10.0) -> Any:
    """POST one Bot API method with JSON parameters and return its ``result`` (blocking)."""
    request = urllib.request.Request(
        method_url(api_base, token, method), data=json.dumps(params).encode("utf-8"),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 - configured Bot API base
            return read_response(method, resp.status, resp.read())
    except urllib.error.HTTPError as exc:  # 4xx/5xx still carry Telegram's JSON explanation
        return read_response(method, exc.code, exc.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = scrub(str(getattr(exc, "reason", exc)), token)
        raise TelegramApiError(f"Telegram tidak dapat dihubungi untuk {method}: {reason}. Periksa koneksi "
                               "server atau HAI_TELEGRAM_API_BASE.") from None


def send_text_to_user(chat_id: int | str, text: str, *, token: str | None = None,
                      api_base: str | None = None, timeout: float = 10.0) -> list[dict[str, Any]]:
    """Send ``text`` to a Telegram chat now, e.g. a helpdesk agent's reply; returns the sent Messages.

    ``chat_id`` is the Rasa sender id of a Telegram conversation (the chat id). Token and Bot API base
    default to the settings (HAI_TELEGRAM_TOKEN, HAI_TELEGRAM_API_BASE). Texts over 4,096 characters are
    sent as several messages. Blocking: from async code call it via ``asyncio.to_thread``. Raises
    :class:`TelegramApiError` when Telegram is not configured, unreachable or refuses the message.
    """
    if token is None or api_base is None:
        from hai.settings import get_settings  # only outside the Rasa server, which has no pydantic-settings

        settings = get_settings()
        token = settings.telegram_token if token is None else token
        api_base = settings.telegram_api_base if api_base is None else api_base
    if not token:
        raise TelegramApiError("Telegram belum dikonfigurasi: setel HAI_TELEGRAM_TOKEN.")
    requests = text_requests(chat_id, text)
    if not requests:
        raise TelegramApiError("Pesan kosong tidak dapat dikirim ke Telegram.")
    return [call_bot_api(method, params, token=token, api_base=api_base, timeout=timeout)
            for method, params in requests]
