"""The HTTP API: ``uvicorn api.main:app``. Routes live in ``api/routes/<resource>.py``.

Every route under /api/v1 except the health probes needs an API key (``python -m api.keys create``);
/metrics is open unless ``HAI_METRICS_PUBLIC=false``; /charts serves the PNG charts the bot's actions write.
"""
from __future__ import annotations

from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.audit import AuditWriter
from api.errors import install_handlers
from api.metrics import HttpMetrics
from api.middleware import AuthGate, BodySizeLimit, RequestContext
from api.ratelimit import make_limiter
from api.routes import accounts, answers, ask, bills, chat, health, metrics, pagu, rekon
from api.routes import console, webchat, widget
from hai.db import init_db
from hai.settings import Settings, get_settings


@asynccontextmanager
async def lifespan(app: FastAPI):
    init_db(app.state.settings)
    app.state.audit.start()
    try:
        yield
    finally:
        app.state.audit.close()
        await app.state.rasa_client.aclose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="HAI Treasury Assistant API",
        version="1.0.0",
        description="Tanya jawab layanan perbendaharaan dan analitik (tagihan listrik, pagu, rekonsiliasi, kode akun). "
                    "Semua rute /api/v1 kecuali /api/v1/health memerlukan header `X-API-Key`.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = HttpMetrics()
    app.state.limiter = make_limiter(settings.rate_limit_per_minute, settings.redis_url)
    app.state.audit = AuditWriter(settings)
    app.state.rasa_client = httpx.AsyncClient(timeout=settings.rasa_timeout_s)
    install_handlers(app)
    for module in (health, ask, answers, chat, bills, pagu, rekon, accounts, metrics):
        app.include_router(module.router)
    settings.charts_dir.mkdir(parents=True, exist_ok=True)
    app.mount("/charts", StaticFiles(directory=settings.charts_dir), name="charts")
    # The web chat page at / and /chat, its files under /static (api/routes/webchat.py).
    app.include_router(webchat.router)
    # The embeddable widget: /widget.js, /widget/config, /widget-frame (api/routes/widget.py).
    app.include_router(widget.router)
    app.mount(webchat.STATIC_URL, webchat.static_files(), name="static")
    # The agent console: pages /console and /console/login, its API under /api/v1/console (api/routes/console/).
    for router in console.routers:
        app.include_router(router)
    # Added innermost first: RequestContext wraps AuthGate wraps BodySizeLimit wraps the routes.
    app.add_middleware(BodySizeLimit)
    app.add_middleware(AuthGate)
    app.add_middleware(RequestContext)
    return app


app = create_app()
