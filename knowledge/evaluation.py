"""Held-out evaluation helpers: reading ``knowledge/eval/heldout.yaml`` and scoring ranked answers.

The held-out file is written separately from the training questions and is only ever read here, to
report; nothing is tuned on it. Format: a list (or ``{questions: [...]}``) of
``{question, expected_id (null = out of scope), style, batch?}``; ``batch`` names a later addition to the
set (e.g. ``l2`` for the questions written for the L2 teams' entries), so that it is reported apart from
the questions that came before it (batch ``awal``).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

HELDOUT_FILE = Path(__file__).resolve().parent / "eval" / "heldout.yaml"


class HeldoutError(ValueError):
    """The held-out file is missing or malformed."""


@dataclass(frozen=True)
class HeldoutQuestion:
    question: str
    expected_id: str | None  # None: out of scope, must not be answered
    style: str
    batch: str = "awal"  # which addition to the set the question came with


def load_heldout(path: Path = HELDOUT_FILE, known_ids: set[str] | None = None) -> tuple[list[HeldoutQuestion], list[str]]:
    """The questions and a list of problems (items skipped: no question, or an id not in the knowledge base)."""
    path = Path(path)
    if not path.exists():
        raise HeldoutError(f"set held-out belum ada: {path}")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("questions") or data.get("items") or []
    if not isinstance(data, list):
        raise HeldoutError(f"{path.name}: isi harus berupa daftar pertanyaan")
    out, problems = [], []
    for n, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not str(item.get("question") or "").strip():
            problems.append(f"#{n}: tanpa pertanyaan")
            continue
        expected = item.get("expected_id")
        expected = str(expected).strip() if expected not in (None, "", "null") else None
        if expected and known_ids is not None and expected not in known_ids:
            problems.append(f"#{n}: expected_id {expected!r} tidak ada di knowledge base (dilewati)")
            continue
        out.append(HeldoutQuestion(str(item["question"]), expected, str(item.get("style") or ""),
                                   str(item.get("batch") or "awal")))
    return out, problems


@dataclass
class SystemScore:
    """One system's figures on the held-out set (in-scope questions for ranks, out-of-scope for rejection)."""

    name: str
    top1: float
    top5: float
    mrr: float
    oos_reject: float | None
    in_reject: float | None  # in-scope questions wrongly declined: the price of the rejection above
    n_in: int
    n_oos: int
    by_style: dict[str, float]
    note: str = ""
    by_batch: dict[str, tuple[float, int]] | None = None  # batch -> (top-1, in-scope questions)

    def row(self) -> str:
        oos = "   n/a" if self.oos_reject is None else f"{self.oos_reject:6.3f}"
        lost = "   n/a" if self.in_reject is None else f"{self.in_reject:6.3f}"
        return f"{self.name:<24} {self.top1:6.3f} {self.top5:6.3f} {self.mrr:6.3f} {oos} {lost}  {self.note}"


def score_system(name: str, questions: list[HeldoutQuestion], ranked: list[list[str]],
                 rejected: list[bool] | None, note: str = "") -> SystemScore:
    """``ranked[i]``: entry ids best first for question i; ``rejected[i]``: the system declined to answer."""
    hits1 = hits5 = 0
    rr = 0.0
    style_hits: dict[str, list[int]] = defaultdict(list)
    batch_hits: dict[str, list[int]] = defaultdict(list)
    n_in = 0
    for q, ids in zip(questions, ranked):
        if q.expected_id is None:
            continue
        n_in += 1
        rank = ids.index(q.expected_id) + 1 if q.expected_id in ids else None
        hits1 += rank == 1
        hits5 += rank is not None and rank <= 5
        rr += 1.0 / rank if rank else 0.0
        style_hits[q.style or "-"].append(int(rank == 1))
        batch_hits[q.batch].append(int(rank == 1))
    oos = [r for q, r in zip(questions, rejected or []) if q.expected_id is None]
    lost = [r for q, r in zip(questions, rejected or []) if q.expected_id is not None]
    n = max(1, n_in)
    return SystemScore(name, hits1 / n, hits5 / n, rr / n,
                       (sum(oos) / len(oos)) if rejected is not None and oos else None,
                       (sum(lost) / len(lost)) if rejected is not None and lost else None, n_in,
                       sum(q.expected_id is None for q in questions),
                       {s: sum(v) / len(v) for s, v in sorted(style_hits.items())}, note,
                       {b: (sum(v) / len(v), len(v)) for b, v in sorted(batch_hits.items())})
