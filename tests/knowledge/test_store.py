import pytest
import yaml

from knowledge import store
from knowledge.kb import Entry, KnowledgeBaseError, load_knowledge_base


def _entry(**kw):
    data = dict(id="gaji-003", question="Bagaimana mengajukan uang makan?", answer="Ajukan SPM uang makan.",
                training_questions=["uang makan pns", "cara ajukan uang makan", "spm uang makan gmn"],
                category="gaji")
    data.update(kw)
    return Entry(**data)


def test_upsert_adds_replaces_and_keeps_order(kb_dir):
    kb, old = store.upsert_entry(kb_dir, _entry())
    assert old is None and kb.get("gaji-003").answer == "Ajukan SPM uang makan."
    kb, old = store.upsert_entry(kb_dir, _entry(id="gaji-001", answer="Jawaban baru."))
    assert old.answer.startswith("Gaji susulan") and kb.get("gaji-001").answer == "Jawaban baru."
    ids = [e["id"] for e in yaml.safe_load((kb_dir / "gaji.yaml").read_text(encoding="utf-8"))["entries"]]
    assert ids == ["gaji-001", "gaji-002", "gaji-003"]


def test_upsert_moves_between_categories_and_creates_files(kb_dir):
    kb, _ = store.upsert_entry(kb_dir, _entry(id="gaji-002", category="dipa_revisi"))
    assert kb.get("gaji-002").category == "dipa_revisi" and len(kb.active()) == 6
    with pytest.raises(KnowledgeBaseError, match="category_title"):
        store.upsert_entry(kb_dir, _entry(category="baru"))
    kb, _ = store.upsert_entry(kb_dir, _entry(category="baru", category_title="Kategori Baru"))
    assert kb.categories["baru"].title == "Kategori Baru"


def test_retire_keeps_entry_in_file(kb_dir):
    kb, old = store.retire_entry(kb_dir, "dipa-002")
    assert old.active and kb.get("dipa-002").status == "retired" and len(kb.active()) == 5
    with pytest.raises(KnowledgeBaseError, match="tidak ditemukan"):
        store.retire_entry(kb_dir, "tidak-ada")


def test_rewrite_keeps_malformed_neighbours(kb_dir):
    path = kb_dir / "gaji.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["entries"].append({"id": "rusak-001", "question": "Q?"})  # no answer: not loaded, but must survive
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    store.upsert_entry(kb_dir, _entry())
    assert "rusak-001" in path.read_text(encoding="utf-8")


def test_failed_write_leaves_old_file(kb_dir, monkeypatch):
    path = kb_dir / "gaji.yaml"
    before = path.read_text(encoding="utf-8")

    def boom(*args, **kwargs):
        raise OSError("disk penuh")

    monkeypatch.setattr(store.os, "replace", boom)
    with pytest.raises(OSError):
        store.upsert_entry(kb_dir, _entry())
    assert path.read_text(encoding="utf-8") == before
    assert not [p for p in kb_dir.iterdir() if p.name.endswith(".tmp")]
    assert load_knowledge_base(kb_dir).get("gaji-003") is None
