"""`make run-cluster` for real, once for the module: PostgreSQL, Redis, nginx, two Rasa servers, one action
server and two API workers (``testkit.stack.running_cluster``), all on loopback ports of this machine (not
separate hosts). Each test talks to a chosen replica directly when it matters which one answers, and through
nginx otherwise."""
from __future__ import annotations

import queue
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
import socketio

from analytics.bills.repository import BillRepository
from api.keys import create_key
from hai.launcher import RASA_BIN
from hai.settings import ROOT, Settings
from testkit.stack import RunningCluster, running_cluster

pytestmark = pytest.mark.cluster

RATE_LIMIT = 12  # requests per minute per API key in this cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> RunningCluster:
    if not RASA_BIN.exists():
        pytest.fail(f"{RASA_BIN} is missing: run `make install`")
    import shutil

    kb_dir = tmp_path_factory.mktemp("kb") / "kb"
    shutil.copytree(ROOT / "knowledge" / "kb", kb_dir)  # edited by a test
    # not under pytest's own temporary folder: PostgreSQL runs as its own user, which cannot enter that one
    data_dir = Path(tempfile.mkdtemp(prefix="hai-cluster-test-"))
    if (ROOT / "data" / "index").is_dir():  # vectors of the unchanged texts: no full re-embedding at start
        shutil.copytree(ROOT / "data" / "index", data_dir / "index")
    with running_cluster(data_dir=data_dir, embedding_tuned="off", kb_dir=kb_dir, rate_limit_per_minute=RATE_LIMIT,
                         cluster_rasa=2, cluster_actions=1, cluster_api=2) as running:
        yield running
    shutil.rmtree(data_dir, ignore_errors=True)


def _local(cluster: RunningCluster) -> Settings:
    """Settings for the test's own look-ups: the cluster's app database and key secret."""
    s = cluster.settings
    return Settings(data_dir=s.data_dir, app_db_url=s.app_url)


def say(url: str, sender: str, text: str) -> list[dict]:
    resp = httpx.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=90)
    resp.raise_for_status()
    return resp.json()


