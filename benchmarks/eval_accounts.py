"""Account-code suggestion: top-1/top-5 of char-TF-IDF, rapidfuzz, dense and hybrid on held-out noisy names,
and the time to validate an APBD file of 1,000,000 records.

    .venv/app/bin/python -m benchmarks.eval_accounts            # evaluate on the held-out TEST set
    .venv/app/bin/python -m benchmarks.eval_accounts --tune     # choose weights/threshold on the DEV set only

Noisy names come from ``benchmarks.accounts_noise`` (dev: seed 11, dev vocabulary; test: seed 20230, test
vocabulary), ``EVAL_NAMES`` per split drawn over the chart's top groups in APBD shares, with planted
old-nomenclature and filled template names; they are regenerated deterministically on every run and written
to ``analytics/eval/`` for inspection. Baselines are shown twice: on the raw
lower-cased text, and on the same normalised text the hybrid uses (the last line reports the normalised,
stronger baselines). Last line:

    accounts hybrid_top1=<..> hybrid_top5=<..> tfidf_top1=<..> rapidfuzz_top1=<..> validate_1m_seconds=<..>
        groups=<top groups covered by the reference> level6=<accounts in the reference>
(one line). Before it: hybrid top-1 per top group and per noise family.
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from analytics.accounts.reference import TOP_GROUPS, top_group
from analytics.accounts.suggest import DEFAULT_WEIGHTS, MIN_CONFIDENT_SCORE, MIN_COVERAGE, AccountSuggester
from benchmarks.accounts_noise import noisy_frame, noisy_names, synthetic_apbd
from analytics.accounts.validate import validate_apbd_file
from knowledge.normalize import fold

EVAL_DIR = Path(__file__).resolve().parent.parent / "analytics" / "eval"
SPLITS = {"dev": 11, "test": 20230}
EVAL_NAMES = 8000  # noisy names per split (plus 40 nonsense), over the top groups in APBD shares


def _mrr(scores: np.ndarray, truth: np.ndarray) -> float:
    """Mean reciprocal rank of the right account (the tie-break when top-1/top-5 are equal on dev)."""
    right = scores[np.arange(len(truth)), truth][:, None]
    return float(np.mean(1.0 / (1 + (scores > right).sum(axis=1))))


def _topk(scores: np.ndarray, truth: np.ndarray, k: int) -> float:
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float(np.mean([t in row for t, row in zip(truth, top)]))


def _raw_scores(sug: AccountSuggester, texts: list[str]) -> dict[str, np.ndarray]:
    from rapidfuzz import fuzz, process, utils

    from knowledge.lexical import CharNgramTfidf

    ref = [fold(a.name) for a in sug.reference.accounts]
    q = [fold(t) for t in texts]
    tfidf = CharNgramTfidf(ref).scores_many(q)
    fuzzy = (
        process.cdist(
            q, ref, scorer=fuzz.WRatio, processor=utils.default_process, dtype=np.float32, workers=-1
        )
        / 100
    )
    vecs = sug.embedder.encode(texts, batch_size=128)
    ref_vecs = sug.embedder.encode([a.name for a in sug.reference.accounts])
    return {"tfidf": tfidf, "fuzzy": fuzzy, "dense": vecs @ ref_vecs.T}


def _load_split(sug: AccountSuggester, split: str):
    names = noisy_names(sug.reference, split, SPLITS[split], total=EVAL_NAMES)
    frame = noisy_frame(names)
    EVAL_DIR.mkdir(parents=True, exist_ok=True)
    frame.to_csv(EVAL_DIR / f"accounts_noisy_{split}.csv", index=False)
    code_pos = {a.code: i for i, a in enumerate(sug.reference.accounts)}
    real = frame["kode_benar"] != ""
    texts = frame["nama"].tolist()
    truth = np.array([code_pos.get(c, -1) for c in frame["kode_benar"]])
    return texts, truth, real.to_numpy(), frame["jenis_derau"].tolist(), frame["kode_benar"].tolist()


SEED_QUERY, SEED_CODE = "Belanja Iuran Jaminan Asuransi", "5.1.01.01.09.0001"  # seed 001's worked example


def tune(sug: AccountSuggester) -> None:
    """Grid-search fusion weights on DEV (top-1, then top-5, then MRR), subject to the issue's requirement
    that seed 001's example keeps its answer in the top 3; then print the threshold trade-off."""
    texts, truth, real, _, _ = _load_split(sug, "dev")
    comps = sug.component_scores(texts)
    seed_comps = sug.component_scores([SEED_QUERY])
    seed_pos = [a.code for a in sug.reference.accounts].index(SEED_CODE)
    best = None
    for wd, wt in itertools.product(np.arange(0, 0.75, 0.05), np.arange(0, 1.01, 0.05)):
        wf = 1 - wd - wt
        if wf < -1e-9:
            continue
        sug.weights = {"dense": wd, "tfidf": wt, "fuzzy": max(wf, 0.0)}
        seed_scores = sug.fuse(seed_comps, [SEED_QUERY])[0]
        if (seed_scores > seed_scores[seed_pos]).sum() >= 3:
            continue
        fused = sug.fuse(comps, texts)
        key = (
            _topk(fused[real], truth[real], 1),
            _topk(fused[real], truth[real], 5),
            _mrr(fused[real], truth[real]),
        )
        if best is None or key > best[0]:
            best = (key, dict(sug.weights))
    sug.weights = best[1]
    print(
        f"dev best weights { ({k: round(v, 2) for k, v in best[1].items()}) }: top1={best[0][0]:.3f} "
        f"top5={best[0][1]:.3f} mrr={best[0][2]:.4f}"
    )
    firsts = [r[0] for r in sug.suggest_many(texts, k=1)]
    score = np.array([f.score for f in firsts])
    cover = np.array([f.components["coverage"] for f in firsts])
    # thresholds: reject as much dev nonsense as possible while accepting >= 99.5% of dev real names; among
    # equals take the most demanding pair (coverage first), since new nonsense sits closer to the boundary
    options = []
    for t in np.arange(0.40, 0.76, 0.025):
        for c in np.arange(0.0, 0.76, 0.05):
            ok = (score >= t) & (cover >= c)
            options.append((float(np.mean(ok[real])), float(np.mean(~ok[~real])), round(t, 3), round(c, 2)))
    feasible = [o for o in options if o[0] >= 0.995]
    acc, rej, t, c = max(feasible, key=lambda o: (o[1], o[3], o[2]))
    print(
        f"dev thresholds: MIN_CONFIDENT_SCORE={t} MIN_COVERAGE={c}: real accepted {acc:.3f}, "
        f"nonsense rejected {rej:.3f}"
    )


