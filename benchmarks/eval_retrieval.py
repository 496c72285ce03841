"""Retrieval evaluation on the held-out questions: BM25, base dense, tuned dense, hybrid, ResponseSelector.

One run, side by side. Everything tunable was chosen before, on the dev split (``python -m knowledge
calibrate``; re-run here automatically when ``retrieval_params.json`` was chosen on another knowledge base):
the fusion weights, the confidence model and thresholds. The tuned model is tuned on all training questions
(cached under data_dir). ``knowledge/eval/heldout.yaml`` is only read, to score.

Systems: BM25 alone (entry questions as one document), dense alone with the base and with the tuned model
(best cosine of an entry's texts), the hybrid exactly as the service runs it (tuned model when tuning is
on), and Rasa's ResponseSelector trained on the same training questions (NLU-only model, trained with
.venv/rasa in a temporary project; its predictions are read with Rasa's Agent API in that venv).
Out-of-scope rejection: the hybrid hands off (confidence below the hand-off threshold); single rankers and
ResponseSelector reject when their top score is below the threshold noted in the table.

Run: ``python -m benchmarks.eval_retrieval`` (``--no-rasa`` skips the anchor and leaves its field out of the last
line, ``--no-tune`` the tuned model). Last line:
``retrieval hybrid_top1=<..> hybrid_top5=<..> bm25_top1=<..> dense_top1=<..> responseselector_top1=<..> oos_reject=<..>``
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hai.settings import get_settings
from knowledge.calibrate import calibrate, is_current, rank_questions
from knowledge.confidence import HANDOFF, PARAMS_FILE, load_params
from knowledge.devsplit import load_dev_oos
from knowledge.embeddings import get_embedder
from knowledge.evaluation import HELDOUT_FILE, SystemScore, load_heldout, score_system
from knowledge.kb import Entry, load_knowledge_base
from knowledge.retrieval import HybridRetriever
from knowledge.store import dump_yaml

ROOT = Path(__file__).resolve().parent.parent
RASA_BIN = ROOT / ".venv" / "rasa" / "bin"
RS_EPOCHS = 100  # Rasa's FAQ example configuration; the ResponseSelector default (300) triples the time
RS_THRESHOLD = 0.3  # confidence below which ResponseSelector's answer counts as a rejection (not tuned)
RASA_CONFIG = f"""recipe: default.v1
language: id
assistant_id: hai-eval-responseselector
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: ResponseSelector
    epochs: {RS_EPOCHS}
    constrain_similarities: true
    random_seed: 7
policies: []
"""
# Executed by .venv/rasa/bin/python: loads the trained model and prints rankings as JSON.
RASA_PREDICT = r"""
import asyncio, json, logging, sys
logging.disable(logging.WARNING)
from rasa.core.agent import Agent
model, questions_file, out_file = sys.argv[1:4]
agent = Agent.load(model)
questions = json.load(open(questions_file, encoding="utf-8"))
async def main():
    out = []
    for q in questions:
        parsed = await agent.parse_message(q)
        selector = (parsed.get("response_selector") or {}).get("default") or {}
        out.append([[r.get("intent_response_key", ""), float(r.get("confidence", 0.0))]
                    for r in selector.get("ranking", [])])
    json.dump(out, open(out_file, "w", encoding="utf-8"))
