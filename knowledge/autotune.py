"""The background tuner ``make run`` starts: the domain-tuned embedding model, built without delaying anyone.

A new installation answers with the base model from its first second. This worker, at the lowest CPU
priority (``SCHED_IDLE`` where Linux allows it, else ``nice 19``), tunes the model on the knowledge base's
training questions (``knowledge.tuning``), makes its ONNX export ahead so no serving process pays for it,
and records it as the current tuned model. Every serving process with ``HAI_EMBEDDING_TUNED=auto`` watches
that record (``KnowledgeSearch.watch_model``) and swaps the new model in without a restart.

Later knowledge-base edits are answered at once (the serving model embeds them); the model is tuned again
only when ``HAI_TUNE_MIN_CHANGED`` entries were added, edited or retired since the model in use was tuned.
An unchanged knowledge base is never tuned twice (the cache key of ``knowledge.tuning``), also across
restarts. Run alone: ``python -m knowledge autotune`` (``--once`` to tune if due and exit).
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.kb import Entry, load_knowledge_base
from knowledge.search import current_tuned_model
from knowledge.tuning import (TuningConfig, cache_key, changed_entries, ensure_tuned, prune_tuned, set_current,
                              tuned_models_dir, tuning_record)

if TYPE_CHECKING:
    from hai.settings import Settings

log = logging.getLogger("hai.autotune")


@dataclass(frozen=True)
class Decision:
    due: bool
    reason: str  # Indonesian, for the log


def decide(data_dir: Path, entries: list[Entry], base_spec: str, min_changed: int,
           config: TuningConfig = TuningConfig()) -> Decision:
    """Whether the tuned model must be (re)built for ``entries``, and why."""
    from knowledge.embeddings import get_embedder

    current = current_tuned_model(data_dir, base_spec)
    exact = tuned_models_dir(data_dir) / f"tuned-{cache_key(get_embedder(base_spec).name, entries, config)}"
    if current is not None and current.resolve() == exact.resolve():
        return Decision(False, "model tuned sudah sesuai knowledge base")
    if (exact / "config.json").exists():
        return Decision(True, "model tuned untuk knowledge base ini sudah ada di cache")
    if current is None:
        return Decision(True, "belum ada model tuned")
    recorded = tuning_record(current).get("entry_digests")
    if not isinstance(recorded, dict):
        return Decision(True, "model tuned yang dipakai tidak mencatat entry-nya")
    changed = changed_entries(recorded, entries)
    if changed >= min_changed:
        return Decision(True, f"{changed} entry berubah sejak tuning terakhir (batas {min_changed})")
    return Decision(False, f"{changed} entry berubah sejak tuning terakhir, di bawah batas {min_changed}")


def tune_if_due(data_dir: Path, kb_dir: Path, base_spec: str, min_changed: int, backend: str = "onnx",
                config: TuningConfig = TuningConfig()) -> Path | None:
    """One look at the knowledge base: tune, export and record when due. Returns the new model's path."""
    kb = load_knowledge_base(kb_dir)
    entries = kb.active()
    decision = decide(data_dir, entries, base_spec, min_changed, config)
    if not decision.due:
        log.debug("tidak perlu tuning: %s", decision.reason)
        return None
    log.info("tuning model embedding dimulai (%s; %d entry)", decision.reason, len(entries))
    started = time.monotonic()
    path, fresh = ensure_tuned(data_dir, entries, base_spec, config, show_progress=False)
    if backend == "onnx":  # the serving processes then load it in a second instead of exporting it twice
        from knowledge.embeddings import export_onnx

        try:
            export_onnx(path)
        except Exception:  # noqa: BLE001 - the serving processes fall back to PyTorch themselves
            log.exception("ekspor ONNX model tuned gagal")
    previous = current_tuned_model(data_dir, base_spec)
    set_current(data_dir, path, base_spec)
    prune_tuned(data_dir, keep={path} | ({previous} if previous else set()))
    log.info("model tuned %s siap dalam %.0f s (%s): layanan beralih ke model ini tanpa restart",
             path.name, time.monotonic() - started, "dibuat" if fresh else "dari cache")
    return path


def lower_priority() -> str:
    """Run this process only when the CPU has nothing else to do (answers always come first)."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        return "SCHED_IDLE"
    except (AttributeError, OSError):
        try:
            os.nice(19)
            return "nice 19"
        except OSError:
            return "prioritas normal"


def serve(settings: "Settings", once: bool = False) -> int:
    """Tune when due, then look again every ``settings.tune_check_s`` seconds until SIGTERM/SIGINT."""
    if settings.embedding_tuned != "auto":
        log.info("HAI_EMBEDDING_TUNED=%s: tuning latar belakang tidak dijalankan", settings.embedding_tuned)
        return 0
    log.info("tuner latar belakang berjalan (%s), memeriksa setiap %.0f s", lower_priority(),
             settings.tune_check_s)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        def _exit(_signum, _frame):  # also in the middle of a tuning run: what it wrote is a ".partial"
            stop.set()
            raise SystemExit(0)

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, _exit)
    while not stop.is_set():
        try:
            tune_if_due(settings.data_dir, settings.kb_dir, settings.embedding_model, settings.tune_min_changed,
                        settings.embedding_backend)
        except Exception:  # noqa: BLE001 - a bad knowledge-base edit must not end the worker
            log.exception("tuning gagal; dicoba lagi pada pemeriksaan berikutnya")
        if once:
            break
        stop.wait(settings.tune_check_s)
    return 0
