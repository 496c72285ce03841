import io
import shutil
import stat
import tarfile
from pathlib import Path

import pytest

from hai.rasa_model import ModelError, ensure_model, fingerprint, model_is_valid, model_path
from hai.settings import ROOT, Settings


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for name in ("config.yml", "domain.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "bot", tmp_path / "bot")
    return tmp_path


def _write_model(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        data = b'{"trained_at": "now"}'
        info = tarfile.TarInfo("metadata.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


def _fake_rasa(tmp_path: Path, calls: Path) -> Path:
    """Stands in for `rasa train` only here; the real training runs in the end-to-end tests."""
    script = tmp_path / "fake-rasa"
    script.write_text(
        "#!/usr/bin/env python3\n"
        "import sys, tarfile, io, pathlib\n"
        f"pathlib.Path({str(calls)!r}).open('a').write(' '.join(sys.argv[1:]) + '\\n')\n"
        "args = sys.argv[1:]\n"
        "out = pathlib.Path(args[args.index('--out') + 1])\n"
        "name = args[args.index('--fixed-model-name') + 1]\n"
        "with tarfile.open(out / (name + '.tar.gz'), 'w:gz') as tar:\n"
        "    data = b'{}'\n"
        "    info = tarfile.TarInfo('metadata.json'); info.size = len(data)\n"
        "    tar.addfile(info, io.BytesIO(data))\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_fingerprint_changes_with_training_data_only(project: Path):
    before = fingerprint(project)
    assert fingerprint(project) == before
    (project / "README.md").write_text("not a training input")
    assert fingerprint(project) == before
    with (project / "bot" / "nlu.yml").open("a") as f:
        f.write("\n")
    assert fingerprint(project) != before


def test_model_validity(tmp_path: Path):
    good = tmp_path / "good.tar.gz"
    _write_model(good)
    assert model_is_valid(good)
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"\x1f\x8b garbage")
    assert not model_is_valid(bad)
    empty = tmp_path / "empty.tar.gz"
    empty.write_bytes(b"")
    assert not model_is_valid(empty)
    assert not model_is_valid(tmp_path / "missing.tar.gz")


def test_ensure_model_trains_once_then_reuses_and_rebuilds_corrupt(project: Path, tmp_path: Path):
    calls = tmp_path / "calls.txt"
    rasa = _fake_rasa(tmp_path, calls)
    settings = Settings(model_dir=tmp_path / "models", data_dir=tmp_path / "data")
    logs: list[str] = []

    first = ensure_model(settings, rasa, log=logs.append, root=project)
    assert first == model_path(settings, project) and model_is_valid(first)
    assert len(calls.read_text().splitlines()) == 1

    assert ensure_model(settings, rasa, log=logs.append, root=project) == first
    assert len(calls.read_text().splitlines()) == 1, "unchanged inputs must not retrain"

    first.write_bytes(b"corrupt")
    assert ensure_model(settings, rasa, log=logs.append, root=project) == first
    assert model_is_valid(first)
    assert len(calls.read_text().splitlines()) == 2
    assert any("corrupt" in line for line in logs)


def test_failed_training_raises_model_error_with_the_log_tail(project: Path, tmp_path: Path):
    failing = tmp_path / "failing-rasa"
    failing.write_text("#!/bin/sh\necho 'YAML error in bot/nlu.yml line 3'\nexit 1\n")
    failing.chmod(0o755)
    settings = Settings(model_dir=tmp_path / "models", data_dir=tmp_path / "data")
    with pytest.raises(ModelError, match="YAML error in bot/nlu.yml"):
        ensure_model(settings, failing, log=lambda _m: None, root=project)
