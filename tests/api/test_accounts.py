"""POST /api/v1/accounts/suggest and /accounts/validate against the shipped Kepmendagri 050-5889 reference."""
import io

from openpyxl import load_workbook

ATK = "5.1.02.01.01.0024"


def test_suggest_returns_the_code_with_its_hierarchy(client, auth):
    r = client.post("/api/v1/accounts/suggest", json={"name": "belanja alat tulis kantor", "k": 3}, headers=auth)
    assert r.status_code == 200
    body = r.json()
    assert body["confident"] is True
    assert body["suggestions"][0]["code"] == ATK
    assert body["suggestions"][0]["parents"][0] == {"level": "akun", "code": "5", "name": "BELANJA DAERAH"}
    assert len(body["suggestions"]) <= 3


def test_nonsense_name_is_not_given_a_random_code(client, auth):
    body = client.post("/api/v1/accounts/suggest", json={"name": "qwxz plmk"}, headers=auth).json()
    assert body["confident"] is False and body["suggestions"] == []
    assert "tidak ada kode akun yang cukup mirip" in body["message"]
    assert client.post("/api/v1/accounts/suggest", json={"name": ""}, headers=auth).status_code == 422


APBD = ("kode_akun;nama_akun\n"
        f"{ATK};Belanja Alat/Bahan untuk Kegiatan Kantor-Alat Tulis Kantor\n"
        f"{ATK};belanja alat tulis kantr\n"
        "5.1.02.01.01.9999;Belanja Alat/Bahan untuk Kegiatan Kantor-Alat Tulis Kantor\n"
        f"{ATK};\n").encode()


def test_validate_reports_each_problem_with_its_line(client, auth):
    r = client.post("/api/v1/accounts/validate", files={"file": ("apbd.csv", APBD, "text/csv")}, headers=auth)
    assert r.status_code == 200
    body = r.json()
    assert body["n_records"] == 4
    counts = {s["status"]: s["jumlah"] for s in body["summary"]}
    assert counts["OK"] == 1 and counts["NAMA KOSONG"] == 1
    by_line = {p["baris"]: p for p in body["problems"]}
    assert set(by_line) == {3, 4, 5}
    assert by_line[3]["status"] == "SALAH TULIS" and by_line[3]["kode_saran"] == ATK
    assert by_line[4]["status"] == "SALAH KODE" and by_line[4]["kode_saran"] == ATK
    assert "tidak sesuai standar" in body["summary_text"]
    assert body["header"].startswith("Referensi: Kepmendagri 050-5889") and "5.2 Belanja Modal" in body["header"]
    assert body["per_group"] == [{"kelompok": "5.1", "nama_kelompok": "Belanja Operasi", "jumlah": 4,
                                  "persen_ok": 25.0}]
    assert by_line[3]["kelompok"] == "5.1" and by_line[3]["sumber"] == "050-5889"


def test_suggest_names_the_regulation_of_each_code(client, auth):
    body = client.post("/api/v1/accounts/suggest", json={"name": "Belanja Subsidi kepada BUMD PDAM Tirta Raharja"},
                       headers=auth).json()
    top = body["suggestions"][0]
    assert (top["code"], top["match_kind"], top["source"]) == ("5.1.04.02.02.0001", "template", "90/2019")


def test_validate_download_xlsx(client, auth):
    r = client.post("/api/v1/accounts/validate?format=xlsx", files={"file": ("apbd.csv", APBD, "text/csv")},
                    headers=auth)
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["ringkasan", "per_kelompok", "perlu_perbaikan", "semua_record"]
    assert book["perlu_perbaikan"].max_row == 4


def test_validate_without_name_column_is_422(client, auth):
    r = client.post("/api/v1/accounts/validate", files={"file": ("a.csv", b"kode;x\n1;2\n", "text/csv")}, headers=auth)
    assert r.status_code == 422 and "kolom nama akun tidak ditemukan" in r.json()["detail"]
