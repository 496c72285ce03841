"""`make run-cluster`: several replicas of every process on PostgreSQL and Redis, behind nginx, on one host.

    python -m hai.launcher run-cluster

The plan that ``hai.launcher.run`` starts and supervises instead of ``SingleHost`` (the same ``Service``s,
restarts and pid file), in three groups, each healthy before the next is built:

1. PostgreSQL and Redis, each with its data in its own folder under ``<data_dir>/cluster/`` and on its own
   port (``HAI_POSTGRES_PORT``, ``HAI_REDIS_PORT``); no system service. PostgreSQL is initialised there on
   the first start, with a generated password kept in ``<data_dir>/runtime``. Either is left out when its
   URL is given (``HAI_TRACKER_DB_URL`` and ``HAI_APP_DB_URL``; ``HAI_REDIS_URL``): then the ones given serve.
2. ``HAI_CLUSTER_RASA`` Rasa servers (SQL tracker store on PostgreSQL, Rasa's ``RedisLockStore``),
   ``HAI_CLUSTER_ACTIONS`` action servers and ``HAI_CLUSTER_API`` API workers (app database on PostgreSQL,
   rate limit in Redis). Replica i (from 0) listens on ``HAI_RASA_PORT`` + i, ``HAI_ACTION_PORT`` + i and
   ``HAI_API_PORT`` + i.
3. nginx (``<data_dir>/cluster/nginx/nginx.conf``, written on each start) on ``HAI_LB_PORT``: socket.io
   (``/socket.io/``) kept on one Rasa server per client address, with the websocket upgrade; the REST and
   Telegram channels and Rasa's conversation API (``/webhooks/``, ``/conversations/``, ``/status``) spread over the Rasa
   servers; everything else (API, web chat, console, charts) over the API workers. The Rasa servers reach the
   action servers through nginx too, on ``HAI_LB_ACTION_PORT``. A replica that refuses connections or
   answers 502/503 is skipped for ``FAIL_TIMEOUT_S`` and the request goes to the next one (nginx's passive
   health checks; open-source nginx has no active ones).

The Debian packages (postgresql, redis-server, nginx-light) are installed by ``make run-cluster`` with
``scripts/ensure_deb.sh`` when missing.
"""
from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

from hai.launcher import APP_PYTHON, build_services, prepare
from hai.processes import Service, ServiceError
from hai.settings import ROOT, Settings

DB_USER = "hai"
TRACKER_DB = "hai_tracker"
APP_DB = "hai_app"
FAIL_TIMEOUT_S = 5  # nginx: a replica that failed is skipped this long
PG_SYSTEM_USER = "postgres"  # PostgreSQL refuses to run as root; Debian's package creates this user
# Several Rasa servers load their model (TensorFlow) at the same time on shared cores: one took over 240 s
# beside another on 2 busy cores here.
RASA_START_TIMEOUT_S = 600


