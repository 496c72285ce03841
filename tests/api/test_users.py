"""Staff accounts for the agent console: scrypt password hashes and the CLI."""
import io
import sqlite3

from api import users
from api.users import authenticate, create_user, disable_user, hash_password, verify_password


def test_password_hash_is_salted_scrypt_and_verifies():
    a, b = hash_password("kata-sandi-panjang"), hash_password("kata-sandi-panjang")
    assert a != b and a.startswith("scrypt$32768$8$1$")
    assert verify_password("kata-sandi-panjang", a)
    assert not verify_password("kata-sandi-salah!", a)
    assert not verify_password("apa saja", "bukan-hash")


def test_agent_can_log_in_until_disabled(api_settings):
    info = create_user("Agen.Satu", "sandi-rahasia-123", "agent", api_settings)
    assert info.username == "agen.satu"
    with sqlite3.connect(api_settings.data_dir / "app.db") as db:
        stored = db.execute("SELECT password_hash FROM users WHERE username='agen.satu'").fetchone()[0]
    assert "sandi-rahasia-123" not in stored
    principal = authenticate("agen.satu", "sandi-rahasia-123", api_settings)
    assert principal.role == "agent" and principal.user_id == info.id
    assert authenticate("agen.satu", "salah-salah-salah", api_settings) is None
    assert authenticate("tidak.ada", "sandi-rahasia-123", api_settings) is None
    disable_user(info.id, api_settings)
    assert authenticate("agen.satu", "sandi-rahasia-123", api_settings) is None


def test_cli_creates_from_stdin_and_refuses_weak_input(api_settings, capsys, monkeypatch):
    monkeypatch.setattr(users, "get_settings", lambda: api_settings)
    monkeypatch.setattr("sys.stdin", io.StringIO("sandi-admin-panjang\n"))
    assert users.main(["create", "--username", "admin1", "--role", "admin", "--password-stdin"]) == 0
    assert "peran=admin" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("pendek\n"))
    assert users.main(["create", "--username", "admin2", "--role", "admin", "--password-stdin"]) == 1
    assert "paling sedikit 10 karakter" in capsys.readouterr().err
    assert users.main(["list"]) == 0
    assert "admin1" in capsys.readouterr().out
