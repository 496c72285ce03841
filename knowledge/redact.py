"""Redaction of personal data (UU PDP): names, NIP, NIK, e-mail, phone and bank-account numbers.

``redact(text)`` replaces each finding with a token ([NAMA], [NIP], [NIK], [EMAIL], [TELEPON],
[REKENING]) so the text stays readable. It is used on ticket bodies before they become candidate entries, on
questions before they are logged, and by the API. Satker codes (6 digits), amounts, dates and document
numbers (SP2D/SPM, 15 digits) are kept: they are not personal data and answers may need them. The call
centre number 14090 is public and kept.
"""
from __future__ import annotations

import re
from collections import Counter

TOKENS = ("[NAMA]", "[NIP]", "[NIK]", "[EMAIL]", "[TELEPON]", "[REKENING]")

# Capitalised words after an honorific that are roles or places, not a person's name.
_NOT_NAMES = {
    "operator", "bendahara", "ppk", "ppspm", "kpa", "kepala", "kasubbag", "kasi", "staf", "staff", "admin",
    "satker", "kppn", "kanwil", "djpb", "pengelola", "pejabat", "petugas", "pimpinan", "kota", "negara",
    "agen", "tim", "helpdesk", "hai", "sakti", "span", "yth", "dan", "pengguna", "user", "peserta", "pegawai",
}

_NAME_WORD = r"(?:[A-Z][A-Za-z'’\-]*\.?|[A-Z]\.)"
_NAME = rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,4}}"
_HONORIFIC = (
    r"(?:Yth\.?[ \t]+)?(?:Bapak[ \t]*/[ \t]*Ibu|Bpk[ \t]*/[ \t]*Ibu|Bapak|Ibu|Bpk\.?|Bu|Pak|Sdr\.?|Sdri\.?|"
    r"Saudara|Saudari|a\.n\.?|an\.)"
)

_DIGITS = re.compile(r"\d{4}")
_PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    ("[EMAIL]", re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"), "@"),
    # NIP: 18 digits, often written 8-6-1-3 with spaces or dots (birth date, start date, sex, sequence).
    ("[NIP]", re.compile(r"(?<![\d.])\d{8}[ .]?\d{6}[ .]?\d[ .]?\d{3}(?![\d.])"), "digits"),
    # NIK: 16 digits, sometimes 6-6-4.
    ("[NIK]", re.compile(r"(?<![\d.])\d{6}[ .]?\d{6}[ .]?\d{4}(?![\d.])"), "digits"),
    # bank account numbers only where labelled as such (bare 10-15 digit numbers are document numbers).
    ("[REKENING]", re.compile(r"(?i)(?<=rekening)(?:[ \t]*(?:no\.?|nomor)?[ \t:]*)\d[\d .\-]{6,20}\d"), "digits"),
    ("[REKENING]", re.compile(r"(?i)(?<=rek\.)(?:[ \t]*(?:no\.?|nomor)?[ \t:]*)\d[\d .\-]{6,20}\d"), "digits"),
    # mobile numbers 08xx / +62 8xx / 62 8xx, with optional separators
    ("[TELEPON]", re.compile(r"(?<![\w+])(?:\+62|62|0)[ \-]?8\d{1,3}(?:[ \-.]?\d{2,5}){2,3}(?!\d)"), "digits"),
    # landlines: (021) 344 9230, 021-3449230, +62 21 3449230
    ("[TELEPON]", re.compile(r"(?<!\w)\(0\d{1,3}\)[ \-]?\d{3,4}[ \-]?\d{3,5}(?!\d)"), "digits"),
    ("[TELEPON]", re.compile(r"(?<![\w+])(?:\+62[ \-]?|0)(?:2\d|[3-7]\d{1,2})[ \-]\d{3,4}[ \-]?\d{3,5}(?!\d)"), "digits"),
    ("[TELEPON]", re.compile(r"(?i)(?<=wa)(?:[ \t:]+)\+?\d[\d \-]{8,15}\d"), "digits"),
]

# Names: after an honorific, an agent code "(014) Name", a signature line, or "nama saya".
_AGENT = re.compile(rf"\(\d{{2,4}}\)[ \t]*(?!\d){_NAME}")
_HONORIFIC_NAME = re.compile(rf"(?P<pre>\b{_HONORIFIC}[ \t]+)(?P<name>{_NAME})")
_SIGNATURE = re.compile(
    rf"(?P<pre>\b(?:Salam|Hormat[ \t]+(?:saya|kami)|Wassalam|Regards|Best regards|Ttd\.?)[ \t]*,?[ \t]*\n?[ \t]*)"
    rf"(?P<name>{_NAME})"
)
_NAMA_LABEL = re.compile(rf"(?P<pre>\b[Nn]ama(?:[ \t]+saya)?[ \t]*:?[ \t]+)(?P<name>{_NAME})")
# "saya Budi Santoso dari satker ..." - only Capitalised words, so "saya SPM-nya" is left alone.
_SAYA = re.compile(
    r"(?P<pre>\b[Ss]aya[ \t]+)(?P<name>[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){0,3})(?=[ \t]*(?:,|dari|selaku|operator|bendahara))"
)


_NAME_PATTERNS = [
    (("bapak", "ibu", "bpk", "bu ", "pak ", "sdr", "saudara", "a.n", "an."), _HONORIFIC_NAME),
    (("salam", "hormat", "wassalam", "regards", "ttd"), _SIGNATURE),
    (("nama",), _NAMA_LABEL),
    (("saya",), _SAYA),
]


def _name_sub(counter: Counter, match: re.Match[str]) -> str:
    pre, name = match.group("pre"), match.group("name")
    # Stop before the first word that is a role/place ("Bapak/Ibu Operator Satker" keeps everything).
    cut = len(name)
    for word in re.finditer(r"\S+", name):
        if word.group(0).strip(".").lower() in _NOT_NAMES:
            cut = word.start()
            break
    if not name[:cut].strip():
        return match.group(0)
    counter["[NAMA]"] += 1
    rest = name[cut:]
    return f"{pre}[NAMA]{' ' if rest else ''}{rest.lstrip()}"


def redact_with_counts(text: str) -> tuple[str, Counter]:
    """Redacted ``text`` and how many of each token were put in."""
    counter: Counter = Counter()
    if not text:
        return text or "", counter
    has_digits = _DIGITS.search(text) is not None
    for token, pattern, needs in _PATTERNS:
        if (needs == "@" and "@" not in text) or (needs == "digits" and not has_digits):
            continue  # cheap pre-checks: most lines hold neither an "@" nor a long number
        text, n = pattern.subn(lambda m, t=token: (" " if m.group(0).startswith(" ") else "") + t, text)
        counter[token] += n

    def agent(m: re.Match[str]) -> str:
        counter["[NAMA]"] += 1
        return "[NAMA]"

    if "(" in text:
        text = _AGENT.sub(agent, text)
    lower = text.lower()
    for words, pattern in _NAME_PATTERNS:
        if any(w in lower for w in words):  # cheap filter before the (slow) name patterns
            text = pattern.sub(lambda m: _name_sub(counter, m), text)
    return text, +counter


def redact(text: str) -> str:
    """``text`` with names, NIP, NIK, e-mail addresses, phone and account numbers replaced by tokens."""
    return redact_with_counts(text)[0]
