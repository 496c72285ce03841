"""Splitting and scoring for the team router (used by the training CLI and ``benchmarks.eval_triage``)."""
from __future__ import annotations

import random
from collections import defaultdict


def holdout_split(labels: list[str], share: float, seed: int) -> tuple[list[int], list[int]]:
    """(train, test) positions: ``share`` of each label's examples held out (at least one when it has two)."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        by_label[label].append(i)
    train, test = [], []
    for label in sorted(by_label):
        members = by_label[label][:]
        rng.shuffle(members)
        n_test = round(len(members) * share) if len(members) > 1 else 0
        n_test = max(n_test, 1) if len(members) > 1 and share > 0 else n_test
        test += members[:n_test]
        train += members[n_test:]
    return sorted(train), sorted(test)


def macro_f1(truth: list[str], predicted: list[str]) -> float:
    """Unweighted mean of per-team F1 over the teams present in ``truth`` or ``predicted``."""
    teams = sorted(set(truth) | set(predicted))
    if not teams:
        return 0.0
    scores = []
    for team in teams:
        tp = sum(t == team and p == team for t, p in zip(truth, predicted))
        fp = sum(t != team and p == team for t, p in zip(truth, predicted))
        fn = sum(t == team and p != team for t, p in zip(truth, predicted))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)
