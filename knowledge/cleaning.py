"""Turning HAI ticket bodies (HTML with inline styles, attachments and boilerplate) into plain text.

Order matters: HTML -> text, drop ``[attach:...]`` markers, redact personal data (the greeting
"Yth. Bapak/Ibu <name>" is what tells the redactor a name follows), then remove the greeting and closing
formulas, then tidy whitespace.
"""
from __future__ import annotations

import re
from html import unescape

from knowledge.redact import redact_with_counts

_BLOCK = "p|div|br|tr|table|ul|ol|h[1-6]|blockquote|pre|hr|section|article|header|footer"
_SKIPPED = re.compile(r"(?is)<(style|script|head|title|xml)\b[^>]*>.*?</\1\s*>|<!--.*?-->")
_LI = re.compile(r"(?i)<li\b[^>]*>")
_BLOCK_TAG = re.compile(rf"(?i)<\s*/?\s*(?:{_BLOCK})\b[^>]*>")
_CELL_TAG = re.compile(r"(?i)<\s*(?:td|th)\b[^>]*>")
_ANY_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_ATTACH = re.compile(r"\[attach:[^\]\n]*\]?", re.IGNORECASE)


def html_to_text(body: str) -> str:
    """Visible text of an HTML fragment: block tags become line breaks, table cells ``|``, styles dropped.

    Regular expressions rather than a parser: ticket bodies are small fragments, often not well formed, and
    ingestion reads tens of thousands of them.
    """
    if not body:
        return ""
    if "<" in body:
        body = _SKIPPED.sub(" ", body)
        body = _LI.sub("\n- ", body)
        body = _BLOCK_TAG.sub("\n", body)
        body = _CELL_TAG.sub(" | ", body)
        body = _ANY_TAG.sub("", body)
    return unescape(body).replace("\xa0", " ").replace("\u200b", "")


def tidy(text: str) -> str:
    """Single spaces, no blank-line runs, no space before punctuation, trimmed lines."""
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip(" |") .strip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{2,}", "\n", text)
    text = re.sub(r" +([,.;:?!])", r"\1", text)
    return text.strip()


_ADDRESSEE = r"(?:\s+(?:admin|min|kak|gan|pak|bu|bapak\s*/\s*ibu|bapak|ibu|tim|helpdesk|hai|djpb|terintegrasi|semua|\[NAMA\]))*"
_GREETING = (r"\b(?:selamat\s+(?:pagi|siang|sore|malam)|assalamu'?alaikum(?:\s+wr\.?\s*wb\.?)?|halo|hallo|hai|"
             r"dengan\s+hormat|salam\s+sejahtera)" + _ADDRESSEE + r"\s*[,.!]*")
_THANKS = (r"\b(?:terima\s*kasih|terimakasih|makasih|trims|thx|tks)(?:\s+(?:banyak|sebelumnya|ya|kak|min|"
           r"atas\s+(?:bantuan|perhatian|kerja\s*sama|informasi|jawaban)(?:nya)?))*" + _ADDRESSEE + r"\s*[,.!]*")
