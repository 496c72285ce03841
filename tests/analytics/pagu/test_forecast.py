"""Pagu sufficiency (analytics.pagu.forecast): the paper's Table 7, the early warning end to end, the chart."""
import numpy as np
import pandas as pd
import pytest

from analytics.bills.repository import BillRepository
from analytics.errors import InvalidInputError, SatkerNotFoundError
from analytics.pagu.forecast import PAGU_CUKUP, PAGU_KURANG, build_result, forecast_pagu, forecast_pagu_all, pagu_verdict
from analytics.pagu.chart import render_pagu_chart
from analytics.pagu.model import simple_forecast
from analytics.pagu.pipeline import PaguPipeline, months_to_forecast
from analytics.bills.synthetic import generate_panel

# Seed 002, Table 7: satker, pagu 2022, forecast 2022, the paper's verdict.
TABLE7 = [
    ("527982", 144_000_000, 117_475_917, PAGU_CUKUP),
    ("528099", 120_000_000, 118_775_981, PAGU_CUKUP),
    ("652460", 180_000_000, 82_937_374, PAGU_CUKUP),
    ("527933", 18_900_000, 13_473_667, PAGU_CUKUP),
    ("527027", 1_216_296_000, 1_259_221_600, PAGU_KURANG),
]


@pytest.mark.parametrize("satker, pagu, forecast, expected", TABLE7)
def test_paper_table7_verdicts(satker, pagu, forecast, expected):
    assert pagu_verdict(pagu, forecast) == expected


def test_table7_through_the_result_builder():
    # Table 6 (527027): realised Jan-Feb 2022 and the monthly forecasts for Mar-Dec.
    history = pd.Series([115_205_308, 101_228_493], index=pd.period_range("2022-01", periods=2, freq="M"))
    months = months_to_forecast(pd.Period("2022-02", "M"))
    fc = simple_forecast("527027", np.array([1.0]), months, reason="uji")
    fc.mean = np.array([104_766_199, 104_814_466, 104_862_733, 104_911_000, 104_959_267, 105_007_534,
                        105_055_800, 105_104_067, 105_152_334, 105_200_601], dtype=float)
    fc.cum_lower = fc.cum_upper = None
    fc.lower, fc.upper = fc.mean * 0.9, fc.mean * 1.1
    fc.total_mean, fc.total_lower, fc.total_upper, fc.total_sd = fc.mean.sum(), fc.mean.sum() * 0.9, fc.mean.sum() * 1.1, 1e7
    r = build_result("527027", fc, history, 1_216_296_000, pd.Period("2022-02", "M"))
    assert r.verdict == PAGU_KURANG
    assert r.projected_total == pytest.approx(216_433_801 + fc.mean.sum())
    assert r.run_out_month == pd.Period("2022-12", "M")
    assert r.shortfall == pytest.approx(r.projected_total - 1_216_296_000)
    assert "Pagu Kurang" in r.message and "Desember 2022" in r.message and "revisi DIPA" in r.message


def test_months_to_forecast_rolls_to_next_year_in_december():
    assert months_to_forecast(pd.Period("2022-06", "M"))[-1] == pd.Period("2022-12", "M")
    assert len(months_to_forecast(pd.Period("2022-12", "M"))) == 12


@pytest.fixture(scope="module")
def sample_repo():
    return BillRepository.sample()


