"""NLU evaluation: Rasa 3.6 cross-validation of config.yml's pipeline on the NLU files under bot/.

    .venv/app/bin/python -m benchmarks.eval_nlu                 # 5 folds (make eval-nlu)
    .venv/app/bin/python -m benchmarks.eval_nlu --folds 3       # quicker, while editing the data

Runs ``rasa test nlu --cross-validation`` with .venv/rasa on a temporary folder holding only the NLU files
of bot/ (the files with an ``nlu:`` key: examples, regexes, lookups, synonyms; stories and rules are left
out so their user turns cannot leak in). Rasa splits the examples into stratified folds, trains on each
training part and predicts the held-out part; the scores below are over all held-out predictions. Rasa
shuffles the folds with numpy's global generator and never seeds it, so the CLI is started with numpy
seeded (``--seed``): the same data gives the same folds.

Scores: intent F1 is the support-weighted F1 over the real intents (a prediction of nlu_fallback counts as
a miss); entity F1 is the support-weighted token-level F1 of DIETClassifier over the real entities
(no_entity left out). Reports, error lists and Rasa's confusion matrix / histogram PNGs, plus a per-label F1
chart, are kept in ``--out`` (default artifacts/eval_nlu/). Last line:

    nlu intent_f1=<0.xxx> entity_f1=<0.xxx>
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
RASA_PY = ROOT / ".venv" / "rasa" / "bin" / "python"
AVERAGES = {"accuracy", "macro avg", "weighted avg", "micro avg"}
NOT_INTENTS = AVERAGES | {"nlu_fallback"}
NOT_ENTITIES = AVERAGES | {"no_entity"}
# The Rasa CLI with numpy's global generator seeded first (Rasa's StratifiedKFold(shuffle=True) uses it).
_SEEDED_RASA = ("import sys, numpy; numpy.random.seed(int(sys.argv.pop(1))); sys.argv[0] = 'rasa'; "
                "from rasa.__main__ import main; main()")
# Rasa trains one NLU model per fold and says so; counted to move the progress bar.
_FOLD_DONE = re.compile(r"Your Rasa model is trained and saved")


def nlu_files(bot_dir: Path) -> list[Path]:
    """The YAML files under ``bot_dir`` that hold NLU data (a top-level ``nlu`` key)."""
    found = []
    for path in sorted(bot_dir.glob("*.yml")) + sorted(bot_dir.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and "nlu" in data:
            found.append(path)
    return found


def weighted_f1(report: dict, excluded: set[str]) -> tuple[float, dict[str, dict]]:
    """Support-weighted F1 over the labels of a Rasa/sklearn report not in ``excluded`` (support > 0)."""
    rows = {k: v for k, v in report.items()
            if k not in excluded and isinstance(v, dict) and v.get("support", 0) > 0}
    total = sum(v["support"] for v in rows.values())
    score = sum(v["f1-score"] * v["support"] for v in rows.values()) / total if total else 0.0
    return score, rows


def run_cross_validation(config: Path, folds: int, out: Path, seed: int) -> float:
    """Rasa's NLU cross-validation into ``out``; returns the seconds it took."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore"}
    with tempfile.TemporaryDirectory(prefix="eval_nlu_") as tmp:
        data_dir = Path(tmp) / "nlu"
        data_dir.mkdir()
        files = nlu_files(ROOT / "bot")
        for path in files:
            shutil.copy(path, data_dir / path.name)
        names = ", ".join(p.name for p in files)
        print(f"NLU files: {names}; config {config.name}; {folds} folds; seed {seed}")
        cmd = [str(RASA_PY), "-c", _SEEDED_RASA, str(seed), "test", "nlu", "--nlu", str(data_dir),
               "--config", str(config), "--cross-validation", "--folds", str(folds), "--out", str(out)]
        log_path = out / "rasa_test_nlu.log"
        started = time.time()
        bar = tqdm(total=folds, desc="folds", unit="fold")
        with open(log_path, "w", encoding="utf-8") as log, bar:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, bufsize=1)
            done = 0
            for line in proc.stdout:
                log.write(line)
                if _FOLD_DONE.search(line) and done < folds:
                    done += 1
                    bar.update(1)
            proc.wait()
        if proc.returncode != 0:
            tail = log_path.read_text(encoding="utf-8").splitlines()[-30:]
            raise SystemExit(f"rasa test nlu gagal (exit {proc.returncode}); log: {log_path}\n"
                             + "\n".join(tail))
    return time.time() - started


