import yaml

from knowledge.kb import Entry, load_knowledge_base, validate_knowledge_base


def test_fixture_kb_loads_clean(kb_dir):
    kb = load_knowledge_base(kb_dir)
    assert len(kb.active()) == 6 and set(kb.categories) == {"sakti_komitmen", "dipa_revisi", "gaji"}
    entry = kb.get("dipa-001")
    assert entry.category == "dipa_revisi" and entry.category_title == "DIPA dan Revisi DIPA"
    assert entry.texts()[0] == entry.question and len(entry.texts()) == 4
    assert validate_knowledge_base(kb_dir) == []


def _write(path, doc):
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def test_validator_names_each_bad_entry(kb_dir):
    good = {"question": "Q?", "answer": "A.", "training_questions": ["a", "b", "c"]}
    _write(kb_dir / "rusak.yaml", {"category": "rusak", "title": "Rusak", "entries": [
        {"id": "dipa-001", **good},                                  # duplicate id (in dipa_revisi.yaml)
        {"id": "kosong-001", "question": "Q?", "answer": "  ", "training_questions": ["a", "b", "c"]},
        {"id": "Bad ID", **good},
        {"id": "typo-001", "anwser": "x", "question": "Q?"},
        {"question": "tanpa id", "answer": "A."},
        "bukan mapping",
        {"id": "sedikit-001", "question": "Q?", "answer": "A.", "training_questions": ["a"]},
        {"id": "status-001", **good, "status": "draft"},
    ]})
    _write(kb_dir / "salah_nama.yaml", {"category": "lain", "title": "", "entries": []})
    (kb_dir / "pecah.yaml").write_text("category: pecah\nentries: [\n", encoding="utf-8")
    problems = validate_knowledge_base(kb_dir)
    text = "\n".join(map(str, problems))
    assert "[dipa-001]: id duplikat" in text
    assert "[kosong-001]: answer: tidak boleh kosong" in text
    assert "[Bad ID]" in text and "id harus huruf kecil" in text
    assert "[typo-001]" in text and "anwser: kolom tidak dikenal" in text and "answer: wajib diisi" in text
    assert "rusak.yaml [#5]: id: wajib diisi" in text
    assert "rusak.yaml [#6]: entry harus berupa mapping" in text
    assert "WARNING: rusak.yaml [sedikit-001]: training_questions hanya 1" in text
    assert "[status-001]" in text
    assert "salah_nama.yaml: category 'lain' harus sama dengan nama file 'salah_nama'" in text
    assert "pecah.yaml: YAML tidak dapat dibaca" in text
    assert problems[0].severity == "error" and problems[-1].severity == "warning"
    kb = load_knowledge_base(kb_dir)  # the bad entries are left out, the good ones still load
    assert "kosong-001" not in kb.entries and kb.get("sedikit-001") is not None and len(kb.active()) == 7


def test_entry_model_rejects_empty_answer():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Entry(id="x-1", question="Q?", answer="")


def test_fingerprint_changes_with_content(kb_dir):
    before = load_knowledge_base(kb_dir).fingerprint()
    path = kb_dir / "gaji.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("SPM tersendiri", "SPM khusus"), encoding="utf-8")
    assert load_knowledge_base(kb_dir).fingerprint() != before
