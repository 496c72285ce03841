"""The core services the actions use, one per process, created on first use and warmed at server start.

Each is built by the service's own ``from_settings`` from ``get_settings()`` and shared per process and
settings value through ``hai.registry``, the same way the API's ``api.deps`` gets them:

- ``knowledge()``: the knowledge service (embedding model + FAISS index), about 10 s to load;
- ``bills()``: bill and pagu data (``BillRepository``), under 1 s;
- ``rekon()``: reconciliation data and its risk model (loaded, or trained once and saved), about 3 s;
- ``accounts()``: the account-code suggester with its reference index, about 3 s.

``start_background_warm_up()`` builds them in a daemon thread when the action server starts, so the server
answers its health check at once and the first user does not wait; a request that arrives earlier simply
waits for the same object (each is built under a lock, once).
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from actions.base import get_logger
from hai import registry
from hai.settings import get_settings

if TYPE_CHECKING:  # imported on first use below: the server starts without loading the core services
    from analytics.accounts.suggest import AccountSuggester
    from analytics.bills.repository import BillRepository
    from analytics.rekon.repository import RekonRepository
    from knowledge.search import KnowledgeSearch

log = get_logger(__name__)


def knowledge() -> KnowledgeSearch:
    """The process's ``KnowledgeSearch``, index loaded (or rebuilt when stale)."""
    from knowledge.search import KnowledgeSearch

    return registry.shared(KnowledgeSearch.from_settings, get_settings())


def bills() -> BillRepository:
    from analytics.bills.repository import BillRepository

    return registry.shared(BillRepository.from_settings, get_settings())


def rekon() -> RekonRepository:
    from analytics.rekon.repository import RekonRepository

    return registry.shared(RekonRepository.from_settings, get_settings())


def accounts() -> AccountSuggester:
    from analytics.accounts.suggest import AccountSuggester

    return registry.shared(AccountSuggester.from_settings, get_settings())


def _warm_pagu() -> None:
    from analytics.pagu.forecast import pagu_pipeline_for

    repo = bills()
    pagu_pipeline_for(repo, repo.last_month)  # the forecast most users ask for: data up to the last month


WARM_UP_STEPS: list[tuple[str, Callable[[], Any]]] = [
    ("bills", bills),
    ("rekon", rekon),
    ("knowledge", knowledge),
    ("accounts", accounts),
    ("pagu", _warm_pagu),
]


def warm_up(steps: list[tuple[str, Callable[[], Any]]] | None = None) -> dict[str, float]:
    """Build every resource now; returns seconds per step. A failing step is logged and skipped: the
    action that needs it will try again and answer with an apology if it still fails."""
    timings: dict[str, float] = {}
    for name, build in steps or WARM_UP_STEPS:
        started = time.perf_counter()
        try:
            build()
        except Exception:  # noqa: BLE001 - warm-up is an optimisation, never a reason to crash the server
            log.exception("warm-up of %s failed", name)
            continue
        timings[name] = round(time.perf_counter() - started, 2)
        log.info("warm-up: %s ready in %.1f s", name, timings[name])
    return timings


def start_background_warm_up() -> threading.Thread:
    thread = threading.Thread(target=warm_up, name="hai-warm-up", daemon=True)
    thread.start()
    return thread


def in_action_server() -> bool:
    """True in the process that answers the action server's requests: the Sanic worker that
    ``python -m rasa_sdk`` spawns (Sanic names it in SANIC_WORKER_NAME). The server's main process only
    manages that worker, and a test run or another tool importing ``actions`` is neither."""
    return os.environ.get("SANIC_WORKER_NAME", "").startswith("Sanic-Server")


def reset() -> None:
    """Forget every shared service (tests, or after the data changed); the next use builds it again."""
    registry.clear()
