"""API test set-up: one temporary data folder and small knowledge base for the session, apps built from an
explicit Settings object (no environment changes leak to other test packages), a caller key."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from api.keys import create_key
from api.main import create_app
from hai.settings import Settings

KB = {
    "dipa_revisi": ("DIPA dan Revisi DIPA", [
        ("dipa-001", "Bagaimana cara mengajukan revisi DIPA?",
         "Revisi DIPA diajukan KPA ke Kanwil DJPb atau DJA sesuai kewenangan dengan surat usulan dan ADK revisi.",
         ["cara revisi dipa gmn?", "Prosedur pengajuan revisi anggaran DIPA", "mau ubah dipa, ajukan revisi kemana?"],
         "PMK Nomor 62 Tahun 2023"),
        ("dipa-002", "Apa itu pagu minus dan bagaimana menyelesaikannya?",
         "Pagu minus terjadi jika realisasi melebihi pagu suatu akun; selesaikan dengan revisi DIPA.",
         ["pagu minus itu apa?", "akun sy pagu minus, gmn solusinya", "Penyelesaian pagu minus pada DIPA satker"],
         None),
    ]),
    "gaji": ("Gaji dan Tunjangan", [
        ("gaji-001", "Bagaimana mengajukan gaji susulan pegawai baru?",
         "Gaji susulan diajukan dengan SPM gaji susulan setelah SK pegawai diterima dan data gaji dimutakhirkan.",
         ["gaji susulan cpns baru gmn caranya", "Tata cara pembayaran gaji susulan",
          "pegawai pindahan blm terima gaji, ajukan susulan gimana"], None),
        ("gaji-002", "Bagaimana pembayaran THR dan gaji ke-13?",
         "THR dan gaji ke-13 dibayarkan dengan SPM tersendiri sesuai peraturan pemerintah tahun berkenaan.",
         ["thr pns kapan cair", "Pembayaran tunjangan hari raya bagi pegawai", "gaji 13 diajukan pakai spm apa?"],
         None),
    ]),
}


def write_kb(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for category, (title, entries) in KB.items():
        doc = {"category": category, "title": title, "entries": [
            {"id": i, "question": q, "answer": a, "training_questions": t, "keywords": [],
             **({"reference": ref} if ref else {})} for i, q, a, t, ref in entries]}
        (directory / f"{category}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return directory


def closed_port() -> int:
    """A port nobody listens on (the Rasa server is 'down')."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def api_settings(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("api")
    return Settings(data_dir=root / "data", kb_dir=write_kb(root / "kb"), rasa_port=closed_port(),
                    action_port=closed_port(), rate_limit_per_minute=100_000, api_key_secret="rahasia-uji",
                    embedding_tuned="off", bills_path=None, pagu_path=None, app_db_url="")


@pytest.fixture(scope="session")
def client(api_settings):
    with TestClient(create_app(api_settings), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def auth(api_settings) -> dict[str, str]:
    _, key = create_key("pengujian", "caller", api_settings)
    return {"X-API-Key": key}


@pytest.fixture
def make_client(api_settings):
    """A separate app with some settings changed (rate limit, body limits, metrics)."""
    opened = []

    def make(**changes) -> TestClient:
        c = TestClient(create_app(api_settings.model_copy(update=changes)), raise_server_exceptions=False)
        opened.append(c.__enter__())
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)