def test_forecast_pagu_on_the_sample(sample_repo, tmp_path):
    r = forecast_pagu("527027", as_of="2022-06", repository=sample_repo)
    assert r.verdict == PAGU_KURANG and r.tahun == 2022
    assert r.run_out_month is not None and r.run_out_month > pd.Period("2022-06", "M")
    assert r.shortfall_lower <= r.shortfall <= r.shortfall_upper
    assert r.projected_lower < r.projected_total < r.projected_upper
    assert r.realised == pytest.approx(sample_repo.satker_series("527027").loc["2022-01":"2022-06"].sum())
    assert len(r.monthly) == 12 and r.model.startswith("ARIMA")
    assert r.to_dict()["as_of"] == "2022-06"
    ok = forecast_pagu("652460", as_of="2022-06", repository=sample_repo)
    assert ok.verdict == PAGU_CUKUP and ok.run_out_month is None and ok.shortfall == 0
    assert r.history.equals(sample_repo.satker_series("527027").loc[:"2022-06"])  # the chart's data, read once
    png = render_pagu_chart(r, tmp_path / "pagu.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and (tmp_path / "pagu.png").stat().st_size == len(png)
    assert "history" not in r.to_dict()


def test_monthly_run_for_every_satker(sample_repo):
    table = forecast_pagu_all(sample_repo, "2022-06")
    assert len(table) >= 170
    truth = sample_repo.pagu[sample_repo.pagu.tahun == 2022].set_index("kode_satker")["cukup_aktual"]
    pred_ok = table.set_index("kode_satker")["keterangan"] == PAGU_CUKUP
    accuracy = (pred_ok == truth.reindex(pred_ok.index).astype(bool)).mean()
    assert accuracy > 0.75   # mid-year early warning against the synthetic year's real outcome


def test_unknown_and_invalid_satker(sample_repo):
    with pytest.raises(SatkerNotFoundError, match="satker 999999 tidak ditemukan"):
        forecast_pagu("999999", repository=sample_repo)
    with pytest.raises(InvalidInputError):
        forecast_pagu("52702", repository=sample_repo)


def test_pipeline_on_a_small_panel_with_fallbacks():
    syn = generate_panel(seed=3, n_satker=24, n_idpel=50, start="2019-01", end="2021-12")
    panel = BillRepository(syn.bills).satker_panel()
    panel.loc["600001"] = np.nan                     # a new satker: 5 months of bills only
    panel.loc["600001", pd.period_range("2021-02", "2021-06", freq="M")] = 1_000_000.0
    pipe = PaguPipeline.fit(panel, "2021-06", k=2)
    assert pipe.clusters.k == 2 and len(pipe.models) >= 1
    new = pipe.forecast_for("600001")
    assert new.fallback_note and "terlalu pendek" in new.fallback_note and "model sederhana" in new.fallback_note
    assert len(new.mean) == 6 and np.all(new.mean == 1_000_000.0)
    for code, fc in pipe.forecasts.items():
        assert np.all(np.isfinite(fc.mean)) and np.all(fc.lower <= fc.mean) and np.all(fc.mean <= fc.upper)
    table = pipe.cluster_table()
    assert {"adf_p", "boxcox_lambda", "model", "ljung_box_p", "ks_p"} <= set(table.columns)
    with pytest.raises(SatkerNotFoundError):
        pipe.forecast_for("123456")


def test_a_failed_arima_forecast_falls_back_and_says_so(monkeypatch):
    import analytics.pagu.pipeline as pp

    real = pp.forecast_cluster

    def broken(*args, **kwargs):
        out = real(*args, **kwargs)
        out[0].mean = out[0].mean * np.nan      # the first member's ARIMA forecast is unusable
        return out

    monkeypatch.setattr(pp, "forecast_cluster", broken)
    syn = generate_panel(seed=4, n_satker=20, n_idpel=30, end="2021-12")
    pipe = PaguPipeline.fit(BillRepository(syn.bills).satker_panel(), "2021-09", k=2)
    notes = [fc.fallback_note for fc in pipe.forecasts.values() if fc.fallback_note]
    assert any("tidak menghasilkan ramalan yang layak" in n and "naif musiman" in n for n in notes)


def test_default_as_of_is_the_last_month_and_forecasts_next_year(sample_repo):
    r = forecast_pagu("528099", repository=sample_repo)
    assert r.as_of == pd.Period("2023-12", "M") and r.tahun == 2024
    assert r.realised == 0 and len(r.monthly) == 12
    assert r.pagu == sample_repo.pagu_for("528099", 2024)
