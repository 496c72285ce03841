"""POST /api/v1/chat: one message to the assistant through the Rasa server's REST channel."""
from __future__ import annotations

import logging
from typing import Any

import httpx
from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from api.deps import current_principal, rasa_client, SettingsDep
from api.errors import COMMON_ERRORS, error_responses
from hai.messages import MAX_MESSAGE_CHARS, MAX_SENDER_CHARS

log = logging.getLogger("api.chat")
router = APIRouter(prefix="/api/v1", tags=["percakapan"], dependencies=[Depends(current_principal)],
                   responses={**COMMON_ERRORS, **error_responses(502, 503)})
RASA_DOWN = ("Layanan percakapan sedang tidak tersedia. Silakan coba beberapa saat lagi atau gunakan "
             "POST /api/v1/ask untuk tanya jawab langsung.")


class ChatRequest(BaseModel):
    sender: str = Field(..., min_length=1, max_length=MAX_SENDER_CHARS, pattern=r"\S",
                        description="Pengenal percakapan yang tetap selama satu percakapan", examples=["portal-123"])
    message: str = Field(..., min_length=1, max_length=MAX_MESSAGE_CHARS, examples=["cek tagihan listrik"])


class Button(BaseModel):
    title: str
    payload: str


class BotMessage(BaseModel):
    text: str | None = None
    image: str | None = Field(None, description="URL gambar (mis. grafik pagu)")
    buttons: list[Button] = []
    custom: dict[str, Any] | None = None


class ChatResponse(BaseModel):
    sender: str
    messages: list[BotMessage]


def _message(raw: dict) -> BotMessage:
    buttons = [Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
               for b in raw.get("buttons") or [] if isinstance(b, dict)]
    custom = raw.get("custom") if isinstance(raw.get("custom"), dict) else None
    return BotMessage(text=raw.get("text"), image=raw.get("image"), buttons=buttons, custom=custom)


@router.post("/chat", response_model=ChatResponse, summary="Kirim pesan ke asisten (Rasa)")
async def chat(body: ChatRequest, settings: SettingsDep,
               client: httpx.AsyncClient = Depends(rasa_client)) -> ChatResponse:
    url = f"{settings.rasa_url}/webhooks/rest/webhook"
    try:
        resp = await client.post(url, json={"sender": body.sender, "message": body.message},
                                 timeout=settings.rasa_timeout_s)
    except httpx.HTTPError as exc:
        log.warning("server Rasa tidak dapat dihubungi: %s", type(exc).__name__)
        raise HTTPException(503, RASA_DOWN) from exc
    if resp.status_code >= 500:
        raise HTTPException(503, RASA_DOWN)
    try:
        data = resp.json()
    except ValueError:
        data = None
    if resp.status_code != 200 or not isinstance(data, list):
        detail = data.get("error") if isinstance(data, dict) and isinstance(data.get("error"), str) else None
        if resp.status_code == 400 and detail:  # the channel refused the message itself: the caller can fix it
            raise HTTPException(422, detail)
        raise HTTPException(502, detail or "Server percakapan memberi jawaban yang tidak dikenali.")
    return ChatResponse(sender=body.sender, messages=[_message(m) for m in data if isinstance(m, dict)])
