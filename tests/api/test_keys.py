"""API keys: stored only as a keyed hash, shown once, 401 in Indonesian when missing, unknown or revoked."""
import sqlite3

from api import keys
from api.keys import create_key, list_keys, lookup_key, revoke_key


def _db_rows(settings):
    with sqlite3.connect(settings.data_dir / "app.db") as db:
        return db.execute("SELECT name, role, prefix, key_hash FROM api_keys").fetchall()


def test_key_is_stored_hashed_never_in_clear(api_settings):
    info, plaintext = create_key("portal-satker", "caller", api_settings)
    assert plaintext.startswith("hai_") and len(plaintext) >= 40
    rows = [r for r in _db_rows(api_settings) if r[0] == "portal-satker"]
    assert len(rows) == 1
    name, role, prefix, digest = rows[0]
    assert plaintext not in repr(_db_rows(api_settings))
    assert digest == keys.hash_key(plaintext, api_settings) and len(digest) == 64
    assert prefix == plaintext[:12] and role == "caller"
    # The hash is keyed: a plain SHA-256 of the key is not what is stored.
    import hashlib
    assert digest != hashlib.sha256(plaintext.encode()).hexdigest()
    assert lookup_key(plaintext, api_settings).key_id == info.id
    assert lookup_key(plaintext + "x", api_settings) is None


def test_missing_unknown_and_revoked_keys_are_401(client, api_settings):
    r = client.post("/api/v1/ask", json={"question": "revisi dipa"})
    assert r.status_code == 401 and "X-API-Key" in r.json()["detail"]
    r = client.post("/api/v1/ask", json={"question": "revisi dipa"}, headers={"X-API-Key": "hai_salah"})
    assert r.status_code == 401 and r.json()["detail"] == "Kunci API tidak dikenal atau sudah dicabut."
    info, plaintext = create_key("sementara", "caller", api_settings)
    assert client.get("/api/v1/rekon/12a", headers={"Authorization": f"Bearer {plaintext}"}).status_code == 422
    revoke_key(info.id, api_settings)
    r = client.get("/api/v1/rekon/12a", headers={"X-API-Key": plaintext})
    assert r.status_code == 401
    assert [k.revoked_at is not None for k in list_keys(api_settings) if k.id == info.id] == [True]


def test_health_is_open(client):
    assert client.get("/api/v1/health/live").status_code == 200


def test_cli_shows_the_key_once_and_lists_without_it(api_settings, capsys, monkeypatch):
    monkeypatch.setattr(keys, "get_settings", lambda: api_settings)
    assert keys.main(["create", "--name", "cli-test", "--role", "admin"]) == 0
    out = capsys.readouterr().out
    plaintext = out.strip().rsplit(" ", 1)[-1]
    assert plaintext.startswith("hai_")
    assert keys.main(["list"]) == 0
    listing = capsys.readouterr().out
    assert "cli-test" in listing and plaintext not in listing and plaintext[:12] in listing
    key_id = next(k.id for k in list_keys(api_settings) if k.name == "cli-test")
    assert keys.main(["revoke", str(key_id)]) == 0
    assert keys.main(["revoke", "999999"]) == 1
    assert keys.main(["create", "--name", "x", "--role", "caller"]) == 0
