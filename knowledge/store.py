"""Writing entries back to the YAML knowledge base, atomically.

A change rewrites one category file: the new content goes to a temporary file in the same folder, is
flushed to disk and renamed over the old one, so a crash leaves either the old or the new file, never half
of one. A process-wide lock plus an advisory file lock keep two writers (API workers) from interleaving.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import yaml

from knowledge.kb import Entry, KnowledgeBase, KnowledgeBaseError, load_knowledge_base

_lock = threading.Lock()


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line strings as ``|`` blocks, so answers stay readable in review."""


def _str_representer(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _str_representer)


@contextmanager
def _locked(directory: Path):
    with _lock:
        directory.mkdir(parents=True, exist_ok=True)
        # the lock file lives outside the knowledge base, which is versioned
        key = hashlib.sha1(str(directory.resolve()).encode("utf-8")).hexdigest()[:12]
        with open(Path(tempfile.gettempdir()) / f"hai-kb-{key}.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so readers see the old or the new content, never a partial file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _raw_file(path: Path, category: str, title: str) -> dict:
    """The file's data as written (malformed entries included: a rewrite must not lose them)."""
    if not path.exists():
        return {"category": category, "title": title, "entries": []}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("entries", []), list):
        raise KnowledgeBaseError(f"{path.name} rusak; perbaiki dulu sebelum mengubah entry di dalamnya")
    data.setdefault("entries", [])
    return data


def _replace(data: dict, entry_id: str, new: dict | None) -> dict:
    """Put ``new`` where the entry with ``entry_id`` was (or at the end); ``None`` removes it."""
    entries, placed = [], False
    for raw in data.get("entries") or []:
        if isinstance(raw, dict) and str(raw.get("id", "")).strip() == entry_id:
            if new is not None and not placed:
                entries.append(new)
                placed = True
            continue
        entries.append(raw)
    if new is not None and not placed:
        entries.append(new)
    return {**data, "entries": entries}


def dump_yaml(data) -> str:
    """YAML as people read it: keys in the given order, unicode as is, multi-line text as ``|`` blocks."""
    return yaml.dump(data, Dumper=_LiteralDumper, allow_unicode=True, sort_keys=False, width=110)


def _write(path: Path, data: dict) -> None:
    write_atomic(path, dump_yaml(data))


def upsert_entry(directory: str | Path, entry: Entry) -> tuple[KnowledgeBase, Entry | None]:
    """Add ``entry`` or replace the entry with the same id; returns the new knowledge base and the old entry.

    ``entry.category`` names the file; a new category needs ``entry.category_title``. Moving an entry to
    another category rewrites both files (the new one first, so the entry is never lost).
    """
    directory = Path(directory)
    entry = Entry.model_validate(entry.model_dump())  # re-validate: callers may have built it loosely
    if not entry.category:
        raise KnowledgeBaseError(f"entry {entry.id}: kategori wajib diisi")
    with _locked(directory):
        kb = load_knowledge_base(directory)
        old = kb.get(entry.id)
        if entry.category in kb.categories:
            title = kb.categories[entry.category].title
        elif entry.category_title:
            title = entry.category_title
        else:
            raise KnowledgeBaseError(
                f"entry {entry.id}: kategori {entry.category!r} belum ada; isi category_title untuk membuatnya")
        path = directory / f"{entry.category}.yaml"
        _write(path, _replace(_raw_file(path, entry.category, title), entry.id, entry.to_yaml_dict()))
        if old is not None and old.category != entry.category:
            old_path = kb.categories[old.category].file
            _write(old_path, _replace(_raw_file(old_path, old.category, ""), entry.id, None))
        return load_knowledge_base(directory), old


def retire_entry(directory: str | Path, entry_id: str) -> tuple[KnowledgeBase, Entry]:
    """Mark the entry ``retired`` (kept in its file for history, no longer served)."""
    directory = Path(directory)
    with _locked(directory):
        kb = load_knowledge_base(directory)
        old = kb.get(entry_id)
        if old is None:
            raise KnowledgeBaseError(f"entry tidak ditemukan: {entry_id!r}")
        path = kb.categories[old.category].file
        retired = old.model_copy(update={"status": "retired"}).to_yaml_dict()
        _write(path, _replace(_raw_file(path, old.category, ""), entry_id, retired))
        return load_knowledge_base(directory), old
