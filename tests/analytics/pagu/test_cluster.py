"""ACF-distance clustering (analytics.pagu.cluster)."""
import numpy as np
import pandas as pd
from statsmodels.tsa.stattools import acf

from analytics.pagu.cluster import acf_distance_matrix, acf_vector, cluster_series


def test_acf_vector_matches_statsmodels():
    x = np.random.default_rng(0).normal(size=40).cumsum()
    np.testing.assert_allclose(acf_vector(x, 12), acf(x, nlags=12, fft=False)[1:], atol=1e-12)


def test_distance_is_euclidean_between_acf_vectors():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=30), rng.normal(size=30).cumsum()
    d = acf_distance_matrix([a, b], 5)
    assert d[0, 1] == np.linalg.norm(acf_vector(a, 5) - acf_vector(b, 5)) and d[0, 0] == 0


def test_recovers_trending_and_noisy_groups_with_silhouette():
    rng = np.random.default_rng(2)
    months = pd.period_range("2019-01", periods=36, freq="M")
    rows = {f"1000{i:02d}": 100 + np.cumsum(rng.normal(1, 0.3, 36)) for i in range(8)}          # trend
    rows.update({f"2000{i:02d}": 100 + rng.normal(0, 5, 36) for i in range(8)})                  # white noise
    panel = pd.DataFrame(rows, index=months).T
    panel.iloc[0, :10] = np.nan        # a satker that started late still clusters
    res = cluster_series(panel)
    assert res.k == 2 and max(res.silhouette, key=res.silhouette.get) == 2
    assert res.labels.loc[[c for c in rows if c.startswith("1")]].nunique() == 1
    assert res.labels.loc[[c for c in rows if c.startswith("2")]].nunique() == 1
    assert set(res.medoids) == {1, 2}


def test_short_series_are_left_unclustered():
    months = pd.period_range("2019-01", periods=30, freq="M")
    rng = np.random.default_rng(3)
    panel = pd.DataFrame({f"30000{i}": rng.normal(100, 5, 30) for i in range(5)}, index=months).T
    panel.iloc[0, :25] = np.nan
    res = cluster_series(panel)
    assert res.unclustered == ["300000"]
