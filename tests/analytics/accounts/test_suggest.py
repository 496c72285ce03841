"""Account-code suggestion and APBD validation (seed 001) with the bundled sentence model."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from analytics.accounts.suggest import AccountSuggester, NoConfidentMatchError, word_coverage
from benchmarks.accounts_noise import noisy_names, synthetic_apbd
from analytics.accounts.reference import code_level, load_reference, parent_codes, top_group
from analytics.accounts.text import dense_form, exact_key, is_blank_name, lexical_form
from analytics.accounts.validate import EMPTY, OK, UNKNOWN, WRITTEN, WRONG_CODE, validate_apbd_file
from analytics.errors import DataFileError


@pytest.fixture(scope="module")
def reference():
    return load_reference()


@pytest.fixture(scope="module")
def suggester(reference, tmp_path_factory):
    # the bundled model via get_embedder(); the FAISS index goes to a temporary folder
    return AccountSuggester(reference, index_dir=tmp_path_factory.mktemp("idx") / "accounts")


# ---------------------------------------------------------------- reference
def test_reference_levels_and_parents(reference):
    assert len(reference) > 150 and reference.version.startswith("2021")
    acc = reference.by_code["5.1.01.01.09.0001"]
    assert acc.name == "Belanja Iuran Jaminan Kesehatan PNS"
    assert [c for c, _ in acc.parents] == ["5", "5.1", "5.1.01", "5.1.01.01", "5.1.01.01.09"]
    assert acc.parents[2][1] == "Belanja Pegawai" and acc.full_name.endswith(
        "> Belanja Iuran Jaminan Kesehatan PNS"
    )
    assert all(code_level(a.code) == 6 for a in reference.accounts)
    assert {a.code[:6] for a in reference.accounts} >= {"5.1.01", "5.1.02", "5.1.06"}
    assert parent_codes("5.1.02.02.01.0003")[-1] == "5.1.02.02.01"
    assert code_level("5.1.01.01.01.001") == 0 and code_level("5.1.01") == 3


def test_official_list_replaces_the_shipped_one(tmp_path):
    path = tmp_path / "resmi.csv"
    pd.DataFrame(
        {
            "Kode Akun": ["5.1.01", "5.1.01.01.01.0001"],
            "Uraian": ["Belanja Pegawai", "Belanja Gaji Pokok PNS"],
        }
    ).to_csv(path, sep=";", index=False)
    ref = load_reference(path, fallback=None)
    assert len(ref) == 1 and ref.accounts[0].parents[2] == ("5.1.01", "Belanja Pegawai")
    merged = load_reference(path)  # Permendagri 90/2019 fills the groups the list lacks, not 5.1.01.01.01
    assert merged.by_code["5.1.01.01.01.0001"].source == "050-5889" and len(merged) > 1000
    bad = tmp_path / "rusak.csv"
    pd.DataFrame({"kode": ["5.1.x"], "nama": ["a"]}).to_csv(bad, index=False)
    with pytest.raises(DataFileError, match="kode akun tidak valid: '5.1.x'"):
        load_reference(bad)
    with pytest.raises(DataFileError, match="kolom yang diharapkan: kode, nama"):
        pd.DataFrame({"a": [1]}).to_csv(bad, index=False)
        load_reference(bad)


# ---------------------------------------------------------------- normal forms
def test_normal_forms_expand_abbreviations_and_asn():
    assert lexical_form("Blj Tunj. Beras P3K") == "tunjangan beras pppk"
    assert lexical_form("Belanja Gaji Pokok ASN") == lexical_form("Belanja Gaji Pokok PNS")
    assert lexical_form("Belanja Iuran Jaminan Kesehatan bagi Non ASN") == "iuran jaminan kesehatan non pns"
    assert dense_form("Blj ATK") == "belanja alat tulis kantor"
    assert exact_key("BELANJA  Tagihan-Listrik") == exact_key("belanja tagihan listrik")
    assert all(is_blank_name(x) for x in (None, float("nan"), "", " - ", "nan", "NULL"))
    assert word_coverage("gaji pokok pns 2023", "gaji pokok pns") == 1.0
    assert word_coverage("pembayaran cicilan pokok utang", "gaji pokok pns") == 0.25


# ---------------------------------------------------------------- suggestions
def test_seed_example_in_top_three(suggester):
    found = suggester.suggest("Belanja Iuran Jaminan Asuransi", k=3)
    assert "5.1.01.01.09.0001" in [s.code for s in found]
    s = found[0]
    assert 0 < s.score <= 1 and s.full_name and s.parents[4][0] == "rincian objek"
    assert set(s.components) >= {"dense", "tfidf", "fuzzy", "coverage"}


def test_noisy_names_find_their_account(suggester):
    cases = {
        "blj gaji pokok ASN": "5.1.01.01.01.0001",
        "Belanja Tunj. Beras P3K": "5.1.01.01.06.0002",
        "Belanja Alat/Bahan utk Kegiatan Kantor - ATK": "5.1.02.01.01.0024",
        "belanja tagihan lsitrik": "5.1.02.02.01.0061",
        "Perjalanan Dinas Biasa Tahun 2023": "5.1.02.04.01.0001",
    }
    for name, code in cases.items():
        assert suggester.suggest(name, k=1)[0].code == code, name
    exact = suggester.suggest("BELANJA TAGIHAN AIR", k=2)[0]
    assert exact.match_kind == "exact" and exact.score == 1.0


def test_empty_or_nonsense_is_no_confident_match(suggester):
    with pytest.raises(NoConfidentMatchError, match="nama akun kosong"):
        suggester.suggest("   ")
    for nonsense in ("asdfgh qwerty", "zzzz", "Laporan Arus Kas"):  # pendapatan is in the reference now
        with pytest.raises(NoConfidentMatchError, match="tidak ada kode akun yang cukup mirip") as err:
            suggester.suggest(nonsense)
        assert err.value.candidates  # the weak candidates are still there for an operator to look at


# ---------------------------------------------------------------- validator
def test_validator_classifies_each_record(suggester, tmp_path):
    df = pd.DataFrame(
        {
            "Kode Akun": [
                "5.1.01.01.01.0001",
                "5.1.01.01.01.0001",
                "5.1.02.02.01.0061",
                "5.1.01.01.06.0002",
                "5.1.02.02.01.0060",
                "9.9.99.99.99.9999",
                "5.1.01.01.01.0001",
            ],
            "Nama Akun": [
                "Belanja Gaji Pokok PNS",
                "",
                "Belanja Tagihan Telepon",
                "Blj Tunj Beras P3K",
                "Belanja Tagihan Listrik",
                "asdfgh qwerty",
                "belanja gaji pokok pns",
            ],
        }
    )
    report = validate_apbd_file(df, suggester=suggester)
    r = report.records
    assert list(r["status"]) == [OK, EMPTY, WRONG_CODE, WRITTEN, WRONG_CODE, UNKNOWN, OK]
    assert r.loc[1, "nama_saran"] == "Belanja Gaji Pokok PNS"  # empty name: the code's standard name
    assert r.loc[2, "kode_saran"] == "5.1.02.02.01.0059"  # the name is the telephone account's
    assert r.loc[3, "nama_saran"] == "Belanja Tunjangan Beras PPPK"
    assert list(r["baris"]) == list(range(2, 9))
    assert report.count(OK) == 2 and report.summary["jumlah"].sum() == 7
    assert "5 dari 7 record" in report.summary_text()
    xlsx = report.write(tmp_path / "hasil.xlsx")
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert set(sheets) >= {"ringkasan", "perlu_perbaikan"} and len(sheets["perlu_perbaikan"]) == 5
    csv = report.write(tmp_path / "hasil.csv")
    assert len(pd.read_csv(csv, sep=";")) == 7


def test_validator_scores_each_distinct_name_once(suggester, reference):
    df = synthetic_apbd(reference, 20_000, seed=5, n_unique_names=400)
    report = validate_apbd_file(df, suggester=suggester)
    wrong = df["nama_akun"].ne("") & ~df.apply(
        lambda r: reference.by_code[r.kode_akun].name == r.nama_akun, axis=1
    )
    assert report.distinct_names_scored <= df.loc[wrong, "nama_akun"].nunique()
    share_ok = report.count(OK) / report.n_records
    assert 0.985 < share_ok < 0.997  # about 0.93% of records are injected errors, as in the paper


def test_wrong_header_lists_expected_columns(tmp_path, suggester):
    path = tmp_path / "apbd.csv"
    pd.DataFrame({"akun": ["5.1"], "keterangan": ["x"]}).to_csv(path, index=False)
    with pytest.raises(DataFileError, match="kolom yang diharapkan: kode_akun, nama_akun"):
        validate_apbd_file(path, suggester=suggester)


# ---------------------------------------------------------------- evaluation data
def test_noisy_sets_are_deterministic_and_dev_test_disjoint(reference):
    dev = noisy_names(reference, "dev", 11)
    test = noisy_names(reference, "test", 20230)
    assert dev == noisy_names(reference, "dev", 11)
    assert len({n.text for n in dev} & {n.text for n in test}) < 0.1 * len(test)
    # every top group of the chart, in APBD shares, with planted old-nomenclature and template names
    groups = Counter(top_group(n.code) for n in test if n.code)
    assert set(groups) == set(reference.coverage) and groups["5.1"] > groups["5.2"] > groups["6"]
    families = Counter(f for n in test for f in n.families)
    assert families["nama_lama"] > 20 and families["templat"] > 200
    assert sum(1 for n in test if not n.code) == 40


@pytest.mark.parametrize("dense", ["all", "auto"])
def test_pruned_fuzzy_gives_the_same_top_k_as_scoring_everything(suggester, reference, dense):
    names = [n.text for n in noisy_names(reference, "dev", 11, total=400)][:300]
    k = 5
    full = suggester.component_scores(names, dense=dense)
    pruned = suggester.component_scores(names, dense=dense, k=k)
    assert np.isnan(pruned["fuzzy"]).mean() > 0.5  # most of the costly scores were skipped
    want = suggester.fuse(full, names)
    got = suggester.fuse(pruned, names)
    for row in range(len(names)):  # the same k best scores (ties aside, the same accounts)
        best_want, best_got = np.sort(want[row])[::-1][:k], np.sort(got[row])[::-1][:k]
        assert np.allclose(best_got, best_want, atol=1e-6), names[row]
        top = np.argsort(-got[row], kind="stable")[:k]
        assert np.allclose(got[row][top], want[row][top], atol=1e-6), names[row]
