"""The embeddable widget's routes: the script, the per-origin decision, the frame's CSP (no browser, no Rasa)."""
from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from api.routes.widget import CONFIG_URL, FRAME_URL, embedding_allowed
from hai.settings import Settings

SITE = "https://portal.djpb.example"


@pytest.fixture
def widget_client(make_client):
    return make_client(widget_origins=f"{SITE}/, http://intranet.example:8080")


def test_script_is_served_to_any_site_without_cookies_or_outside_files(client):
    resp = client.get("/widget.js")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/javascript")
    assert resp.headers["cross-origin-resource-policy"] == "cross-origin"
    # everything it loads comes from the assistant's own server (data-server or the script's own address)
    assert not re.search(r"https?://(?!ASISTEN/)", resp.text.split("*/", 1)[1])
    assert "attachShadow" in resp.text and "/widget/config" in resp.text


def test_an_allowed_site_gets_the_frame_with_cors_for_it_alone(widget_client):
    resp = widget_client.get(CONFIG_URL, headers={"Origin": SITE})
    assert resp.status_code == 200
    assert resp.json() == {"allowed": True, "frame_url": FRAME_URL, "message": ""}
    assert resp.headers["access-control-allow-origin"] == SITE and resp.headers["vary"] == "Origin"


def test_another_site_is_told_why_in_indonesian_and_gets_no_frame(widget_client, client):
    for c in (widget_client, client):  # client: nothing configured, no foreign site allowed
        body = c.get(CONFIG_URL, headers={"Origin": "https://lain.example"}).json()
        assert body["allowed"] is False and body["frame_url"] is None
        assert "https://lain.example" in body["message"] and "HAI_WIDGET_ORIGINS" in body["message"]


def test_the_assistant_own_pages_may_always_embed_it(client, api_settings):
    assert client.get(CONFIG_URL).json()["allowed"] is True  # same-origin fetch: no Origin header
    assert embedding_allowed(api_settings, api_settings.api_url)
    assert embedding_allowed(api_settings, f"http://localhost:{api_settings.api_port}")


def test_frame_may_only_be_shown_inside_allowed_sites(widget_client, client):
    frame = widget_client.get(FRAME_URL)
    assert frame.status_code == 200 and 'class="embed"' in frame.text
    csp = frame.headers["content-security-policy"]
    assert csp.endswith(f"frame-ancestors 'self' {SITE} http://intranet.example:8080")
    assert "script-src 'self'" in csp
    assert client.get(FRAME_URL).headers["content-security-policy"].endswith("frame-ancestors 'self'")
    assert client.get("/chat").headers["content-security-policy"].endswith("frame-ancestors 'self'")


def test_origins_setting_is_checked_and_feeds_the_socket_server():
    with pytest.raises(ValidationError, match="bukan origin"):
        Settings(widget_origins="https://portal.example/halaman")
    s = Settings(host="127.0.0.1", api_port=8123, widget_origins=SITE.upper())
    assert s.socket_allowed_origins == ["http://127.0.0.1:8123", "http://localhost:8123", SITE]
    s = Settings(host="0.0.0.0", public_url="https://hai.example/api", widget_origins=SITE)
    assert s.socket_allowed_origins == ["https://hai.example", SITE]
    assert Settings(host="0.0.0.0").socket_allowed_origins == []  # no known address: no check, as in Rasa
