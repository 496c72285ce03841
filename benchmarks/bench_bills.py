"""Bill-fairness benchmark: score about 1,000,000 synthetic bills with both methods, time them, and
measure precision/recall of "tidak wajar" against the injected anomalies.

The bills come from the synthetic generator (seed 2024; the robust method's constants were tuned on
seed 7 only). Each bill is judged against its own idpel's previous 6 months, as in the paper.
Run: ``python -m benchmarks.bench_bills [--rows N]``. Last line:
``bills rows=<n> seconds=<..> paper_precision=<..> paper_recall=<..> robust_precision=<..> robust_recall=<..>``
(seconds: the slower of the two methods, scoring only, data already in memory).
"""
from __future__ import annotations

import argparse
import os
import time

from analytics.bills.batch import evaluate_against_labels, score_bills_batch
from analytics.bills.synthetic import generate_bills_for_benchmark


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--repeat", type=int, default=3, help="timing: best of n runs")
    args = ap.parse_args(argv)

    t = time.perf_counter()
    bills = generate_bills_for_benchmark(args.rows, seed=args.seed)
    print(f"data sintetis: {len(bills):,} tagihan, {bills['idpel'].nunique():,} idpel, "
          f"{(bills['anomali'] != '').sum():,} anomali berlabel ({time.perf_counter() - t:.1f} s membuat); "
          f"{os.cpu_count()} core")
    results, seconds = {}, {}
    for method in ("paper", "robust"):
        best = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            scored = score_bills_batch(bills, method=method)
            best = min(best, time.perf_counter() - t)
        seconds[method] = best
        results[method] = evaluate_against_labels(scored, bills["anomali"], method)
    print(f"\n{'metode':8s} {'detik':>7s} {'ditandai':>9s} {'presisi':>8s} {'recall':>7s} {'F1':>6s} {'belum dinilai':>14s}")
    for m, e in results.items():
        print(f"{m:8s} {seconds[m]:7.2f} {e.flag_rate:9.1%} {e.precision:8.3f} {e.recall:7.3f} {e.f1:6.3f} {e.n_not_judged:14,d}")
    worst = max(seconds.values())
    p, r = results["paper"], results["robust"]
    print(f"target: <= 5 s untuk {len(bills):,} tagihan ({worst:.2f} s); F1 robust > paper ({r.f1:.3f} vs {p.f1:.3f})")
    print(f"bills rows={len(bills)} seconds={worst:.2f} paper_precision={p.precision:.3f} paper_recall={p.recall:.3f} "
          f"robust_precision={r.precision:.3f} robust_recall={r.recall:.3f}")


if __name__ == "__main__":
    main()
