"""validate_apbd_file over the merged reference: groups, templates, old nomenclature, the report header."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.accounts.suggest import AccountSuggester
from analytics.accounts.validate import OK, WRITTEN, WRONG_CODE, validate_apbd_file
from analytics.errors import DataFileError

SUBSIDI = "Belanja Subsidi kepada BUMD PDAM Tirta Raharja"


@pytest.fixture(scope="module")
def suggester(tmp_path_factory):
    return AccountSuggester(index_dir=tmp_path_factory.mktemp("idx") / "accounts")


@pytest.fixture(scope="module")
def report(suggester):
    ref = suggester.reference
    rows = [
        ("5.1.01.01.09.0001", "Belanja Iuran Jaminan Kesehatan PNS"),  # 050-5889, OK
        ("5.2.02.05.01.0001", ref.by_code["5.2.02.05.01.0001"].name),  # belanja modal (90/2019), OK
        ("4.1.01.01.01.0001", ref.by_code["4.1.01.01.01.0001"].name),  # pendapatan, OK
        ("5.1.04.02.02.0001", SUBSIDI),  # template
        ("5.1.04.02.02.0003", SUBSIDI),  # region-numbered after "Dst ..."
        ("5.1.02.03.02.0118", "Belanja Pemeliharaan Alat Kantor dan Rumah Tangga-Alat Rumah Tangga-Meubelair"),
        ("5.1.02.01.01.0001", "Belanja Alat Tulis Kantor"),  # 90/2019 code reassigned by 050-5889
        ("6.1.01.01.01.0001", ref.by_code["6.1.01.01.01.0001"].name),
    ]
    frame = pd.DataFrame(rows, columns=["kode_akun", "nama_akun"])
    return validate_apbd_file(frame, suggester=suggester)


def test_every_group_is_checked_and_counted(report):
    rec = report.records
    assert list(rec["status"][:5]) == [OK] * 5
    assert list(rec["kelompok"]) == ["5.1", "5.2", "4", "5.1", "5.1", "5.1", "5.1", "6"]
    assert list(rec["sumber"][:3]) == ["050-5889", "90/2019", "90/2019"]
    groups = report.per_group.set_index("kelompok")
    assert groups.loc["5.1", "jumlah"] == 5 and groups.loc["6", OK] == 1 and groups.loc["5.2", "persen_ok"] == 100
    assert "templat 5.1.04.02.02.0001" in rec["keterangan"][4]


def test_old_nomenclature_is_told_what_changed(report):
    mebel, atk = report.records.iloc[5], report.records.iloc[6]
    assert mebel["status"] == WRITTEN and mebel["nama_saran"].endswith("Mebel")
    assert "nama lama Permendagri 90 Tahun 2019" in mebel["keterangan"]
    assert atk["status"] == WRONG_CODE and atk["kode_saran"] == "5.1.02.01.01.0024"
    assert "kini untuk" in atk["keterangan"]


def test_header_states_versions_and_coverage(report):
    text = report.summary_text()
    assert text.startswith("Referensi: Kepmendagri 050-5889 Tahun 2021 (versi 2021.3-partial")
    assert "Permendagri 90 Tahun 2019" in text and "5.2 Belanja Modal" in text
    assert "Per kelompok akun:" in text and "- 4 Pendapatan Daerah: 1 record, 100,0% sesuai" in text


def test_a_bad_reference_leaves_the_one_in_service(suggester, tmp_path):
    before = suggester.reference
    bad = tmp_path / "resmi.csv"
    bad.write_text("kode,nama\n5.1.01.01.01.0001,Gaji\n5.1.01.01.01.0001,Gaji\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="baris 3"):
        suggester.reload(bad)
    assert suggester.reference is before and suggester.suggest(SUBSIDI)[0].match_kind == "template"


def test_old_names_lead_to_their_code_written_exactly_or_with_typos(suggester):
    ref = suggester.reference
    mebel = ref.by_code["5.1.02.03.02.0118"]
    old = next(n for n in mebel.renamed_from if "Meubelair" in n)
    top = suggester.suggest(old)[0]
    assert (top.code, top.match_kind, top.score) == (mebel.code, "nama_lama", 1.0)
    typo = old.replace("Meubelair", "Meubelar").replace("Pemeliharaan", "Pemeliharan").upper()
    assert suggester.suggest(typo)[0].code == mebel.code
    # the reassigned code's old name does not lead to the code that now means something else
    assert suggester.suggest("Belanja Alat Tulis Kantor")[0].code == "5.1.02.01.01.0024"
