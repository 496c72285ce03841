"""Chat load: simulated users talking to the real Rasa server + action server over REST at once.

    make bench-chat        (python -m benchmarks.bench_chat [--users 10] [--seconds 60])

Each user loops for the whole run, alternating at random (fixed seed) between a greeting (answered by a
Rasa rule) and a helpdesk question (NLU, then the action server searches the knowledge base). Both turn
types see the same load, so the ratio of their p95s is what the helpdesk path costs. An error is a non-200
answer, a timeout, or a turn with no reply.

Two runs of the same users, one after the other:
* stress: no pause between turns. The Rasa server's one event loop is then always busy, a turn waits for
  every turn queued before it each time it needs the loop, and a helpdesk turn needs it at least twice
  (before and after the action server), so this ratio measures the queueing more than the helpdesk path;
  printed as `chat-stress ...` for comparison.
* users (the result): after each reply a user pauses 0.5-2.0 s (seeded) before the next message, as
  a person reading the answer and typing would, still 10 at once.
Last line (the users run):
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
from testkit.stack import running_stack
from knowledge.kb import load_knowledge_base

GREETINGS = ["halo", "selamat pagi", "hai min", "permisi", "halo selamat siang", "pagi kak"]


def helpdesk_questions(seed: int = 7, n: int = 200) -> list[str]:
    """Training questions of the knowledge base (not the held-out evaluation set)."""
    kb = load_knowledge_base(get_settings().kb_dir)
    questions = [q for entry in kb.active() for q in entry.training_questions]
    random.Random(seed).shuffle(questions)
    return questions[:n]


THINK_S = (0.5, 2.0)  # a person's pause between a reply and the next message (users run)


async def user(client: httpx.AsyncClient, url: str, uid: int, until: float, faqs: list[str],
               timings: dict[str, list[float]], errors: list[str], think: tuple[float, float] | None) -> None:
    rng = random.Random(uid)
    turn = 0
    while time.perf_counter() < until:
        if think and turn:
            await asyncio.sleep(rng.uniform(*think))
            if time.perf_counter() >= until:
                break
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


async def load(url: str, users: int, seconds: float, faqs: list[str],
               think: tuple[float, float] | None = None) -> tuple[dict[str, list[float]], list[str]]:
    timings: dict[str, list[float]] = {"greet": [], "faq": []}
    errors: list[str] = []
    async with httpx.AsyncClient(timeout=60) as client:
        for i in range(6):  # warm-up: lazily loaded parts (knowledge index, embedder) load here
            await client.post(url, json={"sender": f"warm-{i}", "message": GREETINGS[i]})
            await client.post(url, json={"sender": f"warm-{i}", "message": faqs[i]})
        until = time.perf_counter() + seconds
        await asyncio.gather(*(user(client, url, u, until, faqs, timings, errors, think) for u in range(users)))
    return timings, errors


def report(label: str, timings: dict[str, list[float]], errors: list[str]) -> None:
    for kind, values in timings.items():
        if values:
            print(f"{label:6s} {kind:6s} n={len(values)} p50={percentile(values, .5):.1f} ms "
                  f"p95={percentile(values, .95):.1f} ms mean={statistics.mean(values):.1f} ms")
    for line in errors[:5]:
        print("error:", line)
    if not timings["greet"] or not timings["faq"]:
        raise SystemExit(f"no completed turns of some kind ({len(errors)} errors)")
    g95, f95 = percentile(timings["greet"], .95), percentile(timings["faq"], .95)
    name = "chat" if label == "users" else f"chat-{label}"
    print(f"{name} greet_p95_ms={g95:.1f} faq_p95_ms={f95:.1f} faq_to_greet_p95_ratio={f95 / g95:.2f} "
          f"errors={len(errors)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--no-stress", action="store_true", help="only the users run")
    args = parser.parse_args()
    faqs = helpdesk_questions()
    runs = ([] if args.no_stress else [("stress", None)]) + [("users", THINK_S)]
    results = []
    with running_stack() as stack:
        url = f"{stack.settings.rasa_url}/webhooks/rest/webhook"
        for label, think in runs:
            results.append((label, *asyncio.run(load(url, args.users, args.seconds, faqs, think))))
    for label, timings, errors in results:
        report(label, timings, errors)


if __name__ == "__main__":
    main()
