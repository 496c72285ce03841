"""Resolved tickets of imported HAI exports, kept so agents see how similar problems were answered before.

``knowledge.import_review`` keeps every resolved ticket an import used (question and answer already cleaned and
redacted by ``knowledge.ingest``; redacted again here, so nothing unredacted can be stored through this module)
in the app database (``resolved_tickets``). :func:`similar_tickets` ranks them by BM25 (``knowledge.lexical``)
of the question's words against each ticket's question; an answer given to several tickets is shown once.
The BM25 index is rebuilt only when tickets were added (a few thousand short questions take milliseconds).
"""
from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from hai.db import session_factory
from hai.models import ResolvedTicket
from hai.settings import Settings
from knowledge.lexical import BM25Index
from knowledge.normalize import tokens
from knowledge.redact import redact

MIN_SIMILARITY = 0.25  # share of the best possible BM25 score of the question; below it a ticket is unrelated
MAX_TICKETS = 20_000   # the newest kept tickets that are searched
MAX_TEXT_CHARS = 5000


@dataclass(frozen=True)
class ArchivedTicket:
    id: int
    batch_id: str
    ref_tiket: str
    ticket_date: str
    category: str
    question: str  # redacted
    answer: str    # redacted


@dataclass(frozen=True)
class TicketHit:
    ticket: ArchivedTicket
    similarity: float  # 0..1: the question's BM25 score over the best score its words could reach


def keep_tickets(batch_id: str, tickets: Iterable, settings: Settings | None = None) -> int:
    """Store the resolved tickets of import ``batch_id`` (objects with ``ref_tiket``, ``date``, ``category``,
    ``question`` and ``answer``, as ``knowledge.ingest.CleanTicket``); returns how many were stored."""
    rows = [ResolvedTicket(batch_id=batch_id, ref_tiket=str(t.ref_tiket)[:64], ticket_date=str(t.date)[:10],
                           category=str(t.category)[:64], question=redact(t.question)[:MAX_TEXT_CHARS],
                           answer=redact(t.answer)[:MAX_TEXT_CHARS]) for t in tickets]
    if rows:
        with session_factory(settings)() as session, session.begin():
            session.add_all(rows)
    return len(rows)


class _Index:
    def __init__(self, key: tuple, tickets: list[ArchivedTicket]):
        self.key, self.tickets = key, tickets
        self.bm25 = BM25Index([tokens(t.question) for t in tickets])


_indexes: dict[str, _Index] = {}
_lock = threading.Lock()


def _index(settings: Settings | None) -> _Index:
    factory = session_factory(settings)
    with factory() as session:
        key = tuple(session.execute(select(func.count(ResolvedTicket.id), func.max(ResolvedTicket.id))).one())
        url = str(session.get_bind().url)
        cached = _indexes.get(url)
        if cached is not None and cached.key == key:
            return cached
        rows = session.scalars(select(ResolvedTicket).order_by(ResolvedTicket.id.desc()).limit(MAX_TICKETS)).all()
        tickets = [ArchivedTicket(r.id, r.batch_id, r.ref_tiket, r.ticket_date, r.category, r.question, r.answer)
                   for r in rows]
    built = _Index(key, tickets)
    with _lock:
        _indexes[url] = built
    return built


def similar_tickets(question: str, settings: Settings | None = None, limit: int = 3,
                    min_similarity: float = MIN_SIMILARITY) -> list[TicketHit]:
    """The kept tickets whose questions are most like ``question``, best first, one per distinct answer;
    empty when nothing is kept, the question has no searchable words or nothing reaches ``min_similarity``."""
    query = tokens(question or "")
    index = _index(settings) if query else None
    if index is None or not len(index.bm25):
        return []
    best = index.bm25.max_score(query)
    if best <= 0:
        return []
    scores = index.bm25.scores(query) / best
    hits: list[TicketHit] = []
    answers: set[str] = set()
    for position in scores.argsort()[::-1]:
        similarity = float(scores[position])
        if similarity < min_similarity or len(hits) >= limit:
            break
        ticket = index.tickets[int(position)]
        answer_key = " ".join(ticket.answer.lower().split())
        if answer_key in answers:  # the same template or answer given again: once is enough
            continue
        answers.add(answer_key)
        hits.append(TicketHit(ticket, round(similarity, 4)))
    return hits
