"""HTTP API benchmark: the API under uvicorn (a subprocess on a free port), measured from asyncio clients.

1. ``POST /api/v1/ask`` in two serving configurations, one after the other in the same run, each with
   ``--clients`` concurrent clients (20) for ``--seconds`` (60) and the same question sequence: a third of
   the requests repeat one of 50 popular questions (as a helpdesk hears them), the rest are the knowledge
   base's training questions, each with a courtesy phrase that makes every such request a new text. The
   old configuration is PyTorch without a question cache (``HAI_EMBEDDING_BACKEND=torch``,
   ``HAI_QUERY_CACHE_SIZE=0``); the new one is the default (ONNX Runtime and the cache). ``top1_delta``:
   top-1 on the held-out set (knowledge/eval/heldout.yaml, in-scope questions) with the ONNX encoder
   minus with PyTorch, in points. Baseline ``GET /api/v1/health/live`` with the same clients in the same
   run (``--health-seconds``), against the new configuration.
2. A 10,000-row bill export (``--rows``, SAKTI columns, from the synthetic sample repository) uploaded to
   ``POST /api/v1/bills/batch``; baseline: the same work in process (``load_bill_export`` +
   ``score_bills_batch`` with reasons). Best of ``--repeat``.

The server gets its own temporary data folder (the served index is copied in, so nothing is rebuilt), a
fresh caller key, and no rate limit (the clients would otherwise hit it by design).
Run: ``python -m benchmarks.bench_api``. Last lines:
``api ask_p50_ms=.. ask_p95_ms=.. health_p95_ms=.. ask_to_health_p95_ratio=.. errors=..``,
``api bills_batch_10k_s=.. core_10k_s=.. overhead_ratio=..`` and
``api ask_per_s_base=.. ask_per_s=.. ask_p95_ms_base=.. ask_p95_ms=.. top1_delta=.. errors=..``.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from testkit.stack import free_port

ROOT = Path(__file__).resolve().parent.parent


def _questions(kb_dir: Path) -> list[str]:
    from knowledge.kb import load_knowledge_base

    texts = [q for e in load_knowledge_base(kb_dir).active() for q in (e.question, *e.training_questions)]
    rng = np.random.default_rng(7)
    return [texts[i] for i in rng.permutation(len(texts))]


POPULAR = 50  # questions a helpdesk hears again and again
COURTESY = ["", "mohon info, ", "permisi, ", "maaf mau tanya, ", "halo admin, ", "izin bertanya, ",
            "selamat pagi, ", "tolong dibantu, "]
CLOSING = ["", " terima kasih", " mohon pencerahannya"]


def question_mix(questions: list[str]):
    """Request ``i``'s question: every third one of the ``POPULAR`` first questions (a repeat), the others
    the rest in turn, each round with another courtesy phrase, so they are new texts for a long time."""
    popular, rest = questions[:POPULAR], questions[POPULAR:]
    variants = [(a, b) for b in CLOSING for a in COURTESY]

    def body(i: int) -> dict:
        if i % 3 == 0:
            return {"question": popular[(i // 3) % len(popular)]}
        j = i - i // 3 - 1
        head, tail = variants[(j // len(rest)) % len(variants)]
        return {"question": f"{head}{rest[j % len(rest)]}{tail}"}

    return body


def heldout_top1_delta(settings) -> tuple[float, float, float]:
    """(top-1 with ONNX Runtime, top-1 with PyTorch, difference in points) over the held-out in-scope
    questions, with the served model and its retrieval weights."""
    from knowledge.calibrate import rank_questions
    from knowledge.embeddings import Embedder
    from knowledge.evaluation import load_heldout
    from knowledge.kb import load_knowledge_base
    from knowledge.retrieval import HybridRetriever
    from knowledge.search import KnowledgeSearch

    search = KnowledgeSearch.from_settings(settings)
    entries = load_knowledge_base(settings.kb_dir).active()
    questions, _ = load_heldout(known_ids={e.id for e in entries})
    scoped = [q for q in questions if q.expected_id]
    top1 = {}
    for backend in ("onnx", "torch"):
        embedder = Embedder(search.model_spec, use_backend=backend)
        retriever = HybridRetriever.build(entries, embedder, search.params.weights)
        ranked = rank_questions(retriever, [q.question for q in scoped])
        top1[backend] = float(np.mean([r is not None and r.top_ids("fused", 1)[0] == q.expected_id
                                       for r, q in zip(ranked, scoped)]))
        print(f"held-out top-1 ({embedder.backend}, {search.model_kind} model): {top1[backend]:.3f} "
              f"({len(scoped)} questions)", flush=True)
    return top1["onnx"], top1["torch"], 100.0 * (top1["onnx"] - top1["torch"])


async def _load(url: str, key: str, seconds: float, clients: int, body_for=None) -> tuple[list[float], int, int]:
    """Each client sends requests back to back until time is up; returns latencies (ms), errors, requests."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    counter = itertools.count()

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                if body_for is None:
                    resp = await http.get(url)
                else:
                    resp = await http.post(url, json=body_for(next(counter)))
                ok = resp.status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - started) * 1000)
            errors += not ok

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(headers={"X-API-Key": key}, timeout=60, limits=limits) as http:
        progress = asyncio.create_task(_progress(latencies, seconds))
        await asyncio.gather(*(client(http) for _ in range(clients)))
        progress.cancel()
    return latencies, errors, len(latencies)


