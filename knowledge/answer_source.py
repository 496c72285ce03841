"""Is a ticket's ``message_akhir`` the agent's answer, or the user's text that HAI stored there?

Some exports hold the user's last message in ``message_akhir`` (the question again, or a follow-up such as
"sudah saya coba tapi masih gagal, mohon dibantu"). Such a ticket must not become a knowledge-base answer;
ingestion skips it with ``USER_TEXT_REASON`` so the report shows it. The test is a small, explainable score:
signs of a user writing (a question mark, "saya", "mohon dibantu", "min", "masih gagal") against signs of an
agent answering ("Yth. Bapak/Ibu", "silakan", "demikian", "kami teruskan", menu steps), plus a direct
check: the text repeats the question. A short plain statement with no sign either way is kept as an answer
("SPM gaji induk diajukan paling lambat tanggal 15 ..."): skipping a real answer loses knowledge.
"""
from __future__ import annotations

import re

USER_TEXT_REASON = "message_akhir berisi teks pengguna, bukan jawaban petugas"
REPEATS_QUESTION = 90.0  # token-sort similarity (0..100) of the cleaned answer and question

_USER_SIGNS = [re.compile(p) for p in (
    r"\?",
    r"\b(?:saya|sy|aku)\b",
    (r"\b(?:mohon|minta|tolong|tlg)\s+(?:di)?(?:bantu|bantuan|bantuannya|petunjuk|petunjuknya|pencerahan|solusi|"
     r"arahan|dicek|cek)"),
    r"\b(?:min|kak|gan)\b",
    (r"\b(?:masih|tetap)\s+(?:gagal|error|eror|sama|belum\s+bisa|tidak\s+bisa|tdk\s+bisa|gak\s+bisa)\b"
     r"|\b(?:kenapa|gimana|gmn|bgmn)\b"),
    r"\b(?:tiket|aplikasi|satker|spm|dokumen)\s+(?:saya|kami)\b|\bizin\s+(?:bertanya|menanyakan)",
)]
_AGENT_SIGNS = [re.compile(p) for p in (
    r"\byth\b|\bbapak\s*/\s*ibu\b|\bsaudara\b",
    r"\bsila(?:h)?kan\b",
    r"\bdemikian\b|\bsemoga\s+(?:bermanfaat|membantu)",
    r"\bterima\s+kasih\s+(?:telah|sudah)\s+menggunakan\b",
    r"\bkami\s+(?:sampaikan|teruskan|informasikan|periksa|bantu|sarankan|jelaskan)\b",
    r"\bmenu\b|\blogin\b|\bklik\b|\bpilih\b|\bsesuai\s+(?:ketentuan|pmk|per|peraturan)\b",
    r"\b(?:dapat|harus|perlu|wajib)\s+(?:di|me|mem|men|meng|meny)[a-z]+",
    # steps and instructions: "1. buka ...", "Pastikan ...", "Periksa ..."
    (r"(?m)^\s*\d+[.)]\s|(?:^|[.;:]\s*)(?:pastikan|periksa|gunakan|cek|simpan|tunggu|hubungi|lakukan|buka|"
     r"lengkapi|ajukan|kirim|rekam|isi|unduh|sampaikan)\b"),
)]


def _count(patterns: list[re.Pattern[str]], text: str) -> int:
    return sum(1 for p in patterns if p.search(text))


def looks_like_user_text(answer_text: str, answer_clean: str, question_clean: str) -> bool:
    """True when ``answer_text`` (message_akhir as text, greeting and closing still in) reads as the user's.

    ``answer_clean``/``question_clean`` are the cleaned bodies (``knowledge.cleaning.clean_body``)."""
    from rapidfuzz import fuzz

    from knowledge.normalize import normalize_text

    if answer_clean and question_clean and fuzz.token_sort_ratio(
            normalize_text(answer_clean), normalize_text(question_clean)) >= REPEATS_QUESTION:
        return True
    text = answer_text.lower()
    user, agent = _count(_USER_SIGNS, text), _count(_AGENT_SIGNS, text)
    if agent == 0 and user >= 1:
        return True
    return user >= 2 and user > agent
