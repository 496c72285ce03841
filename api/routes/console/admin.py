"""The console's admin tab: API keys for callers and staff accounts, for the role admin only (an agent gets 403;
the session/CSRF check and the console's error responses apply as on every console route). The work itself is
in ``api.keys`` and ``api.users``; every change leaves an audit row (``record_action``) naming the key or
account by id, never a key or a password.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, Field

from api import keys, users
from api.audit import record_action
from api.deps import SettingsDep
from api.errors import error_responses
from api.routes.console.deps import ConsoleUser, admins

router = APIRouter(prefix="/admin", dependencies=[Depends(admins)])
# ids are database integers: a larger number would overflow the driver (a 500) instead of being "not found"
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


# --- API keys -------------------------------------------------------------------------------------------
class KeyOut(BaseModel):
    id: int
    name: str
    role: str = Field(description="caller, agent atau admin")
    prefix: str = Field(description="Awal kunci, untuk membedakan kunci (tidak cukup untuk masuk)")
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyOut):
    key: str = Field(description="Kunci lengkap: ditampilkan sekali ini saja dan tidak disimpan di server")


class KeyRequest(BaseModel):
    name: str = Field(..., min_length=1, max_length=100, description="Pemakai kunci, mis. 'portal-satker'")
    role: str = Field("caller", description="caller, agent atau admin")


def _key_out(info: keys.KeyInfo) -> dict:
    return dict(id=info.id, name=info.name, role=info.role, prefix=info.prefix, created_at=info.created_at,
                revoked_at=info.revoked_at)


@router.get("/keys", response_model=list[KeyOut], summary="Daftar kunci API (tanpa isi kunci)")
def list_keys(settings: SettingsDep) -> list[KeyOut]:
    return [KeyOut(**_key_out(k)) for k in keys.list_keys(settings)]


@router.post("/keys", response_model=KeyCreated, status_code=201,
             summary="Buat kunci API (isi kunci ditampilkan sekali saja)")
def create_key(body: KeyRequest, request: Request, settings: SettingsDep) -> KeyCreated:
    try:
        info, plaintext = keys.create_key(body.name, body.role, settings)
    except ValueError as exc:
        raise HTTPException(422, f"Kunci tidak dibuat: {exc}.") from exc
    record_action(request, "buat-kunci", f"kunci-api/{info.id}")
    return KeyCreated(**_key_out(info), key=plaintext)


@router.post("/keys/{key_id}/revoke", response_model=KeyOut, responses=error_responses(404),
             summary="Cabut kunci API (langsung tidak berlaku)")
def revoke_key(key_id: RowId, request: Request, settings: SettingsDep) -> KeyOut:
    try:
        info = keys.revoke_key(key_id, settings)
    except LookupError as exc:
        raise HTTPException(404, f"Kunci API #{key_id} tidak ditemukan.") from exc
    record_action(request, "cabut-kunci", f"kunci-api/{key_id}")
    return KeyOut(**_key_out(info))


# --- staff accounts -------------------------------------------------------------------------------------
class UserOut(BaseModel):
    id: int
    username: str
    role: str = Field(description="agent atau admin")
    created_at: datetime
    disabled_at: datetime | None


class UserRequest(BaseModel):
    username: str = Field(..., min_length=1, max_length=64)
    password: str = Field(..., min_length=1, max_length=256,
                          description=f"Paling sedikit {users.MIN_PASSWORD_CHARS} karakter")
    role: str = Field("agent", description="agent atau admin")


def _user_out(info: users.UserInfo) -> UserOut:
    return UserOut(id=info.id, username=info.username, role=info.role, created_at=info.created_at,
                   disabled_at=info.disabled_at)


@router.get("/users", response_model=list[UserOut], summary="Daftar akun petugas")
def list_users(settings: SettingsDep) -> list[UserOut]:
    return [_user_out(u) for u in users.list_users(settings)]


@router.post("/users", response_model=UserOut, status_code=201, summary="Buat akun petugas (agent atau admin)")
def create_user(body: UserRequest, request: Request, settings: SettingsDep) -> UserOut:
    try:  # the rules (name, role, password length, unique name) are api.users'; scrypt runs in the thread pool
        info = users.create_user(body.username, body.password, body.role, settings)
    except ValueError as exc:
        raise HTTPException(422, f"Akun tidak dibuat: {exc}.") from exc
    record_action(request, "buat-pengguna", f"pengguna/{info.id}")
    return _user_out(info)


@router.post("/users/{user_id}/disable", response_model=UserOut, responses=error_responses(404, 409),
             summary="Nonaktifkan akun petugas (sesinya langsung berakhir)")
def disable_user(user_id: RowId, request: Request, settings: SettingsDep, who: ConsoleUser) -> UserOut:
    if who.user_id == user_id:  # the last admin could lock everyone out of the admin tab
        raise HTTPException(409, "Anda tidak dapat menonaktifkan akun Anda sendiri. Minta admin lain.")
    try:
        info = users.disable_user(user_id, settings)
    except LookupError as exc:
        raise HTTPException(404, f"Akun petugas #{user_id} tidak ditemukan.") from exc
    record_action(request, "nonaktifkan-pengguna", f"pengguna/{user_id}")
    return _user_out(info)
