"""The HTTP API: ``uvicorn api.main:app``. Routes live in ``api/routes/<resource>.py``."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.routes import health
from hai.db import init_db


@asynccontextmanager
async def lifespan(_app: FastAPI):
    init_db()
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="HAI Treasury Assistant API",
        version="1.0.0",
        description="Tanya jawab layanan perbendaharaan dan analitik (tagihan listrik, pagu, rekonsiliasi, kode akun).",
        lifespan=lifespan,
    )
    app.include_router(health.router)
    return app


app = create_app()
