"""Synthetic HAI ticket exports made from the knowledge base (deterministic, labelled synthetic).

Each ticket asks one entry's question in a varied way (a training question or the canonical one, with
chat abbreviations, typos, greetings, satker context) and carries what real tickets carry: HTML with inline
styles, ``[attach:...]`` markers, an agent answer wrapped in the helpdesk's greeting and closing, and
personal data (names, NIP, NIK, e-mail, phone) that ingestion must redact. A small share of tickets are
unresolved or have a useless answer, and a small share of rows are malformed, so every path of ingestion is
exercised. The subject starts with ``[SINTETIS]``; the truth (entry of each ticket, planted personal data,
what should be skipped) goes to a JSON-lines file beside the export.
"""
from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from knowledge.categories import hai_labels
from knowledge.hai_export import write_export
from knowledge.kb import Entry, KnowledgeBase

SYNTHETIC_MARK = "[SINTETIS]"
FIRST = ["Budi", "Siti", "Agus", "Dewi", "Rina", "Andi", "Sri", "Hendra", "Wahyu", "Fitri", "Joko", "Ratna",
         "Dian", "Yusuf", "Indah", "Bambang", "Nur", "Eko", "Lestari", "Rizky", "Putri", "Arif", "Maya", "Teguh"]
LAST = ["Santoso", "Rahmawati", "Wijaya", "Saputra", "Lestari", "Hidayat", "Kurniawan", "Setiawan",
        "Nugroho", "Pratama", "Susanti", "Hakim", "Purnomo", "Siregar", "Nasution", "Simanjuntak", "Halim"]
# formal word -> chat spellings, the reverse of knowledge.normalize.ABBREVIATIONS for the common ones
CHAT = {"bagaimana": ["gmn", "gimana", "bgmn"], "saya": ["sy", "aku"], "belum": ["blm"], "tidak": ["tdk", "gak", "ga"],
        "sudah": ["sdh", "udah"], "yang": ["yg"], "dengan": ["dgn"], "untuk": ["utk"], "tolong": ["tlg"],
        "karena": ["krn"], "bisa": ["bs"], "tanggal": ["tgl"], "aplikasi": ["apk"], "rekonsiliasi": ["rekon"]}
GREETINGS = ["Selamat pagi,", "Selamat siang admin,", "Assalamualaikum wr wb,", "Halo min,", "Yth. Helpdesk HAI,",
             "Dengan hormat,", "Selamat sore,", ""]
ASKS = ["Mohon bantuannya.", "Mohon petunjuknya.", "Terima kasih.", "Mohon bantuannya, terima kasih.", ""]
STYLES = ['style="margin:0cm;font-family:Calibri,sans-serif;font-size:11pt"', 'style="color:#000000"',
          'class="MsoNormal"', 'style="line-height:1.5"']
DEAD_ANSWERS = ["Sudah kami tindak lanjuti.", "Baik, terima kasih.", "Silakan dicoba kembali."]


@dataclass
class SyntheticTicket:
    row: dict
    entry_id: str | None
    expect: str  # "use" | "skip" | "malformed"
    planted: list[str]


def _nip(rng: random.Random) -> str:
    born = datetime(1965, 1, 1) + timedelta(days=rng.randrange(0, 12000))
    start = born.replace(day=1) + timedelta(days=rng.randrange(8000, 11000))
    return f"{born:%Y%m%d}{start:%Y%m}{rng.choice('12')}{rng.randrange(1, 999):03d}"


def _nik(rng: random.Random) -> str:
    return f"{rng.randrange(11, 95)}{rng.randrange(1, 80):02d}{rng.randrange(1, 50):02d}" \
           f"{rng.randrange(1, 28):02d}{rng.randrange(1, 13):02d}{rng.randrange(60, 99)}{rng.randrange(1, 9999):04d}"


def _phone(rng: random.Random) -> str:
    digits = "08" + str(rng.choice([11, 12, 13, 21, 52, 56, 57, 77, 78, 81, 95])) + "".join(
        rng.choice(string.digits) for _ in range(rng.choice([7, 8])))
    return rng.choice([digits, f"{digits[:4]}-{digits[4:8]}-{digits[8:]}", "+62 " + digits[1:4] + " " + digits[4:]])


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.4:
        return word[:i] + word[i + 1:]              # drop a letter
    if kind < 0.8:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # swap two letters
    return word[:i] + word[i] + word[i:]            # double a letter


def _vary(text: str, rng: random.Random) -> str:
    words = text.split()
    out = []
    for w in words:
        low = w.lower()
        if low in CHAT and rng.random() < 0.5:
            w = rng.choice(CHAT[low])
        elif rng.random() < 0.04:
            w = _typo(w, rng)
        out.append(w)
    text = " ".join(out)
    if rng.random() < 0.3:
        text = text.lower()
    return text


def _html(paragraphs: list[str], rng: random.Random) -> str:
    style = rng.choice(STYLES)
    if rng.random() < 0.3:
        return "<br>".join(p.replace("\n", "<br>") for p in paragraphs)
    return "".join(f"<p {style}>{p.replace(chr(10), '<br>')}&nbsp;</p>" for p in paragraphs)


