"""The merged reference: 050-5889 first, Permendagri 90/2019 by code, templates, bad files named by line."""

from __future__ import annotations

import pytest

from analytics.accounts.reference import (
    SOURCE_050,
    SOURCE_90,
    TOP_GROUPS,
    fits_template,
    load_reference,
    template_parts,
    top_group,
    widen_code,
)
from analytics.errors import DataFileError


@pytest.fixture(scope="module")
def reference():
    return load_reference()


def test_every_group_of_the_chart_is_covered(reference):
    assert set(reference.coverage) == set(TOP_GROUPS)
    assert reference.sources[SOURCE_050] == 1146 and reference.sources[SOURCE_90] > 1500
    assert reference.by_code["5.2.02.05.01.0001"].source == SOURCE_90
    assert reference.by_code["5.1.01.01.09.0001"].source == SOURCE_050
    assert "Kepmendagri 050-5889" in reference.describe() and "Permendagri 90" in reference.describe()


def test_050_5889_wins_and_keeps_the_older_name(reference):
    mebel = reference.by_code["5.1.02.03.02.0118"]
    assert "Mebel" in mebel.name and mebel.source == SOURCE_050
    assert any("Meubelair" in n for n in mebel.former_names)
    # 5.1.02.01.01 was renumbered: 90/2019's ATK code .001 keeps 050-5889's name, ATK is a former name only
    first = reference.by_code["5.1.02.01.01.0001"]
    assert first.source == SOURCE_050 and "Alat Tulis Kantor" not in first.name
    assert any("Alat Tulis Kantor" in n for n in first.former_names)


def test_a_reworded_name_is_an_alias_a_reassigned_code_is_not(reference):
    mebel = reference.by_code["5.1.02.03.02.0118"]
    assert any("Meubelair" in n for n in mebel.renamed_from)
    atk = reference.by_code["5.1.02.01.01.0001"]  # the code now means another account
    assert atk.former_names and not atk.renamed_from
    renamed = sum(len(a.renamed_from) for a in reference.accounts)
    assert 0 < renamed <= sum(len(a.former_names) for a in reference.accounts)


def test_sixth_segment_and_groups():
    assert widen_code("5.1.01.01.01.001") == "5.1.01.01.01.0001"
    assert widen_code("5.1.01") == "5.1.01"
    assert [top_group(c) for c in ("4.1.01", "5.1.02.01.01.0001", "5.2", "5.4.01", "6.2", "7", "")] == [
        "4", "5.1", "5.2", "5.4", "6", "", ""]


def test_templates_accept_names_that_fit_their_fixed_part(reference):
    parts = template_parts("Belanja Subsidi kepada BUMD ...")
    assert parts == ("belanja subsidi kepada bumd", "")
    assert fits_template("Belanja Subsidi kepada BUMD PDAM Tirta Raharja", parts)
    assert not fits_template("Belanja Subsidi kepada BUMN PT KAI", parts)
    assert template_parts("Belanja Gaji Pokok PNS") is None
    assert template_parts("Belanja Hibah (diisi nama penerima)") == ("belanja hibah", "")
    name = "Belanja Subsidi kepada BUMD PDAM Tirta Raharja"
    assert reference.template_matching(name).code == "5.1.04.02.02.0001"
    # a region-numbered code after the "Dst ..." row of the same rincian objek
    assert reference.template_for("5.1.04.02.02.0007", name).code == "5.1.04.02.02.0001"
    assert reference.template_for("5.1.04.01.01.0007", name) is None


def _write(path, rows):
    path.write_text("# versi uji\nkode,nama\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_bad_rows_and_duplicates_are_named_by_line(tmp_path):
    bad = _write(tmp_path / "rusak.csv", ["5.1,BELANJA OPERASI", "5.1.x,Salah", "5.1.01.01.01.0001,Gaji"])
    with pytest.raises(DataFileError, match=r"rusak.csv .*baris 4, kolom kode: kode akun tidak valid: '5.1.x'"):
        load_reference(bad, fallback=None)
    dup = _write(tmp_path / "ganda.csv", ["5.1.01.01.01.0001,Gaji", "5.1.01.01.01.0001,Gaji Lagi"])
    with pytest.raises(DataFileError, match=r"baris 4, kolom kode: kode akun 5.1.01.01.01.0001 ganda "
                                            r"\(sudah ada di baris 3\)"):
        load_reference(dup, fallback=None)
    good = load_reference(_write(tmp_path / "baik.csv", ["5.1.01.01.01.0001,Belanja Gaji Pokok PNS"]),
                          fallback=None)
    assert len(good) == 1 and good.version == "uji"
