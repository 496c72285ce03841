"""POST /api/v1/bills/check and /bills/batch against the shipped synthetic SAKTI sample."""
import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from analytics.bills.fairness import check_idpel_bill
from analytics.bills.batch import score_bills_batch
from analytics.bills.io import load_bill_export
from analytics.bills.repository import BillRepository

SAMPLE = Path(__file__).resolve().parents[2] / "analytics" / "data" / "tagihan_pln_sintetis.csv"
IDPEL = "795034211780"
BAD_ROW = "527027,LISTRIK,79503421178X,202001,1000,P2,1,x,,1"


@pytest.fixture(scope="module")
def export_csv() -> bytes:
    """The first 40 bills of the sample (one satker's history) and one malformed row at line 42."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    return ("\n".join(lines[:41] + [BAD_ROW]) + "\n").encode()


def test_check_gives_the_cores_verdict_and_reason(client, auth):
    r = client.post("/api/v1/bills/check", json={"idpel": IDPEL, "nilai_tagihan": "Rp 95.000.000"}, headers=auth)
    assert r.status_code == 200
    expected = check_idpel_bill(IDPEL, 95_000_000, repository=BillRepository.sample())
    body = r.json()
    assert body["verdict"] == expected.verdict == "wajar"
    assert body["reason"] == expected.reason
    assert body["nilai_tagihan"] == 95_000_000
    assert body["periode"] == str(expected.periode)
    assert body["statistics"]["n_bulan"] == expected.statistics.n_bulan


def test_check_flags_a_tripled_bill(client, auth):
    body = client.post("/api/v1/bills/check", headers=auth,
                       json={"idpel": IDPEL, "nilai_tagihan": 300_000_000, "periode": "2024-01"}).json()
    assert body["verdict"] == "tidak wajar" and body["needs_manual_check"] is True
    assert body["basis"] in ("rata_rata", "median")


def test_check_unknown_idpel_404_and_malformed_idpel_422(client, auth):
    r = client.post("/api/v1/bills/check", json={"idpel": "111111111111", "nilai_tagihan": 1000}, headers=auth)
    assert r.status_code == 404
    assert r.json()["detail"] == "idpel 111111111111 tidak ditemukan dalam data tagihan listrik"
    r = client.post("/api/v1/bills/check", json={"idpel": "12a", "nilai_tagihan": 1000}, headers=auth)
    assert r.status_code == 422
    assert r.json()["detail"] == "ID pelanggan (idpel) harus 12 digit angka, '12a' belum sesuai."
    r = client.post("/api/v1/bills/check", json={"idpel": IDPEL, "nilai_tagihan": "sejuta dolar"}, headers=auth)
    assert r.status_code == 422 and "'sejuta dolar' belum sesuai" in r.json()["detail"]


def test_batch_reports_bad_rows_by_line_and_judges_the_good_ones(client, auth, export_csv):
    r = client.post("/api/v1/bills/batch", files={"file": ("ekspor.csv", export_csv, "text/csv")}, headers=auth)
    assert r.status_code == 200
    body = r.json()
    assert body["n_rows"] == 41 and body["n_judged"] == 40 and body["n_rejected"] == 1
    assert body["errors"] == [{"line": 42, "column": "NO_PELANGGAN",
                               "message": "ID pelanggan (idpel) harus 12 digit angka, '79503421178X' belum sesuai."}]
    assert sum(body["summary"].values()) == 40
    core = score_bills_batch(load_bill_export(export_csv).frame)
    assert [row["verdict"] for row in body["results"]] == core["verdict"].astype(str).tolist()
    assert [row["baris"] for row in body["results"]] == list(range(2, 42))
    assert body["results"][0]["reason"].startswith("Tagihan Januari 2019")


def test_batch_reads_xlsx_and_judges_one_month(client, auth, export_csv):
    frame = pd.read_csv(io.BytesIO(export_csv), dtype=str)
    buf = io.BytesIO()
    frame.to_excel(buf, index=False)
    r = client.post("/api/v1/bills/batch?bulan=2019-12", headers=auth,
                    files={"file": ("ekspor.xlsx", buf.getvalue(), "application/octet-stream")})
    assert r.status_code == 200
    body = r.json()
    assert body["n_judged"] == 1  # the idpel's December 2019 bill; the other 39 rows are its history
    assert {row["periode"] for row in body["results"]} == {"2019-12"}
    assert body["errors"][0]["line"] == 42


def test_batch_download_as_csv_and_xlsx_lists_every_line(client, auth, export_csv):
    r = client.post("/api/v1/bills/batch?format=csv", files={"file": ("e.csv", export_csv, "text/csv")}, headers=auth)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["x-hai-rows-rejected"] == "1"
    out = pd.read_csv(io.BytesIO(r.content), sep=";", encoding="utf-8-sig")
    assert out["baris"].tolist() == list(range(2, 43))
    assert out.iloc[-1]["putusan"] == "baris ditolak" and "12 digit" in out.iloc[-1]["alasan"]
    assert out["nilai_tagihan"].iloc[0] == 78050351
    r = client.post("/api/v1/bills/batch?format=xlsx", files={"file": ("e.csv", export_csv, "text/csv")}, headers=auth)
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["hasil", "ringkasan"]
    assert book["hasil"].max_row == 42


def test_batch_without_required_columns_is_422(client, auth):
    r = client.post("/api/v1/bills/batch", files={"file": ("x.csv", b"a;b\n1;2\n", "text/csv")}, headers=auth)
    assert r.status_code == 422
    assert r.json()["detail"].startswith("kolom wajib tidak ada pada data tagihan")
    r = client.post("/api/v1/bills/batch", files={"file": ("x.csv", b"", "text/csv")}, headers=auth)
    assert r.status_code == 422 and r.json()["detail"] == "Berkas unggahan kosong."
