"""Redaction of personal data (UU PDP): names, NIP, NIK, e-mail, phone and bank-account numbers.

Names are found where real HAI tickets put them: after an honorific or "a.n.", an agent code "(014) Name",
a closing ("Salam,"), a label ("Nama:", a live-chat header "User: Name", an e-mail header "From: Name"), a
signature line with the date and time under the question ("Name 04-01-2023 11:14:39"), a CSO signature
("CSO 2 Jakarta Name"), an e-mail quote header ("Pada tanggal ..., Name <x@y> menulis:") and "Saya/kami
Name dari ...". A name is only taken where such a cue stands next to it: satker codes and unit names
("Unit Kerja: KPPN Jakarta I") stay.

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
    # words that start a dated line or a header without being a name ("Tanggal 04-01-2023 11:14:39")
    "tanggal", "tgl", "per", "sejak", "mulai", "pada", "sampai", "hingga", "update", "dikirim", "diterima",
    "spm", "sp2d", "spp", "dipa", "pok", "adk", "kontrak", "tagihan", "lpj", "om", "monsakti", "cso",
    "unit", "kerja", "kantor", "direktorat", "kementerian", "dinas", "badan", "sekretariat", "bagian", "subbag",
    "noreply", "no-reply", "layanan", "info", "informasi", "the", "re", "fw", "fwd",
}
# Places a CSO signature names before the person ("CSO 2 Jakarta Name"); kept, they are offices.
PLACES = ("Jakarta", "Bandung", "Surabaya", "Medan", "Makassar", "Semarang", "Yogyakarta", "Palembang",
          "Denpasar", "Pekanbaru", "Padang", "Malang", "Banjarmasin", "Pontianak", "Manado", "Kupang",
          "Jayapura", "Ambon", "Mataram", "Bogor", "Serang", "Tangerang", "Bekasi", "Kendari", "Palu", "Jambi",
          "Bengkulu", "Samarinda", "Balikpapan", "Gorontalo", "Ternate", "Sorong", "Batam", "Banda Aceh",
          "Bandar Lampung", "Solo", "Cirebon", "Tasikmalaya", "Purwokerto", "Madiun", "Kediri", "Jember")
_NOT_NAMES |= {word.lower() for place in PLACES for word in place.split()}  # "Jakarta, 04-01-2023" is a place

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
    r"(?P<pre>\b(?:[Ss]aya|[Kk]ami)[ \t]+)(?P<name>(?:[A-Z][a-z]+|[A-Z]{2,})(?:[ \t]+(?:[A-Z][a-z]+|[A-Z]{2,})){0,3})"
    r"(?=[ \t]*(?:,|dari\b|selaku\b|sebagai\b|operator\b|bendahara\b|[Pp][Pp][Kk]\b|staf\b|pegawai\b))"
)
_DATE_TIME = r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}(?:[ \t]+\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?"
# a line holding only a name and the date/time it was written (the signature HAI puts under a question)
_DATED_LINE = re.compile(rf"(?m)^(?P<pre>[ \t]*)(?P<name>{_NAME})(?=[ \t]*,?[ \t]+{_DATE_TIME}[ \t]*$)")
# header labels of live-chat transcripts and e-mails: "User: Name", "From: Name <x@y>", "Kepada: Name"
_HEADER = re.compile(
    rf"(?mi)^(?P<pre>[ \t]*(?:user|pengguna|pengunjung|visitor|customer|pelanggan|penanya|pelapor|from|dari|to|"
    rf"kepada|cc|sender|pengirim)[ \t]*:[ \t]*)(?-i:(?P<name>{_NAME}))"
)
_CSO = re.compile(
    rf"(?P<pre>\bCSO(?:[ \t]+\d{{1,2}})?[ \t]+(?:KPPN[ \t]+)?(?:(?:{'|'.join(PLACES)})(?:[ \t]+(?:[IV]{{1,3}}))?[ \t]+)?)"
    rf"(?P<name>{_NAME})"
)
# "Pada tanggal 2 Jan 2023 10.31, Name <x@y> menulis:" / "On ..., Name <x@y> wrote:"
_QUOTE_HEADER = re.compile(
    rf"(?P<pre>)(?P<name>{_NAME})(?=[ \t]*(?:<[^>\n]*>|\[EMAIL\]|\(\[EMAIL\]\))?[ \t]*(?:menulis|wrote)[ \t]*:)"
)


_NAME_PATTERNS = [
    (("bapak", "ibu", "bpk", "bu ", "pak ", "sdr", "saudara", "a.n", "an."), _HONORIFIC_NAME),
    (("salam", "hormat", "wassalam", "regards", "ttd"), _SIGNATURE),
    (("nama",), _NAMA_LABEL),
    (("saya", "kami"), _SAYA),
    (("user", "pengguna", "pengunjung", "visitor", "customer", "pelanggan", "penanya", "pelapor", "from", "dari",
      "to", "kepada", "cc", "sender", "pengirim"), _HEADER),
    (("cso",), _CSO),
    (("menulis", "wrote"), _QUOTE_HEADER),
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
    if has_digits:
        text = _DATED_LINE.sub(lambda m: _name_sub(counter, m), text)
    lower = text.lower()
    for words, pattern in _NAME_PATTERNS:
        if any(w in lower for w in words):  # cheap filter before the (slow) name patterns
            text = pattern.sub(lambda m: _name_sub(counter, m), text)
    return text, +counter


def redact(text: str) -> str:
    """``text`` with names, NIP, NIK, e-mail addresses, phone and account numbers replaced by tokens."""
    return redact_with_counts(text)[0]
