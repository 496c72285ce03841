"""From a HAI ticket export to candidate knowledge-base entries for an agent to review.

Each readable ticket is cleaned (HTML, attachments, boilerplate) and redacted; tickets that cannot teach
anything are skipped with a reason (not resolved, question or answer empty after cleaning, an answer too
short to be useful, a ``message_akhir`` that holds the user's text instead of an answer
(``knowledge.answer_source``), a duplicate ticket id). Within each category, tickets are grouped when their
questions (without the introduction lines) are near-duplicates (token-sort similarity) or when the agent
gave the same *specific* answer. An answer is generic, and joins nothing, when it is much shorter than the
category's typical answer or when the tickets it answers belong to several question groups that are
otherwise answered differently: agents send one template ("kirimkan tangkapan layar ...") for unrelated
problems of a module. A question group answered only with templates joins the one most similar group that
has a specific answer, if it is similar enough. Each group becomes one candidate: the most typical
question, the most frequent answer, up to 8 other phrasings as training questions, and the source tickets.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from knowledge.answer_source import USER_TEXT_REASON, looks_like_user_text
from knowledge.categories import CategoryMapper
from knowledge.cleaning import clean_body, html_to_text
from knowledge.hai_export import RowError, read_export
from knowledge.normalize import normalize_text

RESOLVED = {"resolved", "closed", "selesai"}
MIN_ANSWER_WORDS = 6
QUESTION_SIMILARITY = 90.0  # rapidfuzz ratio of the sorted distinct tokens (token-sort), 0..100
MAX_TRAINING_QUESTIONS = 8
MAX_SOURCES = 25
# An answer whose tickets' question groups are also answered with this many other answers is a template.
GENERIC_ANSWER_LINKS = 2
# An answer much shorter than the category's typical answer says too little to identify one problem
# ("silakan hubungi KPPN mitra kerja"): shorter than this share of the median distinct answer's words.
SHORT_ANSWER_RATIO = 0.5
ATTACH_SIMILARITY = 85.0  # token-sort similarity for joining a template-answered question to a group


@dataclass
class CleanTicket:
    line: int
    id_tiket: str
    ref_tiket: str
    date: str
    category: str
    category_known: bool
    question: str
    answer: str


@dataclass(frozen=True)
class Skipped:
    line: int
    id_tiket: str
    reason: str


@dataclass
class Candidate:
    """A proposed entry; nothing here is published until an agent reviews it."""

    id: str
    category: str
    category_known: bool
    question: str
    answer: str
    training_questions: list[str]
    source_tickets: list[str]
    ticket_count: int
    first_seen: str
    last_seen: str


@dataclass
class IngestResult:
    candidates: list[Candidate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    tickets_read: int = 0
    tickets_used: int = 0
    redactions: Counter = field(default_factory=Counter)
    tickets: list[CleanTicket] = field(default_factory=list)  # the resolved tickets used, cleaned and redacted

    def counts(self) -> dict[str, int]:
        by_reason = Counter(s.reason for s in self.skipped)
        out = {"rows_read": self.tickets_read + len(self.row_errors), "malformed_rows": len(self.row_errors),
               "tickets_used": self.tickets_used, "tickets_skipped": len(self.skipped),
               "candidates": len(self.candidates),
               "candidates_unmapped_category": sum(not c.category_known for c in self.candidates)}
        out.update({f"skipped[{k}]": v for k, v in sorted(by_reason.items())})
        out.update({f"redacted{k}": v for k, v in sorted(self.redactions.items())})
        return out


def clean_tickets(path: str | Path, categories: dict[str, str]) -> tuple[IngestResult, list[CleanTicket]]:
    """Read and clean every ticket; returns (result with skips/errors filled, list of CleanTicket)."""
    export = read_export(path)
    result = IngestResult(row_errors=list(export.errors), tickets_read=len(export.rows))
    mapper = CategoryMapper(categories)
    seen: set[str] = set()
    clean: list[CleanTicket] = []
    for row in export.rows:
        if row.id_tiket in seen:
            result.skipped.append(Skipped(row.line, row.id_tiket, "id_tiket duplikat"))
            continue
        seen.add(row.id_tiket)
        statuses = {row.status.strip().lower(), row.status_akhir.strip().lower()}
        if not statuses & RESOLVED:
            result.skipped.append(Skipped(row.line, row.id_tiket, "tiket belum selesai"))
            continue
        question, q_counts = clean_body(row.message_awal, "question")
        answer, a_counts = clean_body(row.message_akhir, "answer")
        result.redactions.update(q_counts)
        result.redactions.update(a_counts)
        if len(normalize_text(question).split()) < 2:
            result.skipped.append(Skipped(row.line, row.id_tiket, "pertanyaan kosong setelah dibersihkan"))
            continue
        if not answer.strip():
            result.skipped.append(Skipped(row.line, row.id_tiket, "jawaban kosong setelah dibersihkan"))
            continue
        if len(answer.split()) < MIN_ANSWER_WORDS:
            result.skipped.append(Skipped(row.line, row.id_tiket, "jawaban terlalu pendek untuk dijadikan entry"))
            continue
        if looks_like_user_text(html_to_text(row.message_akhir), answer, question):
            result.skipped.append(Skipped(row.line, row.id_tiket, USER_TEXT_REASON))
            continue
        category, known = mapper.map(row.departemen, row.tim_agent)
        clean.append(CleanTicket(row.line, row.id_tiket, row.ref_tiket, row.tgl_tiket.strftime("%Y-%m-%d"),
                                 category, known, question, answer))
    result.tickets_used = len(clean)
    return result, clean


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _question_key(question: str) -> str:
    return " ".join(sorted(set(normalize_text(core_question(question)).split())))


def _attach_generic(tickets: list[CleanTicket], uf: _UnionFind, norm_q: dict[str, list[int]], generic: set[str],
                    similarity: float) -> None:
    """Join each question group answered only with templates to the one most similar question group that has
    a specific answer (one link each, so templates never chain unrelated problems together)."""
    from rapidfuzz import fuzz, process

    specific_roots = {uf.find(i) for group in norm_q.values() for i in group
                      if " ".join(tickets[i].answer.lower().split()) not in generic}
    lonely = [k for k in norm_q if uf.find(norm_q[k][0]) not in specific_roots]
    targets = [k for k in norm_q if uf.find(norm_q[k][0]) in specific_roots]
    if not lonely or not targets:
        return
    for key in lonely:
        hit = process.extractOne(key, targets, scorer=fuzz.token_sort_ratio, score_cutoff=similarity)
        if hit:
            uf.union(norm_q[key][0], norm_q[hit[0]][0])


def group_tickets(tickets: list[CleanTicket], similarity: float = QUESTION_SIMILARITY,
                  attach_similarity: float = ATTACH_SIMILARITY) -> list[list[int]]:
    """Groups of ticket positions: same category and (near-duplicate question or the same specific answer)."""
    import numpy as np
    from rapidfuzz import fuzz
    from rapidfuzz.process import cdist

    uf = _UnionFind(len(tickets))
    by_category: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(tickets):
        by_category[t.category].append(i)
    for members in by_category.values():
        # 1. question groups: identical keys, then near-duplicate keys
        norm_q: dict[str, list[int]] = defaultdict(list)
        for i in members:
            norm_q[_question_key(tickets[i].question)].append(i)
        for group in norm_q.values():
            for i in group[1:]:
                uf.union(group[0], i)
        keys = list(norm_q)
        if len(keys) > 1:
            scores = cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=similarity, dtype=np.uint8,
                           workers=1)
            rows, cols = np.nonzero(np.triu(scores, k=1))
            for r, c in zip(rows.tolist(), cols.tolist()):
                uf.union(norm_q[keys[r]][0], norm_q[keys[c]][0])
        # 2. identical answers (same template whatever the spacing) join their tickets unless generic
        by_answer: dict[str, list[int]] = defaultdict(list)
        for i in members:
            by_answer[" ".join(tickets[i].answer.lower().split())].append(i)
        answers_of_group: dict[int, set[str]] = defaultdict(set)
        for answer, group in by_answer.items():
            for i in group:
                answers_of_group[uf.find(i)].add(answer)
        generic: set[str] = set()
        lengths = sorted(len(answer.split()) for answer in by_answer)
        short = SHORT_ANSWER_RATIO * lengths[len(lengths) // 2]
        for answer, group in by_answer.items():
            others = set().union(*(answers_of_group[uf.find(i)] for i in group)) - {answer}
            if len(others) >= GENERIC_ANSWER_LINKS or len(answer.split()) < short:
                generic.add(answer)
                continue
            for i in group[1:]:
                uf.union(group[0], i)
        if generic:
            _attach_generic(tickets, uf, norm_q, generic, attach_similarity)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(tickets)):
        groups[uf.find(i)].append(i)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


# Lines of a question that only introduce the asker or their satker ("Saya [NAMA] dari satker 123456,",
# "Kode Satker | 123456"): useful to the agent on the ticket, noise in a knowledge-base question.
_INTRO_LINE = re.compile(r"(?i)^\s*(?:(?:saya|kami)\b[^?\n]{0,60}\b(?:satker|kppn|kanwil|satuan kerja)\b[^?\n]*"
                         r"|(?:saya|kami)\s+\[NAMA\][^?\n]*|kode\s+satker\b[^?\n]*|\[NAMA\][^?\n]*"
                         # live-chat and e-mail headers ("User: [NAMA]", "Unit Kerja: ...", "... menulis:")
                         r"|(?:user|pengguna|unit\s+kerja|from|dari|sent|dikirim|to|kepada|cc|subject|subjek|perihal)"
                         r"\s*:[^?\n]*|[^?\n]*\b(?:menulis|wrote)\s*:)$")


def core_question(text: str) -> str:
    """The question without introduction lines; the text as is when nothing else would remain."""
    kept = [line for line in text.split("\n") if line.strip() and not _INTRO_LINE.match(line)]
    return "\n".join(kept).strip() or text


def _typical_question(questions: list[str]) -> str:
    """The phrasing closest to all others (token-set similarity), shortest on ties; samples big groups."""
    from rapidfuzz import fuzz

    distinct = list(dict.fromkeys(questions))[:40]
    if len(distinct) == 1:
        return distinct[0]
    norm = [normalize_text(q) for q in distinct]
    best = max(range(len(distinct)), key=lambda i: (sum(fuzz.token_set_ratio(norm[i], n) for n in norm),
                                                     -len(distinct[i])))
    return distinct[best]


def build_candidates(tickets: list[CleanTicket], groups: list[list[int]]) -> list[Candidate]:
    out: list[Candidate] = []
    for number, group in enumerate(groups, start=1):
        members = [tickets[i] for i in group]
        phrasings = [core_question(t.question) for t in members]
        question = _typical_question(phrasings)
        answer = Counter(t.answer for t in members).most_common(1)[0][0]
        others, seen = [], {normalize_text(question)}
        for phrasing in phrasings:
            key = normalize_text(phrasing)
            if key not in seen and len(others) < MAX_TRAINING_QUESTIONS:
                seen.add(key)
                others.append(phrasing)
        dates = sorted(t.date for t in members)
        out.append(Candidate(
            id=f"kandidat-{number:04d}", category=members[0].category, category_known=members[0].category_known,
            question=question, answer=answer, training_questions=others,
            source_tickets=[t.ref_tiket for t in members][:MAX_SOURCES], ticket_count=len(members),
            first_seen=dates[0], last_seen=dates[-1]))
    return out


def ingest_export(path: str | Path, categories: dict[str, str] | None = None,
                  similarity: float = QUESTION_SIMILARITY) -> IngestResult:
    """Candidates and the skip report for the export at ``path``; ``categories`` maps known id -> title."""
    result, tickets = clean_tickets(path, categories or {})
    result.tickets = tickets
    result.candidates = build_candidates(tickets, group_tickets(tickets, similarity))
    return result


def write_candidates(result: IngestResult, out: str | Path, source: str) -> None:
    """Candidates (YAML, for review) and, beside them, the report of skipped and malformed rows."""
    from knowledge.store import dump_yaml, write_atomic

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"source": source, "note": "KANDIDAT untuk direview agen; belum masuk knowledge base. Data pribadi "
           "sudah disamarkan.", "counts": result.counts(), "candidates": [asdict(c) for c in result.candidates]}
    write_atomic(out, dump_yaml(doc))
    report = {"malformed_rows": [{"line": e.line, "reason": e.message} for e in result.row_errors],
              "skipped": [asdict(s) for s in result.skipped]}
    write_atomic(out.with_name(out.stem + ".report.yaml"), dump_yaml(report))
