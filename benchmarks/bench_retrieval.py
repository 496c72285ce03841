"""Retrieval speed and memory: query latency, index build for 10,000 entries, resident memory when loaded.

- Query: ``KnowledgeSearch.ask`` on the real knowledge base (embedding included), torch limited to 2
  threads, 300 questions made from the training questions with chat spellings and typos (seed 11).
  Baselines in the same run: embedding alone (the floor), and rank-bm25's BM25Okapi against the project's
  sparse BM25 on the same documents.
- Build: 10,000 synthetic entries (one canonical question each, varied from the real ones) embedded and
  indexed with a progress bar, saved with its manifest; texts per second are printed so a knowledge base
  with more texts per entry can be extrapolated.
- Memory: a fresh process loads the model and the persisted index and answers one question; its peak RSS.

Run: ``python -m benchmarks.bench_retrieval``. Last line:
``bench retrieval query_p95_ms=<..> build_10k_s=<..> rss_mb=<..> bm25_speedup=<x>``
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hai.settings import get_settings

RSS_PROBE = r"""
import json, sys, time
started = time.time()
from knowledge.search import KnowledgeSearch
service = KnowledgeSearch(sys.argv[1], sys.argv[2], sys.argv[3], tuned=sys.argv[4]).ensure_ready()
result = service.ask("bagaimana cara revisi dipa di sakti?")
# VmHWM, not ru_maxrss: on Linux ru_maxrss survives fork+exec and would report the parent's peak
status = {l.split(":")[0]: l.split()[1] for l in open("/proc/self/status") if l.startswith(("VmHWM", "VmRSS"))}
rss, current = int(status["VmHWM"]) / 1024, int(status["VmRSS"]) / 1024
print(json.dumps({"peak_mb": rss, "current_mb": current, "load_s": time.time() - started,
                  "embedded": service._state.retriever.embedded, "outcome": result.outcome}))
"""


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    arr = np.asarray(values) * 1000
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95)), float(np.percentile(arr, 99))


def _questions(entries, n: int, seed: int) -> list[str]:
    from knowledge.synth import _vary

    rng = random.Random(seed)
    texts = [t for e in entries for t in e.training_questions]
    return [_vary(rng.choice(texts), rng) for _ in range(n)]


def bench_queries(service, questions: list[str]) -> dict:
    embedder = service._embedder
    for q in questions[:10]:  # warm up
        service.ask(q)
    ask_times, embed_times = [], []
    for q in questions:
        t = time.perf_counter()
        service.ask(q)
        ask_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        embedder.encode([q])
        embed_times.append(time.perf_counter() - t)
    return {"ask": _percentiles(ask_times), "embed": _percentiles(embed_times), "ask_raw": ask_times}


def bench_bm25(service, questions: list[str]) -> dict:
    from rank_bm25 import BM25Okapi

    from knowledge.normalize import tokens

    retriever = service._state.retriever
    docs = [tokens(" ".join(e.texts() + e.keywords)) for e in retriever.entries]
    queries = [tokens(q) for q in questions]
    ours = retriever.bm25_entry
    baseline = BM25Okapi(docs)
    t = time.perf_counter()
    for q in queries:
        ours.scores(q)
    ours_s = (time.perf_counter() - t) / len(queries)
    t = time.perf_counter()
    for q in queries:
        baseline.get_scores(q)
    base_s = (time.perf_counter() - t) / len(queries)
    return {"ours_ms": ours_s * 1000, "rank_bm25_ms": base_s * 1000, "speedup": base_s / max(ours_s, 1e-9)}


def bench_build(entries, embedder, n: int, out_dir: Path) -> dict:
    from knowledge.index import IndexManifest
    from knowledge.kb import Entry
    from knowledge.retrieval import HybridRetriever, indexed_texts, texts_hash
    from knowledge.synth import _vary

    rng = random.Random(5)
    synthetic = []
    for i in range(n):
        base = entries[i % len(entries)]
        synthetic.append(Entry(id=f"sintetis-{i:05d}", category=base.category, category_title=base.category_title,
                               question=f"{_vary(rng.choice(base.texts()), rng)} (varian {i})", answer=base.answer,
                               training_questions=[]))
    started = time.perf_counter()
    retriever = HybridRetriever.build(synthetic, embedder, show_progress=True)
    retriever.index.save(out_dir, IndexManifest(embedder.name, embedder.dimension,
                                                texts_hash(indexed_texts(synthetic)), len(synthetic)))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "texts": len(retriever.index), "texts_per_s": len(retriever.index) / seconds}


def probe_rss(kb_dir: Path, index_dir: Path, model: str, tuned: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, "-c", RSS_PROBE, str(kb_dir), str(index_dir), model, tuned],
                          capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _draw(ask_raw: list[float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.hist(np.asarray(ask_raw) * 1000, bins=40, color="#1f77b4")
    ax.axvline(30, color="red", ls="--", lw=1, label="target p95 30 ms")
    ax.set_xlabel("waktu per pertanyaan (ms, termasuk embedding)")
    ax.set_ylabel("jumlah")
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--build-entries", type=int, default=10_000)
    parser.add_argument("--tuned", default="off", help='"off" (default, the bundled model), "auto" or a path')
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(2)
    from knowledge.search import KnowledgeSearch

    settings = get_settings()
    print(f"mesin: {os.cpu_count()} core, torch {torch.get_num_threads()} thread, "
          f"beban rata-rata {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="hai-bench-retrieval-") as tmp:
        tmp = Path(tmp)
        service = KnowledgeSearch(settings.kb_dir, tmp / "index", settings.embedding_model, tuned=args.tuned,
                                  data_dir=settings.data_dir).ensure_ready(show_progress=True)
        entries = service.knowledge_base.active()
        questions = _questions(entries, args.queries, seed=11)
        q = bench_queries(service, questions)
        b = bench_bm25(service, questions)
        print(f"pertanyaan ({len(questions)}, {len(entries)} entry, {len(service._state.retriever.index)} vektor): "
              f"p50={q['ask'][0]:.1f} ms p95={q['ask'][1]:.1f} ms p99={q['ask'][2]:.1f} ms")
        print(f"  baseline embedding saja: p50={q['embed'][0]:.1f} ms p95={q['embed'][1]:.1f} ms "
              f"(retrieval menambah {q['ask'][1] - q['embed'][1]:.1f} ms di p95)")
        print(f"  BM25 per pertanyaan: proyek {b['ours_ms']:.3f} ms, rank-bm25 {b['rank_bm25_ms']:.3f} ms "
              f"({b['speedup']:.0f}x lebih cepat)")
        rss = probe_rss(settings.kb_dir, tmp / "index", settings.embedding_model, args.tuned)
        print(f"memori proses baru (model + indeks + 1 pertanyaan): puncak {rss['peak_mb']:.0f} MB, "
              f"sekarang {rss['current_mb']:.0f} MB, dimuat dalam {rss['load_s']:.1f} s "
              f"(embed ulang: {rss['embedded']})")
        build = bench_build(entries, service._embedder, args.build_entries, tmp / "index10k")
        print(f"bangun indeks {args.build_entries} entry ({build['texts']} teks): {build['seconds']:.1f} s "
              f"({build['texts_per_s']:.0f} teks/s)")
    png = settings.data_dir / "bench" / "retrieval_latency.png"
    _draw(q["ask_raw"], png)
    print(f"grafik: {png}")
    print(f"bench retrieval query_p95_ms={q['ask'][1]:.1f} build_10k_s={build['seconds']:.1f} "
          f"rss_mb={rss['peak_mb']:.0f} bm25_speedup={b['speedup']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
