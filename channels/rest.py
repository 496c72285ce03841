"""The REST channel with input checks: a JSON error for a bad body or a missing sender, and a polite reply
(without running the NLU) for an empty or oversized message. Same URL as Rasa's: /webhooks/rest/webhook.
"""
from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage  # sanic 21.12 (Rasa 3.6): bad JSON body
from sanic.request import Request
from sanic.response import HTTPResponse

from hai.messages import screen_message, sender_problem

logger = logging.getLogger(__name__)


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


class HaiRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"hai_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except InvalidUsage:
                body = None
            if not isinstance(body, dict):
                return _error(400, "isi permintaan harus JSON berbentuk objek: {\"sender\": ..., \"message\": ...}")
            sender = body.get("sender")
            problem = sender_problem(sender)
            if problem:
                return _error(400, problem)
            message = body.get("message")
            if message is not None and not isinstance(message, str):
                return _error(400, "kolom 'message' harus berupa teks")
            screened = screen_message(message)
            if not screened.accepted:
                return response.json([{"recipient_id": sender, "text": screened.reply}])
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(screened.text, collector, sender,
                                input_channel=self._extract_input_channel(request), metadata=metadata)
                )
            except CancelledError:
                logger.error("rest channel: timeout while handling a message from sender %s", sender[:16])
            except Exception:  # noqa: BLE001 - never a stack trace to the user; the log keeps it
                logger.exception("rest channel: failure while handling a message")
                collector.messages.append({"recipient_id": sender, "text": (
                    "Maaf, terjadi gangguan saat memproses pesan Anda. Silakan coba lagi beberapa saat lagi "
                    "atau hubungi Call Center HAI DJPb 14090.")})
            return response.json(collector.messages)

        return webhook

    def _extract_input_channel(self, req: Request) -> str:
        body = req.json if isinstance(req.json, dict) else {}
        channel = body.get("input_channel")
        return channel if isinstance(channel, str) and channel else self.name()
