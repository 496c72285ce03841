"""Start-up benchmark: a fresh `make run` to its first answer, and to the moment the tuned model answers.

The launcher (``python -m hai.launcher run``, what ``make run`` runs after installing) is started on free
ports with an empty data folder and an empty ONNX cache, as on a new installation; only the trained Rasa
model is taken from ``models/`` when it is there (training it is timed separately by ``make train``). A
caller key is created in the fresh database, then ``POST /api/v1/ask`` is polled with one question:

- ``ready_s``: the launcher reports every process healthy;
- ``first_answer_s``: the first answer (HTTP 200 with an entry) - the base model, the index built on demand;
- ``tuned_served_s``: the API's readiness (``GET /api/v1/health``) first says the tuned model answers,
  built by the background tuner at the lowest CPU priority and swapped in without a restart.

Run: ``python -m benchmarks.bench_startup`` (``--timeout`` seconds, default 1800). Last line:
``startup ready_s=<> first_answer_s=<> tuned_served_s=<> entries=<> tuned=<true|false>``.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from testkit.stack import free_port

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "bagaimana cara mengajukan revisi DIPA?"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--timeout", type=float, default=1800.0, help="give up waiting for the tuned model after")
    args = ap.parse_args(argv)

    from api.keys import create_key
    from hai.settings import Settings
    from knowledge.kb import load_knowledge_base

    with tempfile.TemporaryDirectory(prefix="hai-bench-startup-") as tmp:
        data_dir = Path(tmp) / "data"
        ports = {"HAI_RASA_PORT": free_port(), "HAI_ACTION_PORT": free_port(), "HAI_API_PORT": free_port()}
        env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "HAI_DATA_DIR": str(data_dir),
               "HAI_ONNX_CACHE_DIR": str(Path(tmp) / "onnx"), "HAI_EMBEDDING_TUNED": "auto",
               "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
        settings = Settings(data_dir=data_dir, api_port=ports["HAI_API_PORT"])
        entries = len(load_knowledge_base(settings.kb_dir).active())
        started = time.monotonic()
        log_path = Path(tmp) / "launcher.log"
        log = log_path.open("w")
        proc = subprocess.Popen([sys.executable, "-m", "hai.launcher", "run"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        marks: dict[str, float] = {}

        def watch_log() -> None:
            while proc.poll() is None and "ready" not in marks:
                if re.search(r"\[hai\] ready in", log_path.read_text(encoding="utf-8", errors="replace")):
                    marks["ready"] = time.monotonic() - started
                time.sleep(0.2)

        threading.Thread(target=watch_log, daemon=True).start()
        key = None
        try:
            deadline = started + args.timeout
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise SystemExit(f"launcher berhenti (kode {proc.returncode}):\n"
                                     f"{log_path.read_text(encoding='utf-8')[-3000:]}")
                if key is None and (data_dir / "app.db").exists():
                    try:
                        _, key = create_key("bench-startup", "caller", settings)
                    except Exception:  # noqa: BLE001 - the API may still be creating its tables
                        key = None
                if key is not None:
                    try:
                        resp = httpx.post(f"{settings.api_url}/api/v1/ask", json={"question": QUESTION},
                                          headers={"X-API-Key": key}, timeout=120)
                        body = resp.json() if resp.status_code == 200 else {}
                    except httpx.HTTPError:
                        body = {}
                    if body.get("answer") and "first_answer" not in marks:
                        marks["first_answer"] = time.monotonic() - started
                        print(f"jawaban pertama setelah {marks['first_answer']:.1f} s", flush=True)
                    if "first_answer" in marks:
                        try:
                            health = httpx.get(f"{settings.api_url}/api/v1/health", timeout=30).json()
                        except (httpx.HTTPError, ValueError):
                            health = {}
                        detail = next((c.get("detail", "") for c in health.get("components", [])
                                       if c.get("name") == "knowledge"), "")
                        if detail.startswith("model tuned"):
                            marks["tuned"] = time.monotonic() - started
                            print(f"model tuned menjawab setelah {marks['tuned']:.1f} s ({detail})", flush=True)
                            break
                time.sleep(1.0)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
            log.close()
            tuner_log = data_dir / "logs" / "tuner.log"
            if tuner_log.exists():
                print("--- tuner.log ---\n" + tuner_log.read_text(encoding="utf-8")[-2000:])
    if "first_answer" not in marks:
        raise SystemExit("tidak ada jawaban dalam batas waktu")
    tuned = "tuned" in marks
    print(f"startup ready_s={marks.get('ready', float('nan')):.1f} first_answer_s={marks['first_answer']:.1f} "
          f"tuned_served_s={marks['tuned']:.1f} entries={entries} tuned=true" if tuned else
          f"startup ready_s={marks.get('ready', float('nan')):.1f} first_answer_s={marks['first_answer']:.1f} "
          f"tuned_served_s=>{args.timeout:.0f} entries={entries} tuned=false")


if __name__ == "__main__":
    main()
