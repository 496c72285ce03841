"""One bill against its history (analytics.bills.fairness, rules in analytics.bills.rules)."""
import numpy as np
import pandas as pd
import pytest

from analytics.bills.fairness import BELUM_DAPAT_DINILAI, TIDAK_WAJAR, WAJAR, check_bill_fairness
from analytics.bills.rules import window_statistics
from analytics.errors import InvalidInputError

HISTORY = [10_000_000, 10_500_000, 9_800_000, 10_200_000, 10_000_000, 10_300_000]


def test_statistics_match_numpy_and_mode():
    st = window_statistics(np.array([[1.0, 2.0, 2.0, 9.0, np.nan, 4.0]]))
    assert st["n"][0] == 5
    assert st["rata_rata"][0] == pytest.approx(3.6)
    assert st["median"][0] == 2.0
    assert st["modus"][0] == 2.0
    assert st["minimum"][0] == 1.0 and st["maksimum"][0] == 9.0
    assert st["simpangan_baku"][0] == pytest.approx(np.std([1, 2, 2, 9, 4], ddof=1))
    assert st["mad"][0] == pytest.approx(1.0)
    assert np.isnan(window_statistics(np.array([[1.0, 2.0, 3.0]]))["modus"][0])  # no value repeats


def test_reasonable_bill_is_wajar_with_reason():
    r = check_bill_fairness(HISTORY, 10_400_000)
    assert r.verdict == WAJAR and not r.needs_manual_check
    assert r.statistics.n_bulan == 6
    assert r.deviations["rata_rata"] == pytest.approx(10_400_000 / np.mean(HISTORY) - 1)
    assert r.reason.startswith("Tagihan Rp10.400.000 wajar")
    assert "ambang 20,0%" in r.reason


def test_spike_is_tidak_wajar_for_both_methods():
    for method in ("paper", "robust"):
        r = check_bill_fairness(HISTORY, "Rp 25.000.000", method=method)
        assert r.verdict == TIDAK_WAJAR
        assert "di atas" in r.reason and "PPK" in r.reason
        assert r.basis in ("rata_rata", "median")


def test_threshold_is_configurable():
    assert check_bill_fairness(HISTORY, 12_000_000).verdict == WAJAR           # +18.6 % from the mean
    assert check_bill_fairness(HISTORY, 12_000_000, threshold=0.10).verdict == TIDAK_WAJAR


def test_contaminated_history_paper_vs_robust():
    # One meter error in the window inflates the mean: the paper flags a normal bill, the robust does not.
    history = [10_000_000, 10_300_000, 60_000_000, 9_900_000, 10_100_000, 10_000_000]
    assert check_bill_fairness(history, 10_200_000, method="paper").verdict == TIDAK_WAJAR
    assert check_bill_fairness(history, 10_200_000, method="robust").verdict == WAJAR


def test_short_history_cannot_be_judged():
    r = check_bill_fairness([10_000_000, 10_100_000], 50_000_000)
    assert r.verdict == BELUM_DAPAT_DINILAI
    assert "belum dapat dinilai" in r.reason and "2 bulan" in r.reason


def test_calendar_window_with_periods_and_gaps():
    hist = pd.DataFrame({"periode": ["2021-08", "2021-09", "2021-11", "2022-01", "2020-01"],
                         "nilai_tagihan": [10_000_000, 10_000_000, 10_000_000, 10_000_000, 99_000_000]})
    r = check_bill_fairness(hist, ("2022-02", 10_100_000))
    assert r.statistics.n_bulan == 4          # 2020-01 is outside Aug 2021 - Jan 2022
    assert r.verdict == WAJAR
    assert r.periode == pd.Period("2022-02", "M")
    assert "Februari 2022" in r.reason
    assert r.to_dict()["periode"] == "2022-02"


def test_window_is_configurable():
    hist = pd.Series([5_000_000] * 6 + [10_000_000] * 3, index=pd.period_range("2021-05", periods=9, freq="M"))
    assert check_bill_fairness(hist, 10_000_000, periode="2022-02", window=3).verdict == WAJAR
    assert check_bill_fairness(hist, 10_000_000, periode="2022-02", window=6).verdict == TIDAK_WAJAR


@pytest.mark.parametrize("bad_bill", [0, -5_000, "Rp 0", "sepuluh juta"])
def test_bad_new_bill_is_a_typed_error(bad_bill):
    with pytest.raises(InvalidInputError):
        check_bill_fairness(HISTORY, bad_bill)


def test_duplicate_period_in_history_is_an_error():
    with pytest.raises(InvalidInputError, match="ganda"):
        check_bill_fairness([("2022-01", 1_000_000), ("2022-01", 2_000_000), ("2021-12", 1_000_000)],
                            ("2022-02", 1_000_000))


def test_unknown_method_rejected():
    with pytest.raises(ValueError):
        check_bill_fairness(HISTORY, 10_000_000, method="magic")
