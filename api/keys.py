"""API keys for callers: create, list, revoke, look up. ``python -m api.keys create --name X --role caller``.

A key is ``hai_`` + 43 URL-safe characters (32 random bytes, 256 bits). The database keeps only
HMAC-SHA256(secret, key) and the first 12 characters (``prefix``, to tell keys apart in a listing).

Why a keyed hash and not argon2/bcrypt: slow hashes exist to protect low-entropy secrets (passwords)
against guessing; a 256-bit random key cannot be guessed whatever the hash, so a slow hash would only add
~50 ms of CPU to every request and rule out looking the key up by its hash (an indexed equality). The key
(the secret, ``HAI_API_KEY_SECRET`` or a file under data/runtime) makes a leaked database alone useless: an
attacker cannot even check a candidate key without the secret. Changing the secret invalidates every key.
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from api.storage import sessions
from hai.models import ApiKey
from hai.settings import Settings, get_settings

KEY_PREFIX = "hai_"
ROLES = ("caller", "agent", "admin")
_SHOWN_PREFIX = 12


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API key (``key_id``) or, for the console later, a user (``user_id``)."""

    role: str
    name: str
    key_id: int | None = None
    user_id: int | None = None

    @property
    def rate_key(self) -> str:
        return f"key:{self.key_id}" if self.key_id is not None else f"user:{self.user_id}"


@dataclass(frozen=True)
class KeyInfo:
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


def _secret(settings: Settings) -> bytes:
    """The HMAC key: the setting, or a random secret generated once and kept (mode 600) under data/runtime."""
    return _secret_for(settings.api_key_secret, str(settings.runtime_dir))


@lru_cache(maxsize=8)
def _secret_for(configured: str, runtime_dir: str) -> bytes:
    if configured:
        return configured.encode("utf-8")
    path = Path(runtime_dir) / "api_key_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def hash_key(key: str, settings: Settings | None = None) -> str:
    """Hex HMAC-SHA256 of a plaintext key under the service's secret."""
    return hmac.new(_secret(settings or get_settings()), key.encode("utf-8"), hashlib.sha256).hexdigest()


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(row.id, row.name, row.role, row.prefix, row.created_at, row.revoked_at)


def create_key(name: str, role: str = "caller", settings: Settings | None = None) -> tuple[KeyInfo, str]:
    """Store a new key and return it with its plaintext, which is never stored or shown again."""
    settings = settings or get_settings()
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValueError("nama kunci wajib diisi (paling banyak 100 karakter)")
    if role not in ROLES:
        raise ValueError(f"peran tidak dikenal: {role!r} (pilihan: {', '.join(ROLES)})")
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    with sessions(settings)() as session:
        row = ApiKey(name=name, role=role, prefix=plaintext[:_SHOWN_PREFIX], key_hash=hash_key(plaintext, settings))
        session.add(row)
        session.commit()
        return _info(row), plaintext


def list_keys(settings: Settings | None = None) -> list[KeyInfo]:
    with sessions(settings or get_settings())() as session:
        return [_info(r) for r in session.scalars(select(ApiKey).order_by(ApiKey.id))]


def revoke_key(key_id: int, settings: Settings | None = None) -> KeyInfo:
    """Mark a key revoked (kept for the audit trail). Raises LookupError for an unknown id."""
    settings = settings or get_settings()
    with sessions(settings)() as session:
        row = session.get(ApiKey, int(key_id))
        if row is None:
            raise LookupError(f"kunci API dengan id {key_id} tidak ditemukan")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(timezone.utc)
            session.commit()
        info = _info(row)
    _cache.clear()  # this process stops accepting it at once; others within api_key_cache_s
    return info


class _TtlCache:
    """Key hash -> (Principal or None, expiry). Spares the database a query on every request."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[Principal | None, float]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> tuple[bool, Principal | None]:
        with self._lock:
            hit = self._items.get(digest)
            if hit is None or hit[1] < time.monotonic():
                return False, None
            return True, hit[0]

    def put(self, digest: str, principal: Principal | None, ttl: float) -> None:
        with self._lock:
            if len(self._items) > 10_000:  # unknown keys tried at random must not grow it without bound
                self._items.clear()
            self._items[digest] = (principal, time.monotonic() + ttl)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_cache = _TtlCache()


def cached_principal(key: str, settings: Settings) -> tuple[bool, Principal | None]:
    """(True, the cached answer) when the key was looked up less than ``api_key_cache_s`` ago."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return True, None
    return _cache.get(hash_key(key, settings))


def lookup_key(key: str, settings: Settings | None = None) -> Principal | None:
    """The caller behind a plaintext key, or None when the key is unknown or revoked."""
    settings = settings or get_settings()
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    digest = hash_key(key, settings)
    found, principal = _cache.get(digest)
    if found:
        return principal
    with sessions(settings)() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
        principal = None
        if row is not None and row.revoked_at is None:
            principal = Principal(role=row.role, name=row.name, key_id=row.id)
    if settings.api_key_cache_s > 0:
        _cache.put(digest, principal, settings.api_key_cache_s)
    return principal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.keys", description="Kelola kunci API HAI.")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="buat kunci baru (kunci ditampilkan sekali saja)")
    create.add_argument("--name", required=True, help="pemilik/pemakai kunci, mis. 'portal-satker'")
    create.add_argument("--role", default="caller", choices=ROLES)
    sub.add_parser("list", help="daftar kunci (tanpa isi kunci)")
    revoke = sub.add_parser("revoke", help="cabut kunci")
    revoke.add_argument("id", type=int)
    args = parser.parse_args(argv)
    try:
        if args.command == "create":
            info, plaintext = create_key(args.name, args.role)
            print(f"Kunci API dibuat: id={info.id} nama={info.name} peran={info.role}")
            print(f"Kunci (simpan sekarang, tidak akan ditampilkan lagi): {plaintext}")
        elif args.command == "list":
            print(f"{'id':>4}  {'awalan':<12}  {'peran':<6}  {'dibuat':<19}  {'status':<20}  nama")
            for k in list_keys():
                status = f"dicabut {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "aktif"
                print(f"{k.id:>4}  {k.prefix:<12}  {k.role:<6}  {k.created_at:%Y-%m-%d %H:%M:%S}  {status:<20}  {k.name}")
        else:
            info = revoke_key(args.id)
            print(f"Kunci {info.id} ({info.name}) dicabut.")
    except (ValueError, LookupError) as exc:
        print(f"Gagal: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
