"""The socket.io channel of the real Rasa server (web widget): a session that survives a reconnect.

credentials.yml sets ``session_persistence: true``: the client asks for a session with its own id and every
message carries that id, so a page reload (a new socket) continues the same conversation.
"""
from __future__ import annotations

import queue
import uuid

import httpx
import pytest
import socketio

pytestmark = pytest.mark.e2e


class WidgetClient:
    """A socket.io client doing what the Rasa web widget does."""

    def __init__(self, url: str, session_id: str, transport: str) -> None:
        self.session_id = session_id
        self.confirmed: queue.Queue = queue.Queue()
        self.uttered: queue.Queue = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("session_confirm", self.confirmed.put)
        self.sio.on("bot_uttered", self.uttered.put)
        self.sio.connect(url, socketio_path="/socket.io", transports=[transport], wait_timeout=20)
        assert self.sio.transport() == transport
        self.sio.emit("session_request", {"session_id": session_id})
        # replies go to the session's room, which the server joins before confirming
        assert self.confirmed.get(timeout=20) == session_id

    def say(self, text: str, timeout: float = 60) -> dict:
        self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id})
        return self.uttered.get(timeout=timeout)

    def close(self) -> None:
        self.sio.disconnect()


def test_socketio_conversation_continues_after_a_reconnect(stack):
    session_id = f"e2e-sio-{uuid.uuid4().hex[:8]}"
    # websocket: socket.io's preferred transport (needs channels/sanic_compat.py on Python 3.11)
    first = WidgetClient(stack.settings.rasa_url, session_id, "websocket")
    try:
        assert "Asisten HAI DJPb" in first.say("halo")["text"]
    finally:
        first.close()

    # a page reload: new socket, same session; long-polling, the fallback behind proxies without websockets
    second = WidgetClient(stack.settings.rasa_url, session_id, "polling")
    try:
        assert second.say("terima kasih")["text"].startswith("Sama-sama")
    finally:
        second.close()

    resp = httpx.get(f"{stack.settings.rasa_url}/conversations/{session_id}/tracker",
                     params={"token": stack.settings.rasa_api_token()}, timeout=30)
    resp.raise_for_status()
    tracker = resp.json()
    users = [e for e in tracker["events"] if e.get("event") == "user"]
    assert [e["text"] for e in users] == ["halo", "terima kasih"]
    assert {e.get("input_channel") for e in users} == {"socketio"}
    bots = [e.get("text") or "" for e in tracker["events"] if e.get("event") == "bot"]
    assert any("Asisten HAI DJPb" in t for t in bots) and any(t.startswith("Sama-sama") for t in bots)