def find_program(name: str) -> str:
    """The newest Debian PostgreSQL's program (``/usr/lib/postgresql/<version>/bin``), or one on PATH or in
    /usr/sbin (redis-server, nginx)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return found[-1]
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if path is None:
        raise ServiceError(f"{name} tidak terpasang; `make run-cluster` memasangnya dari paket Debian")
    return path


class Cluster:
    """The plan of ``make run-cluster`` (see the module's doc)."""

    def __init__(self, settings: Settings) -> None:
        self.home = settings.data_dir / "cluster"
        self.own_postgres = not (settings.tracker_db_url or settings.app_db_url)
        self.own_redis = not settings.redis_url
        host = settings.host
        lb = f"http://{host}:{settings.lb_port}"
        update = {"public_url": settings.public_url or lb, "webchat_socket_url": settings.webchat_socket_url or lb,
                  "redis_url": settings.redis_url or f"redis://{host}:{settings.redis_port}/0"}
        if self.own_postgres:
            pg = f"{DB_USER}:{self._postgres_password(settings)}@{host}:{settings.postgres_port}"
            update.update(tracker_db_url=f"postgresql://{pg}/{TRACKER_DB}",
                          app_db_url=f"postgresql+psycopg://{pg}/{APP_DB}")
        self.settings = settings.model_copy(update=update)

    @staticmethod
    def _postgres_password(settings: Settings) -> str:
        path = settings.runtime_dir / "postgres_password"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(24), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()

    # --- the plan ----------------------------------------------------------------------------------
    def ports(self) -> list[tuple[int, str]]:
        s = self.settings
        ports = [(s.lb_port, "HAI_LB_PORT"), (s.lb_action_port, "HAI_LB_ACTION_PORT")]
        if self.own_postgres:
            ports.append((s.postgres_port, "HAI_POSTGRES_PORT"))
        if self.own_redis:
            ports.append((s.redis_port, "HAI_REDIS_PORT"))
        ports += [(s.rasa_port + i, "HAI_RASA_PORT") for i in range(s.cluster_rasa)]
        ports += [(s.action_port + i, "HAI_ACTION_PORT") for i in range(s.cluster_actions)]
        ports += [(s.api_port + i, "HAI_API_PORT") for i in range(s.cluster_api)]
        return ports

    def stages(self) -> Iterator[list[Service]]:
        s = self.settings
        model = prepare(s)  # a failed training stops the start before anything runs
        backing = ([self.postgres()] if self.own_postgres else []) + ([self.redis()] if self.own_redis else [])
        if backing:
            yield backing
        if self.own_postgres:
            self.create_databases()
        from hai.db import get_engine, init_db

        init_db(s)  # once here: replicas creating the tables together would collide
        get_engine(s).dispose()
        self.build_index()
        yield self.replicas(model)
        yield [self.nginx()]

    def banner(self) -> list[str]:
        s = self.settings
        lb = f"http://{s.host}:{s.lb_port}"
        return [f"{s.cluster_rasa} Rasa, {s.cluster_actions} action, {s.cluster_api} API processes behind nginx",
                f"Rasa REST:   {lb}/webhooks/rest/webhook", f"Web chat:    {lb}/chat", f"API docs:    {lb}/docs",
                f"PostgreSQL:  {s.host}:{s.postgres_port}" if self.own_postgres else "PostgreSQL:  as configured",
                f"Redis:       {s.redis_url.split('@')[-1]}"]

    # --- children ----------------------------------------------------------------------------------
    def child_environment(self, settings: Settings) -> dict[str, str]:
        """``HAI_*`` variables that give a child the cluster's settings (databases, Redis, public address)
        and its own ports."""
        env = {f"HAI_{name.upper()}": str(getattr(settings, name)) for name in settings.model_fields_set
               if getattr(settings, name) is not None}
        env.update(HAI_HOST=settings.host, HAI_DATA_DIR=str(settings.data_dir),
                   HAI_RASA_BASE_URL=settings.rasa_base_url, HAI_ACTION_BASE_URL=settings.action_base_url,
                   HAI_RASA_PORT=str(settings.rasa_port), HAI_ACTION_PORT=str(settings.action_port),
                   HAI_API_PORT=str(settings.api_port), HAI_TRACKER_DB_URL=settings.tracker_url,
                   HAI_APP_DB_URL=settings.app_url, HAI_REDIS_URL=settings.redis_url,
                   HAI_PUBLIC_URL=settings.public_url, HAI_WEBCHAT_SOCKET_URL=settings.webchat_socket_url,
                   HAI_RASA_TOKEN=settings.rasa_api_token())
        return env

    def _replica(self, kind: str, number: int, model: Path, **own: int | str) -> Service:
        settings = self.settings.model_copy(update=own)
        service = next(svc for svc in build_services(settings, model) if svc.name == kind)
        service.name = f"{kind}-{number}"
        service.log_file = settings.log_dir / f"{service.name}.log"
        service.env.update(self.child_environment(settings))
        if kind == "rasa":
            service.start_timeout_s = max(service.start_timeout_s, RASA_START_TIMEOUT_S)
        return service

    def replicas(self, model: Path) -> list[Service]:
        """Action servers, API workers and Rasa servers. The API and the actions reach Rasa through nginx,
        Rasa reaches the action servers through nginx (its action endpoint is the balancer's action port);
        one background tuner (and Telegram poller) as in ``make run``."""
        s = self.settings
        through_lb = {"rasa_base_url": f"http://{s.host}:{s.lb_port}"}
        out = [self._replica("actions", j + 1, model, action_port=s.action_port + j, **through_lb)
               for j in range(s.cluster_actions)]
        out += [self._replica("api", k + 1, model, api_port=s.api_port + k, **through_lb)
                for k in range(s.cluster_api)]
        out += [self._replica("rasa", i + 1, model, rasa_port=s.rasa_port + i,
                              action_base_url=f"http://{s.host}:{s.lb_action_port}")
                for i in range(s.cluster_rasa)]
        for single in build_services(s.model_copy(update=through_lb), model):
            if single.name in ("tuner", "telegram-poller"):
                single.env.update(self.child_environment(s.model_copy(update=through_lb)))
                out.append(single)
        return out

    # --- PostgreSQL ----------------------------------------------------------------------------------
    @property
    def _as_postgres_user(self) -> list[str]:
        return ["runuser", "-u", PG_SYSTEM_USER, "--"] if os.geteuid() == 0 else []

    def postgres(self) -> Service:
        """PostgreSQL on its own folder and port (initialised there on the first start), TCP only."""
        s = self.settings
        pgdata = self.home / "postgres"
        if not (pgdata / "PG_VERSION").exists():
            self._initdb(pgdata)
        return Service(
            name="postgres", port=s.postgres_port, health_url=f"tcp://{s.host}:{s.postgres_port}",
            cmd=[*self._as_postgres_user, find_program("postgres"), "-D", str(pgdata),
                 "-p", str(s.postgres_port), "-c", f"listen_addresses={s.host}",
                 "-c", "unix_socket_directories=", "-c", "max_connections=200"],
            log_file=s.log_dir / "postgres.log", start_timeout_s=60, restart=True, stop_signal=signal.SIGINT)

    def _initdb(self, pgdata: Path) -> None:
        s = self.settings
        pgdata.mkdir(parents=True, exist_ok=True)
        pwfile = self.home / ".pgpass-init"
        pwfile.write_text(self._postgres_password(s) + "\n", encoding="utf-8")
        try:
            if os.geteuid() == 0:
                shutil.chown(pgdata, PG_SYSTEM_USER, PG_SYSTEM_USER)
                shutil.chown(pwfile, PG_SYSTEM_USER, PG_SYSTEM_USER)
            pwfile.chmod(0o600)
            pgdata.chmod(0o700)
            result = subprocess.run(
                [*self._as_postgres_user, find_program("initdb"), "-D", str(pgdata), "-U", DB_USER,
                 f"--pwfile={pwfile}", "--auth-host=scram-sha-256", "--auth-local=scram-sha-256",
                 "-E", "UTF8", "--locale=C.UTF-8"],
                capture_output=True, text=True)
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            shutil.rmtree(pgdata, ignore_errors=True)  # half made: initialised again next time
            raise ServiceError(f"initdb gagal untuk {pgdata}:\n{result.stderr[-2000:]}")

    def create_databases(self) -> None:
        """The tracker store's and the app's databases, where missing."""
        import psycopg

        s = self.settings
        with psycopg.connect(host=s.host, port=s.postgres_port, user=DB_USER, dbname="postgres",
                             password=self._postgres_password(s), autocommit=True) as conn:
            for name in (TRACKER_DB, APP_DB):
                if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                    conn.execute(f'CREATE DATABASE "{name}" OWNER "{DB_USER}"')

    # --- Redis -----------------------------------------------------------------------------------------
    def redis(self) -> Service:
        """Redis on its own folder (append-only file) and port."""
        s = self.settings
        folder = self.home / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        return Service(
            name="redis", port=s.redis_port, health_url=f"tcp://{s.host}:{s.redis_port}",
            cmd=[find_program("redis-server"), "--bind", s.host, "--port", str(s.redis_port),
                 "--dir", str(folder), "--appendonly", "yes", "--save", "", "--daemonize", "no"],
            log_file=s.log_dir / "redis.log", start_timeout_s=30, restart=True)

    # --- the knowledge index ---------------------------------------------------------------------------
    def build_index(self) -> None:
        """Build the knowledge index once before the replicas start, so that they load it rather than all
        building and saving it at the same time."""
        s = self.settings
        log = s.log_dir / "build-index.log"
        with open(log, "ab") as out:
            done = subprocess.run([str(APP_PYTHON), "-m", "knowledge", "build-index"], cwd=ROOT,
                                  env={**os.environ, **self.child_environment(s), "HF_HUB_OFFLINE": "1",
                                       "TRANSFORMERS_OFFLINE": "1"},
                                  stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise ServiceError(f"indeks basis pengetahuan tidak dapat dibangun; lihat {log}")

    # --- nginx ---------------------------------------------------------------------------------------------
    def nginx_conf(self) -> str:
        s = self.settings
        home = self.home / "nginx"

        def upstream(name: str, port: int, count: int, extra: str = "") -> str:
            servers = "".join(f"    server {s.host}:{port + i} max_fails=1 fail_timeout={FAIL_TIMEOUT_S}s;\n"
                              for i in range(count))
            return f"  upstream {name} {{\n{extra}{servers}    keepalive 16;\n  }}\n"

        proxy = ("      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n"
                 "      proxy_set_header Host $http_host;\n"
                 "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                 "      proxy_set_header X-Forwarded-Proto $scheme;\n"
                 "      proxy_next_upstream error timeout http_502 http_503;\n"
                 "      proxy_connect_timeout 2s;\n")
        balanced, sticky = "    least_conn;\n", "    hash $remote_addr consistent;\n"
        upstreams = (upstream("rasa", s.rasa_port, s.cluster_rasa, balanced)
                     + "  # socket.io: every request of one client address to the same Rasa server (its session)\n"
                     + upstream("rasa_sticky", s.rasa_port, s.cluster_rasa, sticky)
                     + upstream("api", s.api_port, s.cluster_api, balanced)
                     + upstream("actions", s.action_port, s.cluster_actions, balanced))
        return f"""# Written by hai/cluster.py on each start of `make run-cluster`; edits are lost.
worker_processes 2;
pid {home}/nginx.pid;
error_log {home}/error.log warn;
daemon off;
events {{ worker_connections 2048; }}
http {{
  log_format upstream '$remote_addr "$request" $status $upstream_addr $request_time';
  access_log {home}/access.log upstream;
  client_body_temp_path {home}/tmp/body;
  proxy_temp_path {home}/tmp/proxy;
  fastcgi_temp_path {home}/tmp/fastcgi;
  uwsgi_temp_path {home}/tmp/uwsgi;
  scgi_temp_path {home}/tmp/scgi;
  client_max_body_size {s.max_upload_bytes};
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
{upstreams}  server {{
    listen {s.host}:{s.lb_port};
    location = /lb/health {{ return 200 "ok\\n"; }}
    location /socket.io/ {{
      proxy_pass http://rasa_sticky;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_buffering off;
      proxy_read_timeout 1h;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_connect_timeout 2s;
    }}
    location /webhooks/ {{
      proxy_pass http://rasa;
{proxy}      proxy_read_timeout 90s;
    }}
    location /conversations/ {{
      proxy_pass http://rasa;
{proxy}      proxy_read_timeout 90s;
    }}
    location = /status {{
      proxy_pass http://rasa;
{proxy}    }}
    location / {{
      proxy_pass http://api;
{proxy}      proxy_read_timeout 120s;
    }}
  }}
  server {{
    listen {s.host}:{s.lb_action_port};
    location / {{
      proxy_pass http://actions;
{proxy}      proxy_read_timeout {int(s.action_timeout_s) + 30}s;
    }}
  }}
}}
"""

    def nginx(self) -> Service:
        s = self.settings
        home = self.home / "nginx"
        (home / "tmp").mkdir(parents=True, exist_ok=True)
        conf = home / "nginx.conf"
        conf.write_text(self.nginx_conf(), encoding="utf-8")
        return Service(
            name="nginx", port=s.lb_port, health_url=f"http://{s.host}:{s.lb_port}/lb/health",
            cmd=[find_program("nginx"), "-p", str(home), "-c", str(conf), "-e", str(home / "error.log")],
            log_file=s.log_dir / "nginx.log", start_timeout_s=30, restart=True)
