"""Agent assist: what helps an agent answer a handoff, and what the answer can teach the knowledge base.

- :func:`user_questions`: the user's own questions in a (redacted) transcript, without button presses, the
  request for a person, greetings and thanks.
- :func:`suggest`: the knowledge-base entries best ranked for those questions (``KnowledgeSearch.ask``) and the
  most similar resolved tickets of imported HAI exports with their answers (``knowledge.ticket_archive``); each
  suggestion carries the text an agent puts into the reply box. Every text is redacted on the way out.
- :func:`conversation_details`: the identifiers the conversation gave (kode satker, periode, idpel), parsed by
  the project's one parser each (``analytics.ids``), for the handoff card.
- :func:`handoff_candidate`: a closed handoff's question and the agent's final reply as one knowledge-base
  candidate in the import review queue (``knowledge.import_review.start_review``), once per handoff.

Plain Python: the console's routes translate; nothing here knows about HTTP.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from analytics.errors import InvalidInputError
from analytics.ids import nama_bulan, parse_idpel, parse_kode_satker, parse_periode
from helpdesk.handoff import CLOSED, Handoff
from hai.settings import Settings
from knowledge import import_review
from knowledge.editing import MAX_QUESTION_CHARS
from knowledge.ingest import core_question
from knowledge.redact import redact
from knowledge.search import KnowledgeSearch, has_words, prepare_question
from knowledge.ticket_archive import similar_tickets

MAX_QUESTION_LINES = 3   # the user's latest questions are searched together
MAX_SEARCH_CHARS = 1000
ENTRY_SUGGESTIONS = 3
TICKET_SUGGESTIONS = 3
# "saya mau bicara dengan petugas", "sambungkan ke CS", "minta admin": a request for a person, not a question
_ASKS_FOR_PERSON = re.compile(
    r"(?i)\b(?:bicara|berbicara|ngobrol|chat|hubungkan|sambungkan|minta|mau|ingin|tolong)\b.{0,30}"
    r"\b(?:petugas|agen|agent|operator|manusia|orang|cs|customer service|admin|helpdesk)\b")
_THANKS = re.compile(r"(?i)^\W*(?:ok(?:e|ay)?|oke deh|baik|siap|terima ?kasih|makasih|thanks?|trims)\b")
MAX_THANKS_WORDS = 5

NO_QUESTION = ("Belum ada pertanyaan pengguna yang dapat dicari; baca transkrip dan tulis balasan secara "
               "langsung.")
NO_SUGGESTION = "Tidak ada entri atau tiket serupa; tulis balasan secara langsung."


class CandidateError(ValueError):
    """The handoff cannot become a candidate (not closed, no reply, no question); message in Indonesian."""


class AlreadyCandidate(ValueError):
    """The handoff was made a candidate before; ``batch_id`` names the review batch that holds it."""

    def __init__(self, handoff_id: int, batch_id: str) -> None:
        super().__init__(f"Permintaan #{handoff_id} sudah dijadikan kandidat entri (impor {batch_id}); "
                         "putuskan kandidat itu di tab Impor tiket.")
        self.batch_id = batch_id


class Suggestion(BaseModel):
    kind: Literal["entri", "tiket"]
    id: str                 # entry id, or HAI's ticket reference
    question: str           # the entry's or the ticket's question (redacted)
    text: str               # the answer, what goes into the reply box (redacted)
    source: str             # where it comes from, for the agent
    category: str = ""
    score: float            # 0..1, higher is closer


class AssistResult(BaseModel):
    question: str                      # what was searched (redacted)
    category: str | None = None        # the best entry's category: the likeliest topic of the request
    category_title: str | None = None
    entries: list[Suggestion] = []
    tickets: list[Suggestion] = []
    message: str = ""                  # why there is nothing to suggest (Indonesian); empty otherwise


class Detail(BaseModel):
    label: str  # Indonesian, e.g. "Kode satker"
    value: str


def user_questions(lines: Iterable[Mapping]) -> list[str]:
    """The user's lines that ask something, redacted, oldest first (button presses, requests for a person,
    greetings and thanks left out)."""
    out: list[str] = []
    for line in lines:
        text = redact(str(line.get("text") or "")).strip()
        if line.get("who") != "user" or not text or text.startswith("[tombol:"):
            continue
        if _ASKS_FOR_PERSON.search(text) and len(text.split()) <= 10:
            continue
        if (_THANKS.match(text) and len(text.split()) <= MAX_THANKS_WORDS) \
                or len(prepare_question(text).split()) < 2 or not has_words(prepare_question(text)):
            continue
        if text not in out:
            out.append(text)
    return out


def search_text(questions: Sequence[str]) -> str:
    """The latest questions as one search text (cut to ``MAX_SEARCH_CHARS``)."""
    return " ".join(questions[-MAX_QUESTION_LINES:])[-MAX_SEARCH_CHARS:].strip()


def _joined(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


def suggest(lines: Iterable[Mapping], search: KnowledgeSearch, settings: Settings | None = None,
            entries: int = ENTRY_SUGGESTIONS, tickets: int = TICKET_SUGGESTIONS) -> AssistResult:
    """Entries and resolved tickets for the user's questions in ``lines`` (a handoff's transcript)."""
    text = search_text(user_questions(lines))
    if not text:
        return AssistResult(question="", message=NO_QUESTION)
    found = search.ask(text)
    kb = search.knowledge_base
    entry_hits = []
    for candidate in found.candidates[:entries]:
        entry = kb.get(candidate.id)
        if entry is None:
            continue
        entry_hits.append(Suggestion(
            kind="entri", id=entry.id, question=redact(entry.question), text=redact(entry.answer),
            source=_joined("Basis pengetahuan", entry.category_title, entry.reference),
            category=entry.category, score=round(max(0.0, min(1.0, candidate.fused)), 4)))
    ticket_hits = [Suggestion(
        kind="tiket", id=hit.ticket.ref_tiket or f"tiket-{hit.ticket.id}", question=redact(hit.ticket.question),
        text=redact(hit.ticket.answer), category=hit.ticket.category, score=hit.similarity,
        source=_joined(f"Tiket HAI {hit.ticket.ref_tiket}", hit.ticket.ticket_date))
        for hit in similar_tickets(text, settings, limit=tickets)]
    best = kb.get(entry_hits[0].id) if entry_hits else None
    return AssistResult(question=redact(found.question or text), category=best.category if best else None,
                        category_title=best.category_title if best else None, entries=entry_hits,
                        tickets=ticket_hits, message="" if entry_hits or ticket_hits else NO_SUGGESTION)


# --- identifiers the conversation gave ------------------------------------------------------------------
_SATKER = re.compile(r"(?i)\bsatker\b\D{0,20}?(?<!\d)(\d{3}[ .]?\d{3})(?![\d.]?\d)")
_IDPEL = re.compile(r"(?i)\b(?:idpel|id pel(?:anggan)?|id pelanggan)\b\D{0,15}?(\d{4}[ ]?\d{4}[ ]?\d{4})(?!\d)")
_MONTHS = ("januari|februari|maret|april|mei|juni|juli|agustus|september|oktober|november|desember|"
           "jan|feb|mar|apr|jun|jul|agu|agt|agus|sep|sept|okt|nov|des")
_PERIODE = re.compile(rf"(?i)\b(?:(?:{_MONTHS})[\s\-/.']*\d{{4}}|(?:0?[1-9]|1[0-2])/\d{{4}})\b")


def conversation_details(lines: Iterable[Mapping]) -> list[Detail]:
    """Kode satker, periode and idpel the user wrote (each value once, in the order given)."""
    found: dict[tuple[str, str], None] = {}
    for line in lines:
        if line.get("who") != "user":
            continue
        text = redact(str(line.get("text") or ""))  # parsed from the redacted text: no personal data slips out
        for label, pattern, parse in (("Kode satker", _SATKER, parse_kode_satker), ("Idpel", _IDPEL, parse_idpel),
                                      ("Periode", _PERIODE, lambda v: nama_bulan(parse_periode(v)))):
            for match in pattern.finditer(text):
                try:
                    found[(label, str(parse(match.group(match.lastindex or 0))))] = None
                except InvalidInputError:
                    continue
    return [Detail(label=label, value=value) for label, value in found]


# --- a closed handoff as a knowledge-base candidate -----------------------------------------------------
def candidate_batch_id(handoff_id: int) -> str:
    """The review batch of handoff ``handoff_id``: one per handoff, so offering it twice is recognised."""
    return hashlib.sha256(f"permintaan-petugas:{handoff_id}".encode()).hexdigest()[:32]


def _question_text(questions: Sequence[str]) -> str:
    text = core_question("\n".join(questions[-MAX_QUESTION_LINES:]))
    text = " ".join(text.split())
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0]
    return text


def handoff_candidate(handoff: Handoff, lines: Iterable[Mapping], final_reply: str | None,
                      search: KnowledgeSearch, folder: Path, user: str) -> import_review.ImportBatch:
    """The user's question (from ``lines``) and the agent's ``final_reply`` of the closed ``handoff`` as one
    candidate entry, redacted, in a review batch of its own (``source="permintaan-petugas"``).

    Raises ``CandidateError`` (not closed, no reply, no question) or ``AlreadyCandidate``."""
    if handoff.status != CLOSED:
        raise CandidateError(f"Permintaan #{handoff.id} belum ditutup; tutup dulu, lalu jadikan kandidat entri.")
    answer = redact((final_reply or "").strip())
    if not answer:
        raise CandidateError(f"Permintaan #{handoff.id} belum punya balasan petugas yang terkirim; "
                             "tidak ada jawaban untuk dijadikan kandidat.")
    questions = user_questions(lines)
    question = _question_text(questions)
    if len(question.split()) < 2:
        raise CandidateError(f"Permintaan #{handoff.id} tidak memuat pertanyaan pengguna yang dapat dijadikan "
                             "kandidat entri.")
    top = search.ask(question).candidates
    entry = search.knowledge_base.get(top[0].id) if top else None
    day = (handoff.closed_at or handoff.created_at).strftime("%Y-%m-%d")
    others = [q for q in (" ".join(q.split()) for q in questions) if q != question and len(q) <= MAX_QUESTION_CHARS]
    candidate = import_review.ReviewCandidate(
        id="kandidat-0001", category=entry.category if entry else "", category_known=entry is not None,
        question=question, answer=answer, training_questions=others[-8:], source_tickets=[],
        ticket_count=1, first_seen=day, last_seen=day, reference=f"Permintaan petugas #{handoff.id}")
    try:
        return import_review.start_review(folder, [candidate], f"Permintaan petugas #{handoff.id}", user,
                                          source=import_review.HANDOFF, batch_id=candidate_batch_id(handoff.id))
    except import_review.BatchExists as exc:
        raise AlreadyCandidate(handoff.id, exc.batch_id) from exc
