"""The web chat page's routes: the page, its files, and where it finds the Rasa socket (no browser, no Rasa)."""
from __future__ import annotations

from api.routes.webchat import CONFIG_URL, socket_url
from hai.messages import MAX_MESSAGE_CHARS


def test_page_is_served_at_root_and_chat_with_a_strict_policy(client):
    for path in ("/", "/chat"):
        resp = client.get(path)
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/html")
        assert "<title>Asisten HAI DJPb</title>" in resp.text
        assert 'placeholder="Tulis pertanyaan Anda…"' in resp.text
        csp = resp.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_page_files_are_served_offline(client):
    for path in ("/static/chat.js", "/static/chat.css", "/static/vendor/socket.io.min.js"):
        resp = client.get(path)
        assert resp.status_code == 200, path
    assert "Socket.IO v4." in client.get("/static/vendor/socket.io.min.js").text[:200]
    page = client.get("/chat").text
    assert "//cdn" not in page and "https://" not in page.split("<body>")[0]


def test_config_points_at_the_rasa_server_without_an_api_key(client, api_settings):
    resp = client.get(CONFIG_URL)
    assert resp.status_code == 200
    assert resp.json() == {
        "socket_url": f"http://127.0.0.1:{api_settings.rasa_port}",
        "socket_path": "/socket.io",
        "user_message_evt": "user_uttered",
        "bot_message_evt": "bot_uttered",
        "max_message_chars": MAX_MESSAGE_CHARS,
    }


def test_config_uses_the_deployment_socket_url(make_client):
    client = make_client(webchat_socket_url="https://hai.example.go.id/", webchat_socket_path="/hai/socket.io")
    cfg = client.get(CONFIG_URL).json()
    assert cfg["socket_url"] == "https://hai.example.go.id"
    assert cfg["socket_path"] == "/hai/socket.io"
    csp = client.get("/chat").headers["content-security-policy"]
    assert "connect-src 'self' https://hai.example.go.id wss://hai.example.go.id" in csp


def test_a_server_on_every_interface_is_reached_by_the_page_host(api_settings):
    wildcard = api_settings.model_copy(update={"host": "0.0.0.0", "rasa_port": 5005})
    assert socket_url(wildcard, "10.1.2.3") == "http://10.1.2.3:5005"
    assert socket_url(wildcard.model_copy(update={"host": "::"}), "fe80::1") == "http://[fe80::1]:5005"
    assert socket_url(api_settings.model_copy(update={"rasa_port": 5005}), "10.1.2.3") == "http://127.0.0.1:5005"
