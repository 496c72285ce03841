"""A stand-in for the Telegram Bot API on loopback: answers like Telegram and records every call.

For tests and demos of the Telegram channel without Telegram (standard library only, a thread)::

    with TelegramStandIn(token="123:abc", bot_name="hai_djpb_bot") as tg:
        # start the Rasa server with HAI_TELEGRAM_API_BASE=tg.base_url ...
        call = tg.wait_for("sendMessage", lambda c: c.params["chat_id"] == 42)

    python -m testkit.telegram_standin --port 8081    # run it by hand; calls are printed

Calls are ``/bot<token>/<method>`` with JSON, form or multipart bodies (or a query string), as the Bot API
accepts them. A call with another token gets Telegram's 401; ``fail_next`` makes a method fail once.

Polling: ``queue_updates`` puts updates (anything JSON, malformed ones too) in the queue that getUpdates
serves as Telegram does: ``offset`` confirms (forgets) every update before it, ``limit`` (1-100) caps a
batch, ``timeout`` long-polls until an update arrives; 409 Conflict while a webhook is set, and for a waiting
getUpdates when another one starts (two pollers).
"""
from __future__ import annotations

import argparse
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
# Fields that Telegram takes as JSON-serialised strings in form bodies.
_JSON_FIELDS = ("reply_markup", "allowed_updates", "entities", "media")


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    token: str
    at: float = field(default_factory=time.time)


