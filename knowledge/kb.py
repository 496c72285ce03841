"""The curated knowledge base: one YAML file per category under ``knowledge/kb/`` (schema in kb/README.md).

``load_knowledge_base`` reads every file, keeps the entries that are well formed and records a ``Problem``
for everything else; ``validate_knowledge_base`` returns those problems (errors and warnings), each naming
the file and the entry, so a person can fix them. Errors: unreadable YAML, a category that does not match
its file name, unknown or missing fields, an id that is not ``[a-z0-9-]``, a duplicate id, an empty
question or answer, an unknown status. Warnings: fewer than 3 training questions, and a training question
that appears under two entries (retrieval cannot tell them apart).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from knowledge.normalize import normalize_text

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MIN_TRAINING_QUESTIONS = 3


class KnowledgeBaseError(ValueError):
    """The knowledge base (or one entry of it) cannot be used; the message says which and why."""


class Entry(BaseModel):
    """One canonical question with its answer. ``category``/``category_title`` come from the file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str
    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)
    training_questions: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    reference: str | None = None
    status: Literal["active", "retired"] = "active"
    category: str = ""
    category_title: str = ""

    @field_validator("id")
    @classmethod
    def _id_format(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(f"id harus huruf kecil, angka dan '-': {value!r}")
        return value

    @field_validator("training_questions", "keywords", mode="before")
    @classmethod
    def _list_of_text(cls, value):
        if value is None:
            return []
        if not isinstance(value, list):
            raise ValueError("harus berupa daftar (list)")
        return [str(v).strip() for v in value if str(v).strip()]

    @property
    def active(self) -> bool:
        return self.status == "active"

    def texts(self) -> list[str]:
        """What retrieval matches against: the canonical question and every training question, de-duplicated."""
        seen: dict[str, None] = {}
        for text in [self.question, *self.training_questions]:
            key = text.strip()
            if key and key not in seen:
                seen[key] = None
        return list(seen)

    def to_yaml_dict(self) -> dict:
        """The entry as it is written in its category file (without the category fields)."""
        data = {"id": self.id, "question": self.question, "answer": self.answer,
                "training_questions": list(self.training_questions), "keywords": list(self.keywords)}
        if self.reference:
            data["reference"] = self.reference
        if self.status != "active":
            data["status"] = self.status
        return data


@dataclass(frozen=True)
class Problem:
    """Something wrong in the knowledge base, located precisely enough to fix."""

    file: str
    entry: str  # entry id, or "#<position>" when the id itself is missing/bad, or "" for the file
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.file}" + (f" [{self.entry}]" if self.entry else "")
        return f"{self.severity.upper()}: {where}: {self.message}"


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    file: Path


@dataclass
class KnowledgeBase:
    """Entries (active and retired) by id, categories by id, and the problems met while loading."""

    directory: Path
    categories: dict[str, Category] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def active(self) -> list[Entry]:
        """Active entries in a stable order (by id)."""
        return [e for _, e in sorted(self.entries.items()) if e.active]

    def get(self, entry_id: str) -> Entry | None:
        return self.entries.get(entry_id)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def fingerprint(self) -> str:
        """Hash of every active entry's content: changes whenever anything an answer depends on changes."""
        h = hashlib.sha256()
        for entry in self.active():
            h.update(json.dumps(entry.model_dump(), sort_keys=True, ensure_ascii=False).encode("utf-8"))
        return h.hexdigest()[:16]


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "entry"
        msg = "kolom tidak dikenal" if err["type"] == "extra_forbidden" else err["msg"]
        if err["type"] == "missing":
            msg = "wajib diisi"
        if err["type"] == "string_too_short":
            msg = "tidak boleh kosong"
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)


def _load_file(path: Path, kb: KnowledgeBase, seen_ids: dict[str, str]) -> None:
    name = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        kb.problems.append(Problem(name, "", f"YAML tidak dapat dibaca: {exc}"))
        return
    if not isinstance(data, dict):
        kb.problems.append(Problem(name, "", "isi file harus berupa mapping dengan category, title, entries"))
        return
    category_id = str(data.get("category") or "").strip()
    title = str(data.get("title") or "").strip()
    if category_id != path.stem:
        kb.problems.append(Problem(name, "", f"category {category_id!r} harus sama dengan nama file {path.stem!r}"))
        category_id = path.stem
    if not title:
        kb.problems.append(Problem(name, "", "title kosong"))
        title = category_id
    unknown = set(data) - {"category", "title", "entries"}
    if unknown:
        kb.problems.append(Problem(name, "", f"kolom tidak dikenal di tingkat file: {sorted(unknown)}"))
    kb.categories[category_id] = Category(category_id, title, path)
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list):
        kb.problems.append(Problem(name, "", "entries harus berupa daftar"))
        return
    for position, raw in enumerate(raw_entries, start=1):
        label = f"#{position}"
        if not isinstance(raw, dict):
            kb.problems.append(Problem(name, label, "entry harus berupa mapping"))
            continue
        if isinstance(raw.get("id"), str) and raw["id"].strip():
            label = raw["id"].strip()
        try:
            entry = Entry(**raw, category=category_id, category_title=title)
        except ValidationError as exc:
            kb.problems.append(Problem(name, label, _describe(exc)))
            continue
        except TypeError as exc:  # e.g. a key that is not a string
            kb.problems.append(Problem(name, label, f"entry tidak valid: {exc}"))
            continue
        if entry.id in seen_ids:
            kb.problems.append(Problem(name, entry.id, f"id duplikat: sudah dipakai di {seen_ids[entry.id]}"))
            continue
        seen_ids[entry.id] = name
        if entry.active and len(entry.training_questions) < MIN_TRAINING_QUESTIONS:
            kb.problems.append(Problem(
                name, entry.id,
                f"training_questions hanya {len(entry.training_questions)}, minimal {MIN_TRAINING_QUESTIONS}",
                "warning"))
        kb.entries[entry.id] = entry


def _cross_entry_checks(kb: KnowledgeBase) -> None:
    owner: dict[str, str] = {}
    for entry in kb.active():
        for text in entry.texts():
            key = normalize_text(text)
            other = owner.setdefault(key, entry.id)
            if other != entry.id:
                kb.problems.append(Problem(
                    kb.categories[entry.category].file.name, entry.id,
                    f"pertanyaan {text!r} juga ada di entry {other}", "warning"))


def load_knowledge_base(directory: str | Path, strict: bool = False) -> KnowledgeBase:
    """Read every ``*.yaml`` under ``directory``. Malformed entries are left out and listed in ``problems``;
    with ``strict`` any error raises ``KnowledgeBaseError`` listing them all."""
    directory = Path(directory)
    kb = KnowledgeBase(directory)
    if not directory.is_dir():
        raise KnowledgeBaseError(f"folder knowledge base tidak ditemukan: {directory}")
    seen_ids: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        _load_file(path, kb, seen_ids)
    _cross_entry_checks(kb)
    if strict and kb.errors:
        raise KnowledgeBaseError("knowledge base tidak valid:\n" + "\n".join(str(p) for p in kb.errors))
    return kb


def validate_knowledge_base(directory: str | Path) -> list[Problem]:
    """Every problem in the knowledge base at ``directory`` (errors first), empty when it is clean."""
    try:
        kb = load_knowledge_base(directory)
    except KnowledgeBaseError as exc:
        return [Problem(str(directory), "", str(exc))]
    problems = list(kb.problems)
    if not kb.active():
        problems.append(Problem(str(directory), "", "tidak ada entry aktif"))
    return sorted(problems, key=lambda p: (p.severity != "error", p.file, p.entry))
