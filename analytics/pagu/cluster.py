"""Clustering satker bill series by their autocorrelation (seed 002, domain §2, step 4).

Distance: Euclidean between the estimated ACF vectors (lags 1..``nlags``) of two series, the unweighted
(Omega = identity) form of R TSclust ``diss.ACF``. Linkage: hierarchical, complete. The number of
clusters is the k in ``k_range`` with the highest mean silhouette (Kaufman & Rousseeuw).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform
from sklearn.metrics import silhouette_score

DEFAULT_NLAGS = 12          # a year of monthly lags
MIN_MONTHS_TO_CLUSTER = 18  # shorter series (new satker) get a simple model instead of a cluster


def acf_vector(x: np.ndarray, nlags: int = DEFAULT_NLAGS) -> np.ndarray:
    """Sample autocorrelations at lags 1..nlags (the estimator R ``acf`` and statsmodels use)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    xc = x - x.mean()
    denom = float(xc @ xc)
    if denom == 0 or len(x) <= nlags:
        return np.zeros(nlags)
    return np.array([float(xc[k:] @ xc[:-k]) / denom for k in range(1, nlags + 1)])


def acf_distance_matrix(series: list[np.ndarray], nlags: int = DEFAULT_NLAGS) -> np.ndarray:
    """Square matrix of diss.ACF distances between the series."""
    feats = np.vstack([acf_vector(s, nlags) for s in series])
    return squareform(pdist(feats, metric="euclidean"))


@dataclass
class ClusterResult:
    """``labels``: cluster (1..k) per satker; ``medoids``: per cluster the satker whose summed distance
    to its cluster is least (the paper modelled one satker per cluster); ``silhouette``: mean silhouette
    per k tried; ``unclustered``: satker with too short a history."""

    labels: pd.Series
    k: int
    silhouette: dict[int, float]
    medoids: dict[int, str]
    distance: np.ndarray = field(repr=False)
    unclustered: list[str] = field(default_factory=list)

    def members(self, cluster: int) -> list[str]:
        return self.labels.index[self.labels == cluster].tolist()

    def sizes(self) -> dict[int, int]:
        return self.labels.value_counts().sort_index().to_dict()


def cluster_series(
    panel: pd.DataFrame,
    *,
    nlags: int = DEFAULT_NLAGS,
    k: int | None = None,
    k_range: range = range(2, 9),
    min_months: int = MIN_MONTHS_TO_CLUSTER,
) -> ClusterResult:
    """Cluster the rows of ``panel`` (satker x months, rupiah; NaN outside a satker's span).

    ``k`` fixes the number of clusters; otherwise the silhouette picks it from ``k_range``.
    """
    lengths = panel.notna().sum(axis=1)
    usable = lengths.index[lengths >= max(min_months, nlags + 2)].tolist()
    short = lengths.index[lengths < max(min_months, nlags + 2)].tolist()
    series = [panel.loc[s].dropna().to_numpy() for s in usable]
    if len(usable) < 3:
        labels = pd.Series(1, index=pd.Index(usable, name=panel.index.name), name="cluster")
        return ClusterResult(labels=labels, k=1, silhouette={}, medoids={1: usable[0]} if usable else {},
                             distance=np.zeros((len(usable), len(usable))), unclustered=short)
    dist = acf_distance_matrix(series, nlags)
    tree = linkage(squareform(dist, checks=False), method="complete")
    scores: dict[int, float] = {}
    candidates = [k] if k else [kk for kk in k_range if 2 <= kk < len(usable)]
    best_k, best_labels, best_score = None, None, -np.inf
    for kk in candidates:
        lab = fcluster(tree, t=kk, criterion="maxclust")
        if len(np.unique(lab)) < 2:
            continue
        score = float(silhouette_score(dist, lab, metric="precomputed"))
        scores[kk] = score
        if score > best_score:
            best_k, best_labels, best_score = kk, lab, score
    if best_labels is None:
        best_k, best_labels = 1, np.ones(len(usable), dtype=int)
    # Number clusters by size, largest first, as the paper's Table 2 lists them.
    order = pd.Series(best_labels).value_counts().index.tolist()
    relabel = {old: new for new, old in enumerate(order, start=1)}
    labels = pd.Series([relabel[v] for v in best_labels], index=pd.Index(usable, name=panel.index.name), name="cluster")
    medoids = {}
    for c in sorted(labels.unique()):
        idx = np.flatnonzero(labels.to_numpy() == c)
        medoids[int(c)] = usable[int(idx[np.argmin(dist[np.ix_(idx, idx)].sum(axis=1))])]
    return ClusterResult(labels=labels, k=int(best_k), silhouette=scores, medoids=medoids, distance=dist, unclustered=short)
