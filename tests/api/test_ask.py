"""POST /api/v1/ask over a small knowledge base written by the test session."""


def test_confident_answer_carries_category_source_and_confidence(client, auth):
    r = client.post("/api/v1/ask", json={"question": "cara revisi dipa gmn?"}, headers=auth)
    assert r.status_code == 200
    body = r.json()
    assert body["outcome"] in ("answer", "alternatives")
    assert body["handoff"] is False
    assert body["answer"]["entry_id"] == "dipa-001"
    assert body["answer"]["category"] == "dipa_revisi"
    assert body["answer"]["source"] == "PMK Nomor 62 Tahun 2023"
    assert body["sources"][0]["entry_id"] == "dipa-001"
    assert 0.5 < body["confidence"] <= 1.0


def test_out_of_scope_question_is_handed_off(client, auth):
    body = client.post("/api/v1/ask", json={"question": "resep rendang padang yang enak"}, headers=auth).json()
    assert body["outcome"] == "handoff" and body["handoff"] is True
    assert body["answer"] is None
    assert "petugas" in body["message"]


def test_missing_or_oversized_question_is_422_in_indonesian(client, auth):
    r = client.post("/api/v1/ask", json={}, headers=auth)
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "question", "message": "wajib diisi"}]
    assert r.json()["detail"].startswith("Masukan tidak valid")
    r = client.post("/api/v1/ask", json={"question": "a" * 2001}, headers=auth)
    assert r.status_code == 422
    assert "terlalu panjang (paling banyak 2000 karakter)" in r.json()["detail"]
    r = client.post("/api/v1/ask", content=b"{bukan json", headers={**auth, "Content-Type": "application/json"})
    assert r.status_code == 422 and "JSON tidak valid" in r.json()["detail"]
