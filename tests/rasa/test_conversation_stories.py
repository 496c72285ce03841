"""The conversation test stories (tests/rasa/*.yml) against the trained model: `rasa test core`.

Every flow is there: small talk, a helpdesk question, each form, a correction, a cancel, a topic switch, an
interruption that resumes the form, and a handoff. Any wrong intent, entity or action fails the test.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from hai.launcher import RASA_BIN
from hai.rasa_model import ensure_model
from hai.settings import ROOT, Settings

pytestmark = pytest.mark.e2e


def test_conversation_stories_pass(tmp_path: Path):
    if not RASA_BIN.exists():
        pytest.fail(f"{RASA_BIN} is missing: run `make install` (make test does it)")
    model = ensure_model(Settings(data_dir=tmp_path), RASA_BIN, log=lambda _m: None)
    out = tmp_path / "results"
    proc = subprocess.run(
        [str(RASA_BIN), "test", "core", "--model", str(model), "--stories", str(ROOT / "tests" / "rasa" / "test_conversations.yml"),
         "--out", str(out), "--fail-on-prediction-errors", "--no-plot"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
             "PYTHONPATH": str(ROOT)},
    )
    failed = out / "failed_test_stories.yml"
    detail = failed.read_text(encoding="utf-8") if failed.exists() else proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.returncode == 0, f"conversation tests failed:\n{detail}"
