"""Synthetic HAI ticket exports made from the knowledge base (deterministic, labelled synthetic).

Each ticket asks one entry's question in a varied way (a training question or the canonical one, with
chat abbreviations, typos, greetings, satker context) and carries what real tickets carry: HTML with inline
styles, ``[attach:...]`` markers, an agent answer wrapped in the helpdesk's greeting and closing, and
personal data (names, NIP, NIK, e-mail, phone) that ingestion must redact. A small share of tickets are
unresolved or have a useless answer, and a small share of rows are malformed, so every path of ingestion is
exercised. The subject starts with ``[SINTETIS]``; the truth (entry of each ticket, planted personal data,
what should be skipped) goes to a JSON-lines file beside the export.

Names are planted in every form real exports showed (see ``knowledge.redact``) and listed exactly in
``planted_names``. Hard cases are written on purpose: some agents answer different problems of one module
with the same generic template (so "same answer" is not "same problem"), some ``message_akhir`` hold the
user's text instead of an answer, and the routing labels are partly ambiguous (a share of one team's
problems is taken by a neighbouring team), as in HAI.
"""
from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from knowledge.categories import hai_labels
from knowledge.hai_export import write_export
from knowledge.kb import Entry, KnowledgeBase
from knowledge.redact import PLACES

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
UNITS = ["Dinas Pendidikan Kota Bogor", "Kantor Pelayanan Perbendaharaan Negara Jakarta I",
         "Badan Pusat Statistik Kabupaten Malang", "Politeknik Negeri Medan", "Rumah Sakit Umum Pusat Sanglah",
         "Kantor Wilayah DJPb Provinsi Jawa Barat", "Balai Besar Wilayah Sungai Citarum",
         "Pengadilan Agama Semarang", "Kantor Kementerian Agama Kota Padang", "Universitas Negeri Makassar"]
# What users write when HAI stores their text in message_akhir (the last message was theirs, not the agent's).
USER_FOLLOW_UPS = [
    "Baik min, sudah saya coba tapi masih gagal juga. Mohon dibantu lagi ya, terima kasih.",
    "Mohon maaf, apakah ada update untuk tiket saya? Sampai sekarang kami belum bisa melanjutkan prosesnya.",
    "Sudah saya kirim ulang tapi statusnya masih sama min, bagaimana ya solusinya?",
    "Terima kasih min, tapi kenapa di aplikasi saya masih muncul pesan error yang sama? mohon petunjuknya",
    "Izin menanyakan kembali, tiket saya kemarin belum ada jawaban. Mohon bantuannya segera karena mendesak.",
]
# Generic answers agents give to many different problems of one module: a trap for "same answer = same problem".
GENERIC_ANSWERS = [
    ("Mohon kirimkan tangkapan layar kendala beserta ADK terkait {module} melalui tiket HAI DJPb agar dapat kami "
     "periksa lebih lanjut bersama tim teknis."),
    ("Silakan koordinasi dengan KPPN mitra kerja Saudara terkait kendala {module} tersebut dengan membawa "
     "dokumen pendukung yang diperlukan."),
    ("Kendala {module} tersebut sudah kami teruskan ke tim teknis SAKTI. Mohon menunggu informasi selanjutnya "
     "melalui tiket ini."),
]
# Teams that also take a share of another team's problems (the export's labels are what HAI recorded).
NEIGHBOUR_TEAM = {"sakti_komitmen": "sakti_pembayaran", "spm_sp2d": "sakti_pembayaran", "retur_sp2d": "spm_sp2d",
                  "up_tup": "sakti_bendahara", "lpj_bendahara": "sakti_bendahara", "omspan": "rekonsiliasi_lk",
                  "sakti_pelaporan": "rekonsiliasi_lk", "dipa_revisi": "sakti_penganggaran", "gaji": "sakti_pembayaran",
                  "sakti_aset": "sakti_pelaporan", "kkp": "sakti_pembayaran", "span": "spm_sp2d"}


@dataclass
class SyntheticTicket:
    row: dict
    entry_id: str | None
    expect: str  # "use" | "skip" | "malformed"
    planted: list[str]
    planted_names: list[str] = field(default_factory=list)  # every name exactly as written in the bodies
    skip_reason: str | None = None  # "unresolved" | "dead_answer" | "user_text"
    home_category: str | None = None  # the category of the ticket's problem
    label_category: str | None = None  # the category whose team HAI recorded (a neighbour's for some tickets)


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


