"""The knowledge base's shared edit counter (knowledge/versions.py) in the app database (SQLite here)."""
from __future__ import annotations

import threading

from hai.settings import Settings
from knowledge.versions import KnowledgeVersions


def test_bumps_from_several_threads_are_all_counted_per_knowledge_base(tmp_path):
    settings = Settings(data_dir=tmp_path)
    one, other = KnowledgeVersions(settings, tmp_path / "kb"), KnowledgeVersions(settings, tmp_path / "kb2")
    assert one.current() == 0
    threads = [threading.Thread(target=lambda: [one.bump() for _ in range(5)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert one.current() == 20
    assert KnowledgeVersions(settings, tmp_path / "kb").current() == 20  # another process's view
    assert other.current() == 0 and other.bump() == 1