asyncio.run(main())
"""


def _rasa_project(entries: list[Entry], directory: Path) -> None:
    nlu = {"version": "3.1", "nlu": [{"intent": f"faq/{e.id}", "examples": "".join(
        f"- {t.replace(chr(10), ' ')}\n" for t in e.texts())} for e in entries]}
    domain = {"version": "3.1", "intents": ["faq"],
              "responses": {f"utter_faq/{e.id}": [{"text": e.answer}] for e in entries}}
    (directory / "data").mkdir(parents=True, exist_ok=True)
    (directory / "data" / "nlu.yml").write_text(dump_yaml(nlu), encoding="utf-8")
    (directory / "domain.yml").write_text(dump_yaml(domain), encoding="utf-8")
    (directory / "config.yml").write_text(RASA_CONFIG, encoding="utf-8")


def _run(cmd: list[str], cwd: Path, env: dict) -> None:
    """Run a Rasa command quietly; on failure show the end of its output (Rasa is very chatty)."""
    done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd[:3])} gagal (kode {done.returncode}):\n{done.stdout[-3000:]}")


def response_selector(entries: list[Entry], questions: list[str], cache_dir: Path) -> list[list[tuple[str, float]]]:
    """Train (or reuse the cached) NLU-only ResponseSelector model and rank ``questions`` with it."""
    key = hashlib.sha256((RASA_CONFIG + json.dumps([[e.id, e.texts()] for e in entries])).encode()).hexdigest()[:12]
    model = cache_dir / f"responseselector-{key}.tar.gz"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    with tempfile.TemporaryDirectory(prefix="hai-rs-") as tmp:
        tmp = Path(tmp)
        if not model.exists():
            _rasa_project(entries, tmp)
            started = time.time()
            print(f"melatih ResponseSelector ({RS_EPOCHS} epoch, {sum(len(e.texts()) for e in entries)} contoh)...",
                  flush=True)
            _run([str(RASA_BIN / "rasa"), "train", "nlu", "--config", "config.yml", "--nlu", "data",
                  "--domain", "domain.yml", "--out", str(cache_dir), "--fixed-model-name", model.name[:-7]], tmp, env)
            print(f"ResponseSelector dilatih dalam {time.time() - started:.0f} s", flush=True)
        (tmp / "q.json").write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
        (tmp / "predict.py").write_text(RASA_PREDICT, encoding="utf-8")
        _run([str(RASA_BIN / "python"), str(tmp / "predict.py"), str(model), str(tmp / "q.json"),
              str(tmp / "out.json")], tmp, env)
        raw = json.loads((tmp / "out.json").read_text(encoding="utf-8"))
    return [[(key.split("/", 1)[-1], conf) for key, conf in ranking] for ranking in raw]


def _single_ranker_threshold(retriever: HybridRetriever, by: str, target: float = 0.9) -> float:
    """Top-score threshold that rejects ``target`` of the dev out-of-scope questions (dev data only)."""
    tops = sorted(float(r.components[by].max()) for r in rank_questions(retriever, load_dev_oos()) if r is not None)
    return tops[min(len(tops) - 1, int(np.ceil(target * len(tops))) - 1)] + 1e-6 if tops else 0.0


def _draw(scores: list[SystemScore], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = ["top1", "top5", "mrr", "oos_reject"]
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(scores)
    for i, s in enumerate(scores):
        values = [getattr(s, m) or 0.0 for m in metrics]
        ax.bar(np.arange(len(metrics)) + i * width, values, width, label=s.name)
    ax.set_xticks(np.arange(len(metrics)) + 0.4 - width / 2, ["top-1", "top-5", "MRR", "tolak di luar cakupan"])
    ax.set_ylim(0, 1)
    ax.axhline(0.85, color="grey", lw=0.5, ls="--")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Retrieval HAI pada set held-out")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--heldout", type=Path, default=HELDOUT_FILE)
    parser.add_argument("--no-rasa", action="store_true", help="skip the ResponseSelector anchor")
    parser.add_argument("--no-tune", action="store_true", help="no tuned model: the hybrid uses the base model")
    parser.add_argument("--recalibrate", action="store_true", help="choose parameters on the dev split again")
    args = parser.parse_args(argv)
    settings = get_settings()
    started = time.time()
    kb = load_knowledge_base(settings.kb_dir)
    entries = kb.active()
    questions, problems = load_heldout(args.heldout, {e.id for e in entries})
    n_oos = sum(q.expected_id is None for q in questions)
    print(f"knowledge base: {len(entries)} entry; held-out: {len(questions)} pertanyaan ({n_oos} di luar cakupan)")
    for problem in problems:
        print(f"  held-out: {problem}")

    kinds = ("base",) if args.no_tune else ("base", "tuned")
    params = {k: load_params(k) for k in kinds}
    if args.recalibrate or not all(is_current(p.chosen_on, kb) for p in params.values()):
        print("parameter belum dipilih untuk knowledge base ini: kalibrasi pada dev split...", flush=True)
        calibrate(kb, settings.data_dir, settings.embedding_model, kinds)
        params = {k: load_params(k) for k in kinds}

    try:
        dev = json.loads(PARAMS_FILE.read_text(encoding="utf-8")).get("_dev_figures", {})
    except (OSError, ValueError):
        dev = {}
    for k in kinds:
        if k in dev:
            d = dev[k]
            print(f"dev split ({k}, dipakai memilih parameter): top1={d['top1']:.3f} top5={d['top5']:.3f} "
                  f"mrr={d['mrr']:.3f} n={d['n']} tolak_oos={d['oos_reject']:.3f} presisi={d['answer_precision']:.3f}")
    raw = [q.question for q in questions]
    retrievers = {"base": HybridRetriever.build(entries, get_embedder(settings.embedding_model), params["base"].weights)}
    if not args.no_tune:
        from knowledge.tuning import ensure_tuned

        tuned_path, _ = ensure_tuned(settings.data_dir, entries, settings.embedding_model)
        retrievers["tuned"] = HybridRetriever.build(entries, get_embedder(str(tuned_path)), params["tuned"].weights)
    rankings = {k: rank_questions(r, raw) for k, r in retrievers.items()}

    def ranked(kind: str, by: str) -> list[list[str]]:
        return [r.top_ids(by, 10) if r is not None else [] for r in rankings[kind]]

    def rejected_below(kind: str, by: str) -> tuple[list[bool], float]:
        threshold = _single_ranker_threshold(retrievers[kind], by)
        return [r is None or float(r.components[by].max()) < threshold for r in rankings[kind]], threshold

    scores: list[SystemScore] = []
    rej, t = rejected_below("base", "bm25_entry")
    scores.append(score_system("bm25", questions, ranked("base", "bm25_entry"), rej, f"tolak: skor < {t:.2f}"))
    rej, t = rejected_below("base", "dense")
    scores.append(score_system("dense (base)", questions, ranked("base", "dense"), rej, f"tolak: kosinus < {t:.2f}"))
    if "tuned" in rankings:
        rej, t = rejected_below("tuned", "dense")
        scores.append(score_system("dense (tuned)", questions, ranked("tuned", "dense"), rej,
                                   f"tolak: kosinus < {t:.2f}"))
    for kind in rankings:  # the service without and with tuning; the last one is "the hybrid"
        p = params[kind]
        hybrid_outcomes = [p.outcome(p.confidence(r)) if r is not None else HANDOFF for r in rankings[kind]]
        scores.append(score_system(f"hybrid ({kind})", questions, ranked(kind, "fused"),
                                   [o == HANDOFF for o in hybrid_outcomes],
                                   f"tolak: keyakinan < {p.handoff_threshold:.2f}; bobot " + ",".join(
                                       f"{k}={w:g}" for k, w in p.weights.items() if w)))
    hybrid = scores[-1]
    rs_score = None
    if not args.no_rasa:
        if (RASA_BIN / "rasa").exists():
            rs = response_selector(entries, raw, settings.data_dir / "eval")
            rs_score = score_system("responseselector", questions, [[k for k, _ in r] for r in rs],
                                    [not r or r[0][1] < RS_THRESHOLD for r in rs],
                                    f"tolak: keyakinan < {RS_THRESHOLD} (tidak dituning)")
            scores.append(rs_score)
        else:
            # The anchor is part of what this evaluation reports: without it, stop instead of printing a gap.
            print(f"eval-retrieval: ResponseSelector needs {RASA_BIN / 'rasa'}, which is missing; run it through "
                  "`make eval-retrieval` (which installs it), or pass --no-rasa to leave the anchor out.",
                  file=sys.stderr)
            return 2

    print(f"\n{'sistem':<24} {'top1':>6} {'top5':>6} {'MRR':>6} {'tolak':>6} {'salah':>6}  catatan "
          f"(n={hybrid.n_in} dalam cakupan, {hybrid.n_oos} di luar; tolak = di luar cakupan ditolak, "
          f"salah = dalam cakupan ikut ditolak)")
    for s in scores:
        print(s.row())
    in_scope = [o for o, q in zip(hybrid_outcomes, questions) if q.expected_id]
    print("\nhasil layanan (hybrid) untuk pertanyaan dalam cakupan: " + ", ".join(
        f"{o}={in_scope.count(o) / max(1, len(in_scope)):.2f}" for o in ("answer", "alternatives", "handoff")))
    correct_answers = sum(o == "answer" and r and r.top_ids("fused", 1)[0] == q.expected_id
                          for o, r, q in zip(hybrid_outcomes, rankings[kind], questions))
    answered = sum(o == "answer" for o in hybrid_outcomes)
    print(f"presisi jawaban langsung: {correct_answers / max(1, answered):.3f} ({answered} dijawab langsung)")
    print("top-1 hybrid per gaya: " + ", ".join(f"{k}={v:.2f}" for k, v in hybrid.by_style.items()))
    batches = sorted(hybrid.by_batch or {})
    if len(batches) > 1:  # a later addition to the held-out set is reported apart from what came before
        print("\ntop-1 per bagian set held-out: " + ", ".join(f"{b} n={hybrid.by_batch[b][1]}" for b in batches))
        for s in scores:
            print(f"  {s.name:<24} " + " ".join(f"{b}={s.by_batch[b][0]:.3f}" for b in batches if b in s.by_batch))
        for b in batches:
            picked = [o for o, q in zip(hybrid_outcomes, questions) if q.expected_id and q.batch == b]
            print(f"  hasil layanan (hybrid), {b}: " + ", ".join(
                f"{o}={picked.count(o) / max(1, len(picked)):.2f}" for o in ("answer", "alternatives", "handoff")))
    png = settings.data_dir / "eval" / "retrieval.png"
    _draw(scores, png)
    print(f"grafik: {png}  ({time.time() - started:.0f} s)")

    anchor = "" if rs_score is None else f"responseselector_top1={rs_score.top1:.3f} "  # None only with --no-rasa
    oos = "" if hybrid.oos_reject is None else f"oos_reject={hybrid.oos_reject:.3f}"
    print(f"retrieval hybrid_top1={hybrid.top1:.3f} hybrid_top5={hybrid.top5:.3f} bm25_top1={scores[0].top1:.3f} "
          f"dense_top1={scores[1].top1:.3f} {anchor}{oos}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
