"""Staff accounts (agents, admins) for the agent console: ``python -m api.users create --username X --role agent``.

Passwords are hashed with scrypt (``hashlib.scrypt``, standard library: no extra package), a memory-hard
function made for low-entropy secrets: N=2^15, r=8, p=1 (32 MiB and about 0.1 s per hash on this
machine), a random 16-byte salt per password, stored as ``scrypt$N$r$p$salt$hash`` (base64) so the cost
can be raised later without breaking stored hashes (``needs_rehash``).
"""
from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import hmac
import re
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

from sqlalchemy import select

from api.keys import Principal
from api.storage import sessions
from hai.models import User
from hai.settings import Settings, get_settings

ROLES = ("agent", "admin")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_MAXMEM = 64 * 1024 * 1024  # scrypt needs 128*N*r = 32 MiB; OpenSSL's default cap is exactly that
MIN_PASSWORD_CHARS = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a stored hash; False for any malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), maxmem=_MAXMEM, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def needs_rehash(stored: str) -> bool:
    return not stored.startswith(f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}$")


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    role: str
    created_at: datetime
    disabled_at: datetime | None


def _info(row: User) -> UserInfo:
    return UserInfo(row.id, row.username, row.role, row.created_at, row.disabled_at)


def create_user(username: str, password: str, role: str = "agent", settings: Settings | None = None) -> UserInfo:
    username = (username or "").strip().lower()
    if not _USERNAME.match(username):
        raise ValueError("nama pengguna 3-64 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung")
    if role not in ROLES:
        raise ValueError(f"peran tidak dikenal: {role!r} (pilihan: {', '.join(ROLES)})")
    if len(password or "") < MIN_PASSWORD_CHARS:
        raise ValueError(f"kata sandi paling sedikit {MIN_PASSWORD_CHARS} karakter")
    with sessions(settings or get_settings())() as session:
        if session.scalar(select(User).where(User.username == username)) is not None:
            raise ValueError(f"nama pengguna {username!r} sudah dipakai")
        row = User(username=username, role=role, password_hash=hash_password(password))
        session.add(row)
        session.commit()
        return _info(row)


def list_users(settings: Settings | None = None) -> list[UserInfo]:
    with sessions(settings or get_settings())() as session:
        return [_info(r) for r in session.scalars(select(User).order_by(User.id))]


def disable_user(user_id: int, settings: Settings | None = None) -> UserInfo:
    with sessions(settings or get_settings())() as session:
        row = session.get(User, int(user_id))
        if row is None:
            raise LookupError(f"pengguna dengan id {user_id} tidak ditemukan")
        if row.disabled_at is None:
            row.disabled_at = datetime.now(timezone.utc)
            session.commit()
        return _info(row)


def authenticate(username: str, password: str, settings: Settings | None = None) -> Principal | None:
    """The user for a correct username and password (active accounts only), else None.

    An unknown name costs one hash too, so response time does not tell which usernames exist."""
    with sessions(settings or get_settings())() as session:
        row = session.scalar(select(User).where(User.username == (username or "").strip().lower()))
        if row is None:
            verify_password(password or "", _dummy_hash())
            return None
        if not verify_password(password or "", row.password_hash) or row.disabled_at is not None:
            return None
        if needs_rehash(row.password_hash):
            row.password_hash = hash_password(password)
            session.commit()
        return Principal(role=row.role, name=row.username, user_id=row.id)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Kata sandi: ")
    if first != getpass.getpass("Ulangi kata sandi: "):
        raise ValueError("kedua kata sandi tidak sama")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.users", description="Kelola akun petugas (agent/admin).")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="buat akun; kata sandi ditanyakan (tidak tampil di layar)")
    create.add_argument("--username", required=True)
    create.add_argument("--role", default="agent", choices=ROLES)
    create.add_argument("--password-stdin", action="store_true", help="baca kata sandi dari stdin (skrip)")
    sub.add_parser("list", help="daftar akun")
    disable = sub.add_parser("disable", help="nonaktifkan akun")
    disable.add_argument("id", type=int)
    args = parser.parse_args(argv)
    try:
        if args.command == "create":
            info = create_user(args.username, _read_password(args.password_stdin), args.role)
            print(f"Akun dibuat: id={info.id} pengguna={info.username} peran={info.role}")
        elif args.command == "list":
            print(f"{'id':>4}  {'peran':<6}  {'dibuat':<19}  {'status':<22}  pengguna")
            for u in list_users():
                status = f"nonaktif {u.disabled_at:%Y-%m-%d %H:%M}" if u.disabled_at else "aktif"
                print(f"{u.id:>4}  {u.role:<6}  {u.created_at:%Y-%m-%d %H:%M:%S}  {status:<22}  {u.username}")
        else:
            info = disable_user(args.id)
            print(f"Akun {info.id} ({info.username}) dinonaktifkan.")
    except (ValueError, LookupError) as exc:
        print(f"Gagal: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
