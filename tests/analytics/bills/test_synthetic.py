"""The synthetic generator (analytics.bills.synthetic): deterministic, labelled, paper-shaped."""
import pandas as pd

from analytics.bills.synthetic import PAPER_TABLE7, generate_panel, to_sakti_export


def test_deterministic_and_labelled():
    a = generate_panel(seed=5, n_satker=25, n_idpel=60)
    b = generate_panel(seed=5, n_satker=25, n_idpel=60)
    pd.testing.assert_frame_equal(a.bills, b.bills)
    assert (a.bills["sintetis"] == 1).all()
    assert set(a.bills["anomali"]) <= {"", "meter_error", "spike", "double_billing"}
    assert not a.bills.duplicated(["idpel", "periode"]).any()
    assert (a.bills["nilai_tagihan"] > 0).all()


def test_default_shape_follows_the_paper():
    p = generate_panel()
    assert p.bills["kode_satker"].nunique() == 180 and p.bills["idpel"].nunique() == 465
    assert p.satker["n_idpel"].max() == 20
    assert p.satker["group"].value_counts().sort_index().tolist() == [77, 59, 39, 5]
    means = (p.bills.groupby(["kode_satker", "periode"])["nilai_tagihan"].sum().groupby(level=0).mean()
             .groupby(p.satker.set_index("kode_satker")["group"]).mean())
    assert 30e6 < means[0] < 50e6 and 15e6 < means[1] < 26e6 and 8e6 < means[2] < 14e6
    rate = (p.bills["anomali"] != "").mean()
    assert 0.015 < rate < 0.05
    known = p.pagu[p.pagu["cukup_aktual"].notna()]
    assert 0.1 < (~known["cukup_aktual"].astype(bool)).mean() < 0.45          # some pagu run short
    assert p.pagu["tahun"].max() == 2024 and p.pagu.loc[p.pagu.tahun == 2024, "cukup_aktual"].isna().all()
    t7 = p.pagu[(p.pagu.tahun == 2022) & p.pagu.kode_satker.isin(PAPER_TABLE7)].set_index("kode_satker")["pagu"]
    assert t7.to_dict() == {k: v[1] for k, v in PAPER_TABLE7.items()}


def test_sakti_export_columns():
    p = generate_panel(seed=5, n_satker=25, n_idpel=40)
    out = to_sakti_export(p.bills)
    assert {"KODE_SATKER", "NO_PELANGGAN", "PERIODE_TAGIHAN", "NILAI_TAGIHAN", "sintetis"} <= set(out.columns)
    assert out["PERIODE_TAGIHAN"].iloc[0] == 201901


def test_shipped_sample_regenerates_identically():
    from analytics.bills.synthetic import BILLS_FILE, DATA_DIR

    shipped = pd.read_csv(DATA_DIR / BILLS_FILE, dtype={"KODE_SATKER": str, "NO_PELANGGAN": str}, keep_default_na=False)
    fresh = to_sakti_export(generate_panel().bills)
    assert len(shipped) == len(fresh)
    assert shipped["NILAI_TAGIHAN"].tolist() == fresh["NILAI_TAGIHAN"].tolist()
    assert shipped["NO_PELANGGAN"].tolist() == fresh["NO_PELANGGAN"].astype(str).tolist()
