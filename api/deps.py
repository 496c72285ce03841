"""Dependencies of the routes: who is calling, and the core services they call (built once, reused).

Each service is built by its own ``from_settings`` and shared per process and settings value through
``hai.registry`` (as the action server's ``actions.resources`` does), so several apps in one process (tests)
share one model and one index, and a route never rebuilds what another already loaded.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import httpx
from fastapi import Depends, HTTPException, Request, Security, UploadFile
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.keys import Principal
from hai.registry import shared
from hai.settings import Settings

if TYPE_CHECKING:  # imported on first use below: the API starts without loading the core services
    from analytics.accounts.suggest import AccountSuggester
    from analytics.bills.repository import BillRepository
    from analytics.rekon.repository import RekonRepository
    from knowledge.search import KnowledgeSearch

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


# The caller in a route's signature: ``principal: CurrentPrincipal``.
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_role(*roles: str) -> Callable[..., Principal]:
    """A dependency that lets only the given roles through (403 in Indonesian otherwise)."""

    def check(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.role not in roles:
            raise HTTPException(403, f"Layanan ini hanya untuk peran: {', '.join(roles)}.")
        return principal

    return check


# --- core services: built by their own from_settings, one per process and settings (hai.registry) -----
def knowledge(settings: Settings) -> KnowledgeSearch:
    from knowledge.search import KnowledgeSearch

    return shared(KnowledgeSearch.from_settings, settings)


def bill_repository(settings: Settings) -> BillRepository:
    from analytics.bills.repository import BillRepository

    return shared(BillRepository.from_settings, settings)


def rekon_repository(settings: Settings) -> RekonRepository:
    """The satker-month repository with its model loaded (or trained once and saved under data_dir)."""
    from analytics.rekon.repository import RekonRepository

    return shared(RekonRepository.from_settings, settings)


def account_suggester(settings: Settings) -> AccountSuggester:
    from analytics.accounts.suggest import AccountSuggester

    return shared(AccountSuggester.from_settings, settings)


def rasa_client(request: Request) -> httpx.AsyncClient:
    return request.app.state.rasa_client


async def read_upload(file: UploadFile) -> bytes:
    """The uploaded file's bytes (its size is already capped by the body-size middleware)."""
    data = await file.read()
    if not data.strip():
        raise HTTPException(422, "Berkas unggahan kosong.")
    return data
