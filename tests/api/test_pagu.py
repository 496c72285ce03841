"""GET /api/v1/pagu/{kode_satker} and its PNG chart over the synthetic sample."""
from analytics.bills.repository import BillRepository
from analytics.pagu.forecast import forecast_pagu

SATKER = "400156"


def test_forecast_matches_the_core(client, auth):
    r = client.get(f"/api/v1/pagu/{SATKER}", headers=auth)
    assert r.status_code == 200
    body = r.json()
    expected = forecast_pagu(SATKER, repository=BillRepository.sample())
    assert body["verdict"] == expected.verdict
    assert body["pagu"] == expected.pagu
    assert abs(body["projected_total"] - expected.projected_total) < 1.0
    assert body["message"] == expected.message
    assert body["as_of"] == str(expected.as_of)
    assert len(body["monthly"]) == len(expected.monthly)
    assert body["chart_url"] == f"/api/v1/pagu/{SATKER}/chart.png"


def test_chart_is_a_png(client, auth):
    r = client.get(f"/api/v1/pagu/{SATKER}/chart.png", headers=auth)
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.content[:8] == b"\x89PNG\r\n\x1a\n" and len(r.content) > 10_000


def test_wrong_and_unknown_satker(client, auth):
    r = client.get("/api/v1/pagu/12a", headers=auth)
    assert r.status_code == 422 and r.json()["detail"] == "Kode satker harus 6 digit angka, '12a' belum sesuai."
    r = client.get("/api/v1/pagu/999999/chart.png", headers=auth)
    assert r.status_code == 404 and r.json()["detail"] == "satker 999999 tidak ditemukan dalam data tagihan listrik"