def _question(entry: Entry, rng: random.Random, satker: str) -> tuple[str, list[str]]:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    nip, nik, phone = _nip(rng), _nik(rng), _phone(rng)
    email = f"{name.split()[0].lower()}.{rng.randrange(10, 99)}@{rng.choice(['gmail.com', 'kemenkeu.go.id', 'yahoo.co.id'])}"
    base = rng.choice(entry.texts())
    parts = [rng.choice(GREETINGS)]
    if rng.random() < 0.5:
        parts.append(f"Saya {name} dari satker {satker}, izin bertanya.")
    parts.append(_vary(base, rng))
    if rng.random() < 0.2:
        parts.append(f"[attach:image:{rng.getrandbits(64):016x}:image.png]")
    parts.append(rng.choice(ASKS))
    planted = [name]
    signature = [f"Salam,\n{name}"]
    if rng.random() < 0.6:
        signature.append(f"NIP {nip}")
        planted.append(nip)
    if rng.random() < 0.3:
        signature.append(f"NIK {nik}")
        planted.append(nik)
    if rng.random() < 0.5:
        signature.append(f"HP {phone}")
        planted.append(phone)
    if rng.random() < 0.4:
        signature.append(f"Email: {email}")
        planted.append(email)
    parts.append("\n".join(signature))
    body = _html([p for p in parts if p], rng)
    if rng.random() < 0.1:
        body += f'<table border="1"><tr><td>Kode Satker</td><td>{satker}</td></tr></table>'
    return body, planted


def _answer(entry: Entry, rng: random.Random, user: str) -> str:
    paragraphs = [f"Yth. Bapak/Ibu {user},", "Terima kasih telah menggunakan layanan Helpdesk Terintegrasi HAI DJPb."]
    paragraphs += [p for p in entry.answer.split("\n") if p.strip()]
    paragraphs.append(rng.choice(["Demikian informasi ini kami sampaikan. Terima kasih.",
                                  "Demikian informasi yang dapat kami sampaikan, semoga bermanfaat.",
                                  "Demikian jawaban kami. Apabila masih ada pertanyaan lain, silakan hubungi 14090."]))
    return _html(paragraphs, rng)


def generate_tickets(kb: KnowledgeBase, n: int, seed: int, malformed_rate: float = 0.01,
                     skip_rate: float = 0.03) -> list[SyntheticTicket]:
    """``n`` tickets drawn from the active entries (deterministic for a given ``seed`` and knowledge base)."""
    rng = random.Random(seed)
    entries = kb.active()
    if not entries:
        raise ValueError("knowledge base tidak punya entry aktif untuk dijadikan tiket")
    start = datetime(2023, 1, 2, 8, 0, 0)
    tickets: list[SyntheticTicket] = []
    for number in range(1, n + 1):
        entry = rng.choice(entries)
        when = start + timedelta(seconds=rng.randrange(0, 365 * 24 * 3600))
        departemen, tim = hai_labels(entry.category, entry.category_title)
        satker = f"{rng.randrange(100000, 999999)}"
        question, planted = _question(entry, rng, satker)
        agent_name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        row = {
            "id_tiket": str(100000 + number),
            "ref_tiket": f"{when:%Y%m%d}-" + "".join(rng.choice(string.ascii_uppercase) for _ in range(6)),
            "tgl_tiket": when, "status": "resolved",
            "subject": f"{SYNTHETIC_MARK} {entry.question[:60]}", "tim_agent": tim, "departemen": departemen,
            "message_awal": question, "message_akhir": _answer(entry, rng, planted[0]),
            "agent": f"({rng.randrange(1, 200):03d}) {agent_name}", "status_akhir": "resolved",
        }
        planted.append(agent_name)
        expect, entry_id = "use", entry.id
        roll = rng.random()
        if roll < malformed_rate:
            expect, entry_id = "malformed", None
            kind = rng.randrange(3)
            if kind == 0:
                row["tgl_tiket"] = f"{when:%d/%m/%Y}"
            elif kind == 1:
                row["ref_tiket"] = "REF" + row["ref_tiket"][:5]
            else:
                row["_drop_field"] = True
        elif roll < malformed_rate + skip_rate:
            expect, entry_id = "skip", None
            if rng.random() < 0.5:
                row["status"] = row["status_akhir"] = "open"
            else:
                row["message_akhir"] = f"<p>{rng.choice(DEAD_ANSWERS)}</p>"
        tickets.append(SyntheticTicket(row, entry_id, expect, planted))
    return tickets


def write_synthetic_export(kb: KnowledgeBase, out: str | Path, n: int, seed: int,
                           malformed_rate: float = 0.01, skip_rate: float = 0.03) -> Path:
    """Write the export to ``out`` and the truth to ``<out>.truth.jsonl``; returns the truth file's path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tickets = generate_tickets(kb, n, seed, malformed_rate, skip_rate)
    write_export(out, [t.row for t in tickets])
    if any(t.row.get("_drop_field") for t in tickets):
        _drop_fields(out, {t.row["id_tiket"] for t in tickets if t.row.get("_drop_field")})
    truth = out.with_name(out.name + ".truth.jsonl")
    with open(truth, "w", encoding="utf-8") as handle:
        handle.write(json.dumps({"synthetic": True, "seed": seed, "tickets": n, "generator": "knowledge.synth",
                                 "kb_fingerprint": kb.fingerprint()}) + "\n")
        for t in tickets:
            handle.write(json.dumps({"id_tiket": t.row["id_tiket"], "entry_id": t.entry_id, "expect": t.expect,
                                     "category": t.row["departemen"], "planted": t.planted},
                                    ensure_ascii=False) + "\n")
    return truth


def _drop_fields(path: Path, ids: set[str]) -> None:
    """Rewrite the rows of ``ids`` without their ``agent`` field: a row with one field too few."""
    import csv

    from knowledge.hai_export import FIELDS, HEADER

    rows = list(csv.reader(open(path, encoding="utf-8", newline=""), delimiter=";"))
    agent = FIELDS.index("agent")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(HEADER)
        for row in rows[1:]:
            writer.writerow(row[:agent] + row[agent + 1:] if row and row[0] in ids else row)
