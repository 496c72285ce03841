"""The action-response check made once (channels/action_calls.py) accepts and rejects exactly what
Rasa's own check does, with the same message. Rasa lives in .venv/rasa: the comparison runs there."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv" / "rasa" / "bin" / "python"

SCRIPT = r"""
import json
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from channels import action_calls

CASES = [
    {"events": [], "responses": []},
    {},
    {"events": [{"event": "slot", "name": "x", "value": 1, "timestamp": None}],
     "responses": [{"text": "Jawaban\n\nSumber: PMK", "buttons": [{"title": "a", "payload": "/b"}]}]},
    {"events": [{"event": "action", "name": "action_listen"}, {"event": "followup", "name": "utter_x"}]},
    {"events": "bukan daftar"},
    {"events": [{"name": "tanpa jenis"}]},
    {"events": [{"event": "slot"}]},
    {"events": [{"event": "tidak_dikenal", "name": "x"}]},
    {"responses": "teks"},
    {"responses": [1, 2]},
    [],
    "teks",
]

def outcome(check, case):
    try:
        return ["ok", check(RemoteAction("action_x", None), case)]
    except ValidationError as e:
        return ["error", e.message, list(e.absolute_path)]

original = RemoteAction._validate_action_result
before = [outcome(original, c) for c in CASES]
applied = action_calls.apply()
after = [outcome(RemoteAction._validate_action_result, c) for c in CASES]
print(json.dumps({"applied": applied, "before": before, "after": after,
                  "patched": RemoteAction._validate_action_result is action_calls.validate_action_result}))
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason=".venv/rasa is not installed")
def test_patched_check_matches_rasas_own():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["applied"] and result["patched"]
    assert result["after"] == result["before"]
    kinds = [r[0] for r in result["before"]]
    assert kinds[:4] == ["ok"] * 4 and "error" in kinds[4:]  # the cases really cover both outcomes
    errors = [r for r in result["after"] if r[0] == "error"]
    assert all("Failed to validate Action server response" in r[1] for r in errors)


SESSION_SCRIPT = r"""
import asyncio, json
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig
from channels import action_calls

async def main():
    peers, seen = [], []
    async def handle(request):
        peers.append(request.transport.get_extra_info("peername")[1])
        seen.append([request.headers.get("X-Hai"), request.headers.get("Authorization", "")[:6],
                     (await request.json())["n"]])
        return web.json_response({"ok": True})
    app = web.Application(); app.router.add_post("/webhook", handle)
    runner = web.AppRunner(app); await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0); await site.start()
    port = site._server.sockets[0].getsockname()[1]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-Hai": "1"},
                              basic_auth={"username": "u", "password": "p"})
    result = {}
    for label in ("rasa", "patched"):
        if label == "patched":
            action_calls.apply()
        start = len(peers)
        answers = [await endpoint.request(json={"n": i}, method="post") for i in range(3)]
        result[label] = {"connections": len(set(peers[start:])), "answers": answers}
    result["seen"] = seen
    await runner.cleanup()
    print(json.dumps(result))

asyncio.run(main())
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason=".venv/rasa is not installed")
def test_action_endpoint_calls_reuse_one_connection_with_the_same_headers():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run([str(RASA_PYTHON), "-c", SESSION_SCRIPT], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["rasa"]["connections"] == 3  # Rasa's own: a new session and connection per call
    assert result["patched"]["connections"] == 1
    assert result["patched"]["answers"] == result["rasa"]["answers"] == [{"ok": True}] * 3
    assert result["seen"] == [["1", "Basic ", n] for n in (0, 1, 2)] * 2
