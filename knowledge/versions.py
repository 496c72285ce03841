"""The knowledge base's edit counter in the app database, shared by every process that serves answers.

An edit (``KnowledgeSearch.upsert_entry`` / ``retire_entry``) writes the YAML files, then adds one to the
counter (:meth:`KnowledgeVersions.bump`); every other process looks at the counter every few seconds
(``KnowledgeSearch.follow_versions``) and reloads the knowledge base from its folder when the number grew.
One row per knowledge-base folder, so two knowledge bases on one database do not disturb each other.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from hai.db import session_factory
from hai.models import KnowledgeBaseVersion
from hai.settings import Settings


class KnowledgeVersions:
    def __init__(self, settings: Settings, kb_dir: str | Path | None = None) -> None:
        self._sessions = session_factory(settings)
        self.kb = str(Path(kb_dir or settings.kb_dir).resolve())[-255:]

    def current(self) -> int:
        """The number of edits recorded so far (0 before the first)."""
        with self._sessions() as db:
            value = db.scalar(select(KnowledgeBaseVersion.version).where(KnowledgeBaseVersion.kb == self.kb))
            return int(value or 0)

    def bump(self) -> int:
        """Record one more edit; returns the new number. Atomic across processes (one UPDATE)."""
        for _ in range(3):
            with self._sessions() as db:
                done = db.execute(update(KnowledgeBaseVersion).where(KnowledgeBaseVersion.kb == self.kb)
                                  .values(version=KnowledgeBaseVersion.version + 1)
                                  .returning(KnowledgeBaseVersion.version)).scalar()
                if done is not None:
                    db.commit()
                    return int(done)
                db.add(KnowledgeBaseVersion(kb=self.kb, version=1))
                try:
                    db.commit()
                    return 1
                except IntegrityError:  # another process inserted the row first: add to it
                    db.rollback()
        raise RuntimeError(f"versi basis pengetahuan {self.kb} tidak dapat dicatat")
