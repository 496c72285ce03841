"""Latency of single conversation turns through the real Rasa server over REST.

    make bench-turns        (python -m benchmarks.bench_turns [--turns 200])

Interleaves, in one run, a greeting turn (answered by a Rasa rule, no action server) and a turn that calls
the custom action served by the action server, so both see the same machine load. Last line:
    turns greet_p50_ms=.. greet_p95_ms=.. action_p50_ms=.. action_p95_ms=.. action_to_greet_p95_ratio=..
"""
from __future__ import annotations

import argparse
import statistics
import time

import httpx
from tqdm import tqdm

from testkit.stack import running_stack

GREETINGS = ["halo", "selamat pagi", "hai min", "permisi"]
ACTION_TURNS = ["menu", "kamu bisa bantu apa saja", "tampilkan menu", "bantuan"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=200, help="turns of each kind")
    args = parser.parse_args()
    with running_stack() as stack:
        settings = stack.settings
        url = f"{settings.rasa_url}/webhooks/rest/webhook"
        timings: dict[str, list[float]] = {"greet": [], "action": []}
        with httpx.Client(timeout=60) as client:
            for i in range(10):  # warm-up: first turns load lazily initialised parts
                client.post(url, json={"sender": f"warm-{i}", "message": GREETINGS[i % 4]})
                client.post(url, json={"sender": f"warm-{i}", "message": ACTION_TURNS[i % 4]})
            for i in tqdm(range(args.turns), desc="turns"):
                for kind, texts in (("greet", GREETINGS), ("action", ACTION_TURNS)):
                    started = time.perf_counter()
                    resp = client.post(url, json={"sender": f"bench-{i % 20}", "message": texts[i % 4]})
                    elapsed = (time.perf_counter() - started) * 1000
                    resp.raise_for_status()
                    body = resp.json()
                    if kind == "action" and not any(m.get("buttons") for m in body):
                        raise SystemExit(f"turn {i}: the custom action did not answer: {body}")
                    timings[kind].append(elapsed)
    for kind, values in timings.items():
        print(f"{kind:7s} n={len(values)} p50={percentile(values, .5):.1f} ms p95={percentile(values, .95):.1f} ms "
              f"mean={statistics.mean(values):.1f} ms")
    g95, a95 = percentile(timings["greet"], .95), percentile(timings["action"], .95)
    print(f"turns greet_p50_ms={percentile(timings['greet'], .5):.1f} greet_p95_ms={g95:.1f} "
          f"action_p50_ms={percentile(timings['action'], .5):.1f} action_p95_ms={a95:.1f} "
          f"action_to_greet_p95_ratio={a95 / g95:.2f}")


if __name__ == "__main__":
    main()
