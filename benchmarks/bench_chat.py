"""Chat load: simulated users talking to the real Rasa server + action server over REST at once.

    make bench-chat        (python -m benchmarks.bench_chat [--users 10] [--seconds 60])

Each user loops for the whole run, alternating at random (fixed seed) between a greeting (answered by a
Rasa rule) and a helpdesk question (NLU, then the action server searches the knowledge base). Both turn
types see the same load, so the ratio of their p95s is what the helpdesk path costs. An error is a non-200
answer, a timeout, or a turn with no reply. Last line:
    chat greet_p95_ms=.. faq_p95_ms=.. faq_to_greet_p95_ratio=.. errors=..
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time

import httpx

from benchmarks.bench_turns import percentile
from hai.settings import get_settings
from hai.stack import running_stack
from knowledge.kb import load_knowledge_base

GREETINGS = ["halo", "selamat pagi", "hai min", "permisi", "halo selamat siang", "pagi kak"]


def helpdesk_questions(seed: int = 7, n: int = 200) -> list[str]:
    """Training questions of the knowledge base (not the held-out evaluation set)."""
    kb = load_knowledge_base(get_settings().kb_dir)
    questions = [q for entry in kb.active() for q in entry.training_questions]
    random.Random(seed).shuffle(questions)
    return questions[:n]


async def user(client: httpx.AsyncClient, url: str, uid: int, until: float, faqs: list[str],
               timings: dict[str, list[float]], errors: list[str]) -> None:
    rng = random.Random(uid)
    turn = 0
    while time.perf_counter() < until:
        kind = rng.choice(("greet", "faq"))
        text = rng.choice(GREETINGS if kind == "greet" else faqs)
        sender = f"bench-chat-{uid}-{turn // 6}"  # a fresh conversation every few turns
        turn += 1
        started = time.perf_counter()
        try:
            resp = await client.post(url, json={"sender": sender, "message": text})
            elapsed = (time.perf_counter() - started) * 1000
            if resp.status_code != 200 or not resp.json():
                errors.append(f"{kind} {resp.status_code}: {resp.text[:120]}")
                continue
        except httpx.HTTPError as exc:
            errors.append(f"{kind}: {type(exc).__name__}")
            continue
        timings[kind].append(elapsed)


async def load(url: str, users: int, seconds: float, faqs: list[str]) -> tuple[dict[str, list[float]], list[str]]:
    timings: dict[str, list[float]] = {"greet": [], "faq": []}
    errors: list[str] = []
    async with httpx.AsyncClient(timeout=60) as client:
        for i in range(6):  # warm-up: lazily loaded parts (knowledge index, embedder) load here
            await client.post(url, json={"sender": f"warm-{i}", "message": GREETINGS[i]})
            await client.post(url, json={"sender": f"warm-{i}", "message": faqs[i]})
        until = time.perf_counter() + seconds
        await asyncio.gather(*(user(client, url, u, until, faqs, timings, errors) for u in range(users)))
    return timings, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    faqs = helpdesk_questions()
    with running_stack() as stack:
        url = f"{stack.settings.rasa_url}/webhooks/rest/webhook"
        timings, errors = asyncio.run(load(url, args.users, args.seconds, faqs))
    for kind, values in timings.items():
        if values:
            print(f"{kind:6s} n={len(values)} p50={percentile(values, .5):.1f} ms "
                  f"p95={percentile(values, .95):.1f} ms mean={statistics.mean(values):.1f} ms")
    for line in errors[:5]:
        print("error:", line)
    if not timings["greet"] or not timings["faq"]:
        raise SystemExit(f"no completed turns of some kind ({len(errors)} errors)")
    g95, f95 = percentile(timings["greet"], .95), percentile(timings["faq"], .95)
    print(f"chat greet_p95_ms={g95:.1f} faq_p95_ms={f95:.1f} faq_to_greet_p95_ratio={f95 / g95:.2f} "
          f"errors={len(errors)}")


if __name__ == "__main__":
    main()