async def _progress(latencies: list, seconds: float) -> None:
    started = time.perf_counter()
    while True:
        await asyncio.sleep(10)
        print(f"  ... {time.perf_counter() - started:4.0f}/{seconds:.0f} s, {len(latencies):,} permintaan", flush=True)


def _bill_export(rows: int) -> bytes:
    """The first ``rows`` bills of the synthetic sample repository in the SAKTI export's columns."""
    from analytics.bills.repository import BillRepository

    bills = BillRepository.sample().bills.head(rows)
    out = bills.rename(columns={"kode_satker": "KODE_SATKER", "idpel": "NO_PELANGGAN",
                                "nilai_tagihan": "NILAI_TAGIHAN"})[["KODE_SATKER", "NO_PELANGGAN", "NILAI_TAGIHAN"]]
    out.insert(2, "PERIODE_TAGIHAN", bills["periode"].dt.strftime("%Y%m"))
    out["sintetis"] = 1
    return out.to_csv(index=False).encode()


def _core_batch(data: bytes) -> float:
    from analytics.bills.batch import score_bills_batch
    from analytics.bills.io import load_bill_export

    started = time.perf_counter()
    score_bills_batch(load_bill_export(data).frame, with_reason=True)
    return time.perf_counter() - started


def _start_server(data_dir: Path, port: int, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**os.environ, "HAI_DATA_DIR": str(data_dir), "HAI_API_PORT": str(port), "HAI_RATE_LIMIT_PER_MINUTE": "0",
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "PYTHONPATH": str(ROOT), **(extra_env or {})}
    return subprocess.Popen([sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port",
                             str(port), "--log-level", "warning"], cwd=ROOT, env=env)


