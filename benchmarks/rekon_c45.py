"""A C4.5-style decision tree (the paper's method, Quinlan 1993 as in Weka J48), our own implementation.

Gain-ratio splits (only attributes with at least average information gain compete); nominal attributes
split multi-way, numeric ones binary at the best threshold with the MDL correction for the threshold
choice; at least ``min_leaf`` rows in two branches; error-based pruning (subtree replacement) with
confidence factor ``cf``. Not implemented: subtree raising and missing-value weights (inputs are
validated, nothing is missing). Inputs are the paper's attribute view (``to_paper_attributes``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

from analytics.rekon.schema import ATTRIBUTE_BY_COLUMN, FEATURE_COLUMNS, OK, SELISIH


def leaf_majority(prob) -> np.ndarray:
    """The reference trees' class: the leaf's majority, P(SELISIH) above one half; a tie goes to OK, the
    first class, as Weka's J48 picks it. Not the service's rule (``RekonRiskModel.classify``: its own
    kappa-tuned threshold, reached or passed)."""
    return np.where(np.asarray(prob, dtype=float) > 0.5, SELISIH, OK)


def _xlogx(x: np.ndarray) -> np.ndarray:
    """x * log2(x) for counts (0 for x in {0, 1})."""
    x = np.asarray(x, dtype=float)
    return x * np.log2(np.maximum(x, 1.0))


def _info(neg: np.ndarray, pos: np.ndarray, axis: int = -1) -> np.ndarray:
    """Sum over branches of n_i * entropy_i (bits times rows), for class counts ``neg``/``pos``."""
    return (_xlogx(neg + pos) - _xlogx(neg) - _xlogx(pos)).sum(axis=axis)


def added_errors(n: float, e: float, cf: float) -> float:
    """Extra errors of C4.5's pessimistic estimate: upper confidence bound minus observed errors."""
    if n <= 0:
        return 0.0
    if e < 1:
        base = n * (1 - cf ** (1 / n))
        return base if e == 0 else base + e * (added_errors(n, 1, cf) - base)
    if e + 0.5 >= n:
        return max(n - e, 0.0)
    z = _z(cf)
    f = (e + 0.5) / n
    r = (f + z * z / (2 * n) + z * np.sqrt(f / n - f * f / n + z * z / (4 * n * n))) / (1 + z * z / n)
    return r * n - e


_Z_CACHE: dict[float, float] = {}


def _z(cf: float) -> float:
    if cf not in _Z_CACHE:
        _Z_CACHE[cf] = float(norm.ppf(1 - cf))
    return _Z_CACHE[cf]


@dataclass
class Node:
    counts: np.ndarray  # [OK, SELISIH] training rows reaching the node
    attribute: str | None = None
    threshold: float | None = None  # numeric split: left is <= threshold
    children: dict = field(default_factory=dict)  # value -> Node (nominal) or "le"/"gt" -> Node

    @property
    def is_leaf(self) -> bool:
        return self.attribute is None

    def size(self) -> int:
        return 1 + sum(c.size() for c in self.children.values())

    def leaves(self) -> int:
        return 1 if self.is_leaf else sum(c.leaves() for c in self.children.values())


@dataclass(frozen=True)
class PathStep:
    """One test on the way from the root to a leaf, in words."""

    attribute: str
    text: str


