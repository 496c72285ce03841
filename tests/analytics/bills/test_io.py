"""Loaders for the SAKTI bill export and pagu (analytics.bills.io)."""
import io

import pandas as pd
import pytest

from analytics.bills.io import load_bill_export, load_pagu
from analytics.errors import DataFileError

CSV = """KODE_SATKER;JENIS_LAYANAN;NO_PELANGGAN;PERIODE_TAGIHAN;NILAI_TAGIHAN;nip;nama_pelanggan
527027;LISTRIK;512345678901;202201;3.648.730.000;198001012005011001;Budi
527027;LISTRIK;512345678901;202202;Rp 1.250.000;198001012005011001;Budi
52702;LISTRIK;512345678901;202203;1000;x;y
527027;LISTRIK;5123;202203;1000;x;y
527027;LISTRIK;512345678901;2022-13;1000;x;y
527027;LISTRIK;512345678901;202204;abc;x;y
527027;LISTRIK;512345678901;202205;0;x;y
527027;LISTRIK;512345678901;202202;2.000.000;x;y
527982;LISTRIK;512345678902;Februari 2022;"1,25 juta";x;y
"""


def test_csv_good_rows_loaded_bad_rows_reported_by_line():
    res = load_bill_export(CSV.encode())
    assert len(res.frame) == 3 and res.n_rows == 9
    assert res.frame["nilai_tagihan"].tolist() == [3_648_730_000, 1_250_000, 1_250_000]
    assert res.frame["periode"].iloc[2] == pd.Period("2022-02", "M")
    lines = {e.line: e for e in res.errors}
    assert set(lines) == {4, 5, 6, 7, 8, 9}
    assert lines[4].message == "Kode satker harus 6 digit angka, '52702' belum sesuai."  # the chat's words
    assert "(idpel) harus 12 digit" in lines[5].message
    assert "Periode harus berupa bulan dan tahun" in lines[6].message
    assert "tidak dapat dibaca" in lines[7].message
    assert "lebih dari 0" in lines[8].message
    assert "periode ganda" in lines[9].message and "baris 3" in lines[9].message
    assert "nip" not in res.frame.columns and "nama_pelanggan" not in res.frame.columns
    assert "6 baris ditolak" in res.summary()


def test_xlsx_with_numbers_that_lost_leading_zeros(tmp_path):
    df = pd.DataFrame({"KODE_SATKER": [19213, 527027], "NO_PELANGGAN": [12345678901, 512345678901],
                       "PERIODE_TAGIHAN": [202201, 202201], "NILAI_TAGIHAN": [1_000_000.0, "Rp 2.000.000"]})
    path = tmp_path / "tagihan.xlsx"
    df.to_excel(path, index=False)
    res = load_bill_export(path)
    assert res.errors == []
    assert res.frame["kode_satker"].tolist() == ["019213", "527027"]
    assert res.frame["idpel"].tolist() == ["012345678901", "512345678901"]
    assert res.frame["nilai_tagihan"].tolist() == [1_000_000, 2_000_000]


def test_missing_columns_and_missing_file():
    with pytest.raises(DataFileError, match="kolom wajib"):
        load_bill_export(b"a,b\n1,2\n")
    with pytest.raises(DataFileError, match="tidak ditemukan"):
        load_bill_export("/nonexistent/tagihan.csv")


def test_pagu_loader():
    text = "kode_satker,akun,tahun,pagu\n527027,522111,2022,1.216.296.000\n527027,522111,2022,5\n12,522111,2022,5\n527982,522111,2022,0\n"
    res = load_pagu(io.BytesIO(text.encode()))
    assert res.frame["pagu"].tolist() == [1_216_296_000]
    assert [e.line for e in res.errors] == [3, 4, 5]