def _print_rows(title: str, rows: dict[str, dict], weakest: int) -> None:
    print(f"\n{title}  (precision recall f1 support)")
    for name, row in sorted(rows.items(), key=lambda kv: kv[1]["f1-score"]):
        print(f"  {name:18s} {row['precision']:.3f}  {row['recall']:.3f}  {row['f1-score']:.3f}"
              f"  {row['support']:4d}")
    worst = sorted(rows.items(), key=lambda kv: kv[1]["f1-score"])[:weakest]
    print("  weakest: " + ", ".join(f"{k} {v['f1-score']:.3f}" for k, v in worst))


def _intent_confusions(out: Path, top: int) -> None:
    path = out / "intent_errors.json"
    errors = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    pairs = Counter((e["intent"], e["intent_prediction"]["name"]) for e in errors)
    print(f"\nintent confusions ({len(errors)} misclassified held-out examples; true -> predicted):")
    for (true, pred), n in pairs.most_common(top):
        examples = [e["text"] for e in errors
                    if e["intent"] == true and e["intent_prediction"]["name"] == pred][:2]
        print(f"  {n:3d}  {true} -> {pred}   e.g. {' | '.join(examples)}")


def _entity_confusions(out: Path, top: int) -> None:
    path = out / "DIETClassifier_errors.json"
    errors = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    kinds: Counter = Counter()
    for err in errors:
        gold = {(e["start"], e["end"], e["entity"]) for e in err.get("entities", [])}
        pred = {(e["start"], e["end"], e["entity"]) for e in err.get("predicted_entities", [])}
        for start, end, ent in gold - pred:
            other = [p[2] for p in pred if p[0] < end and start < p[1]]
            kinds[f"{ent} -> {other[0] if other else 'missed'}" + (" (span)" if ent in other else "")] += 1
        for start, end, ent in pred - gold:
            if not any(g[0] < end and start < g[1] for g in gold):
                kinds[f"none -> {ent}"] += 1
    print(f"\nentity errors ({len(errors)} held-out examples with a wrong entity; gold -> predicted):")
    for kind, n in kinds.most_common(top):
        print(f"  {n:3d}  {kind}")


def _chart(intents: dict[str, dict], entities: dict[str, dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 5), gridspec_kw={"width_ratios": [2, 1]})
    for ax, rows, title in ((axes[0], intents, "intent F1 (held-out folds)"),
                            (axes[1], entities, "entity F1, DIETClassifier")):
        names = sorted(rows, key=lambda k: rows[k]["f1-score"])
        ax.barh(names, [rows[n]["f1-score"] for n in names], color="#3a7ca5")
        ax.axvline(0.9, color="#c0392b", linestyle="--", linewidth=1)
        ax.set_xlim(0, 1)
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--config", type=Path, default=ROOT / "config.yml")
    ap.add_argument("--out", type=Path, default=ROOT / "artifacts" / "eval_nlu")
    ap.add_argument("--seed", type=int, default=42, help="numpy seed for Rasa's fold shuffling")
    ap.add_argument("--weakest", type=int, default=5)
    args = ap.parse_args(argv)
    if not RASA_PY.exists():
        raise SystemExit(f"Rasa environment tidak ada: {RASA_PY} (jalankan `make install`)")
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    seconds = run_cross_validation(args.config.resolve(), args.folds, args.out.resolve(), args.seed)

    intent_f1, intents = weighted_f1(json.loads((args.out / "intent_report.json").read_text()), NOT_INTENTS)
    entity_path = args.out / "DIETClassifier_report.json"
    entity_report = json.loads(entity_path.read_text()) if entity_path.exists() else {}
    entity_f1, entities = weighted_f1(entity_report, NOT_ENTITIES)
    _print_rows("intents", intents, args.weakest)
    _print_rows("entities (DIETClassifier, token level)", entities, args.weakest)
    _intent_confusions(args.out, top=8)
    _entity_confusions(args.out, top=8)
    _chart(intents, entities, args.out / "eval_nlu_f1.png")
    n_examples = sum(r["support"] for r in intents.values())
    print(f"\n{n_examples} held-out intent predictions, {len(intents)} intents, {len(entities)} entities; "
          f"reports in {args.out}; run time {seconds:.0f} s ({seconds / 60:.1f} min)")
    print(f"nlu intent_f1={intent_f1:.3f} entity_f1={entity_f1:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