def _wait_ready(base: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server API berhenti (kode {proc.returncode})")
        try:
            if httpx.get(f"{base}/api/v1/health/live", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("server API tidak siap dalam 60 detik")


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0, help="duration of the /ask load")
    ap.add_argument("--health-seconds", type=float, default=20.0, help="duration of the health baseline")
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    from api.keys import create_key
    from hai.settings import Settings, get_settings

    source = get_settings()
    with tempfile.TemporaryDirectory(prefix="hai-bench-api-") as tmp:
        data_dir = Path(tmp) / "data"
        if source.index_dir.exists():  # the served index: the server loads it instead of embedding again
            shutil.copytree(source.index_dir, data_dir / "index")
        settings = Settings(data_dir=data_dir)
        _, key = create_key("benchmark", "caller", settings)
        questions = _questions(settings.kb_dir)
        body_for = question_mix(questions)
        headers = {"X-API-Key": key}

        def serve(extra_env: dict[str, str] | None):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            proc = _start_server(data_dir, port, extra_env)
            _wait_ready(base, proc)
            t = time.perf_counter()
            warm = httpx.post(f"{base}/api/v1/ask", json={"question": "apa itu SAKTI?"}, headers=headers, timeout=300)
            print(f"pemanasan /ask: HTTP {warm.status_code} dalam {time.perf_counter() - t:.1f} s "
                  f"({len(questions)} pertanyaan, sepertiga berulang; {os.cpu_count()} core)", flush=True)
            return base, proc

        def stop(proc: subprocess.Popen) -> None:
            proc.terminate()
            proc.wait(timeout=20)

        # the old serving configuration first: PyTorch, every question embedded again
        print(f"konfigurasi lama (PyTorch, tanpa cache): POST /api/v1/ask, {args.clients} klien, "
              f"{args.seconds:.0f} s", flush=True)
        base, proc = serve({"HAI_EMBEDDING_BACKEND": "torch", "HAI_QUERY_CACHE_SIZE": "0"})
        try:
            ask_base, ask_base_err, n_ask_base = asyncio.run(
                _load(f"{base}/api/v1/ask", key, args.seconds, args.clients, body_for))
        finally:
            stop(proc)

        base, proc = serve(None)
        try:
            print(f"baseline GET /api/v1/health/live: {args.clients} klien, {args.health_seconds:.0f} s", flush=True)
            health, health_err, _ = asyncio.run(_load(f"{base}/api/v1/health/live", key, args.health_seconds,
                                                      args.clients))
            print(f"konfigurasi baru (ONNX Runtime + cache): POST /api/v1/ask, {args.clients} klien, "
                  f"{args.seconds:.0f} s", flush=True)
            ask, ask_err, n_ask = asyncio.run(_load(f"{base}/api/v1/ask", key, args.seconds, args.clients,
                                                    body_for))

            export = _bill_export(args.rows)
            n_rows = export.count(b"\n") - 1
            core = min(_core_batch(export) for _ in range(args.repeat))
            api_times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                r = httpx.post(f"{base}/api/v1/bills/batch", headers=headers, timeout=300,
                               files={"file": ("tagihan.csv", export, "text/csv")})
                api_times.append(time.perf_counter() - t)
                if r.status_code != 200 or r.json()["n_judged"] != n_rows:
                    raise SystemExit(f"unggahan tagihan gagal: HTTP {r.status_code} {r.text[:200]}")
            api_batch = min(api_times)
        finally:
            stop(proc)
        _, _, top1_delta = heldout_top1_delta(settings)

    a50, a95, h50, h95 = _pct(ask, 50), _pct(ask, 95), _pct(health, 50), _pct(health, 95)
    print(f"\n{'rute':28s} {'permintaan':>10s} {'per detik':>10s} {'p50 ms':>8s} {'p95 ms':>8s} {'galat':>6s}")
    print(f"{'GET /api/v1/health/live':28s} {len(health):10,d} {len(health) / args.health_seconds:10.1f} "
          f"{h50:8.1f} {h95:8.1f} {health_err:6d}")
    b50, b95 = _pct(ask_base, 50), _pct(ask_base, 95)
    print(f"{'POST /api/v1/ask (lama)':28s} {n_ask_base:10,d} {n_ask_base / args.seconds:10.1f} {b50:8.1f} "
          f"{b95:8.1f} {ask_base_err:6d}")
    print(f"{'POST /api/v1/ask':28s} {n_ask:10,d} {n_ask / args.seconds:10.1f} {a50:8.1f} {a95:8.1f} {ask_err:6d}")
    print(f"unggahan {n_rows:,} baris tagihan ({len(export) / 1e6:.2f} MB): API {api_batch:.2f} s, "
          f"inti (muat + nilai + alasan) {core:.2f} s")
    print(f"api ask_p50_ms={a50:.1f} ask_p95_ms={a95:.1f} health_p95_ms={h95:.1f} "
          f"ask_to_health_p95_ratio={a95 / h95:.1f} errors={ask_err + health_err}")
    print(f"api bills_batch_10k_s={api_batch:.2f} core_10k_s={core:.2f} overhead_ratio={api_batch / core:.2f}")
    print(f"api ask_per_s_base={n_ask_base / args.seconds:.1f} ask_per_s={n_ask / args.seconds:.1f} "
          f"ask_p95_ms_base={b95:.1f} ask_p95_ms={a95:.1f} top1_delta={top1_delta:+.2f} "
          f"errors={ask_base_err + ask_err}")


if __name__ == "__main__":
    main()
