"""Screening of an incoming chat message before it reaches the NLU: empty and oversized messages.

Pure Python with no dependencies: imported by the Rasa server's channels (Rasa's own environment) and by
the API alike, so the limit and the wording live here once.
"""
from __future__ import annotations

from dataclasses import dataclass

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128

EMPTY_REPLY = (
    "Pesan Anda kosong. Silakan tulis pertanyaan Anda, misalnya \"Bagaimana cara revisi DIPA?\", "
    "atau ketik \"menu\" untuk melihat layanan yang tersedia."
)


# HAI DJPb's public contacts: the fallback whenever the assistant cannot help.
HELPDESK_CONTACT = (
    "Call Center HAI DJPb 14090 atau portal https://hai.kemenkeu.go.id"
)

APOLOGY_REPLY = (
    "Mohon maaf, layanan sedang mengalami gangguan sehingga permintaan Anda belum dapat diproses. "
    f"Silakan coba beberapa saat lagi atau hubungi {HELPDESK_CONTACT}."
)


def too_long_reply(length: int) -> str:
    return (
        f"Pesan Anda terlalu panjang ({length:,} karakter; paling banyak {MAX_MESSAGE_CHARS:,} karakter)."
        .replace(",", ".")
        + " Mohon ringkas pertanyaan Anda. Untuk laporan yang panjang atau disertai lampiran, silakan buat "
        "tiket di layanan HAI DJPb atau hubungi Call Center 14090."
    )


@dataclass(frozen=True)
class Screened:
    text: str
    reply: str | None = None  # when set, answer with this and do not pass the message on

    @property
    def accepted(self) -> bool:
        return self.reply is None


def screen_message(text: object) -> Screened:
    """Normalise whitespace; turn empty or oversized messages into a polite, actionable reply."""
    if text is None:
        return Screened("", EMPTY_REPLY)
    if not isinstance(text, str):
        text = str(text)
    cleaned = " ".join(text.replace("\x00", " ").split())
    if not cleaned:
        return Screened("", EMPTY_REPLY)
    if len(cleaned) > MAX_MESSAGE_CHARS:
        return Screened(cleaned, too_long_reply(len(cleaned)))
    return Screened(cleaned)


def sender_problem(sender: object) -> str | None:
    """Why a sender id is unusable (Indonesian), or None when it is fine."""
    if not isinstance(sender, str) or not sender.strip():
        return "kolom 'sender' wajib diisi: teks pengenal percakapan, misalnya 'pengguna-123'"
    if len(sender) > MAX_SENDER_CHARS:
        return f"kolom 'sender' terlalu panjang (paling banyak {MAX_SENDER_CHARS} karakter)"
    return None
