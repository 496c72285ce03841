import random

from knowledge.embeddings import get_embedder
from knowledge.kb import load_knowledge_base
from knowledge.search import KnowledgeSearch, current_tuned_model
from knowledge.tuning import TuningConfig, _batches, ensure_tuned, set_current, training_pairs


def test_pairs_and_batches_never_put_one_entry_twice_in_a_batch(kb_dir):
    entries = load_knowledge_base(kb_dir).active()
    rng = random.Random(1)
    pairs = training_pairs(entries, rng, siblings=True)
    assert len(pairs) == 6 * 3 * 2 and all(a != p for a, p, _ in pairs)
    for batch in _batches(pairs, 4, rng):
        assert len({entry for _, _, entry in batch}) == len(batch) <= 4


def test_tuned_model_is_cached_and_used_when_recorded(kb_dir, tmp_path, embedder):
    entries = load_knowledge_base(kb_dir).active()
    config = TuningConfig(epochs=1, batch_size=8)
    path, fresh = ensure_tuned(tmp_path, entries, config=config, show_progress=False)
    assert fresh and (path / "config.json").exists() and (path / "hai_tuning.json").exists()
    assert ensure_tuned(tmp_path, entries, config=config, show_progress=False) == (path, False)
    tuned = get_embedder(str(path))
    vectors = tuned.encode(["cara revisi dipa gmn?", "Bagaimana cara mengajukan revisi DIPA?"])
    assert vectors.shape == (2, 384) and float(vectors[0] @ vectors[1]) > 0.5

    assert current_tuned_model(tmp_path, "bundled") is None
    set_current(tmp_path, path, "bundled")
    assert current_tuned_model(tmp_path, "bundled") == path.resolve()
    service = KnowledgeSearch(kb_dir, tmp_path / "index", "bundled", tuned="auto", data_dir=tmp_path)
    assert service.model_kind == "tuned" and service.model_spec == str(path.resolve())
    assert KnowledgeSearch(kb_dir, tmp_path / "i2", "bundled", tuned="off", data_dir=tmp_path).model_kind == "base"