def _validate_1m(sug: AccountSuggester, n: int) -> tuple[float, str]:
    df = synthetic_apbd(sug.reference, n, seed=2021)
    with tempfile.TemporaryDirectory(prefix="eval_accounts_") as tmp:
        src = Path(tmp) / "apbd.csv"
        df.to_csv(src, index=False, sep=";")
        start = time.perf_counter()
        report = validate_apbd_file(src, suggester=sug, output=Path(tmp) / "hasil_validasi.xlsx")
        seconds = time.perf_counter() - start
    return seconds, (
        f"{report.n_records:,} records, {report.distinct_names_scored:,} distinct names scored\n"
        + report.summary_text()
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tune", action="store_true", help="search weights and threshold on the dev set only")
    ap.add_argument("--records", type=int, default=1_000_000)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    sug = AccountSuggester()
    _ = sug.index  # load or build the FAISS index (and the embedder) before timing anything
    print(
        f"reference: {sug.reference.describe()}; coverage {sug.reference.coverage}\n"
        f"  {sug.reference.source} ({len(sug.reference)} level-6 accounts), "
        f"model {sug.embedder.name}, ready in {time.perf_counter() - t0:.1f} s"
    )
    if args.tune:
        tune(sug)
        return 0

    texts, truth, real, families, codes = _load_split(sug, "test")
    print(
        f"held-out test set: {int(real.sum())} noisy names + {int((~real).sum())} nonsense "
        f"(weights {DEFAULT_WEIGHTS}, thresholds score {MIN_CONFIDENT_SCORE} "
        f"coverage {MIN_COVERAGE}, chosen on dev)"
    )
    comps = sug.component_scores(texts)
    fused = sug.fuse(comps, texts)
    raw = _raw_scores(sug, texts)
    rows = [
        ("char-TF-IDF (raw)", raw["tfidf"]),
        ("rapidfuzz WRatio (raw)", raw["fuzzy"]),
        ("dense (raw)", raw["dense"]),
        ("char-TF-IDF (normalised)", comps["tfidf"]),
        ("rapidfuzz WRatio (normalised)", comps["fuzzy"]),
        ("dense (normalised)", comps["dense"]),
        ("hybrid", fused),
    ]
    print(f"{'method':<32}{'top-1':>8}{'top-5':>8}")
    res = {}
    for name, scores in rows:
        res[name] = (_topk(scores[real], truth[real], 1), _topk(scores[real], truth[real], 5))
        print(f"{name:<32}{res[name][0]:>8.3f}{res[name][1]:>8.3f}")
    auto = sug.fuse(sug.component_scores(texts, dense="auto"), texts)
    print(
        f"{'hybrid, sentence model only when needed':<32}{_topk(auto[real], truth[real], 1):>8.3f}"
        f"{_topk(auto[real], truth[real], 5):>8.3f}   (what the validator uses)"
    )
    groups = np.array([top_group(c) for c in codes], dtype=object)
    print("hybrid top-1 / top-5 by top group of the right account:")
    for g in TOP_GROUPS:
        sel = real & (groups == g)
        if sel.any():
            print(f"  {g:<4}{TOP_GROUPS[g]:<24}{int(sel.sum()):>6} names  top-1 "
                  f"{_topk(fused[sel], truth[sel], 1):.3f}  top-5 {_topk(fused[sel], truth[sel], 5):.3f}")
    fams = np.array(families, dtype=object)
    print("hybrid top-1 by noise family (a name can have several):")
    for fam in sorted({f for fs in families for f in fs.split("+")} - {"nonsense"}):
        sel = real & np.array([fam in fs.split("+") for fs in fams])
        print(f"  {fam:<14}{int(sel.sum()):>5} names  top-1 {_topk(fused[sel], truth[sel], 1):.3f}")
    firsts = [r[0] for r in sug.suggest_many(texts, k=1)]
    ok = np.array([sug.is_confident(f) for f in firsts])
    print(
        f"no confident match: nonsense rejected {np.mean(~ok[~real]):.3f}, "
        f"real names wrongly rejected {np.mean(~ok[real]):.3f}"
    )
    ex = sug.suggest("Belanja Iuran Jaminan Asuransi", k=3)
    print(
        "'Belanja Iuran Jaminan Asuransi' -> " + "; ".join(f"{s.code} {s.name} ({s.score:.3f})" for s in ex)
    )

    seconds, text = _validate_1m(sug, args.records)
    print(
        f"validate {args.records:,} records (read CSV, check, write XLSX report): {seconds:.1f} s "
        f"on {os.cpu_count()} cores"
    )
    print(text)
    h1, h5 = res["hybrid"]
    print(
        f"accounts hybrid_top1={h1:.3f} hybrid_top5={h5:.3f} "
        f"tfidf_top1={res['char-TF-IDF (normalised)'][0]:.3f} "
        f"rapidfuzz_top1={res['rapidfuzz WRatio (normalised)'][0]:.3f} validate_1m_seconds={seconds:.1f} "
        f"groups={len(sug.reference.coverage)} level6={len(sug.reference)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
