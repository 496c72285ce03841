"""Noisy account names for evaluating the suggester, and synthetic APBD files for the validator. SYNTHETIC.

Noise families seen in APBD submissions (seed 001): abbreviations, ASN written for PNS, typos, changed
word order, extra words, case changes, a dropped leading "Belanja", and everyday synonyms ("Servis" for
"Pemeliharaan"); each name gets one to three of them. Each family has two disjoint
vocabularies, "dev" and "test": the dev set (tuning fusion weights and thresholds) and the held-out test
set never share an extra word or an abbreviation spelling, and use different seeds. The abbreviation
spellings here are deliberately wider than the suggester's own table (some are made by dropping vowels),
so the test does not simply replay what the normaliser knows.

Groups: names are drawn per top group of the chart in the shares of a real APBD (``APBD_GROUP_SHARE``:
belanja operasi most, then belanja modal and pendapatan), so every group is evaluated. Two planted families
come from the reference's versions: ``nama_lama`` (a Permendagri 90/2019 name that 050-5889 reworded, the
right answer being the code it still names) and ``templat`` (a template account filled in with a region's
own name, e.g. ``Belanja Subsidi kepada BUMD PDAM Tirta Raharja``); their filler names are split dev/test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.accounts.reference import TOP_GROUPS, AccountReference

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
PLANTED = ("nama_lama", "templat")
# Share of a real APBD's lines per top group (an estimate: belanja operasi lines dominate, belanja modal and
# pendapatan are common, pembiayaan, transfer and tidak terduga few). Used for the eval sets and the 1M file.
APBD_GROUP_SHARE = {"5.1": 0.55, "5.2": 0.20, "4": 0.14, "5.4": 0.05, "6": 0.04, "5.3": 0.02}
# What a region writes in a template's blank (BUMD, banks, lenders, recipients); dev and test disjoint.
_FILLERS = (
    ["PDAM Tirta Raharja", "PT Bank Jateng", "Perumda Pasar Jaya", "PT Jamkrida", "Koperasi Sejahtera",
     "PD BPR Bank Daerah", "RSUD Kota"],
    ["PDAM Tirta Kencana", "PT Bank Sumut", "Perumda Air Minum Giri Menang", "PT BPD Bali",
     "Perusda Aneka Usaha", "KUD Makmur", "PT Jalin Mandiri"],
)
# Names that must get "no confident match": gibberish and phrases outside the LRA chart (the chart's own
# pendapatan and pembiayaan names are accounts now, so none of them is here).
_NONSENSE = (
    [
        "asdfgh",
        "lorem ipsum dolor",
        "xxxxx",
        "test 123",
        "qwerty uiop",
        "zzz",
        "Rapat Koordinasi Pimpinan",
        "Neraca Saldo Awal",
        "Laporan Arus Kas",
        "Akumulasi Penyusutan Gedung",
        "Piutang Pajak Daerah",
        "Utang Belanja Pegawai",
        "Ekuitas SAL",
        "nomor rekening bank",
    ],
    [
        "hjkl mnb",
        "tes",
        "aaaa bbbb",
        "abc def ghi",
        "....",
        "kkkkk jjjj",
        "Catatan atas Laporan Keuangan",
        "Persediaan Akhir Tahun",
        "Beban Penyusutan Peralatan",
        "Kas di Bendahara Penerimaan",
        "Aset Tak Berwujud",
        "Utang Perhitungan Pihak Ketiga",
        "Ekuitas Akhir",
        "jadwal piket kantor",
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


def renamed_former_names(reference: AccountReference) -> list[tuple[str, str]]:
    """(code, 90/2019 name) where 050-5889 only reworded the account (``Account.renamed_from``), so the code
    is still the right answer; reassigned codes (5.1.02.01.01) are left out."""
    return [(acc.code, old) for acc in reference.accounts for old in acc.renamed_from]


def fill_template(template: tuple[str, str], raw_name: str, filler: str) -> str:
    """The template's own wording with the blank filled ('Belanja Subsidi kepada BUMD ...' + filler)."""
    filled = re.sub(r"\s*(?:\.{3,}|…)\s*", f" {filler} ", re.sub(r"\(\s*diisi[^)]*\)?", " ... ", raw_name), count=1)
    return " ".join(re.sub(r"\s*(?:\.{3,}|…)\s*", " ", filled).split())


def _group_quota(reference: AccountReference, total: int) -> dict[str, int]:
    present = {g for g in reference.coverage}
    share = {g: APBD_GROUP_SHARE.get(g, 0.0) for g in TOP_GROUPS if g in present}
    norm = sum(share.values()) or 1.0
    return {g: max(1, round(total * v / norm)) for g, v in share.items()}


