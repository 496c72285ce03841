"""Rasa's socket.io channel (the web chat page, api/static/chat.html) with two repairs:

1. Session rooms. With ``session_persistence: true`` each socket joins a room named after its session id and
   every bot message goes to that room, so a reloaded page (a new socket) keeps receiving the same
   conversation. Rasa 3.6 calls python-socketio's ``AsyncServer.enter_room`` without ``await``; since
   python-socketio 5.10 that is a coroutine, so the socket never joins and no reply ever arrives
   (RasaHQ/rasa#13027). Here the join is awaited before ``session_confirm`` is sent.
2. Input checks, as on the REST channel: an empty or oversized message gets the polite reply of
   ``hai.messages`` instead of reaching the NLU.
3. Allowed origins. Rasa turns python-socketio's origin check off; here a browser connection is accepted only
   from the origins in ``HAI_SOCKET_ALLOWED_ORIGINS`` (comma-separated; the launcher sets it to the
   assistant's own pages and the sites allowed to embed the chat widget, ``Settings.socket_allowed_origins``).
   Unset or empty: no check, as in Rasa. A refused connection gets socket.io's connect_error and a log line
   naming the origin; no event of it reaches the bot.
4. Several Rasa servers. With ``HAI_REDIS_URL`` set (``make run-cluster``), python-socketio's
   ``AsyncRedisManager`` carries every emit through Redis, so a message sent by any Rasa server (a bot turn
   handled there, an agent's reply posted to it) reaches the room of a browser connected to another one.

Same name ("socketio"), path (/socket.io) and events as Rasa's channel; enabled in credentials.yml as
``channels.socketio.HaiSocketIOInput``.
"""
from __future__ import annotations

import logging
import os
import uuid
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio.exceptions import ConnectionRefusedError

from hai.messages import screen_message, sender_problem

logger = logging.getLogger(__name__)
ORIGINS_ENV = "HAI_SOCKET_ALLOWED_ORIGINS"
REDIS_ENV = "HAI_REDIS_URL"
REDIS_CHANNEL = "hai-socketio"


def allowed_origins(value: str | None = None) -> list[str]:
    """The configured origins (``HAI_SOCKET_ALLOWED_ORIGINS``), normalised; [] = no check."""
    raw = os.environ.get(ORIGINS_ENV, "") if value is None else value
    return [o.strip().rstrip("/").lower() for o in raw.split(",") if o.strip()]


class HaiSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)  # creates self.sio with Rasa's handlers
        sio = self.sio
        namespace = self.namespace or "/"
        redis_url = os.environ.get(REDIS_ENV, "").strip()
        if redis_url:
            # Rasa builds the server without a client manager; this one replaces the in-memory default before
            # any connection (python-socketio initialises the manager on the first one).
            from socketio import AsyncRedisManager

            manager = AsyncRedisManager(redis_url, channel=REDIS_CHANNEL)
            sio.manager = manager
            manager.set_server(sio)
            sio.manager_initialized = False
            logger.info("socketio channel: messages shared with the other Rasa servers through Redis")
        origins = allowed_origins()
        if origins:
            # Checked on connect rather than with python-engineio's own CORS list: the Rasa server's CORS
            # layer (--cors) already answers the browser's CORS questions, and two answers make one invalid.
            rasa_connect = sio.handlers[namespace]["connect"]

            async def connect(sid: str, environ: dict, auth: Any = None) -> Any:
                origin = str(environ.get("HTTP_ORIGIN") or "").rstrip("/").lower()
                host = str(environ.get("HTTP_HOST") or "").lower()
                same_origin = origin.split("://", 1)[-1] == host  # a page or client of this server itself
                if origin and origin not in origins and not same_origin:
                    logger.warning("socketio channel: refused a connection from %s (not in %s)", origin,
                                   ORIGINS_ENV)
                    raise ConnectionRefusedError(f"origin {origin} tidak diizinkan; lihat HAI_WIDGET_ORIGINS")
                return await rasa_connect(sid, environ, auth)

            sio.on("connect", connect, namespace=self.namespace)
            logger.info("socketio channel: browser connections accepted from %s", ", ".join(origins))
        rasa_user_message = sio.handlers[namespace][self.user_message_evt]

        async def session_request(sid: str, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            # a missing or unusable id starts a new conversation rather than failing the connection
            session_id = requested if requested and not sender_problem(requested) else uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        async def user_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                logger.warning("socketio channel: ignored a message that is not an object")
                return
            screened = screen_message(data.get("message"))
            if screened.accepted:
                await rasa_user_message(sid, {**data, "message": screened.text})
                return
            recipient = data.get("session_id") if self.session_persistence else sid
            if recipient:
                await SocketIOOutput(sio, self.bot_message_evt).send_text_message(recipient, screened.reply)

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, user_message, namespace=self.namespace)
        return blueprint
