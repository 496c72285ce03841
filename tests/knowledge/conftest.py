"""Shared fixtures: a small knowledge base written in the test's tmp folder, and one embedder per session."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

FIXTURE_KB = {
    "sakti_komitmen": {
        "title": "SAKTI - Modul Komitmen",
        "entries": [
            {"id": "komitmen-001", "question": "Bagaimana cara merekam data supplier baru di SAKTI?",
             "answer": "Buka modul Komitmen, menu Referensi Supplier, pilih Rekam, isi NPWP dan rekening "
                       "supplier, lalu ajukan persetujuan ke PPK agar supplier dapat dipakai di kontrak.",
             "training_questions": ["cara input supplier baru di sakti gmn?", "Langkah menambahkan supplier pada SAKTI",
                                    "supplier blm ada di sakti, gimana nambahinnya"],
             "keywords": ["supplier", "referensi"]},
            {"id": "komitmen-002", "question": "Bagaimana cara merekam kontrak di modul Komitmen?",
             "answer": "Rekam kontrak melalui menu Kontrak, isi data kontrak, jadwal pembayaran dan supplier, "
                       "lalu validasi oleh PPK sebelum didaftarkan ke KPPN.",
             "training_questions": ["input kontrak di sakti caranya?", "Prosedur perekaman data kontrak pada SAKTI",
                                    "mau rekam kontrak pengadaan di aplikasi sakti gmn"],
             "keywords": ["kontrak"]},
        ],
    },
    "dipa_revisi": {
        "title": "DIPA dan Revisi DIPA",
        "entries": [
            {"id": "dipa-001", "question": "Bagaimana cara mengajukan revisi DIPA?",
             "answer": "Revisi DIPA diajukan KPA ke Kanwil DJPb atau DJA sesuai kewenangan dengan surat usulan, "
                       "ADK revisi dan matriks semula-menjadi.",
             "training_questions": ["cara revisi dipa gmn?", "Prosedur pengajuan revisi anggaran DIPA",
                                    "mau ubah dipa, ajukan revisi kemana?"],
             "keywords": ["revisi", "dipa"], "reference": "PMK Nomor 62 Tahun 2023"},
            {"id": "dipa-002", "question": "Apa itu pagu minus dan bagaimana menyelesaikannya?",
             "answer": "Pagu minus terjadi jika realisasi melebihi pagu pada suatu akun. Selesaikan dengan revisi "
                       "DIPA untuk menambah pagu akun tersebut.",
             "training_questions": ["pagu minus itu apa?", "akun sy pagu minus, gmn solusinya",
                                    "Penyelesaian pagu minus pada DIPA satker"],
             "keywords": ["pagu minus"]},
        ],
    },
    "gaji": {
        "title": "Gaji dan Tunjangan",
        "entries": [
            {"id": "gaji-001", "question": "Bagaimana mengajukan gaji susulan pegawai baru?",
             "answer": "Gaji susulan diajukan dengan SPM gaji susulan setelah SKPP atau SK pegawai diterima dan "
                       "data pegawai dimutakhirkan di aplikasi gaji.",
             "training_questions": ["gaji susulan cpns baru gmn caranya", "Tata cara pembayaran gaji susulan",
                                    "pegawai pindahan blm terima gaji, ajukan susulan gimana"],
             "keywords": ["gaji susulan"]},
            {"id": "gaji-002", "question": "Bagaimana pembayaran THR dan gaji ke-13?",
             "answer": "THR dan gaji ke-13 dibayarkan dengan SPM tersendiri sesuai peraturan pemerintah tahun "
                       "berkenaan, menggunakan data gaji bulan sebelumnya.",
             "training_questions": ["thr pns kapan cair", "Pembayaran tunjangan hari raya bagi pegawai",
                                    "gaji 13 diajukan pakai spm apa?"],
             "keywords": ["thr", "gaji ke-13"]},
        ],
    },
}


def write_kb(directory: Path, categories: dict = FIXTURE_KB) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for category, data in categories.items():
        doc = {"category": category, "title": data["title"], "entries": data["entries"]}
        (directory / f"{category}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False),
                                                    encoding="utf-8")
    return directory


@pytest.fixture
def kb_dir(tmp_path) -> Path:
    return write_kb(tmp_path / "kb")


@pytest.fixture(scope="session")
def embedder():
    """The bundled model, loaded once for the whole session (~10 s)."""
    from knowledge.embeddings import get_embedder

    emb = get_embedder("bundled")
    emb.encode(["muat model"])
    return emb
