"""Telegram channel of the Rasa server with a configurable Bot API address (``api_base``).

Rasa's own TelegramInput hard-codes api.telegram.org, checks the bot with getMe on every message and sets
the webhook with ``asyncio.run`` while the app is being built; this one sets the webhook once the server
runs (retrying in the background when Telegram cannot be reached), screens messages like the REST channel,
handles a retried update once, and logs Bot API failures instead of raising them.

In polling mode (``mode: polling``) it deletes the webhook at start instead (getUpdates is refused while
one is set) and the polling worker (``channels/telegram_polling.py``) posts each update it fetched to this
same route, with the same secret, one at a time. An update is handled to its end even when the poster goes
away meanwhile (Telegram's webhook timeout, a killed worker); one that arrives again while it is still being
handled waits for it and is answered as a duplicate, so every update is answered once and in order.
Proxies: the Bot API calls honour HTTPS_PROXY / NO_PROXY (``trust_env``). credentials.yml::

    channels.telegram.HaiTelegramInput:
      access_token: ${HAI_TELEGRAM_TOKEN}
      verify: ${HAI_TELEGRAM_BOT_NAME}        # expected username of the bot (checked once, at start-up)
      webhook_url: ${HAI_TELEGRAM_WEBHOOK_URL} # public https URL ending in /webhooks/telegram/webhook
      api_base: ${HAI_TELEGRAM_API_BASE}       # default https://api.telegram.org
      state_db: ${HAI_TELEGRAM_STATE_DB}       # optional SQLite file: long button payloads, handled updates
      mode: ${HAI_TELEGRAM_MODE}               # webhook (default) or polling
      secret_token: ...                        # optional; default derived from the access token

Pure logic lives in ``channels/telegram_core.py``; sending from outside the server (agent console) in
``channels/telegram_api.send_text_to_user``.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.telegram_api import TelegramApiError, method_url, read_response, scrub
from channels.telegram_core import (
    ALLOWED_UPDATES, DEFAULT_API_BASE, SECRET_HEADER, UNSUPPORTED_REPLY, CallbackPayloads, Incoming,
    SeenUpdates, chat_id_param, parse_update, photo_request, text_requests, webhook_secret,
)
from hai.messages import APOLOGY_REPLY, screen_message

logger = logging.getLogger(__name__)

_MAX_RETRY_AFTER_S = 10.0  # wait out a 429 this long at most, once; longer waits would stall the reply
_WEBHOOK_RETRY_MAX_S = 300.0
MODES = ("webhook", "polling")  # how updates arrive (HAI_TELEGRAM_MODE)


class BotApi:
    """Asynchronous Bot API client on aiohttp; one session per event loop, created when first needed."""

    def __init__(self, token: str, api_base: str = DEFAULT_API_BASE, timeout_s: float = 15.0) -> None:
        self.token = token
        self.api_base = api_base or DEFAULT_API_BASE
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _session_for_loop(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            # trust_env: HTTPS_PROXY / NO_PROXY are honoured (a ministry network may reach Telegram only
            # through a proxy)
            self._session = aiohttp.ClientSession(timeout=self.timeout, trust_env=True)
            self._loop = loop
        return self._session

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        """The method's ``result``; raises TelegramApiError (token-free message) on any failure."""
        for attempt in (1, 2):
            try:
                async with self._session_for_loop().post(method_url(self.api_base, self.token, method),
                                                         json=params) as resp:
                    return read_response(method, resp.status, await resp.read())
            except TelegramApiError as exc:
                if attempt == 1 and exc.error_code == 429 and (exc.retry_after or 0) <= _MAX_RETRY_AFTER_S:
                    await asyncio.sleep(float(exc.retry_after or 1))
                    continue
                raise
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
                reason = scrub(str(exc) or type(exc).__name__, self.token)
                raise TelegramApiError(f"Telegram tidak dapat dihubungi untuk {method}: {reason}") from None
        raise AssertionError("unreachable")

    async def call(self, method: str, params: dict[str, Any]) -> Any | None:
        """Like :meth:`request`, but a failure is logged and gives None: the server carries on."""
        try:
            return await self.request(method, params)
        except TelegramApiError as exc:
            logger.error("telegram: %s", exc)
            return None

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class HaiTelegramOutput(OutputChannel):
    """Bot replies as Bot API calls: text, text with an inline keyboard, photos by URL."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, api: BotApi, payloads: CallbackPayloads) -> None:
        self.api = api
        self.payloads = payloads

    async def _send_all(self, requests: list[tuple[str, dict[str, Any]]]) -> None:
        for method, params in requests:
            await self.api.call(method, params)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_all(text_requests(recipient_id, text))

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        await self._send_all(text_requests(recipient_id, text, buttons, self.payloads))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        method, params = photo_request(recipient_id, image)
        if await self.api.call(method, params) is None:
            # Telegram fetches the photo itself; when it cannot (private address), the link still helps.
            await self._send_all(text_requests(recipient_id, f"Gambar: {image}"))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """``{"method": "sendLocation", ...params}`` calls that method; a dict with "text" is a message."""
        message = dict(json_message)
        method = message.pop("method", "sendMessage" if "text" in message else None)
        if not isinstance(method, str):
            logger.warning("telegram: custom message without 'method' or 'text' ignored")
            return
        message.setdefault("chat_id", chat_id_param(recipient_id))
        await self.api.call(method, message)


class HaiTelegramInput(InputChannel):
    """Telegram webhook at /webhooks/telegram/webhook."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials or not credentials.get("access_token"):
            cls.raise_missing_credentials_exception()
        return cls(
            access_token=str(credentials["access_token"]),
            verify=credentials.get("verify") or None,
            webhook_url=credentials.get("webhook_url") or None,
            api_base=credentials.get("api_base") or DEFAULT_API_BASE,
            state_db=credentials.get("state_db") or None,
            secret_token=credentials.get("secret_token") or None,
            mode=credentials.get("mode") or "webhook",
        )

    def __init__(self, access_token: str, verify: str | None = None, webhook_url: str | None = None,
                 api_base: str = DEFAULT_API_BASE, state_db: str | None = None,
                 secret_token: str | None = None, mode: str = "webhook") -> None:
        mode = str(mode).strip().lower()
        if mode not in MODES:
            raise ValueError(f"telegram channel: mode must be 'webhook' or 'polling', not {mode!r} "
                             "(HAI_TELEGRAM_MODE)")
        self.access_token = access_token
        self.verify = verify
        self.webhook_url = webhook_url
        self.api_base = api_base
        self.mode = mode
        self.secret_token = secret_token or webhook_secret(access_token)
        self.api = BotApi(access_token, api_base)
        self.payloads = CallbackPayloads(state_db)
        self.seen = SeenUpdates(db_path=state_db)
        self._output = HaiTelegramOutput(self.api, self.payloads)
        self._startup: asyncio.Task | None = None
        self._in_hand: dict[int, asyncio.Task] = {}  # update id -> its handling, while it runs

    def get_output_channel(self) -> OutputChannel:
        """The shared output (also used by Rasa's HTTP API for ``output_channel=telegram``)."""
        return self._output

    async def register_webhook(self) -> bool:
        """Check the bot's username, then set the webhook (polling mode: delete it), retrying with backoff
        until Telegram accepts."""
        me = await self.api.call("getMe", {})
        if isinstance(me, dict) and self.verify and me.get("username") != self.verify:
            logger.warning("telegram: the token belongs to @%s, not @%s (HAI_TELEGRAM_BOT_NAME)",
                           me.get("username"), self.verify)
        if self.mode == "polling":
            # getUpdates is refused while a webhook is set; pending updates stay for the worker to fetch.
            await self._until_accepted("deleteWebhook", {"drop_pending_updates": False})
            logger.info("telegram: polling mode, webhook removed; updates come from the polling worker")
            return False
        if not self.webhook_url:
            logger.warning("telegram: no webhook_url (HAI_TELEGRAM_WEBHOOK_URL); Telegram will not deliver "
                           "updates until a webhook is set")
            return False
        params = {"url": self.webhook_url, "secret_token": self.secret_token,
                  "allowed_updates": ALLOWED_UPDATES}
        await self._until_accepted("setWebhook", params)
        logger.info("telegram: webhook set to %s", self.webhook_url)
        return True

    async def _until_accepted(self, method: str, params: dict[str, Any]) -> None:
        delay = 1.0
        while not await self.api.call(method, params):
            logger.warning("telegram: %s failed; retrying in %.0f s", method, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, _WEBHOOK_RETRY_MAX_S)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"hai_webhook_{type(self).__name__}", __name__)

        @webhook.listener("after_server_start")
        async def start(_app: Any, _loop: Any) -> None:
            self._startup = asyncio.create_task(self.register_webhook())

        @webhook.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            if self._startup is not None and not self._startup.done():
                self._startup.cancel()
            await self.api.close()

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if request.headers.get(SECRET_HEADER) != self.secret_token:
                logger.warning("telegram: update without the webhook secret refused")
                return response.json({"ok": False, "error": "secret token salah"}, status=403)
            try:
                update = json.loads(request.body or b"null")
            except ValueError:
                update = None
            if not isinstance(update, dict):
                return response.json({"ok": False, "error": "isi permintaan harus update Telegram (JSON)"},
                                     status=400)
            update_id = update.get("update_id")
            running = self._in_hand.get(update_id) if isinstance(update_id, int) else None
            if running is not None:
                # posted again while still being handled (the worker restarted): answered once, in order
                logger.info("telegram: update %s arrived again while being handled; waiting for it",
                            update_id)
                await asyncio.shield(running)
                return response.json({"ok": True, "duplicate": True})
            if not self.seen.first_time(update_id):
                logger.info("telegram: update %s already handled (retry ignored)", update_id)
                return response.json({"ok": True, "duplicate": True})
            # A task of its own, shielded: when the poster goes away (Sanic then cancels this request), the
            # update is still handled to its end, and marked done.
            task = asyncio.create_task(self._handle_update(update, on_new_message))
            if isinstance(update_id, int):
                self._in_hand[update_id] = task
                task.add_done_callback(lambda _task: self._in_hand.pop(update_id, None))
            await asyncio.shield(task)
            return response.json({"ok": True})

        return webhook

    async def _handle_update(self, update: dict[str, Any],
                             on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        incoming = parse_update(update, self.payloads, self.verify)
        if incoming is not None:
            await self.handle(incoming, on_new_message)
        if self.seen.db_path:
            await asyncio.to_thread(self.seen.done, update.get("update_id"))

    async def handle(self, incoming: Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Answer one update; every failure ends in a log line and, where it helps, an apology."""
        if incoming.callback_query_id:
            await self.api.call("answerCallbackQuery", {"callback_query_id": incoming.callback_query_id})
        if incoming.text is None:
            await self._output.send_text_message(str(incoming.chat_id), UNSUPPORTED_REPLY)
            return
        screened = screen_message(incoming.text)
        if not screened.accepted:
            await self._output.send_text_message(str(incoming.chat_id), screened.reply)
            return
        try:
            await on_new_message(UserMessage(screened.text, self._output, str(incoming.chat_id),
                                             input_channel=self.name(), metadata=incoming.metadata()))
        except asyncio.CancelledError:
            logger.error("telegram: timeout while handling update %s", incoming.update_id)
        except Exception:  # noqa: BLE001 - never crash the webhook; Telegram would only retry the update
            logger.exception("telegram: failure while handling update %s", incoming.update_id)
            await self._output.send_text_message(str(incoming.chat_id), APOLOGY_REPLY)
