import json

import numpy as np

from knowledge.embeddings import _plain_pipeline, resolve_model_path


def _model_dir(tmp_path, types, pooling):
    (tmp_path / "1_Pooling").mkdir(parents=True)
    modules = [{"idx": i, "name": str(i), "path": ["", "1_Pooling", "2_Dense"][i], "type": t} for i, t in enumerate(types)]
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    return tmp_path


def test_plain_pipeline_detection(tmp_path):
    from pathlib import Path

    assert _plain_pipeline(Path(resolve_model_path("bundled")))
    new_style = ["sentence_transformers.base.modules.transformer.Transformer",
                 "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
                 "sentence_transformers.base.modules.normalize.Normalize"]
    assert _plain_pipeline(_model_dir(tmp_path / "a", new_style, {"pooling_mode": "mean"}))
    assert not _plain_pipeline(_model_dir(tmp_path / "b", new_style, {"pooling_mode": "cls"}))
    old_style = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
                 "sentence_transformers.models.Dense"]
    assert not _plain_pipeline(_model_dir(tmp_path / "c", old_style, {"pooling_mode_mean_tokens": True}))
    assert not _plain_pipeline(tmp_path / "missing")


def test_bundled_vectors_are_unit_length_and_meaningful(embedder):
    vectors = embedder.encode(["Bagaimana cara mengajukan revisi DIPA?", "cara revisi dipa gimana",
                               "resep rendang padang"])
    assert vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert embedder.encode([]).shape == (0, 384)


def test_repeated_questions_come_from_a_bounded_cache(embedder, monkeypatch):
    monkeypatch.setattr(embedder, "query_cache_size", 2)
    hits, misses = embedder.cache_hits, embedder.cache_misses
    first = embedder.encode_query("cara reset password sakti")
    again = embedder.encode_query("cara reset password sakti")
    assert again is first and (embedder.cache_hits, embedder.cache_misses) == (hits + 1, misses + 1)
    assert np.allclose(first, embedder.encode(["cara reset password sakti"]), atol=1e-6)
    assert not first.flags.writeable  # shared between callers: nobody may change it
    for text in ("sp2d belum cair", "revisi dipa", "lpj bendahara"):
        embedder.encode_query(text)
    assert len(embedder._query_cache) == 2 and "cara reset password sakti" not in embedder._query_cache


def test_onnx_runtime_gives_the_pytorch_vectors(tmp_path, monkeypatch):
    from knowledge.embeddings import Embedder

    monkeypatch.setenv("HAI_ONNX_CACHE_DIR", str(tmp_path / "onnx"))
    texts = ["bagaimana cara mengajukan revisi DIPA ke kanwil?", "sp2d belum cair", "x"]
    monkeypatch.setenv("HAI_EMBEDDING_BACKEND", "torch")
    torch_emb = Embedder("bundled")
    reference = torch_emb.encode(texts)
    monkeypatch.setenv("HAI_EMBEDDING_BACKEND", "onnx")
    onnx_emb = Embedder("bundled")
    got = onnx_emb.encode(texts)
    assert (torch_emb.backend, onnx_emb.backend) == ("torch", "onnx")
    assert got.shape == reference.shape and np.allclose((got * reference).sum(axis=1), 1.0, atol=1e-5)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    exports = list((tmp_path / "onnx").rglob("*.onnx"))
    assert len(exports) == 1  # made once, then reused
    assert np.allclose(Embedder("bundled").encode(texts), got, atol=1e-6)
    assert len(list((tmp_path / "onnx").rglob("*.onnx"))) == 1
    chosen = Embedder("bundled", use_backend="torch")  # one embedder's own choice beats the setting
    assert np.allclose(chosen.encode(texts), reference, atol=1e-6) and chosen.backend == "torch"


def test_without_onnx_runtime_the_model_still_loads_with_pytorch(tmp_path, monkeypatch):
    import knowledge.embeddings as embeddings

    monkeypatch.setenv("HAI_EMBEDDING_BACKEND", "onnx")

    def broken(_path):
        raise RuntimeError("onnxruntime missing")

    monkeypatch.setattr(embeddings, "_OnnxEncoder", broken)
    emb = embeddings.Embedder("bundled")
    assert emb.encode(["halo"]).shape == (1, 384) and emb.backend == "torch"
