"""POST /api/v1/chat relays to the Rasa REST webhook; a Rasa that is down is a 503 in Indonesian."""
import httpx


def _rasa(handler):
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def test_message_is_relayed_and_replies_returned(client, auth, api_settings):
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["url"] = str(request.url)
        seen["body"] = request.read()
        return httpx.Response(200, json=[{"recipient_id": "u1", "text": "Halo, ada yang bisa dibantu?",
                                          "buttons": [{"title": "Cek tagihan", "payload": "/cek_tagihan"}]},
                                         {"recipient_id": "u1", "image": "http://x/charts/a.png"}])

    original = client.app.state.rasa_client
    client.app.state.rasa_client = _rasa(handler)
    try:
        r = client.post("/api/v1/chat", json={"sender": "u1", "message": "halo"}, headers=auth)
    finally:
        client.app.state.rasa_client = original
    assert r.status_code == 200
    assert seen["url"] == f"{api_settings.rasa_url}/webhooks/rest/webhook"
    assert b'"sender":"u1"' in seen["body"].replace(b" ", b"")
    messages = r.json()["messages"]
    assert messages[0]["text"] == "Halo, ada yang bisa dibantu?"
    assert messages[0]["buttons"] == [{"title": "Cek tagihan", "payload": "/cek_tagihan"}]
    assert messages[1]["image"] == "http://x/charts/a.png"


def test_rasa_down_is_503_in_indonesian(client, auth):
    r = client.post("/api/v1/chat", json={"sender": "u1", "message": "halo"}, headers=auth)
    assert r.status_code == 503
    assert "tidak tersedia" in r.json()["detail"]
    assert r.json()["request_id"] == r.headers["x-request-id"]


def test_channel_refusal_is_passed_on_as_422(client, auth):
    original = client.app.state.rasa_client
    client.app.state.rasa_client = _rasa(lambda req: httpx.Response(400, json={"error": "kolom 'sender' salah"}))
    try:
        r = client.post("/api/v1/chat", json={"sender": "u1", "message": "halo"}, headers=auth)
    finally:
        client.app.state.rasa_client = original
    assert r.status_code == 422 and r.json()["detail"] == "kolom 'sender' salah"


def test_blank_sender_is_rejected_before_rasa(client, auth):
    r = client.post("/api/v1/chat", json={"sender": "   ", "message": "halo"}, headers=auth)
    assert r.status_code == 422
