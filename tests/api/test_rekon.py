"""GET /api/v1/rekon/{kode_satker} and POST /rekon/batch (the model is trained once into the test data dir)."""
import gzip
from pathlib import Path

from analytics.rekon.repository import SAMPLE_FILE

SATKER = "922051"


def test_assess_gives_probability_class_and_reasons(client, auth, api_settings):
    r = client.get(f"/api/v1/rekon/{SATKER}", headers=auth)
    assert r.status_code == 200
    body = r.json()
    assert body["kode_satker"] == SATKER
    assert 0 <= body["probability"] <= 1
    assert body["kelas"] == ("SELISIH" if body["probability"] >= body["threshold"] else "OK")
    assert body["reasons"][0].startswith("Peluang selisih")
    assert body["synthetic"] is True
    assert api_settings.rekon_model_path.exists()  # trained once into the test data dir


def test_wrong_and_unknown_satker(client, auth):
    assert client.get("/api/v1/rekon/12a", headers=auth).status_code == 422
    r = client.get("/api/v1/rekon/000001", headers=auth)
    assert r.status_code == 404 and "tidak ditemukan dalam data rekonsiliasi" in r.json()["detail"]


def test_batch_ranks_rows_and_reports_bad_ones(client, auth):
    lines = gzip.decompress(Path(SAMPLE_FILE).read_bytes()).decode().splitlines()
    bad = lines[1].split(",")
    bad[0] = "12a"
    body = ("\n".join(lines[:61] + [",".join(bad)]) + "\n").encode()
    r = client.post("/api/v1/rekon/batch?top=10&reasons=true", headers=auth,
                    files={"file": ("satker.csv", body, "text/csv")})
    assert r.status_code == 200
    out = r.json()
    assert out["n_assessed"] == 60 and out["n_rejected"] == 1
    assert out["errors"] == [{"line": 62, "column": "kode_satker",
                              "message": "Kode satker harus 6 digit angka, '12a' belum sesuai."}]
    probs = [row["probability"] for row in out["ranked"]]
    assert len(probs) == 10 and probs == sorted(probs, reverse=True)
    assert {row["kelas"] for row in out["ranked"]} <= {"SELISIH", "OK"} and 0 < out["threshold"] < 1
    assert all(row["reasons"] for row in out["ranked"])
    assert [row["rank"] for row in out["ranked"]] == list(range(1, 11))
    assert out["ranked"][0]["reasons"][0].startswith("Peluang selisih")


def test_batch_with_foreign_file_is_422(client, auth):
    r = client.post("/api/v1/rekon/batch", headers=auth, files={"file": ("x.xlsx", b"PK\x03\x04rusak", "application/zip")})
    assert r.status_code == 422 and "tidak dapat dibaca" in r.json()["detail"]