class C45Tree:
    """C4.5 on the paper's 20 attributes. ``fit(paper_frame, y)``; ``predict_proba`` gives P(SELISIH)."""

    def __init__(self, cf: float = 0.25, min_leaf: int = 2, laplace: bool = False, max_depth: int = 40):
        self.cf, self.min_leaf, self.laplace, self.max_depth = cf, min_leaf, laplace, max_depth
        self.root: Node | None = None
        self._nominal: dict[str, list[str]] = {}

    # ---------------------------------------------------------------- fitting
    def fit(self, paper: pd.DataFrame, y) -> "C45Tree":
        y = np.asarray(y, dtype=int)
        self._nominal = {
            c: list(paper[c].cat.categories) for c in FEATURE_COLUMNS if str(paper[c].dtype) == "category"
        }
        cols = {}
        for c in FEATURE_COLUMNS:
            cols[c] = paper[c].cat.codes.to_numpy() if c in self._nominal else paper[c].to_numpy(dtype=float)
        self.root = self._grow(cols, y, np.arange(len(y)), depth=0)
        self._prune(self.root)
        return self

    def _grow(self, cols, y, idx, depth) -> Node:
        counts = np.bincount(y[idx], minlength=2).astype(float)
        node = Node(counts)
        if depth >= self.max_depth or counts.min() == 0 or len(idx) < 2 * self.min_leaf:
            return node
        best = self._best_split(cols, y, idx)
        if best is None:
            return node
        attr, threshold = best
        node.attribute, node.threshold = attr, threshold
        values = cols[attr][idx]
        if threshold is not None:
            node.children = {
                "le": self._grow(cols, y, idx[values <= threshold], depth + 1),
                "gt": self._grow(cols, y, idx[values > threshold], depth + 1),
            }
        else:
            for code, label in enumerate(self._nominal[attr]):
                sub = idx[values == code]
                # an empty branch keeps zero counts; prediction then stops at this node, like J48
                node.children[label] = self._grow(cols, y, sub, depth + 1) if len(sub) else Node(np.zeros(2))
        return node

    def _best_split(self, cols, y, idx):
        n = len(idx)
        yi = y[idx]
        base = float(_info(np.array([n - yi.sum()]), np.array([yi.sum()])))  # n * entropy of the node
        candidates = []
        for attr, values in cols.items():
            v = values[idx]
            if attr in self._nominal:
                k = len(self._nominal[attr])
                table = np.bincount(v * 2 + yi, minlength=2 * k).reshape(k, 2)
                sizes = table.sum(axis=1)
                if (sizes >= self.min_leaf).sum() < 2:
                    continue
                gain = (base - _info(table[:, 0], table[:, 1])) / n
                split_info = (n * np.log2(n) - float(_xlogx(sizes).sum())) / n
                candidates.append((attr, None, gain, split_info))
            else:
                found = self._numeric_split(v, yi, base)
                if found is not None:
                    candidates.append((attr, *found))
        candidates = [c for c in candidates if c[2] > 1e-10 and c[3] > 1e-10]
        if not candidates:
            return None
        avg_gain = np.mean([c[2] for c in candidates])
        ok = [c for c in candidates if c[2] >= avg_gain - 1e-3]
        attr, threshold, _, _ = max(ok, key=lambda c: c[2] / c[3])
        return attr, threshold

    def _numeric_split(self, v, y, base):
        """Best binary cut of an integer-valued attribute (counts), via per-value class counts."""
        n = len(v)
        v = v.astype(np.int64)
        total = np.bincount(v)
        pos_by_value = np.bincount(v, weights=y, minlength=len(total))
        present = np.nonzero(total)[0]
        if len(present) < 2:
            return None
        left_n = np.cumsum(total[present])[:-1].astype(float)
        left_pos = np.cumsum(pos_by_value[present])[:-1]
        m = float(np.clip(0.1 * n / 2, self.min_leaf, 25))  # J48's minimum rows per side of a numeric cut
        keep = (left_n >= m) & (n - left_n >= m)
        if not keep.any():
            return None
        ln, lp = left_n[keep], left_pos[keep]
        rn, rp = n - ln, y.sum() - lp
        info = _info(np.stack([ln - lp, rn - rp]), np.stack([lp, rp]), axis=0)
        best = int(np.argmin(info))
        gain = (base - info[best]) / n - np.log2(max(len(present) - 1, 1)) / n  # MDL penalty for the cut
        if gain <= 0:
            return None
        split_info = (n * np.log2(n) - float(_xlogx(np.array([ln[best], rn[best]])).sum())) / n
        threshold = float(present[:-1][keep][best])
        return threshold, gain, split_info

    # ---------------------------------------------------------------- pruning
    def _leaf_errors(self, node: Node) -> float:
        n = node.counts.sum()
        e = n - node.counts.max()
        return e + added_errors(n, e, self.cf)

    def _prune(self, node: Node) -> float:
        """Post-order subtree replacement; returns the node's estimated errors."""
        if node.is_leaf:
            return self._leaf_errors(node)
        subtree = sum(self._prune(c) for c in node.children.values())
        leaf = self._leaf_errors(node)
        if leaf <= subtree + 0.1:
            node.attribute, node.threshold, node.children = None, None, {}
            return leaf
        return subtree

    # ---------------------------------------------------------------- prediction
    def _codes(self, paper: pd.DataFrame) -> dict[str, np.ndarray]:
        return {
            c: (paper[c].astype(str).to_numpy() if c in self._nominal else paper[c].to_numpy(dtype=float))
            for c in FEATURE_COLUMNS
        }

    def _leaf_for(self, row: dict) -> tuple[Node, list[PathStep]]:
        node, path = self.root, []
        while not node.is_leaf:
            attr = node.attribute
            value = row[attr]
            label = ATTRIBUTE_BY_COLUMN[attr].label
            if node.threshold is not None:
                key = "le" if float(value) <= node.threshold else "gt"
                sign = "<=" if key == "le" else ">"
                path.append(PathStep(attr, f"{label} = {value:g} ({sign} {node.threshold:g})"))
            else:
                key = str(value)
                path.append(PathStep(attr, f"{label}: {key}"))
            child = node.children.get(key)
            if child is None or child.counts.sum() == 0:
                break
            node = child
        return node, path

    def _proba_of(self, node: Node) -> float:
        c = node.counts
        if self.laplace:
            return float((c[1] + 1) / (c.sum() + 2))
        return float(c[1] / c.sum()) if c.sum() > 0 else 0.5

    def predict_proba(self, paper: pd.DataFrame) -> np.ndarray:
        """P(SELISIH) per row (rows are routed down the tree in blocks, not one by one)."""
        codes = self._codes(paper)
        out = np.empty(len(paper))

        def route(node: Node, idx: np.ndarray) -> None:
            if node.is_leaf:
                out[idx] = self._proba_of(node)
                return
            values = codes[node.attribute][idx]
            if node.threshold is not None:
                parts = {"le": values.astype(float) <= node.threshold}
                parts["gt"] = ~parts["le"]
            else:
                parts = {label: values == label for label in node.children}
            seen = np.zeros(len(idx), dtype=bool)
            for key, mask in parts.items():
                seen |= mask
                child = node.children[key]
                if child.counts.sum() == 0:
                    out[idx[mask]] = self._proba_of(node)
                elif mask.any():
                    route(child, idx[mask])
            out[idx[~seen]] = self._proba_of(node)  # a value unseen in training stops here

        route(self.root, np.arange(len(paper)))
        return out

    def decision_path(self, paper_row: pd.Series) -> tuple[float, list[PathStep]]:
        """P(SELISIH) of one row and the tests that lead to its leaf."""
        node, path = self._leaf_for({c: paper_row[c] for c in FEATURE_COLUMNS})
        return self._proba_of(node), path

    @property
    def size(self) -> int:
        return self.root.size() if self.root else 0

    @property
    def n_leaves(self) -> int:
        return self.root.leaves() if self.root else 0

    def predict_label(self, paper: pd.DataFrame) -> np.ndarray:
        return leaf_majority(self.predict_proba(paper))