def _parse_body(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
    ctype = content_type.split(";")[0].strip().lower()
    if not body:
        return params
    if ctype == "application/json":
        data = json.loads(body.decode("utf-8"))
        if isinstance(data, dict):
            params.update(data)
    elif ctype == "application/x-www-form-urlencoded":
        params.update({k: v[-1] for k, v in urllib.parse.parse_qs(body.decode("utf-8")).items()})
    elif ctype == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            payload = part.get_payload(decode=True) or b""
            params[name] = (payload.decode("utf-8", "replace") if part.get_filename() is None
                            else {"filename": part.get_filename(), "size": len(payload)})
    for key in _JSON_FIELDS:
        if isinstance(params.get(key), str):
            try:
                params[key] = json.loads(params[key])
            except ValueError:
                pass
    return params


class TelegramStandIn:
    """The stand-in server; use as a context manager or call ``start``/``stop``."""

    def __init__(self, token: str | None = None, bot_name: str = "hai_djpb_bot", host: str = "127.0.0.1",
                 port: int = 0, bot_id: int = 7000000001) -> None:
        self.token = token
        self.bot = {"id": bot_id, "is_bot": True, "first_name": "Asisten HAI DJPb", "username": bot_name,
                    "can_join_groups": False, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] = {"url": ""}
        self.updates: list[Any] = []  # queued for getUpdates, oldest first
        self.allowed_updates: list[str] | None = None  # as last asked by getUpdates
        self._poll_generation = 0
        self._closed = False
        self._failures: dict[str, list[tuple[int, str, int | None]]] = {}
        self._next_message_id = 1
        self._cond = threading.Condition()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- life cycle -------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> TelegramStandIn:
        self._thread = threading.Thread(target=self._server.serve_forever, name="telegram-standin",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:  # waiting long polls return now
            self._closed = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> TelegramStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what tests use -------------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, where: Callable[[Call], bool] | None = None, timeout: float = 30.0,
                 after: int = 0) -> Call:
        """The first call to ``method`` (matching ``where``) among calls number ``after`` onwards."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self.calls[after:]:
                    if call.method == method and (where is None or where(call)):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = ", ".join(c.method for c in self.calls[after:]) or "none"
                    raise TimeoutError(f"no {method} call within {timeout:.0f} s (calls: {seen})")
                self._cond.wait(left)

    def mark(self) -> int:
        """The number of calls so far: pass as ``after`` to wait only for later calls."""
        with self._cond:
            return len(self.calls)

    def queue_updates(self, *updates: Any) -> None:
        """Queue updates for getUpdates, all at once (a burst); a waiting long poll returns at once."""
        with self._cond:
            self.updates.extend(updates)
            self._cond.notify_all()

    def pending_updates(self) -> list[Any]:
        """Updates not confirmed yet (getUpdates has not been called with an offset past them)."""
        with self._cond:
            return list(self.updates)

    def fail_next(self, method: str, error_code: int = 400, description: str = "Bad Request",
                  retry_after: int | None = None) -> None:
        """Make the next call to ``method`` fail with Telegram's error shape (429: with ``retry_after``)."""
        with self._cond:
            self._failures.setdefault(method, []).append((error_code, description, retry_after))

    # --- answers ----------------------------------------------------------------------------------
    def _answer(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._cond:
            self.calls.append(Call(method, params, token))
            self._cond.notify_all()
            if self.token is not None and token != self.token:
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            failures = self._failures.get(method)
            if failures:
                code, description, retry_after = failures.pop(0)
                error = {"ok": False, "error_code": code, "description": description}
                if retry_after is not None:
                    error["parameters"] = {"retry_after": retry_after}
                return code, error
            if method == "getUpdates":
                return self._get_updates(params)
            return 200, {"ok": True, "result": self._result(method, params)}

    @staticmethod
    def _error(code: int, description: str) -> tuple[int, dict[str, Any]]:
        return code, {"ok": False, "error_code": code, "description": description}

    def _get_updates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """getUpdates, called with ``self._cond`` held (waiting releases it)."""
        if self.webhook.get("url"):
            return self._error(409, "Conflict: can't use getUpdates method while webhook is active; "
                                    "use deleteWebhook to delete the webhook first")
        try:
            offset = int(params.get("offset") or 0)
            limit = min(max(int(params.get("limit") or 100), 1), 100)
            timeout = max(float(params.get("timeout") or 0), 0.0)
        except (TypeError, ValueError):
            return self._error(400, "Bad Request: wrong parameter value")
        if params.get("allowed_updates") is not None:
            self.allowed_updates = params["allowed_updates"]
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        deadline = time.monotonic() + timeout
        while not self.updates and not self._closed:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._cond.wait(left)
            if generation != self._poll_generation:
                return self._error(409, "Conflict: terminated by other getUpdates request; make sure that "
                                        "only one bot instance is running")
        return 200, {"ok": True, "result": self.updates[:limit]}

    def _confirm(self, offset: int) -> None:
        """Forget the updates before ``offset`` (a negative offset keeps only the last -offset)."""
        if offset < 0:
            del self.updates[:max(len(self.updates) + offset, 0)]
            return
        last = -1
        for index, update in enumerate(self.updates):
            update_id = update.get("update_id") if isinstance(update, dict) else None
            if isinstance(update_id, int) and not isinstance(update_id, bool) and update_id < offset:
                last = index
        del self.updates[:last + 1]

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message_id, self._next_message_id = self._next_message_id, self._next_message_id + 1
        chat_id = params.get("chat_id")
        message = {"message_id": message_id, "from": {k: self.bot[k] for k in ("id", "is_bot", "first_name",
                                                                            "username")},
                   "chat": {"id": chat_id, "type": "private"}, "date": int(time.time()), **content}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return self.bot
        if method == "setWebhook":
            self.webhook = {"url": params.get("url", ""), "has_custom_certificate": False,
                            "pending_update_count": 0, "allowed_updates": params.get("allowed_updates")}
            return True
        if method == "deleteWebhook":
            self.webhook = {"url": ""}
            if str(params.get("drop_pending_updates")).lower() == "true":
                self.updates.clear()
            return True
        if method == "getWebhookInfo":
            return {"has_custom_certificate": False, **self.webhook,
                    "pending_update_count": len(self.updates)}
        if method == "sendMessage":
            return self._message(params, text=params.get("text", ""))
        if method == "sendPhoto":
            return self._message(params, photo=[{"file_id": f"photo-{self._next_message_id}",
                                                 "file_unique_id": "p", "width": 800, "height": 600}],
                                 **({"caption": params["caption"]} if params.get("caption") else {}))
        if method in ("editMessageReplyMarkup", "editMessageText"):
            return self._message(params, text=params.get("text", ""))
        # answerCallbackQuery, sendChatAction, deleteMessage, setMyCommands ...: Telegram answers true.
        return True

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                path, _, query = self.path.partition("?")
                match = _PATH.match(path)
                if not match:
                    self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    params = _parse_body(self.headers.get("Content-Type", ""), body, query)
                except (ValueError, UnicodeDecodeError):
                    self._reply(400, {"ok": False, "error_code": 400,
                                      "description": "Bad Request: can't parse request body"})
                    return
                status, answer = standin._answer(match["token"], match["method"], params)
                self._reply(status, answer)

            do_GET = do_POST = _handle

            def _reply(self, status: int, answer: dict[str, Any]) -> None:
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the caller went away (a stopped poller's long poll): nobody to answer

            def log_message(self, *_args: Any) -> None:  # quiet: the calls are recorded instead
                pass

        return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testkit.telegram_standin", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--bot-name", default="hai_djpb_bot")
    args = parser.parse_args(argv)
    with TelegramStandIn(bot_name=args.bot_name, port=args.port) as standin:
        print(f"Telegram stand-in on {standin.base_url} (HAI_TELEGRAM_API_BASE); Ctrl-C to stop")
        seen = 0
        try:
            while True:
                time.sleep(0.5)
                for call in standin.calls[seen:]:
                    print(f"{call.method}: {json.dumps(call.params, ensure_ascii=False)[:300]}")
                seen = len(standin.calls)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
