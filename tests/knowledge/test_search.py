"""The service end to end on the fixture knowledge base with the bundled model (loaded once per session)."""
import json
import threading

import pytest
import yaml

from knowledge import store
from knowledge.confidence import RetrievalParams
from knowledge.index import VectorIndex
from knowledge.kb import Entry, load_knowledge_base
from knowledge.retrieval import prepare_for_embedding
from knowledge.search import KnowledgeSearch

PARAMS = RetrievalParams()  # defaults: the tests do not depend on retrieval_params.json


def _service(kb_dir, index_dir, **kw):
    return KnowledgeSearch(kb_dir, index_dir, tuned="off", params=PARAMS, **kw)


@pytest.fixture
def service(kb_dir, tmp_path, embedder):
    return _service(kb_dir, tmp_path / "index").ensure_ready()


def test_answers_paraphrases_and_hands_off_out_of_scope(service):
    result = service.ask("Selamat pagi, gmn cara revisi dipa ya? NIP saya 198501012010011001")
    assert result.outcome == "answer" and result.entry.id == "dipa-001"
    assert result.entry.reference == "PMK Nomor 62 Tahun 2023" and result.sources[0].entry_id == "dipa-001"
    assert "198501012010011001" not in result.question and result.confidence > 0.6
    assert service.ask("supplier belum ada di sakti").entry.id == "komitmen-001"
    off = service.ask("resep rendang padang yang enak")
    assert off.outcome == "handoff" and off.entry is None and off.message


@pytest.mark.parametrize("question,outcome", [("", "empty"), ("   ", "empty"), ("a", "empty"), ("?!", "empty"),
                                              ("Terima kasih", "empty"), ("x" * 20_000, "too_long"),
                                              (None, "empty")])
def test_odd_questions_get_a_clear_outcome(service, question, outcome):
    result = service.ask(question)
    assert result.outcome == outcome and result.entry is None and result.message


def test_persisted_index_is_reused_then_refused_when_stale(kb_dir, tmp_path, embedder, monkeypatch):
    index_dir = tmp_path / "index"
    first = _service(kb_dir, index_dir).ensure_ready()
    assert first._state.retriever.embedded == 24
    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert manifest["model"].startswith("bundled:") and manifest["dimension"] == 384

    again = _service(kb_dir, index_dir).ensure_ready()  # same model, same knowledge base: loaded, not embedded
    assert again._state.retriever.embedded == 0 and again.manifest == first.manifest

    # an older knowledge base: one entry gained a question -> refused, rebuilt, only the new text embedded
    path = kb_dir / "gaji.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["entries"][1]["training_questions"].append("tunjangan hari raya cair tanggal berapa")
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    changed = _service(kb_dir, index_dir).ensure_ready()
    assert changed._state.retriever.embedded == 1 and changed.manifest.content_hash != first.manifest.content_hash

    # an index built with another model -> refused and rebuilt from scratch
    manifest = json.loads((index_dir / "manifest.json").read_text())
    manifest["model"] = "sentence-transformers/model-lain"
    (index_dir / "manifest.json").write_text(json.dumps(manifest))
    rebuilt = _service(kb_dir, index_dir).ensure_ready()
    assert rebuilt._state.retriever.embedded == 25
    assert json.loads((index_dir / "manifest.json").read_text())["model"].startswith("bundled:")