def _person(rng: random.Random) -> str:
    """A name of two or three words, sometimes written in capitals as in signatures."""
    words = [rng.choice(FIRST), rng.choice(LAST)]
    if rng.random() < 0.15:
        words.insert(1, rng.choice(FIRST))
    name = " ".join(words)
    return name.upper() if rng.random() < 0.15 else name


def _question(entry: Entry, rng: random.Random, satker: str, when: datetime | None = None
              ) -> tuple[str, list[str], list[str]]:
    """(HTML body, planted personal data, planted names) of a user's question."""
    when = when or datetime(2023, 1, 2, 10, 31, 6)
    name = _person(rng)
    names = [name]
    nip, nik, phone = _nip(rng), _nik(rng), _phone(rng)
    email = f"{name.split()[0].lower()}.{rng.randrange(10, 99)}@{rng.choice(['gmail.com', 'kemenkeu.go.id', 'yahoo.co.id'])}"
    base = rng.choice(entry.texts())
    parts = []
    roll = rng.random()
    if roll < 0.2:  # live-chat transcript header
        parts.append(f"User: {name}\nUnit Kerja: {rng.choice(['Satker ' + satker + ' - ', ''])}{rng.choice(UNITS)}")
    elif roll < 0.3:  # forwarded e-mail
        parts.append(f"Pada tanggal {when:%d/%m/%Y} pukul {when:%H.%M}, {name} &lt;{email}&gt; menulis:")
    elif roll < 0.38:
        parts.append(f"From: {name}\nSent: {when:%d %B %Y %H:%M}\nSubject: Pertanyaan {entry.category_title}")
    parts.append(rng.choice(GREETINGS))
    intro = rng.random()
    if intro < 0.35:
        parts.append(f"Saya {name} dari satker {satker}, izin bertanya.")
    elif intro < 0.45:
        parts.append(f"Saya {name} selaku operator satker {satker}.")
    elif intro < 0.5:
        parts.append(f"Kami {name} dari {rng.choice(UNITS)}, mau bertanya.")
    parts.append(_vary(base, rng))
    if rng.random() < 0.12:
        other = _person(rng)
        names.append(other)
        parts.append(f"Dokumen a.n. {other} sudah kami lampirkan.")
    if rng.random() < 0.2:
        parts.append(f"[attach:image:{rng.getrandbits(64):016x}:image.png]")
    parts.append(rng.choice(ASKS))
    planted = [name] + names[1:]
    if rng.random() < 0.3:  # the signature HAI writes under a question
        signature = [f"{name} {when:%d-%m-%Y %H:%M:%S}"]
    else:
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
    return body, planted, names


def _answer(entry: Entry, rng: random.Random, user: str, cso: str | None = None, generic: bool = False) -> str:
    paragraphs = [f"Yth. Bapak/Ibu {user},", "Terima kasih telah menggunakan layanan Helpdesk Terintegrasi HAI DJPb."]
    if generic:  # same words for every problem of the module
        template = GENERIC_ANSWERS[sum(map(ord, entry.category)) % len(GENERIC_ANSWERS)]
        paragraphs.append(template.format(module=entry.category_title or entry.category))
    else:
        paragraphs += [p for p in entry.answer.split("\n") if p.strip()]
    paragraphs.append(rng.choice(["Demikian informasi ini kami sampaikan. Terima kasih.",
                                  "Demikian informasi yang dapat kami sampaikan, semoga bermanfaat.",
                                  "Demikian jawaban kami. Apabila masih ada pertanyaan lain, silakan hubungi 14090."]))
    if cso:
        paragraphs.append(f"CSO {rng.randrange(1, 9)} {rng.choice(PLACES)} {cso}")
    return _html(paragraphs, rng)


def _user_text(entry: Entry, rng: random.Random, question: str) -> str:
    """What some exports hold in message_akhir: the user's question again or their follow-up."""
    roll = rng.random()
    if roll < 0.4:
        return question
    if roll < 0.7:
        return f"<p>{rng.choice(USER_FOLLOW_UPS)}</p>"
    return f"<p>{_vary(rng.choice(entry.texts()), rng)} {rng.choice(ASKS)}</p>"


