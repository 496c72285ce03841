"""The trained Rasa model: retrain only when its inputs change; a missing or corrupt archive is rebuilt.

The model's file name carries a fingerprint of its inputs (config.yml, domain.yml, bot/**), so a start with
unchanged inputs finds ``models/hai-<fingerprint>.tar.gz`` and skips training entirely (no TensorFlow import).
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

from hai.settings import ROOT, Settings

MODEL_INPUTS = ("config.yml", "domain.yml", "bot")
KEEP_MODELS = 2


class ModelError(RuntimeError):
    """Training failed or produced no usable model."""


def training_inputs(root: Path = ROOT) -> list[Path]:
    files: list[Path] = []
    for name in MODEL_INPUTS:
        path = root / name
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml", ".txt"))
        elif path.exists():
            files.append(path)
    return files


def fingerprint(root: Path = ROOT) -> str:
    h = hashlib.sha256()
    for path in training_inputs(root):
        h.update(str(path.relative_to(root)).encode())
        h.update(b"\x00")
        h.update(path.read_bytes())
        h.update(b"\x00")
    return h.hexdigest()[:16]


def model_is_valid(path: Path) -> bool:
    """A Rasa 3 model is a gzipped tar holding metadata.json; anything else is treated as corrupt."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    try:
        with tarfile.open(path, "r:gz") as tar:
            names = tar.getnames()
    except (tarfile.TarError, OSError, EOFError):
        return False
    return any(n == "metadata.json" or n.endswith("/metadata.json") for n in names)


def model_path(settings: Settings, root: Path = ROOT) -> Path:
    return settings.model_dir / f"hai-{fingerprint(root)}.tar.gz"


def ensure_model(settings: Settings, rasa_bin: Path, log: Callable[[str], None] = print,
                 root: Path = ROOT) -> Path:
    """Return a valid model for the current inputs, training it first if needed."""
    target = model_path(settings, root)
    if model_is_valid(target):
        log(f"[hai] model up to date: {target.name}")
        return target
    if target.exists():
        log(f"[hai] model {target.name} is corrupt; retraining")
        target.unlink()
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    log("[hai] training the Rasa model (inputs changed or no model yet) ...")
    started = time.monotonic()
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    train_log = settings.log_dir / "train.log"
    cmd = [
        str(rasa_bin), "train",
        "--config", str(root / "config.yml"),
        "--domain", str(root / "domain.yml"),
        "--data", str(root / "bot"),
        "--out", str(settings.model_dir),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]
    env_extra = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    with open(train_log, "w", encoding="utf-8") as out:
        proc = subprocess.run(cmd, cwd=root, stdout=out, stderr=subprocess.STDOUT,
                              env={**os.environ, **env_extra}, check=False)
    if proc.returncode != 0 or not model_is_valid(target):
        tail = "\n".join(train_log.read_text(encoding="utf-8", errors="replace").splitlines()[-25:])
        raise ModelError(f"rasa train exited with {proc.returncode}; see {train_log}:\n{tail}")
    log(f"[hai] trained {target.name} in {time.monotonic() - started:.0f} s")
    _prune_old_models(settings.model_dir, keep=target)
    return target


def _prune_old_models(model_dir: Path, keep: Path) -> None:
    models = sorted(model_dir.glob("hai-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [m for m in models if m != keep][KEEP_MODELS - 1:]:
        old.unlink(missing_ok=True)