def test_live_upsert_and_retire_embed_only_the_change(service, kb_dir, embedder, monkeypatch):
    calls = []
    real = embedder.encode
    monkeypatch.setattr(embedder, "encode", lambda texts, **kw: calls.append(list(texts)) or real(texts, **kw))
    new = Entry(id="gaji-003", category="gaji", question="Bagaimana mengajukan uang lembur pegawai?",
                answer="Uang lembur diajukan dengan SPM LS berdasarkan surat perintah lembur dan daftar hadir.",
                training_questions=["cara bayar lembur pns", "spm uang lembur gmn", "lembur pegawai dibayar pakai apa"])
    service.upsert_entry(new)
    # only the new entry's four texts were embedded
    assert calls == [[prepare_for_embedding(t) for t in new.texts()]]
    assert service.ask("lembur pegawai cara bayarnya?").entry.id == "gaji-003"
    assert load_knowledge_base(kb_dir).get("gaji-003") is not None

    calls.clear()
    service.upsert_entry(new.model_copy(update={"answer": "Jawaban yang diperbarui untuk uang lembur pegawai."}))
    assert calls == []  # an answer edit needs no embedding
    assert service.ask("spm uang lembur gmn").entry.answer.startswith("Jawaban yang diperbarui")

    calls.clear()
    service.retire_entry("gaji-003")
    assert calls == []  # retiring needs no embedding
    assert "gaji-003" not in [c.id for c in service.ask("uang lembur pegawai").candidates]
    reloaded = _service(kb_dir, service.index_dir).ensure_ready()  # the saved index matches the new KB
    assert reloaded._state.retriever.embedded == 0


def test_failure_mid_update_leaves_previous_index_serving(service, kb_dir, embedder, monkeypatch):
    before = service.ask("cara revisi dipa gmn?")
    yaml_before = (kb_dir / "dipa_revisi.yaml").read_text(encoding="utf-8")

    def broken(texts, **kw):
        raise RuntimeError("model mati di tengah jalan")

    monkeypatch.setattr(embedder, "encode", broken)
    changed = Entry(id="dipa-001", category="dipa_revisi", question="Pertanyaan baru tentang revisi?",
                    answer="Jawaban baru.", training_questions=["a b", "c d", "e f"])
    with pytest.raises(RuntimeError):
        service.upsert_entry(changed)
    monkeypatch.undo()
    assert (kb_dir / "dipa_revisi.yaml").read_text(encoding="utf-8") == yaml_before
    after = service.ask("cara revisi dipa gmn?")
    assert after.entry.id == before.entry.id and after.entry.answer == before.entry.answer

    # the save of the new index fails: the index on disk is the previous one and still loads
    monkeypatch.setattr(VectorIndex, "save", lambda *a, **k: (_ for _ in ()).throw(OSError("disk penuh")))
    with pytest.raises(OSError):
        service.retire_entry("dipa-002")
    monkeypatch.undo()
    index, manifest = VectorIndex.load(service.index_dir)
    assert manifest.count == 6 and len(index) == 24
    # on restart the knowledge base (dipa-002 retired) no longer matches: the index is refreshed
    restarted = _service(kb_dir, service.index_dir).ensure_ready()
    assert restarted.manifest.count == 5 and restarted._state.retriever.embedded == 0


def test_concurrent_questions_during_updates(service):
    errors, results = [], []

    def ask_many():
        try:
            for _ in range(10):
                results.append(service.ask("pagu minus itu apa?").entry.id)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=ask_many) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(3):
        service.upsert_entry(Entry(id=f"tambah-{i}", category="gaji", question=f"Pertanyaan tambahan nomor {i}?",
                                   answer="Jawaban.", training_questions=["x y", "y z", "z w"]))
    for t in threads:
        t.join()
    assert not errors and set(results) == {"dipa-002"} and len(results) == 30


def test_store_changes_outside_service_are_picked_up_by_rebuild(service, kb_dir):
    store.retire_entry(kb_dir, "gaji-002")
    assert service.rebuild() == 0
    assert all(e.id != "gaji-002" for e in service.knowledge_base.active())
    assert "gaji-002" not in [c.id for c in service.ask("thr pns kapan cair").candidates]


def test_empty_knowledge_base_hands_off(tmp_path, embedder):
    (tmp_path / "kb").mkdir()
    service = _service(tmp_path / "kb", tmp_path / "index").ensure_ready()
    assert service.ask("cara revisi dipa").outcome == "handoff"
    assert service.ask("").outcome == "empty"