def generate_tickets(kb: KnowledgeBase, n: int, seed: int, malformed_rate: float = 0.01,
                     skip_rate: float = 0.03, user_text_rate: float = 0.0, generic_answer_rate: float = 0.0,
                     neighbour_rate: float = 0.0) -> list[SyntheticTicket]:
    """``n`` tickets drawn from the active entries (deterministic for a given ``seed`` and knowledge base).

    ``user_text_rate``: share whose message_akhir is user text (to be skipped); ``generic_answer_rate``: share
    answered with the module's generic template; ``neighbour_rate``: share of a team's problems labelled with
    the neighbouring team (``NEIGHBOUR_TEAM``)."""
    rng = random.Random(seed)
    entries = kb.active()
    if not entries:
        raise ValueError("knowledge base tidak punya entry aktif untuk dijadikan tiket")
    titles = {cid: c.title for cid, c in kb.categories.items()}
    start = datetime(2023, 1, 2, 8, 0, 0)
    tickets: list[SyntheticTicket] = []
    for number in range(1, n + 1):
        entry = rng.choice(entries)
        when = start + timedelta(seconds=rng.randrange(0, 365 * 24 * 3600))
        label = entry.category
        if NEIGHBOUR_TEAM.get(label) in titles and rng.random() < neighbour_rate:
            label = NEIGHBOUR_TEAM[label]
        departemen, tim = hai_labels(label, titles.get(label) or entry.category_title)
        satker = f"{rng.randrange(100000, 999999)}"
        question, planted, names = _question(entry, rng, satker, when)
        agent_name = _person(rng)
        cso = agent_name if rng.random() < 0.4 else None
        generic = rng.random() < generic_answer_rate
        row = {
            "id_tiket": str(100000 + number),
            "ref_tiket": f"{when:%Y%m%d}-" + "".join(rng.choice(string.ascii_uppercase) for _ in range(6)),
            "tgl_tiket": when, "status": "resolved",
            "subject": f"{SYNTHETIC_MARK} {entry.question[:60]}", "tim_agent": tim, "departemen": departemen,
            "message_awal": question, "message_akhir": _answer(entry, rng, names[0], cso, generic),
            "agent": f"({rng.randrange(1, 200):03d}) {agent_name}", "status_akhir": "resolved",
        }
        planted.append(agent_name)
        names = names + [agent_name]
        expect, entry_id, reason = "use", entry.id, None
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
                reason = "unresolved"
            else:
                row["message_akhir"] = f"<p>{rng.choice(DEAD_ANSWERS)}</p>"
                reason = "dead_answer"
        elif roll < malformed_rate + skip_rate + user_text_rate:
            expect, entry_id, reason = "skip", None, "user_text"
            row["message_akhir"] = _user_text(entry, rng, question)
        tickets.append(SyntheticTicket(row, entry_id, expect, planted, list(dict.fromkeys(names)), reason,
                                       entry.category, label))
    return tickets


def write_synthetic_export(kb: KnowledgeBase, out: str | Path, n: int, seed: int,
                           malformed_rate: float = 0.01, skip_rate: float = 0.03, **hard_cases: float) -> Path:
    """Write the export to ``out`` and the truth to ``<out>.truth.jsonl``; returns the truth file's path.

    ``hard_cases``: ``user_text_rate``, ``generic_answer_rate``, ``neighbour_rate`` (see ``generate_tickets``)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tickets = generate_tickets(kb, n, seed, malformed_rate, skip_rate, **hard_cases)
    write_export(out, [t.row for t in tickets])
    if any(t.row.get("_drop_field") for t in tickets):
        _drop_fields(out, {t.row["id_tiket"] for t in tickets if t.row.get("_drop_field")})
    truth = out.with_name(out.name + ".truth.jsonl")
    with open(truth, "w", encoding="utf-8") as handle:
        handle.write(json.dumps({"synthetic": True, "seed": seed, "tickets": n, "generator": "knowledge.synth",
                                 "kb_fingerprint": kb.fingerprint()}) + "\n")
        for t in tickets:
            handle.write(json.dumps({"id_tiket": t.row["id_tiket"], "entry_id": t.entry_id, "expect": t.expect,
                                     "category": t.row["departemen"], "planted": t.planted,
                                     "planted_names": t.planted_names, "skip_reason": t.skip_reason,
                                     "home_category": t.home_category, "label_category": t.label_category},
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
