"""Reconciliation risk (seed 004): schema and bins, synthetic data, loader, C4.5, booster, CV, repository."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from analytics.errors import DataFileError, InvalidInputError, ModelError, SatkerNotFoundError
from benchmarks.rekon_cv import compute_metrics, cross_validate_rekon, rekon_folds
from analytics.rekon.io import load_rekon_export
from analytics.rekon.model import RekonRiskModel
from analytics.rekon.ranking import MAX_WITH_REASONS, RankedRisk, rank_rekon_batch
from analytics.rekon.repository import RekonRepository
from analytics.rekon.schema import (
    ATTRIBUTES,
    EXPORT_COLUMNS,
    FEATURE_COLUMNS,
    LABEL_COLUMN,
    OK,
    PAGU_BINS,
    PNBP_BINS,
    REALISASI_BINS,
    SELISIH,
    classify_risk,
    labels_to_int,
    to_paper_attributes,
)
from analytics.rekon.synthetic import generate_rekon_dataset
from benchmarks.rekon_c45 import C45Tree, added_errors
from benchmarks.rekon_weka import parse_distribution, write_arff


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return generate_rekon_dataset(n_rows=4000, seed=7)


@pytest.fixture(scope="module")
def model(data) -> RekonRiskModel:
    return RekonRiskModel().fit(data)


# ---------------------------------------------------------------- schema
def test_twenty_attributes_and_paper_bins():
    assert len(ATTRIBUTES) == 20
    assert list(PAGU_BINS.label([0, 1e6, 2e8, 5e9, 10e9, 2e11])) == [
        "TIDAK ADA",
        "KECIL",
        "SEDANG",
        "SEDANG",
        "BESAR",
        "SANGAT BESAR",
    ]
    assert list(REALISASI_BINS.label([499e6, 500e6, 1e11])) == ["KECIL", "SEDANG", "SANGAT BESAR"]
    assert len(PNBP_BINS.all_labels) == 6
    assert list(PNBP_BINS.label([0, 5e5, 5e7, 5e8, 5e9, 5e10])) == [
        "TIDAK ADA",
        "SANGAT KECIL",
        "KECIL",
        "SEDANG",
        "BESAR",
        "SANGAT BESAR",
    ]
    assert PAGU_BINS.describe("SEDANG") == "Rp200 juta s.d. < Rp10 miliar"


# ---------------------------------------------------------------- synthetic data
def test_synthetic_is_deterministic_labelled_and_paper_shaped():
    full = generate_rekon_dataset(seed=2015)
    assert len(full) == 13_782
    assert (full["sumber_data"] == "SINTETIS").all()
    share = (full[LABEL_COLUMN] == SELISIH).mean()
    assert 0.22 < share < 0.26  # paper: 3,279 / 13,782 = 0.238
    assert full["jumlah_sp2d"].between(0, 1194).all() and full["jumlah_sp2d"].max() == 1194
    assert full["jumlah_revisi_dipa"].max() <= 66
    kew = full["jenis_kewenangan"].value_counts()
    assert 2300 < kew["KP"] < 2900 and kew["TIDAK ADA"] > 9500  # paper: 2,591 KP, 10,136 none
    pd.testing.assert_frame_equal(full.head(200), generate_rekon_dataset(seed=2015).head(200))
    assert not full.head(200).equals(generate_rekon_dataset(seed=2016).head(200))


def test_more_sp2d_means_more_selisih(data):
    high = data[data["jumlah_sp2d"] > 373][LABEL_COLUMN].eq(SELISIH).mean()
    low = data[data["jumlah_sp2d"] < 45][LABEL_COLUMN].eq(SELISIH).mean()
    assert high > 0.5 > low  # the paper's root split: > 373 SP2D -> SELISIH


# ---------------------------------------------------------------- loader
def test_loader_reads_indonesian_amounts_and_rejects_bad_rows(tmp_path, data):
    rows = data.head(5)[list(EXPORT_COLUMNS)].copy()
    rows = rows.astype(object)
    rows.loc[0, "pagu_barang"] = "Rp1.250.000.000"
    rows.loc[1, "kode_satker"] = "12a"
    rows.loc[2, "jumlah_sp2d"] = -3
    rows.loc[3, "jenis_kewenangan"] = "XX"
    rows.loc[4, "jumlah_program"] = "dua"
    path = tmp_path / "rekon.csv"
    rows.to_csv(path, sep=";", index=False)
    result = load_rekon_export(path)
    assert len(result.frame) == 1 and result.frame.loc[0, "pagu_barang"] == 1_250_000_000
    by_line = {e.line: e for e in result.errors}
    assert set(by_line) == {3, 4, 5, 6}
    assert "Kode satker harus 6 digit" in by_line[3].message
    assert by_line[4].column == "jumlah_sp2d" and "di luar rentang" in by_line[4].message
    assert "jenis kewenangan 'XX' tidak dikenal" in by_line[5].message
    assert by_line[6].column == "jumlah_program"


def test_wrong_header_lists_expected_columns(tmp_path):
    path = tmp_path / "salah.csv"
    pd.DataFrame({"kode": ["123456"], "nilai": [1]}).to_csv(path, index=False)
    with pytest.raises(DataFileError, match="Kolom yang diharapkan: kode_satker, periode, jenis_kewenangan"):
        load_rekon_export(path)


# ---------------------------------------------------------------- C4.5 baseline
def test_pessimistic_error_matches_quinlan():
    # C4.5 book example: 6 cases, 0 errors, CF 25% -> upper bound 0.206 * 6 = 1.24 (rounded)
    assert added_errors(6, 0, 0.25) == pytest.approx(1.24, abs=0.02)
    assert added_errors(16, 1, 0.25) == pytest.approx(16 * 0.157 - 1, abs=0.1)


def test_c45_splits_on_sp2d_first_and_explains_the_path(data):
    paper = to_paper_attributes(data)
    tree = C45Tree().fit(paper, labels_to_int(data[LABEL_COLUMN]))
    assert tree.root.attribute == "jumlah_sp2d"  # the paper's root attribute
    assert 3 < tree.size < 1000 and tree.n_leaves < tree.size
    busy = paper[data["jumlah_sp2d"] > 600].iloc[0]
    p, path = tree.decision_path(busy)
    assert p > 0.5 and path[0].attribute == "jumlah_sp2d" and "jumlah SP2D" in path[0].text
    probs = tree.predict_proba(paper)
    assert probs.shape == (len(paper),) and ((probs >= 0) & (probs <= 1)).all()


# ---------------------------------------------------------------- booster and reasons
def test_prediction_has_probability_class_and_reasons(model, data):
    busy = data.sort_values("jumlah_sp2d").iloc[-1]
    pred = model.predict(busy)
    assert pred.kelas == SELISIH and 0.5 < pred.probability < 1.0
    assert pred.reasons[0].startswith("Peluang selisih")
    assert any("jumlah SP2D bulan ini" in r for r in pred.reasons[1:])
    top = pred.contributions[0]
    assert top.delta > 0.01 and top.column in FEATURE_COLUMNS
    quiet = data.sort_values("jumlah_sp2d").iloc[0]
    assert model.predict(quiet).probability < pred.probability


def test_model_save_and_load_roundtrip(model, data, tmp_path):
    path = model.save(tmp_path / "rekon.joblib")
    again = RekonRiskModel.load(path)
    np.testing.assert_allclose(again.predict_proba(data.head(50)), model.predict_proba(data.head(50)))
    with pytest.raises(ModelError, match="belum tersimpan"):
        RekonRiskModel.load(tmp_path / "tidak_ada.joblib")


def test_unfitted_or_one_class_data_is_a_typed_error(data):
    with pytest.raises(ModelError):
        RekonRiskModel().predict_proba(data.head(3))
    one_class = data[data[LABEL_COLUMN] != SELISIH].head(200)
    with pytest.raises(ModelError, match="OK dan SELISIH"):
        RekonRiskModel().fit(one_class)


# ---------------------------------------------------------------- cross-validation
def test_cross_validation_same_folds_and_booster_beats_c45(data):
    result = cross_validate_rekon(data, n_folds=3, seed=1)
    c45, booster = result.metrics["c45"], result.metrics["model"]
    assert 0.6 < c45.roc_auc < 0.8 and 0.7 < c45.accuracy < 0.85  # near the paper's J48 (0.71, 78%)
    assert booster.roc_auc > c45.roc_auc + 0.04
    assert booster.kappa >= c45.kappa
    assert booster.brier < c45.brier and 0 < booster.pr_auc < 1
    folds = rekon_folds(data[LABEL_COLUMN], 3, 1)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, result.folds))


def test_metrics_by_hand():
    m = compute_metrics(
        np.array(["OK", "OK", "SELISIH", "SELISIH"], dtype=object),
        [0.1, 0.6, 0.4, 0.9],
        np.array(["OK", "SELISIH", "OK", "SELISIH"], dtype=object),
    )
    assert m.accuracy == 0.5 and m.tp_rate_selisih == 0.5 and m.kappa == 0.0 and m.roc_auc == 0.75


# ---------------------------------------------------------------- repository
def test_repository_latest_month_and_typed_errors(data, model):
    repo = RekonRepository(data.copy(), source="test")
    kode = data["kode_satker"].iloc[0]
    row = repo.latest(kode)
    assert row["periode"] == data.loc[data["kode_satker"] == kode, "periode"].max()
    with pytest.raises(SatkerNotFoundError, match="satker 123456 tidak ditemukan"):
        repo.latest("123456")
    with pytest.raises(InvalidInputError, match="Kode satker harus 6 digit"):
        repo.latest("12a")
    ranking = repo.rank(top=5, model=model)
    assert len(ranking) == 5 and ranking[0].probability >= ranking[-1].probability
    assert all(isinstance(r, RankedRisk) for r in ranking) and [r.rank for r in ranking] == [1, 2, 3, 4, 5]
    assert repo.assess(ranking[0].kode_satker, model=model).probability == pytest.approx(
        ranking[0].probability
    )


def test_shipped_sample_is_the_synthetic_data():
    repo = RekonRepository.from_sample()
    assert repo.is_synthetic and len(repo.frame) == 13_782 and repo.load_errors == []
    assert len(repo.kode_satker) == 1253


# ---------------------------------------------------------------- Weka glue
def test_arff_and_j48_output_parsing(tmp_path, data):
    path = tmp_path / "d.arff"
    write_arff(to_paper_attributes(data.head(3)), data[LABEL_COLUMN].head(3), path)
    text = path.read_text()
    assert "@attribute jenis_kewenangan {KP,KD,DK,TP,'TIDAK ADA'}" in text
    assert "@attribute realisasi_pnbp {'TIDAK ADA','SANGAT KECIL',KECIL,SEDANG,BESAR,'SANGAT BESAR'}" in text
    assert text.count("\n") > 25
    out = (
        "\n=== Predictions on test data ===\n\n inst#     actual  predicted error distribution\n"
        "     1       1:OK       1:OK       *0.8,0.2\n     2  2:SELISIH  1:OK   +   *0.6,0.4\n"
    )
    np.testing.assert_allclose(parse_distribution(out, 2), [0.2, 0.4])


# ---------------------------------------------------------------- the SELISIH rule and batch ranking
def test_selisih_rule_at_exactly_the_threshold(model, data):
    assert classify_risk(0.3, 0.3) == SELISIH and classify_risk(np.nextafter(0.3, 0), 0.3) == OK
    assert list(classify_risk(np.array([0.29, 0.3, 0.31]), 0.3)) == [OK, SELISIH, SELISIH]
    row = data.iloc[0]
    p = float(model.predict_proba(pd.DataFrame([row]))[0])
    at = copy.copy(model)  # the same fitted model, its threshold set to exactly this row's P(SELISIH)
    at.threshold = p
    assert at.classify(p) == SELISIH and at.predict(row).kelas == SELISIH
    assert list(at.predict_label(pd.DataFrame([row]))) == [SELISIH]
    assert rank_rekon_batch(at, pd.DataFrame([row]))[0].kelas == SELISIH
    at.threshold = float(np.nextafter(p, 1))
    assert at.classify(p) == OK and at.predict(row).kelas == OK
    assert rank_rekon_batch(at, pd.DataFrame([row]))[0].kelas == OK


def test_batch_ranking_orders_classifies_and_explains_the_top(model, data):
    frame = data.head(300)
    prob = model.predict_proba(frame)
    ranked = rank_rekon_batch(model, frame, top=20, with_reasons=3)
    assert [r.rank for r in ranked] == list(range(1, 21))
    assert [r.probability for r in ranked] == pytest.approx(sorted(prob, reverse=True)[:20])
    assert all(r.kelas == model.classify(r.probability) for r in ranked)
    assert [bool(r.reasons) for r in ranked] == [True] * 3 + [False] * 17
    best = ranked[0]
    i = int(np.argmax(prob))
    assert (best.kode_satker, best.periode) == (frame["kode_satker"].iloc[i], frame["periode"].iloc[i])
    assert best.reasons == model.predict(frame.iloc[i]).reasons
    assert rank_rekon_batch(model, frame.iloc[:0]) == [] and rank_rekon_batch(model, frame, top=0) == []
    assert len(rank_rekon_batch(model, frame.head(2), top=10)) == 2
    assert MAX_WITH_REASONS == 100


def test_equal_probabilities_keep_the_file_order(model, data):
    row = data.iloc[[5]]
    frame = pd.concat([row] * 3, ignore_index=True)
    frame["kode_satker"] = ["000003", "000001", "000002"]
    assert [r.kode_satker for r in rank_rekon_batch(model, frame)] == ["000003", "000001", "000002"]
