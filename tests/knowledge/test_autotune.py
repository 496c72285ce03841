"""The background tuner and the model swap: a service answers with the base model, the tuner (a real process
at the lowest priority) records a tuned model, the service swaps it in without a restart; edits are answered
at once and only enough of them make the tuner tune again."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from knowledge.autotune import decide, tune_if_due
from knowledge.kb import Entry, load_knowledge_base
from knowledge.search import KnowledgeSearch, current_tuned_model
from knowledge.tuning import TuningConfig, changed_entries, entry_digests, set_current, tuning_record

ROOT = Path(__file__).resolve().parents[2]
SMALL = TuningConfig(epochs=1, batch_size=8)


def _entry(i: int) -> Entry:
    return Entry(id=f"baru-{i:03d}", category="gaji", category_title="Gaji dan Tunjangan",
                 question=f"Bagaimana mengajukan tunjangan khusus jenis {i}?",
                 answer=f"Tunjangan khusus jenis {i} diajukan dengan SPM tersendiri ke KPPN.",
                 training_questions=[f"tunjangan jenis {i} gmn", f"cara ajukan tunjangan {i}",
                                     f"Prosedur tunjangan khusus {i}"])


def test_changed_entries_counts_added_edited_and_retired(kb_dir):
    entries = load_knowledge_base(kb_dir).active()
    recorded = entry_digests(entries)
    assert changed_entries(recorded, entries) == 0
    edited = [e.model_copy(update={"training_questions": e.training_questions + ["satu lagi"]})
              if e.id == "gaji-001" else e for e in entries]
    assert changed_entries(recorded, edited) == 1
    assert changed_entries(recorded, edited[1:] + [_entry(1), _entry(2)]) == 1 + 1 + 2  # edit, retire, 2 new
    answer_only = [e.model_copy(update={"answer": "jawaban lain"}) for e in entries]
    assert changed_entries(recorded, answer_only) == 0  # tuning never reads answers


def test_decide_tunes_when_missing_then_only_after_enough_changes(kb_dir, tmp_path, embedder):
    entries = load_knowledge_base(kb_dir).active()
    first = decide(tmp_path, entries, "bundled", min_changed=3, config=SMALL)
    assert first.due and "belum ada" in first.reason

    path = tune_if_due(tmp_path, kb_dir, "bundled", min_changed=3, backend="torch", config=SMALL)
    assert path is not None and current_tuned_model(tmp_path, "bundled") == path.resolve()
    assert set(tuning_record(path)["entry_digests"]) == {e.id for e in entries}
    assert not decide(tmp_path, entries, "bundled", 3, SMALL).due
    assert tune_if_due(tmp_path, kb_dir, "bundled", 3, "torch", SMALL) is None  # nothing changed: no work

    two_new = entries + [_entry(1), _entry(2)]
    below = decide(tmp_path, two_new, "bundled", 3, SMALL)
    assert not below.due and "2 entry berubah" in below.reason
    three_new = two_new + [_entry(3)]
    assert decide(tmp_path, three_new, "bundled", 3, SMALL).due

    # a model recorded by hand for another base model is not this one's
    set_current(tmp_path, path, "other-model")
    assert decide(tmp_path, entries, "bundled", 3, SMALL).due


def test_service_swaps_in_the_tuned_model_without_restart_and_keeps_edits(kb_dir, tmp_path, embedder):
    service = KnowledgeSearch(kb_dir, tmp_path / "index", "bundled", tuned="auto", data_dir=tmp_path).ensure_ready()
    assert service.model_kind == "base" and not service.refresh_model()
    before = service.ask("cara revisi dipa gmn?")
    assert before.entry and before.entry.id == "dipa-001" and before.model.startswith("bundled")

    path = tune_if_due(tmp_path, kb_dir, "bundled", min_changed=3, backend="torch", config=SMALL)
    service.upsert_entry(_entry(7))  # an edit after tuning: answered by whichever model serves
    assert service.refresh_model()
    assert service.model_kind == "tuned" and service.model_spec == str(path.resolve())
    after = service.ask("cara revisi dipa gmn?")
    assert after.entry.id == "dipa-001" and after.model == str(path.resolve())
    assert service.ask("tunjangan jenis 7 gmn").entry.id == "baru-007"
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"] == str(path.resolve()) and manifest["count"] == 7  # the saved index is the new one
    assert not service.refresh_model()  # already serving it

    # a process started now loads the tuned model and the saved index directly
    fresh = KnowledgeSearch(kb_dir, tmp_path / "index", "bundled", tuned="auto", data_dir=tmp_path).ensure_ready()
    assert fresh.model_kind == "tuned" and fresh._state.retriever.embedded == 0
    assert KnowledgeSearch(kb_dir, tmp_path / "i2", "bundled", tuned="off", data_dir=tmp_path).model_kind == "base"


def test_a_model_that_fails_to_load_leaves_the_old_one_serving(kb_dir, tmp_path, embedder):
    service = KnowledgeSearch(kb_dir, tmp_path / "index", "bundled", tuned="auto", data_dir=tmp_path).ensure_ready()
    broken = tmp_path / "embeddings" / "tuned-broken"
    broken.mkdir(parents=True)
    (broken / "config.json").write_text("{bukan json", encoding="utf-8")
    set_current(tmp_path, broken, "bundled")
    assert not service.refresh_model()
    assert service.model_kind == "base" and service.ask("cara revisi dipa gmn?").entry.id == "dipa-001"


def test_tuner_process_tunes_in_the_background_and_a_watching_service_swaps(kb_dir, tmp_path, embedder):
    """`python -m knowledge autotune` as make run starts it: lowest priority, the model recorded, the
    service watching every 0.2 s swaps it in; SIGTERM ends the worker at once."""
    service = KnowledgeSearch(kb_dir, tmp_path / "index", "bundled", tuned="auto", data_dir=tmp_path).ensure_ready()
    service.watch_model(0.2)
    env = {**os.environ, "HAI_DATA_DIR": str(tmp_path), "HAI_KB_DIR": str(kb_dir), "HAI_TUNE_CHECK_S": "0.5",
           "HAI_EMBEDDING_BACKEND": "torch", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    log = (tmp_path / "tuner.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "knowledge", "autotune"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while service.model_kind != "tuned" and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        text = (tmp_path / "tuner.log").read_text(encoding="utf-8")
        assert service.model_kind == "tuned", text
        assert "SCHED_IDLE" in text or "nice 19" in text
        assert "belum ada model tuned" in text and "siap dalam" in text
        assert service.ask("pagu minus itu apa?").entry.id == "dipa-002"
        time.sleep(1.5)  # several more looks at an unchanged knowledge base: no second tuning
        assert (tmp_path / "tuner.log").read_text(encoding="utf-8").count("tuning model embedding dimulai") == 1
    finally:
        service.stop_watching()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=20)
        log.close()
    assert code == 0