_GREETING_WORDS = ("selamat", "assalam", "halo", "hallo", "hai", "hormat", "salam")
_THANKS_WORDS = ("kasih", "makasih", "trims", "thx", "tks")
# (words one of which must occur, lowercased, for the pattern to be tried; the pattern). The word check is
# a cheap filter: ingestion cleans tens of thousands of bodies and most hold few of these formulas.
_ANSWER_BOILERPLATE = [
    # "CSO 2 Jakarta [NAMA]": the agent's signature; first, so the closing above it ends the text
    (("cso",), re.compile(r"(?m)^\s*CSO\b[^\n]*$")),
    (("yth",), re.compile(r"(?im)^\s*yth\.?\s+[^\n]*$")),  # "Yth. Bapak/Ibu [NAMA]," (name already redacted)
    (_GREETING_WORDS, re.compile(r"(?i)" + _GREETING)),
    (("menggunakan",), re.compile(r"(?i)terima\s+kasih\s+(?:telah|sudah)\s+menggunakan\s+layanan[^.\n]*[.!]?")),
    (("atas",), re.compile(r"(?i)terima\s+kasih\s+atas\s+(?:pertanyaan|pertanyaannya|kepercayaan)[^.\n]*[.!]?")),
    (("demikian",), re.compile(r"(?i)demikian\s+(?:informasi|jawaban|penjelasan|yang\s+dapat)[^.\n]*(?:[.!]|$)")),
    (("semoga",), re.compile(r"(?i)semoga\s+(?:informasi|jawaban|penjelasan)[^.\n]*[.!]?")),
    (("lain",), re.compile(
        r"(?i)(?:apabila|jika|bila)\s+(?:masih\s+)?(?:ada|terdapat)\s+(?:pertanyaan|kendala)\s+lain[^.\n]*[.!]?")),
    (("salam", "hormat", "wassalam", "regards"),
     re.compile(r"(?im)^\s*(?:salam|hormat\s+kami|wassalam[^\n]*|regards)\s*,?\s*$")),
    (("djpb",), re.compile(
        r"(?im)^\s*(?:agen|tim|helpdesk|layanan)?\s*(?:helpdesk\s+)?(?:terintegrasi\s+)?hai\s+djpb\s*$")),
    (_THANKS_WORDS, re.compile(r"(?i)" + _THANKS + r"(?=\s*$)")),
]
_QUESTION_BOILERPLATE = [
    (_GREETING_WORDS, re.compile(r"(?i)" + _GREETING)),
    (("yth",), re.compile(r"(?im)^\s*yth\.?\s+[^\n]*$")),
    (("mohon", "minta"), re.compile(r"(?i)\b(?:mohon|minta)\s+(?:bantuan|petunjuk|pencerahan|arahan|solusi)(?:nya)?"
                                    r"(?:\s+(?:ya|kak|min|pak|bu|admin|bapak\s*/\s*ibu))*\s*(?:[.!,]+|$)")),
    (_THANKS_WORDS, re.compile(r"(?i)" + _THANKS)),
    (("izin", "ijin", "permisi"), re.compile(
        r"(?i)\b(?:izin|ijin|permisi)\s+(?:bertanya|tanya|nanya)\b(?:\s+(?:min|kak|pak|bu|admin))*\s*[,.!]*")),
    (("salam", "hormat", "wassalam", "regards"),
     re.compile(r"(?im)^\s*(?:salam|hormat\s+(?:saya|kami)|wassalam[^\n]*|regards)\s*,?\s*$")),
]
# Lines that are only contact or signature residue once personal data has been redacted.
_RESIDUE_LINE = re.compile(
    r"(?im)^\s*(?:(?:nama|nip|nik|hp|telp|telepon|no\.?\s*hp|wa|email|e-mail|cp)\s*[:.]?\s*)?"
    r"(?:\[(?:NAMA|NIP|NIK|EMAIL|TELEPON|REKENING)\][\s,/|-]*)+$"
)


def _strip(text: str, patterns: list[tuple[tuple[str, ...], re.Pattern[str]]]) -> str:
    if "[" in text:
        text = _RESIDUE_LINE.sub("", text)
    lower = text.lower()
    for words, pattern in patterns:
        if any(w in lower for w in words):
            text = pattern.sub(" ", text)
    return _RESIDUE_LINE.sub("", text) if "[" in text else text


def clean_body(body: str, kind: str) -> tuple[str, dict[str, int]]:
    """Plain, redacted, boilerplate-free text of a ticket body; ``kind`` is "question" or "answer".

    Returns the text and how many personal-data items of each kind were redacted.
    """
    text = _ATTACH.sub(" ", html_to_text(body))
    text, counts = redact_with_counts(text)
    text = _strip(text, _QUESTION_BOILERPLATE if kind == "question" else _ANSWER_BOILERPLATE)
    text = tidy(text)
    # punctuation or connector words left alone at the start once a greeting was cut ("..., saya ingin")
    text = re.sub(r"^[\s,.;:!-]+", "", text)
    return text, dict(counts)


def clean_question(text: str) -> str:
    """A user's chat question, cleaned the same way as ticket questions (used before retrieval)."""
    return clean_body(text, "question")[0]
