"""Editing the knowledge base from the agent console: browse, add, edit, retire, each served at once.

Every change is checked here first (``check_draft``) and only a valid entry reaches
``KnowledgeSearch.upsert_entry`` / ``retire_entry``, which write the YAML and swap the index in one step. A
rejected edit therefore changes neither the files nor the served index. The checks are the knowledge base's
own (``knowledge.kb.Entry``) plus what only matters for text typed by a person: no personal data (it would
reach the index and every answer), sensible lengths, an existing category or a title for a new one.
"""
from __future__ import annotations

import re

from pydantic import BaseModel, Field, ValidationError

from knowledge.kb import ID_PATTERN, MIN_TRAINING_QUESTIONS, Entry, KnowledgeBase
from knowledge.normalize import normalize_text
from knowledge.redact import redact

MAX_QUESTION_CHARS = 500
MAX_ANSWER_CHARS = 5000
MAX_LIST_ITEMS = 30
_FIELD_NAMES = {"id": "id", "question": "pertanyaan", "answer": "jawaban", "training_questions": "variasi pertanyaan",
                "keywords": "kata kunci", "reference": "rujukan", "category": "kategori"}


class EditRejected(ValueError):
    """The edit cannot be saved; ``message`` (Indonesian) says what to change."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EntryNotFound(LookupError):
    def __init__(self, entry_id: str) -> None:
        super().__init__(f"entri {entry_id!r} tidak ditemukan di basis pengetahuan")
        self.entry_id = entry_id


class EntryDraft(BaseModel):
    """What an agent fills in. ``id`` may be left empty on a new entry (one is suggested from the category)."""

    id: str = ""
    category: str = Field("", description="Id kategori (nama file), mis. dipa_revisi")
    category_title: str = Field("", description="Judul kategori; wajib hanya untuk kategori baru")
    question: str = ""
    answer: str = ""
    training_questions: list[str] = []
    keywords: list[str] = []
    reference: str = ""


def _has_personal_data(text: str) -> bool:
    return redact(text) != text


def suggest_id(kb: KnowledgeBase, category: str) -> str:
    """``<category-with-dashes>-<next number>``, e.g. ``dipa-revisi-014``, not used by any entry yet."""
    stem = re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-") or "entri"
    numbers = [int(m.group(1)) for i in kb.entries if (m := re.fullmatch(rf"{re.escape(stem)}-(\d+)", i))]
    number = max(numbers, default=0) + 1
    while f"{stem}-{number:03d}" in kb.entries:
        number += 1
    return f"{stem}-{number:03d}"


def check_draft(draft: EntryDraft, kb: KnowledgeBase, *, editing: str | None = None) -> Entry:
    """The entry ``draft`` describes, valid for ``kb``; ``EditRejected`` naming every problem otherwise.

    ``editing``: the id of the entry being changed (None for a new entry, whose id must be unused)."""
    problems: list[str] = []
    category = draft.category.strip()
    entry_id = (editing or draft.id).strip()
    if not category:
        problems.append("kategori wajib diisi")
    elif category not in kb.categories and not draft.category_title.strip():
        problems.append(f"kategori {category!r} belum ada; isi judul kategori untuk membuatnya")
    if editing is None:
        entry_id = entry_id or (suggest_id(kb, category) if category else "")
        if entry_id in kb.entries:
            problems.append(f"id {entry_id!r} sudah dipakai entri lain")
    if entry_id and not ID_PATTERN.match(entry_id):
        problems.append(f"id hanya boleh huruf kecil, angka dan '-': {entry_id!r}")
    question, answer = draft.question.strip(), draft.answer.strip()
    if len(normalize_text(question).split()) < 2:
        problems.append("pertanyaan wajib diisi (paling sedikit dua kata)")
    if len(question) > MAX_QUESTION_CHARS:
        problems.append(f"pertanyaan terlalu panjang (paling banyak {MAX_QUESTION_CHARS} karakter)")
    if not answer:
        problems.append("jawaban wajib diisi")
    if len(answer) > MAX_ANSWER_CHARS:
        problems.append(f"jawaban terlalu panjang (paling banyak {MAX_ANSWER_CHARS} karakter)")
    variants = [t.strip() for t in draft.training_questions if t.strip()]
    keywords = [k.strip() for k in draft.keywords if k.strip()]
    if len(variants) > MAX_LIST_ITEMS or len(keywords) > MAX_LIST_ITEMS:
        problems.append(f"variasi pertanyaan dan kata kunci masing-masing paling banyak {MAX_LIST_ITEMS}")
    if any(len(t) > MAX_QUESTION_CHARS for t in variants):
        problems.append(f"variasi pertanyaan terlalu panjang (paling banyak {MAX_QUESTION_CHARS} karakter)")
    typed = {"pertanyaan": [question], "jawaban": [answer], "variasi pertanyaan": variants,
             "kata kunci": keywords, "rujukan": [draft.reference]}
    for label, texts in typed.items():
        if any(_has_personal_data(t) for t in texts):
            problems.append(f"{label} memuat data pribadi (nama, NIP, NIK, e-mail, telepon atau rekening); "
                            "hapus atau samarkan dulu")
    if problems:
        raise EditRejected("Entri tidak disimpan: " + "; ".join(problems) + ".")
    try:
        return Entry(id=entry_id, question=question, answer=answer, training_questions=variants,
                     keywords=keywords, reference=draft.reference.strip() or None, category=category,
                     category_title=kb.categories[category].title if category in kb.categories
                     else draft.category_title.strip())
    except ValidationError as exc:  # rules of Entry not covered above: name the field in Indonesian
        fields = sorted({_FIELD_NAMES.get(str(e["loc"][0]), str(e["loc"][0])) for e in exc.errors() if e["loc"]})
        raise EditRejected(f"Entri tidak disimpan: isian tidak valid ({', '.join(fields) or 'entri'}).") from exc


def draft_warnings(entry: Entry) -> list[str]:
    """What is allowed but weakens retrieval (shown to the agent after saving)."""
    if len(entry.training_questions) < MIN_TRAINING_QUESTIONS:
        return [f"baru {len(entry.training_questions)} variasi pertanyaan; {MIN_TRAINING_QUESTIONS} atau lebih "
                "membantu asisten mengenali cara orang bertanya"]
    return []


class KnowledgeEditor:
    """The console's view of one ``KnowledgeSearch`` (the instance that serves answers)."""

    def __init__(self, search) -> None:
        self.search = search

    @property
    def kb(self) -> KnowledgeBase:
        return self.search.knowledge_base

    def browse(self, query: str = "", category: str = "", include_retired: bool = False,
               limit: int = 50) -> tuple[int, list[Entry]]:
        """(number matching, the first ``limit``) entries whose id, question, variants, answer or keywords
        contain every word of ``query`` (case and accents folded), ordered by id."""
        words = normalize_text(query).split()
        found = []
        for entry_id, entry in sorted(self.kb.entries.items()):
            if (not include_retired and not entry.active) or (category and entry.category != category):
                continue
            haystack = normalize_text(" ".join([entry_id, entry.question, entry.answer,
                                                *entry.training_questions, *entry.keywords]))
            if all(w in haystack for w in words):
                found.append(entry)
        return len(found), found[:limit]

    def get(self, entry_id: str) -> Entry:
        entry = self.kb.get(entry_id)
        if entry is None:
            raise EntryNotFound(entry_id)
        return entry

    def create(self, draft: EntryDraft) -> Entry:
        return self.search.upsert_entry(check_draft(draft, self.kb))

    def update(self, entry_id: str, draft: EntryDraft) -> Entry:
        """Replace the entry's content (a retired entry edited this way is served again)."""
        self.get(entry_id)
        return self.search.upsert_entry(check_draft(draft, self.kb, editing=entry_id))

    def retire(self, entry_id: str) -> Entry:
        self.get(entry_id)
        self.search.retire_entry(entry_id)
        return self.get(entry_id)
