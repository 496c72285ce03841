"""Dependencies of the routes: who is calling, and the core objects they call (built once, reused).

Core objects are cached per process by the settings that shape them, so several apps in one process
(tests) share one model and one index, and a route never rebuilds what another already loaded.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated, Any

import httpx
from fastapi import Depends, HTTPException, Request, Security, UploadFile
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.keys import Principal
from hai.settings import Settings

# Declared for the OpenAPI document (so clients see how to authenticate); the check itself runs in
# api.middleware.AuthGate before the body is read, and leaves the caller in request.state.principal.
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Kunci API dari `python -m api.keys create`")
bearer = HTTPBearer(auto_error=False, description="Kunci API yang sama sebagai token Bearer")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


# The app's settings in a route's signature: ``settings: SettingsDep``.
SettingsDep = Annotated[Settings, Depends(get_settings)]


def current_principal(
    request: Request,
    _key: str | None = Security(api_key_header),
    _bearer: HTTPAuthorizationCredentials | None = Security(bearer),
) -> Principal:
    principal = getattr(request.state, "principal", None)
    if principal is None:  # only when the gate is not installed: never serve an anonymous caller
        raise HTTPException(401, "Kunci API wajib disertakan pada header X-API-Key.")
    return principal


def require_role(*roles: str) -> Callable[..., Principal]:
    """A dependency that lets only the given roles through (403 in Indonesian otherwise)."""

    def check(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.role not in roles:
            raise HTTPException(403, f"Layanan ini hanya untuk peran: {', '.join(roles)}.")
        return principal

    return check


# --- core objects, one per process and configuration --------------------------------------------------
_cache: dict[tuple, Any] = {}
_locks: dict[tuple, threading.Lock] = {}
_guard = threading.Lock()


def _once(key: tuple, build: Callable[[], Any]) -> Any:
    """Build the object for ``key`` once; concurrent first requests wait for the same build."""
    hit = _cache.get(key)
    if hit is not None:
        return hit
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        if key not in _cache:
            _cache[key] = build()
        return _cache[key]


def knowledge(settings: Settings):
    from knowledge.search import KnowledgeSearch

    key = ("knowledge", str(settings.kb_dir), str(settings.index_dir), settings.embedding_model,
           settings.embedding_tuned, str(settings.data_dir))
    return _once(key, lambda: KnowledgeSearch.from_settings(settings).ensure_ready())


def bill_repository(settings: Settings):
    from analytics.bills.repository import BillRepository

    key = ("bills", str(settings.bills_path or ""), str(settings.pagu_path or ""))
    return _once(key, lambda: BillRepository.from_settings(settings))


def rekon_model_path(settings: Settings):
    from analytics.rekon.model import MODEL_FILE

    return settings.data_dir / "rekon" / MODEL_FILE


def rekon_repository(settings: Settings):
    """The satker-month repository with its model loaded (or trained once and saved under data_dir)."""
    from analytics.rekon.repository import RekonRepository

    def build():
        repo = RekonRepository.from_sample()
        repo.model(rekon_model_path(settings))
        return repo

    return _once(("rekon", str(settings.data_dir)), build)


def account_suggester(settings: Settings):
    from analytics.accounts.suggest import AccountSuggester
    from knowledge.embeddings import get_embedder

    key = ("accounts", str(settings.index_dir), settings.embedding_model)
    return _once(key, lambda: AccountSuggester(embedder=get_embedder(settings.embedding_model),
                                               index_dir=settings.index_dir / "accounts"))


def rasa_client(request: Request) -> httpx.AsyncClient:
    return request.app.state.rasa_client


async def read_upload(file: UploadFile) -> bytes:
    """The uploaded file's bytes (its size is already capped by the body-size middleware)."""
    data = await file.read()
    if not data.strip():
        raise HTTPException(422, "Berkas unggahan kosong.")
    return data
