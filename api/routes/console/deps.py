"""What the console's route modules share: typed dependencies, used as ``who: ConsoleUser`` in a signature.

The session cookie and the CSRF token are checked by ``api.middleware.AuthGate`` before a route runs; the
role (agent or admin) by the router that ``api/routes/console/__init__.py`` builds around every module.
"""
from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, Request

from api.console_session import ConsoleSession
from api.deps import current_principal, rasa_client, require_role
from api.keys import Principal

# Everyone the console serves (every /api/v1/console route but login); the admin tab's routes: admins only.
staff = require_role("agent", "admin")
admins = require_role("admin")


def browser_session(request: Request) -> ConsoleSession | None:
    """The browser's console session that the AuthGate verified; None for a caller with an API key."""
    return getattr(request.state, "console_session", None)


# The staff member calling (by console session or API key), named in replies, decisions and the audit log.
ConsoleUser = Annotated[Principal, Depends(current_principal)]
# The browser session behind the request, if any (an API key has no cookie or CSRF token).
BrowserSession = Annotated[ConsoleSession | None, Depends(browser_session)]
# The app's client of the Rasa HTTP API (a fake transport in the tests).
RasaClient = Annotated[httpx.AsyncClient, Depends(rasa_client)]
