"""Development split and parameter choice: everything tunable is chosen here, never on the held-out set.

The split holds out one training question per entry (chosen with a fixed seed) as the dev question; the
retriever (and, for the tuned kind, the tuning) sees only the rest. Out-of-scope dev questions come from
``knowledge/eval/dev_oos.yaml``. On the dev questions we choose: the fusion weights (best MRR on a 0.1 grid), the confidence
model (logistic regression: is the top-ranked entry right?), the hand-off threshold (the lowest that rejects
at least ``target_oos_reject`` of the out-of-scope dev questions) and the answer threshold (the lowest at
which answered questions are right at least ``target_precision`` of the time).
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from knowledge.confidence import FEATURES, RetrievalParams, features, fit_logistic
from knowledge.kb import Entry
from knowledge.retrieval import COMPONENTS, Ranking

EVAL_DIR = Path(__file__).resolve().parent / "eval"
DEV_OOS_FILE = EVAL_DIR / "dev_oos.yaml"


@dataclass
class DevSplit:
    train: list[Entry]
    dev: list[tuple[str, str]]  # (question, expected entry id)


def make_dev_split(entries: list[Entry], seed: int = 13) -> DevSplit:
    """Hold out one training question of every entry that has at least 2 (so 1+ remains with the canonical)."""
    rng = random.Random(seed)
    train, dev = [], []
    for entry in entries:
        questions = list(entry.training_questions)
        if len(questions) >= 2:
            held = rng.randrange(len(questions))
            dev.append((questions[held], entry.id))
            entry = entry.model_copy(update={"training_questions": questions[:held] + questions[held + 1:]})
        train.append(entry)
    return DevSplit(train, dev)


def load_dev_oos(path: Path = DEV_OOS_FILE) -> list[str]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return [str(q) for q in data.get("questions", []) if str(q).strip()]


def weight_grid(step: float = 0.1, components: tuple[str, ...] = COMPONENTS) -> list[dict[str, float]]:
    """Every weighting of ``components`` on a grid of ``step`` that sums to 1."""
    units = int(round(1 / step))
    grid = []
    for combo in itertools.product(range(units + 1), repeat=len(components) - 1):
        if sum(combo) <= units:
            parts = list(combo) + [units - sum(combo)]
            grid.append({c: round(p * step, 4) for c, p in zip(components, parts)})
    return grid


@dataclass
class Metrics:
    top1: float
    top5: float
    mrr: float
    n: int

    def row(self) -> str:
        return f"top1={self.top1:.3f} top5={self.top5:.3f} mrr={self.mrr:.3f} (n={self.n})"


def rank_metrics(rankings: list[Ranking | None], expected: list[str], by: str = "fused") -> Metrics:
    """Top-1, top-5 and mean reciprocal rank of the expected entry (a missing ranking counts as a miss)."""
    hits1 = hits5 = 0
    rr = 0.0
    for ranking, want in zip(rankings, expected):
        if ranking is None or want not in ranking.entry_ids:
            continue
        scores = ranking.fused if by == "fused" else ranking.components.get(by, getattr(ranking, by, None))
        target = scores[ranking.entry_ids.index(want)]
        # ties count against the expected entry: an all-zero ranking must not score as a hit
        rank = 1 + int((scores > target).sum()) + int((scores == target).sum()) - 1
        hits1 += rank == 1
        hits5 += rank <= 5
        rr += 1.0 / rank
    n = max(1, len(expected))
    return Metrics(hits1 / n, hits5 / n, rr / n, len(expected))


@dataclass
class Choice:
    params: RetrievalParams
    dev_metrics: Metrics
    dev_oos_reject: float
    dev_answer_precision: float


def choose_params(in_scope: list[tuple[Ranking | None, str]], out_of_scope: list[Ranking | None],
                  target_oos_reject: float = 0.9, target_precision: float = 0.9, label: str = "") -> Choice:
    """Fusion weight, confidence model and thresholds from dev rankings (see the module docstring)."""
    expected = [want for _, want in in_scope]
    grid = weight_grid()
    tried = {}
    for i, weights in enumerate(grid):
        m = rank_metrics([r.refused(weights) if r else None for r, _ in in_scope], expected)
        tried[i] = (round(m.mrr, 4), round(m.top1, 4))
    best = grid[max(range(len(grid)), key=lambda i: tried[i])]
    fused_in = [r.refused(best) if r else None for r, _ in in_scope]
    fused_oos = [r.refused(best) if r else None for r in out_of_scope]

    rows, labels = [], []
    for ranking, want in zip(fused_in, expected):
        if ranking is not None:
            rows.append([features(ranking)[k] for k in FEATURES])
            labels.append(float(ranking.entry_ids[int(ranking.order("fused", 1)[0])] == want))
    for ranking in fused_oos:
        if ranking is not None:
            rows.append([features(ranking)[k] for k in FEATURES])
            labels.append(0.0)
    coef, intercept = fit_logistic(np.asarray(rows), np.asarray(labels))
    params = RetrievalParams(weights=best, coefficients=dict(zip(FEATURES, map(float, coef))),
                             intercept=intercept, chosen_on=label)

    conf_in = np.array([params.confidence(r) if r else 0.0 for r in fused_in])
    correct = np.array([bool(r) and r.entry_ids[int(r.order("fused", 1)[0])] == w for r, w in zip(fused_in, expected)])
    conf_oos = np.array([params.confidence(r) if r else 0.0 for r in fused_oos])
    grid = np.round(np.arange(0.01, 0.995, 0.01), 2)
    # hand-off: the lowest threshold that rejects enough out-of-scope questions
    handoff = next((t for t in grid if (conf_oos < t).mean() >= target_oos_reject), grid[-1]) if len(conf_oos) \
        else 0.3
    # answer: the lowest threshold (>= hand-off) at which what is answered outright is right often enough
    answer = grid[-1]
    for t in grid[grid >= handoff]:
        answered = np.concatenate([correct[conf_in >= t], np.zeros((conf_oos >= t).sum(), dtype=bool)])
        if len(answered) and answered.mean() >= target_precision:
            answer = t
            break
    params.handoff_threshold, params.answer_threshold = float(handoff), float(answer)
    answered = np.concatenate([correct[conf_in >= answer], np.zeros((conf_oos >= answer).sum(), dtype=bool)])
    oos_reject = float((conf_oos < handoff).mean()) if len(conf_oos) else 0.0
    return Choice(params, rank_metrics(fused_in, expected), oos_reject,
                  float(answered.mean()) if len(answered) else 0.0)
