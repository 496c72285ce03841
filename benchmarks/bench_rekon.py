"""Reconciliation risk: Weka J48 vs the project's C4.5 vs the calibrated booster, on the same 10 folds.

    .venv/app/bin/python -m benchmarks.bench_rekon [--rows 13782] [--seed 2015] [--folds 10]

Data: the deterministic SYNTHETIC satker-months (``analytics.rekon.synthetic``), or ``--data export.csv``.
Weka: Debian's package (``apt-get install weka``, 3.6.14) run as ``J48 -C 0.25 -M 2`` on each fold's
train/test ARFF; `make bench-rekon` installs it (scripts/ensure_deb.sh); without it this script stops
with a message and exit status 2 instead of printing a half comparison. The last line:

    rekon model_auc=<..> model_kappa=<..> j48_auc=<..> j48_kappa=<..>

Target (issue 5): model AUC >= J48 AUC + 0.05 and model kappa >= J48 kappa.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.rekon_cv import BUILTIN_MODELS, cross_validate_rekon, rekon_folds
from analytics.rekon.io import load_rekon_export
from analytics.rekon.schema import LABEL_COLUMN, SELISIH, to_paper_attributes
from analytics.rekon.synthetic import generate_rekon_dataset
from benchmarks.rekon_c45 import leaf_majority
from benchmarks.rekon_weka import J48_OPTIONS, find_weka, run_j48_fold, write_arff

PAPER = {"accuracy": 0.78, "kappa": 0.22, "roc_auc": 0.71, "tp_rate_selisih": 0.21}  # model M8, Table 9


def _j48_model(weka, workdir: Path):
    counter = {"fold": 0}

    def fold(train, test):
        counter["fold"] += 1
        tr = workdir / f"fold{counter['fold']:02d}_train.arff"
        te = workdir / f"fold{counter['fold']:02d}_test.arff"
        write_arff(to_paper_attributes(train), train[LABEL_COLUMN], tr)
        write_arff(to_paper_attributes(test), test[LABEL_COLUMN], te)
        prob = run_j48_fold(weka, tr, te, len(test))
        return prob, leaf_majority(prob)

    return fold


def _plot(result, path: Path, y) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_curve

    fig, ax = plt.subplots(figsize=(5.5, 5))
    for name, prob in result.probabilities.items():
        fpr, tpr, _ = roc_curve(y, prob)
        ax.plot(fpr, tpr, label=f"{name} (AUC {result.metrics[name].roc_auc:.3f})")
    ax.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax.set(
        xlabel="FP rate (OK dianggap SELISIH)",
        ylabel="TP rate SELISIH",
        title="Risiko selisih rekonsiliasi: ROC, 10-fold CV",
    )
    ax.legend(loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=13_782)
    ap.add_argument("--seed", type=int, default=2015, help="generator seed of the synthetic data")
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--fold-seed", type=int, default=1)
    ap.add_argument("--data", type=Path, help="a labelled export (CSV/XLSX) instead of synthetic data")
    ap.add_argument("--weka-jar", type=Path, default=None)
    ap.add_argument("--plot", type=Path, default=Path("artifacts/bench_rekon_roc.png"))
    args = ap.parse_args(argv)

    if args.data:
        loaded = load_rekon_export(args.data, require_label=True)
        frame = loaded.frame
        print(f"data: {args.data} ({len(frame)} rows, {loaded.n_bad_rows} bad rows skipped)")
    else:
        frame = generate_rekon_dataset(n_rows=args.rows, seed=args.seed)
        print(f"data: SYNTHETIC, {len(frame)} satker-months, seed {args.seed}")
    y = frame[LABEL_COLUMN].to_numpy(dtype=object)
    print(f"SELISIH share: {np.mean(y == SELISIH):.3f} (paper: 3,279 / 13,782 = 0.238)")
    folds = rekon_folds(y, args.folds, args.fold_seed)

    models = {}
    weka = find_weka(args.weka_jar)
    tmp = tempfile.TemporaryDirectory(prefix="bench_rekon_")
    if weka is None:
        # The side-by-side is the point of this benchmark: without its reference it has nothing to report.
        print(
            "bench-rekon: Weka J48 is not available (no java, or no weka.jar at the given path), so the "
            "comparison cannot run. `make bench-rekon` installs Debian's weka; by hand: "
            "apt-get install weka default-jre-headless.",
            file=sys.stderr,
        )
        return 2
    print(f"Weka {weka.version}: J48 {' '.join(J48_OPTIONS)} per fold (train/test ARFF)")
    models["j48"] = _j48_model(weka, Path(tmp.name))
    models.update(BUILTIN_MODELS)

    start = time.perf_counter()
    result = cross_validate_rekon(frame, models=models, folds=folds, progress=sys.stderr.isatty())
    tmp.cleanup()
    print(f"{args.folds}-fold CV on the same folds, {time.perf_counter() - start:.1f} s in all")
    head = f"{'model':<8}{'accuracy':>10}{'kappa':>8}{'AUC':>8}{'TP SEL':>8}{'PR-AUC':>8}{'Brier':>8}"
    head += f"{'fit s':>8}"
    print(head)
    print(
        f"{'paper M8':<8}{PAPER['accuracy']:>10.3f}{PAPER['kappa']:>8.3f}{PAPER['roc_auc']:>8.3f}"
        f"{PAPER['tp_rate_selisih']:>8.3f}{'-':>8}{'-':>8}{'-':>8}"
    )
    for name, m in result.metrics.items():
        print(
            f"{name:<8}{m.accuracy:>10.3f}{m.kappa:>8.3f}{m.roc_auc:>8.3f}{m.tp_rate_selisih:>8.3f}"
            f"{m.pr_auc:>8.3f}{m.brier:>8.3f}{result.fit_seconds[name]:>8.1f}"
        )
    _plot(result, args.plot, (y == SELISIH).astype(int))
    print(f"ROC curves: {args.plot}")

    model, j48 = result.metrics["model"], result.metrics["j48"]
    d_auc, d_kappa = model.roc_auc - j48.roc_auc, model.kappa - j48.kappa
    met = d_auc >= 0.05 and d_kappa >= 0
    print(
        f"model vs J48 (same run): AUC {d_auc:+.3f} (target >= +0.050), kappa {d_kappa:+.3f} "
        f"(target >= 0): {'target met' if met else 'TARGET MISSED'}"
    )
    print(
        f"rekon model_auc={model.roc_auc:.3f} model_kappa={model.kappa:.3f} "
        f"j48_auc={j48.roc_auc:.3f} j48_kappa={j48.kappa:.3f}"
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
