"""Small labelled tickets for the team router: three teams, one of them sometimes taking another's problem."""
from __future__ import annotations

import pytest

KOMITMEN, PEMBAYARAN, PELAPORAN = "L2 - SAKTI KOMITMEN", "L2 - SAKTI PEMBAYARAN", "L2 - SAKTI PELAPORAN"
PROBLEMS = {
    KOMITMEN: ["cara rekam supplier baru di sakti", "data supplier ditolak kppn npwp tidak valid",
               "kontrak belum dapat nomor register kontrak", "adendum kontrak nilai berubah gimana",
               "supplier sudah direkam tapi belum ada NRS", "rekam kontrak pengadaan di modul komitmen"],
    PEMBAYARAN: ["spp ls kontraktual tidak bisa dibuat", "spm ditolak karena akun belanja salah",
                 "cara buat spm gaji induk di sakti", "sp2d belum terbit padahal spm sudah dikirim",
                 "spm up tidak muncul di monitoring", "tagihan belum bisa dibayar lewat spp"],
    PELAPORAN: ["laporan keuangan neraca tidak seimbang", "jurnal penyesuaian akrual belum terposting",
                "cetak laporan realisasi anggaran di sakti", "selisih saldo kas di neraca dan lra",
                "posting jurnal manual gagal di modul pelaporan", "laporan operasional beban penyusutan salah"],
}


def labelled(repeats: int = 4) -> tuple[list[str], list[str]]:
    texts, teams = [], []
    for r in range(repeats):
        for team, questions in PROBLEMS.items():
            for k, q in enumerate(questions):
                texts.append(f"<p>Selamat pagi min,</p><p>{q}{'?' * (r % 2)}</p><p>Salam,<br>Budi Santoso</p>")
                # some komitmen problems are taken by the pembayaran team, as in HAI
                teams.append(PEMBAYARAN if team == KOMITMEN and k == 5 and r % 2 else team)
    return texts, teams


@pytest.fixture
def examples() -> tuple[list[str], list[str]]:
    return labelled()