def joined(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def tracker(cluster: RunningCluster, sender: str) -> dict:
    resp = httpx.get(f"{cluster.lb_url}/conversations/{sender}/tracker",
                     params={"token": cluster.settings.rasa_api_token()}, timeout=30)
    resp.raise_for_status()
    return resp.json()


def test_a_form_continues_on_the_other_rasa_server(cluster):
    idpel = BillRepository.sample().month_bills(BillRepository.sample().last_month)["idpel"].iloc[0]
    sender = f"cl-form-{uuid.uuid4().hex[:8]}"
    ask = joined(say(cluster.rasa_url(1), sender, "tolong cek kewajaran tagihan listrik kantor kami"))
    assert "idpel" in ask.lower()
    ask = joined(say(cluster.rasa_url(2), sender, f"idpelnya {idpel}"))  # the form goes on over there
    assert "nominal" in ask.lower() or "nilai" in ask.lower(), ask
    state = tracker(cluster, sender)
    assert state["active_loop"].get("name") == "bill_form"
    assert state["slots"]["idpel"] == str(idpel)
    reply = joined(say(cluster.rasa_url(1), sender, "2 juta 300 ribu"))
    assert f"idpel {idpel}" in reply and "Kesimpulan:" in reply, reply


def test_concurrent_messages_of_one_sender_run_one_at_a_time_in_order(cluster):
    sender = f"cl-lock-{uuid.uuid4().hex[:8]}"
    texts = ["halo", "kamu siapa", "terima kasih", "halo lagi", "kamu siapa sebenarnya", "makasih ya"]
    errors: list[BaseException] = []

    def send(i: int, text: str) -> None:
        try:
            say(cluster.rasa_url(1 + i % 2), sender, text)  # alternately to each server, all at once
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = []
    for i, text in enumerate(texts):
        threads.append(threading.Thread(target=send, args=(i, text)))
        threads[-1].start()
        time.sleep(0.15)  # the order they reach the lock store; all still overlap (a turn takes longer)
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    events = tracker(cluster, sender)["events"]
    users = [e["text"] for e in events if e["event"] == "user"]
    assert users == texts, "every message stored once, in the order sent"
    # one at a time: after each user message the bot finishes its turn (action_listen) before the next one
    kinds = [("user" if e["event"] == "user" else "listen") for e in events
             if e["event"] == "user" or (e["event"] == "action" and e.get("name") == "action_listen")]
    first_user = kinds.index("user")
    assert kinds[first_user:] == ["user", "listen"] * len(texts), kinds


def test_the_rate_limit_holds_across_api_workers(cluster):
    # one key's requests alternately to each worker: with a bucket per worker each would allow RATE_LIMIT
    key = create_key(f"cl-rate-{uuid.uuid4().hex[:6]}", "agent", _local(cluster))[1]
    statuses = []
    started = time.monotonic()
    for i in range(2 * RATE_LIMIT):
        resp = httpx.get(f"{cluster.api_url(1 + i % 2)}/api/v1/console/categories", headers={"X-API-Key": key},
                         timeout=60)
        statuses.append(resp.status_code)
    refilled = (time.monotonic() - started) * RATE_LIMIT / 60  # tokens added meanwhile
    assert statuses[:RATE_LIMIT] == [200] * RATE_LIMIT, statuses
    assert statuses.count(200) <= RATE_LIMIT + int(refilled) + 1, (statuses, refilled)
    assert set(statuses) == {200, 429}, statuses


def test_a_knowledge_edit_through_one_api_worker_is_answered_by_the_other(cluster):
    local = _local(cluster)
    agent = create_key(f"cl-agent-{uuid.uuid4().hex[:6]}", "agent", local)[1]
    caller = create_key(f"cl-caller-{uuid.uuid4().hex[:6]}", "caller", local)[1]
    word = f"zorbakuantum{uuid.uuid4().hex[:4]}"
    question = f"Bagaimana cara mengaktifkan fitur {word} di aplikasi SAKTI?"
    draft = {"category": "sakti_umum", "question": question,
             "answer": f"Fitur {word} diaktifkan oleh admin satker melalui menu Administrasi SAKTI.",
             "training_questions": [f"cara aktifkan {word} sakti", f"{word} sakti tidak aktif",
                                    f"mengaktifkan {word} di SAKTI"],
             "keywords": [word]}
    categories = httpx.get(f"{cluster.api_url(1)}/api/v1/console/categories", headers={"X-API-Key": agent},
                           timeout=30).json()
    draft["category"] = categories[0]["id"]
    resp = httpx.post(f"{cluster.api_url(1)}/api/v1/console/entries", json=draft, headers={"X-API-Key": agent},
                      timeout=60)
    assert resp.status_code == 201, resp.text
    entry_id = resp.json()["id"]
    saved = time.monotonic()
    answered = None
    while time.monotonic() - saved < 5.0:
        got = httpx.post(f"{cluster.api_url(2)}/api/v1/ask", json={"question": f"cara aktifkan {word} sakti"},
                         headers={"X-API-Key": caller}, timeout=60).json()
        if (got.get("answer") or {}).get("entry_id") == entry_id:
            answered = time.monotonic() - saved
            break
        time.sleep(0.25)
    assert answered is not None, "the other API worker did not answer with the new entry within 5 s"


def test_an_agents_reply_reaches_a_user_on_the_other_rasa_server(cluster):
    session_id = f"cl-sio-{uuid.uuid4().hex[:8]}"
    uttered: queue.Queue = queue.Queue()
    confirmed: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", uttered.put)
    client.on("session_confirm", confirmed.put)
    client.connect(cluster.rasa_url(1), socketio_path="/socket.io", transports=["websocket"], wait_timeout=20)
    try:
        client.emit("session_request", {"session_id": session_id})
        assert confirmed.get(timeout=20) == session_id
        client.emit("user_uttered", {"message": "halo", "session_id": session_id})
        assert "Asisten HAI DJPb" in uttered.get(timeout=60)["text"]
        text = f"Halo, saya petugas helpdesk ({uuid.uuid4().hex[:6]})."
        # what the console does (helpdesk/agent_reply.py), sent to the server the user is NOT connected to
        resp = httpx.post(f"{cluster.rasa_url(2)}/conversations/{session_id}/tracker/events",
                          params={"output_channel": "latest", "execute_side_effects": "true",
                                  "token": cluster.settings.rasa_api_token()},
                          json={"event": "bot", "text": text}, timeout=30)
        resp.raise_for_status()
        deadline = time.monotonic() + 15
        seen = []
        while time.monotonic() < deadline:
            try:
                seen.append(uttered.get(timeout=1)["text"])
            except queue.Empty:
                continue
            if text in seen:
                break
        assert text in seen, seen
    finally:
        client.disconnect()


def test_nginx_skips_a_dead_rasa_server(cluster):
    """Last in the module: rasa-2 stays stopped (starting it again would load its model for minutes)."""
    cluster.services["rasa-2"].stop()
    sender = f"cl-dead-{uuid.uuid4().hex[:8]}"
    for _ in range(4):  # least_conn would pick the stopped one in turn: each still gets an answer
        assert "Asisten HAI DJPb" in joined(say(cluster.lb_url, sender, "halo"))
    # the API's readiness probe reaches a Rasa server through nginx (/status), not the API itself
    health = httpx.get(f"{cluster.api_url(1)}/api/v1/health", timeout=30).json()
    rasa = next(c for c in health["components"] if c["name"] == "rasa")
    assert rasa["detail"] in ("HTTP 200", "HTTP 401"), health
