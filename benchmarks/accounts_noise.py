"""Noisy account names for evaluating the suggester, and synthetic APBD files for the validator. SYNTHETIC.

Noise families seen in APBD submissions (seed 001): abbreviations, ASN written for PNS, typos, changed
word order, extra words, case changes, a dropped leading "Belanja", and everyday synonyms ("Servis" for
"Pemeliharaan"); each name gets one to three of them. Each family has two disjoint
vocabularies, "dev" and "test": the dev set (tuning fusion weights and thresholds) and the held-out test
set never share an extra word or an abbreviation spelling, and use different seeds. The abbreviation
spellings here are deliberately wider than the suggester's own table (some are made by dropping vowels),
so the test does not simply replay what the normaliser knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.accounts.reference import AccountReference

# word -> (dev spellings, test spellings)
_ABBREV = {
    "belanja": (["Blj", "Bel."], ["Belj.", "Blnj"]),
    "tunjangan": (["Tunj.", "Tj."], ["Tunjg", "Tnjngn"]),
    "pppk": (["P3K"], ["P3K", "PPPK"]),
    "iuran": (["Iur."], ["Iurn"]),
    "jaminan": (["Jam."], ["Jmn"]),
    "kesehatan": (["Kes."], ["Kshtn"]),
    "pemeliharaan": (["Pemel."], ["Pmlhrn", "Har"]),
    "kendaraan": (["Kend."], ["Kndrn"]),
    "honorarium": (["Honor"], ["Hon.", "Honr"]),
    "perjalanan dinas": (["Perjadin"], ["Perj. Dinas", "Perjaldin"]),
    "alat tulis kantor": (["ATK"], ["A.T.K"]),
    "makanan dan minuman": (["Mamin"], ["Makmin", "Mkn & Mnm"]),
    "bimbingan teknis": (["Bimtek"], ["Bimb. Teknis"]),
    "bantuan sosial": (["Bansos"], ["Bantsos"]),
    "administrasi": (["Adm."], ["Admin"]),
    "personal computer": (["PC"], ["P.C."]),
    "tenaga": (["Tng"], ["Tnga"]),
    "pegawai": (["Peg."], ["Pgw"]),
}
_EXTRA = (
    [
        "Rutin",
        "TA 2022",
        "Kegiatan",
        "Operasional Kantor",
        "SKPD",
        "(Bulanan)",
        "Tahun Anggaran 2022",
        "Dinas",
    ],
    ["Tahun 2023", "Bulanan", "OPD", "Kab.", "(Rutin)", "Sekretariat", "Triwulan I", "Pusat"],
)
# Words people use instead of the reference wording (meaning kept); dev and test pairs are disjoint, and the
# test replacements are not in the suggester's abbreviation table.
_SYNONYM = (
    {
        "jaminan kesehatan": "Asuransi Kesehatan",
        "tagihan listrik": "Rekening Listrik",
        "makanan dan minuman": "Konsumsi",
        "pemeliharaan": "Perawatan",
        "tenaga kebersihan": "Petugas Kebersihan",
        "rapat": "Pertemuan",
        "perjalanan dinas": "Dinas Luar",
        "pakaian": "Seragam",
        "kendaraan bermotor beroda dua": "Sepeda Motor",
        "tagihan telepon": "Pulsa Telepon",
    },
    {
        "jaminan kesehatan": "BPJS Kesehatan",
        "tagihan listrik": "Tagihan PLN",
        "makanan dan minuman": "Makan Minum",
        "pemeliharaan": "Servis",
        "tenaga kebersihan": "Cleaning Service",
        "tenaga keamanan": "Satpam",
        "rapat": "Meeting",
        "sewa": "Rental",
        "kendaraan bermotor penumpang": "Mobil Penumpang",
        "gaji pokok": "Gaji Dasar",
        "tagihan air": "Tagihan PDAM",
    },
)
_PNS_AS = (["ASN", "Aparatur Sipil Negara"], ["ASN", "Pegawai Negeri Sipil"])
FAMILIES = ("abbrev", "asn", "typo", "order", "extra", "case", "drop_belanja", "synonym")
# Names that must get "no confident match": gibberish and budget phrases outside belanja operasi.
_NONSENSE = (
    [
        "asdfgh",
        "lorem ipsum dolor",
        "xxxxx",
        "test 123",
        "Pendapatan Retribusi Parkir",
        "Penerimaan Pembiayaan Daerah",
        "qwerty uiop",
        "Silpa Tahun Lalu",
        "zzz",
        "Sisa Lebih Perhitungan Anggaran",
        "Pendapatan Bunga Deposito",
        "Pembentukan Dana Cadangan",
        "Penerimaan Kembali Pemberian Pinjaman",
        "Dana Alokasi Umum",
    ],
    [
        "hjkl mnb",
        "tes",
        "aaaa bbbb",
        "Pendapatan Pajak Hotel",
        "Pembayaran Cicilan Pokok Utang",
        "abc def ghi",
        "Retribusi Pasar Grosir",
        "....",
        "Penyertaan Modal Daerah",
        "kkkkk jjjj",
        "Dana Bagi Hasil Pajak",
        "Pendapatan Hibah dari Pemerintah Pusat",
        "Pajak Kendaraan Bermotor",
        "Lain-lain PAD yang Sah",
    ],
)


@dataclass(frozen=True)
class NoisyName:
    text: str
    code: str  # the right code; "" for nonsense (no confident match expected)
    families: tuple[str, ...]


def _typo(word: str, rng: np.random.Generator) -> str:
    if len(word) < 4:
        return word
    i = int(rng.integers(1, len(word) - 1))
    op = rng.integers(4)
    if op == 0:
        return word[:i] + word[i + 1 :]
    if op == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == 2:
        return word[:i] + word[i] + word[i:]
    repl = "aiueonrstk"[int(rng.integers(10))]
    return word[:i] + repl + word[i + 1 :]


def _apply(name: str, family: str, rng: np.random.Generator, split: int) -> str:
    if family == "abbrev":
        options = [w for w in _ABBREV if re.search(rf"\b{w}\b", name, flags=re.I)]
        for w in rng.permutation(options)[: max(1, len(options) // 2)] if options else []:
            spellings = _ABBREV[w][split]
            name = re.sub(
                rf"\b{w}\b", spellings[int(rng.integers(len(spellings)))], name, count=1, flags=re.I
            )
        return name
    if family == "asn":
        forms = _PNS_AS[split]
        return re.sub(r"\bPNS\b", forms[int(rng.integers(len(forms)))], name) if "PNS" in name else name
    if family == "typo":
        words = name.split()
        long = [i for i, w in enumerate(words) if len(w) >= 5]
        for i in rng.permutation(long)[: 1 + int(rng.random() < 0.3)] if long else []:
            words[i] = _typo(words[i], rng)
        return " ".join(words)
    if family == "order":
        if "-" in name and rng.random() < 0.5:
            head, _, tail = name.partition("-")
            return f"{tail.strip()} - {head.strip()}"
        words = name.split()
        if len(words) >= 3:
            i = int(rng.integers(1, len(words) - 1))
            words[i], words[i + 1] = words[i + 1], words[i]
        return " ".join(words)
    if family == "extra":
        extra = _EXTRA[split][int(rng.integers(len(_EXTRA[split])))]
        return f"{name} {extra}" if rng.random() < 0.7 else f"{extra} {name}"
    if family == "synonym":
        for phrase, repl in _SYNONYM[split].items():
            if re.search(rf"\b{phrase}\b", name, flags=re.I):
                return re.sub(rf"\b{phrase}\b", repl, name, count=1, flags=re.I)
        return name
    if family == "case":
        return name.upper() if rng.random() < 0.5 else name.lower()
    if family == "drop_belanja":
        return re.sub(r"^Belanja\s+", "", name)
    raise ValueError(family)


def noisy_names(
    reference: AccountReference, split: str, seed: int, per_account: int = 5, n_nonsense: int = 40
) -> list[NoisyName]:
    """``per_account`` noisy variants of every level-6 name (1-2 noise families each), plus nonsense names.

    ``split`` is "dev" (for tuning) or "test" (held out); they use disjoint noise vocabularies.
    """
    s = {"dev": 0, "test": 1}[split]
    rng = np.random.default_rng(seed)
    out: list[NoisyName] = []
    for acc in reference.accounts:
        seen, made = {acc.name}, 0
        for _ in range(per_account * 3):
            if made >= per_account:
                break
            k = int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
            fams = tuple(str(f) for f in rng.choice(FAMILIES, size=k, replace=False))
            text = acc.name
            for fam in fams:
                text = _apply(text, fam, rng, s)
            text = " ".join(text.split())
            if text not in seen:
                seen.add(text)
                made += 1
                out.append(NoisyName(text, acc.code, fams))
    pool = _NONSENSE[s]
    for i in range(n_nonsense):
        base = pool[i % len(pool)]
        out.append(NoisyName(base if i < len(pool) else _apply(base, "typo", rng, s), "", ("nonsense",)))
    return out


def noisy_frame(names: list[NoisyName]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "nama": [n.text for n in names],
            "kode_benar": [n.code for n in names],
            "jenis_derau": ["+".join(n.families) for n in names],
        }
    )


def synthetic_apbd(
    reference: AccountReference, n_records: int, seed: int = 2021, n_unique_names: int = 5_796
) -> pd.DataFrame:
    """An APBD-like file of ``n_records`` (kode_akun, nama_akun) records. SYNTHETIC.

    Shares follow seed 001: 0.195% empty names, 0.269% wrongly coded, 0.467% written differently; the
    rest are exact reference names. About ``n_unique_names`` distinct names in all (the paper had 5,796).
    """
    rng = np.random.default_rng(seed)
    accounts = reference.accounts
    variants = noisy_names(
        reference, "dev", seed + 1, per_account=max(1, n_unique_names // len(accounts)), n_nonsense=0
    )
    var_text = np.array([v.text for v in variants], dtype=object)
    var_code = np.array([v.code for v in variants], dtype=object)
    pick = rng.integers(len(accounts), size=n_records)
    codes = np.array([a.code for a in accounts], dtype=object)[pick]
    names = np.array([a.name for a in accounts], dtype=object)[pick]
    kind = rng.random(n_records)
    empty = kind < 0.00195
    wrong_code = (kind >= 0.00195) & (kind < 0.00195 + 0.00269)
    written = (kind >= 0.00464) & (kind < 0.00464 + 0.00467)
    names[empty] = ""
    other = rng.integers(len(accounts), size=n_records)
    other = np.where(other == pick, (other + 1) % len(accounts), other)
    codes[wrong_code] = np.array([a.code for a in accounts], dtype=object)[other[wrong_code]]
    v = rng.integers(len(variants), size=n_records)
    names[written] = var_text[v[written]]
    codes[written] = var_code[v[written]]
    return pd.DataFrame({"kode_akun": codes, "nama_akun": names})
