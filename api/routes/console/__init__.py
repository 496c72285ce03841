"""The agent console: its pages (/console, /console/login) and its API under /api/v1/console, one module per
concern, assembled here into the routers ``api/main.py`` includes (``routers``).

- ``pages``: the two HTML pages; ``auth``: login, session, logout; ``handoffs``: the handoff queue;
  ``unanswered``: unanswered questions; ``knowledge``: knowledge-base editing and export import;
  ``admin``: API keys and staff accounts (admins only); ``deps``: the dependencies they share.

Every /api/v1/console route but login needs a console session (cookie, plus the CSRF header on changes, checked
by ``api.middleware.AuthGate``) or an API key, and the role agent or admin; anything else gets 401/403.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends

from api.errors import COMMON_ERRORS, error_responses
from api.routes.console import admin, auth, handoffs, knowledge, pages, unanswered
from api.routes.console.deps import staff

PREFIX = "/api/v1/console"
TAGS = ["konsol petugas"]

public = APIRouter(prefix=PREFIX, tags=TAGS)
public.include_router(auth.public)

router = APIRouter(prefix=PREFIX, tags=TAGS, dependencies=[Depends(staff)],
                   responses={**COMMON_ERRORS, **error_responses(403)})
for module in (auth, handoffs, unanswered, knowledge, admin):
    router.include_router(module.router)

routers = (pages.router, public, router)