def noisy_names(
    reference: AccountReference, split: str, seed: int, per_account: int = 5, n_nonsense: int = 40,
    total: int | None = None, planted_share: float = 0.08,
) -> list[NoisyName]:
    """Noisy variants of level-6 names (1-3 noise families each) plus nonsense names.

    ``total`` (default ``per_account`` x accounts) names are split over the top groups by
    ``APBD_GROUP_SHARE``; inside a group accounts are taken in a seeded order, round after round, so every
    account of a small group is used before any is used again. ``planted_share`` of the names are planted
    old-nomenclature (``nama_lama``) and filled template (``templat``) names.
    ``split`` is "dev" (for tuning) or "test" (held out); they use disjoint noise vocabularies.
    """
    s = {"dev": 0, "test": 1}[split]
    rng = np.random.default_rng(seed)
    total = total or per_account * len(reference)
    n_planted = int(round(total * planted_share))
    quota = _group_quota(reference, total - n_planted)
    by_group: dict[str, list] = {}
    for acc in reference.accounts:
        by_group.setdefault(acc.group, []).append(acc)
    out: list[NoisyName] = []
    seen: set[tuple[str, str]] = set()
    fillers = _FILLERS[s]

    def add(text: str, code: str, fams: tuple[str, ...]) -> bool:
        text = " ".join(text.split())
        if (text, code) in seen:
            return False
        seen.add((text, code))
        out.append(NoisyName(text, code, fams))
        return True

    def variant(base: str) -> tuple[str, tuple[str, ...]]:
        k = int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
        fams = tuple(str(f) for f in rng.choice(FAMILIES, size=k, replace=False))
        for fam in fams:
            base = _apply(base, fam, rng, s)
        return base, fams

    for group, n in quota.items():
        accounts = by_group.get(group, [])
        made, tries = 0, 0
        while accounts and made < n and tries < n * 6:
            acc = accounts[int(rng.permutation(len(accounts))[0])] if tries >= len(accounts) * 3 else (
                accounts[tries % len(accounts)])
            tries += 1
            if acc.template is not None:  # a region's filled-in name, then the usual noise
                base = fill_template(acc.template, acc.name, fillers[int(rng.integers(len(fillers)))])
                text, fams = variant(base)
                fams = ("templat", *fams)
            else:
                text, fams = variant(acc.name)
            if text != acc.name and add(text, acc.code, fams):
                made += 1
    olds = renamed_former_names(reference)
    templates = [a for a in reference.accounts if a.template is not None]
    for i in range(n_planted):
        if i % 2 == 0 and olds:
            code, old = olds[int(rng.integers(len(olds)))]
            text, fams = (old, ()) if rng.random() < 0.5 else variant(old)
            add(text, code, ("nama_lama", *fams))
        elif templates:
            acc = templates[int(rng.integers(len(templates)))]
            text = fill_template(acc.template, acc.name, fillers[int(rng.integers(len(fillers)))])
            add(text if rng.random() < 0.7 else text.lower(), acc.code, ("templat",))
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

    Shares follow seed 001: 0.195% empty names, 0.269% wrongly coded, 0.467% written differently (noisy,
    old-nomenclature and filled template names); the rest are exact reference names. Top groups in the
    shares of ``APBD_GROUP_SHARE``. About ``n_unique_names`` distinct names in all (the paper had 5,796).
    """
    rng = np.random.default_rng(seed)
    accounts = reference.accounts
    variants = noisy_names(reference, "dev", seed + 1, total=n_unique_names, n_nonsense=0)
    var_text = np.array([v.text for v in variants], dtype=object)
    var_code = np.array([v.code for v in variants], dtype=object)
    # accounts drawn so that each top group gets its APBD share of the records
    groups = np.array([a.group for a in accounts], dtype=object)
    quota = _group_quota(reference, 1_000_000)
    weight = np.array([quota.get(g, 0) / max((groups == g).sum(), 1) for g in groups], dtype=float)
    pick = rng.choice(len(accounts), size=n_records, p=weight / weight.sum())
    codes = np.array([a.code for a in accounts], dtype=object)[pick]
    # a template account is written with a region's own name in its blank (dev fillers)
    exact = [a.name if a.template is None else fill_template(a.template, a.name, _FILLERS[0][i % 7])
             for i, a in enumerate(accounts)]
    names = np.array(exact, dtype=object)[pick]
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
