"""Liveness and readiness of the service and the processes it depends on."""
from __future__ import annotations

import httpx
from fastapi import APIRouter, Request
from pydantic import BaseModel

from hai.db import ping
from hai.registry import peek

router = APIRouter(prefix="/api/v1/health", tags=["health"])


class Live(BaseModel):
    status: str = "ok"


class Component(BaseModel):
    name: str
    ok: bool
    detail: str = ""


class Ready(BaseModel):
    status: str
    components: list[Component]


@router.get("/live", response_model=Live, summary="The API process is up")
def live() -> Live:
    return Live()


async def _probe(client: httpx.AsyncClient, name: str, url: str) -> Component:
    try:
        resp = await client.get(url)
        return Component(name=name, ok=resp.status_code == 200, detail=f"HTTP {resp.status_code}")
    except httpx.HTTPError as exc:
        return Component(name=name, ok=False, detail=type(exc).__name__)


def _knowledge(settings) -> Component:
    """Which sentence model this process answers with (``base`` until the tuned one is swapped in)."""
    from knowledge.search import KnowledgeSearch

    search = peek(KnowledgeSearch.from_settings, settings)
    if search is None:
        return Component(name="knowledge", ok=True, detail="dimuat pada pertanyaan pertama")
    return Component(name="knowledge", ok=True, detail=f"model {search.model_kind} ({search.backend}), "
                                                       f"{len(search.knowledge_base.active())} entri")


@router.get("", response_model=Ready, summary="The API, its database, the Rasa server and the action server")
async def ready(request: Request) -> Ready:
    settings = request.app.state.settings
    async with httpx.AsyncClient(timeout=2.0) as client:
        rasa = await _probe(client, "rasa", f"{settings.rasa_url}/status")
        actions = await _probe(client, "actions", settings.action_url.removesuffix("/webhook") + "/health")
    db = Component(name="database", ok=ping(settings))
    components = [db, rasa, actions, _knowledge(settings)]
    return Ready(status="ok" if all(c.ok for c in components) else "degraded", components=components)
