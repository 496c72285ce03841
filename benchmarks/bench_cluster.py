"""Simulated users over REST through nginx of `make run-cluster`, on two Rasa servers and on one, in one run.

    make bench-cluster        (python -m benchmarks.bench_cluster [--users 50])

One cluster (``testkit.stack.running_cluster``: PostgreSQL, Redis, nginx, 2 Rasa servers, 1 action server,
1 API worker) on loopback ports. Each user runs one conversation (a greeting, helpdesk questions, an
electricity-bill check form, a pagu forecast, thanks), all users at once, in four phases: on two Rasa
servers without pauses and with reading/typing pauses (1-4 s between turns), then the same with the second
Rasa server stopped (nginx skips it). Afterwards every conversation is read back from the tracker store:
``lost`` counts user messages sent but not stored, ``reordered`` conversations whose stored user messages are
not in the order sent. ``turns_per_s_N``: turns answered per second without pauses on N Rasa servers;
``p95_ms_N``: 95th percentile of a turn's time with pauses (what a user waits). Last line:
    cluster users=50 turns_per_s_1=.. turns_per_s_2=.. p95_ms_1=.. p95_ms_2=.. errors=.. lost=.. reordered=..
"""
from __future__ import annotations

import argparse
import random
import threading
import time
import uuid

import httpx
from tqdm import tqdm

from analytics.bills.repository import BillRepository
from benchmarks.bench_turns import percentile
from testkit.stack import RunningCluster, running_cluster


def scripts(bills: BillRepository) -> list[list[str]]:
    """The conversations users have (one picked per user): greetings, helpdesk questions, forms, analytics."""
    month = bills.month_bills(bills.last_month)
    idpels = [str(i) for i in month["idpel"].head(5)]
    kode = bills.satker_codes()[0]
    return [
        ["halo", "bagaimana cara mengajukan revisi DIPA ke kanwil?", "terima kasih"],
        ["selamat pagi", "sp2d saya belum cair, kenapa ya?", "lupa password sakti bagaimana", "makasih"],
        ["halo", "tolong cek kewajaran tagihan listrik kantor kami", f"idpelnya {idpels[0]}", "2 juta 300 ribu",
         "terima kasih"],
        ["permisi", f"apakah pagu listrik satker {kode} cukup sampai akhir tahun?", "oke terima kasih"],
        ["hai min", "kamu siapa?", "cara rekonsiliasi di sakti", "sampai jumpa"],
    ]


class Phase:
    def __init__(self, url: str, pauses: bool) -> None:
        self.url, self.pauses = url, pauses
        self.timings: list[float] = []
        self.errors = 0
        self.sent: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def user(self, sender: str, script: list[str], seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(timeout=120) as client:
            for text in script:
                if self.pauses:
                    time.sleep(rng.uniform(1.0, 4.0))  # reading the last answer, typing the next message
                with self._lock:
                    self.sent.setdefault(sender, []).append(text)
                started = time.perf_counter()
                try:
                    resp = client.post(self.url, json={"sender": sender, "message": text})
                    ok = resp.status_code == 200 and isinstance(resp.json(), list) and resp.json()
                except (httpx.HTTPError, ValueError):
                    ok = False
                with self._lock:
                    if ok:
                        self.timings.append((time.perf_counter() - started) * 1000)
                    else:
                        self.errors += 1

    def run(self, users: int, conversations: list[list[str]], label: str) -> float:
        tag = uuid.uuid4().hex[:6]
        slug = "".join(c if c.isalnum() else "-" for c in label)
        threads = [threading.Thread(target=self.user, args=(f"bench-{slug}-{tag}-{u}",
                                                            conversations[u % len(conversations)], u))
                   for u in range(users)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        total = sum(len(conversations[u % len(conversations)]) for u in range(users))
        with tqdm(total=total, desc=label) as bar:
            while any(t.is_alive() for t in threads):
                time.sleep(0.5)
                bar.update(len(self.timings) + self.errors - bar.n)
        return time.perf_counter() - started


def check_stored(cluster: RunningCluster, sent: dict[str, list[str]]) -> tuple[int, int]:
    """(lost, reordered) over the conversations in ``sent``, read from the tracker store through nginx."""
    lost = reordered = 0
    with httpx.Client(timeout=60) as client:
        for sender, texts in sent.items():
            resp = client.get(f"{cluster.lb_url}/conversations/{sender}/tracker",
                              params={"token": cluster.settings.rasa_api_token()})
            stored = [e.get("text") for e in resp.json().get("events", []) if e.get("event") == "user"] \
                if resp.status_code == 200 else []
            lost += sum(max(0, texts.count(t) - stored.count(t)) for t in set(texts))
            if [t for t in stored if t in texts] != [t for t in texts if t in stored]:  # not in the order sent
                reordered += 1
    return lost, reordered


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    conversations = scripts(BillRepository.sample())
    results: dict[tuple[int, bool], tuple[float, float, int]] = {}
    errors = lost = reordered = 0
    with running_cluster(embedding_tuned="off", cluster_rasa=2, cluster_actions=1, cluster_api=1,
                         rate_limit_per_minute=0) as cluster:
        url = f"{cluster.lb_url}/webhooks/rest/webhook"
        with httpx.Client(timeout=120) as client:  # warm-up: lazily loaded parts of every process
            for i in range(6):
                for text in conversations[i % len(conversations)]:
                    client.post(url, json={"sender": f"warm-{i}", "message": text})
        for replicas in (2, 1):
            if replicas == 1:
                cluster.services["rasa-2"].stop()  # nginx skips it from here on
            for pauses in (False, True):
                phase = Phase(url, pauses)
                label = f"{replicas} rasa, {'pauses' if pauses else 'no pauses'}"
                elapsed = phase.run(args.users, conversations, label)
                stored = check_stored(cluster, phase.sent)
                turns = len(phase.timings)
                results[(replicas, pauses)] = (turns / elapsed, percentile(phase.timings, .95) if turns else 0.0,
                                               phase.errors)
                errors, lost, reordered = errors + phase.errors, lost + stored[0], reordered + stored[1]
                print(f"{label}: {turns} turns in {elapsed:.1f} s = {turns / elapsed:.2f} turns/s, "
                      f"p50={percentile(phase.timings, .5) if turns else 0:.0f} ms "
                      f"p95={results[(replicas, pauses)][1]:.0f} ms errors={phase.errors} "
                      f"lost={stored[0]} reordered={stored[1]}", flush=True)
    print(f"cluster users={args.users} turns_per_s_1={results[(1, False)][0]:.2f} "
          f"turns_per_s_2={results[(2, False)][0]:.2f} p95_ms_1={results[(1, True)][1]:.0f} "
          f"p95_ms_2={results[(2, True)][1]:.0f} errors={errors} lost={lost} reordered={reordered}")


if __name__ == "__main__":
    main()
