"""Normal forms of account names (nomenklatur akun) for matching, shared by the suggester and the validator.

Two forms, applied the same way to reference names and to what people type:
- ``lexical_form``: folded, punctuation and hyphen-joined segments split, budget abbreviations expanded
  ("blj tunj p3k" -> "tunjangan pppk"), ASN written for PNS (seed 001: "Belanja Gaji Pokok ASN" is the
  PNS account), and words that carry no meaning here dropped ("belanja", "dan", "untuk", ...).
- ``dense_form``: the same expansions, but natural word order and function words kept, for the sentence model.
The abbreviation table is budget vocabulary (SIPD/APBD usage), not tuned on any evaluation set.
"""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.normalize import fold

# Abbreviations seen in APBD nomenclature -> the reference wording. Multi-word values are allowed.
ABBREVIATIONS: dict[str, str] = {
    "blj": "belanja",
    "bel": "belanja",
    "bl": "belanja",
    "belj": "belanja",
    "blnj": "belanja",
    "bj": "belanja",
    "tunj": "tunjangan",
    "tunjg": "tunjangan",
    "tj": "tunjangan",
    "tjg": "tunjangan",
    "gapok": "gaji pokok",
    "gp": "gaji pokok",
    "p3k": "pppk",
    "pegawai negeri sipil": "pns",
    "aparatur sipil negara": "pns",
    "jamkes": "jaminan kesehatan",
    "jkk": "jaminan kecelakaan kerja",
    "jkm": "jaminan kematian",
    "jam": "jaminan",
    "jamkesda": "jaminan kesehatan",
    "iur": "iuran",
    "kes": "kesehatan",
    "kec": "kecelakaan",
    "tpp": "tambahan penghasilan",
    "tamsil": "tambahan penghasilan",
    "tambahan penghasilan pegawai": "tambahan penghasilan",
    "tapera": "tabungan perumahan rakyat",
    "atk": "alat tulis kantor",
    "mamin": "makanan minuman",
    "mamim": "makanan minuman",
    "makmin": "makanan minuman",
    "perjadin": "perjalanan dinas",
    "perjaldin": "perjalanan dinas",
    "pd": "perjalanan dinas",
    "sppd": "perjalanan dinas",
    "pemel": "pemeliharaan",
    "pml": "pemeliharaan",
    "har": "pemeliharaan",
    "kend": "kendaraan",
    "ranmor": "kendaraan bermotor",
    "r2": "beroda dua",
    "roda": "beroda",
    "honor": "honorarium",
    "hon": "honorarium",
    "honr": "honorarium",
    "narsum": "narasumber",
    "bimtek": "bimbingan teknis",
    "diklat": "pendidikan pelatihan",
    "sos": "sosialisasi",
    "bbm": "bahan bakar",
    "bhn": "bahan",
    "pc": "personal computer",
    "komp": "komputer",
    "genset": "electric generating set",
    "ac": "alat pendingin",
    "adm": "administrasi",
    "admin": "administrasi",
    "tng": "tenaga",
    "tnaga": "tenaga",
    "bansos": "bantuan sosial",
    "bantsos": "bantuan sosial",
    "kel": "keluarga",
    "kelp": "kelompok",
    "masy": "masyarakat",
    "kpl": "kepala",
    "tlp": "telepon",
    "telp": "telepon",
    "listr": "listrik",
    "srt": "surat",
    "lgn": "langganan",
    "ket": "ketertiban",
    "trantib": "ketenteraman ketertiban",
    "linmas": "perlindungan masyarakat",
    "ti": "teknologi informasi",
    "it": "teknologi informasi",
    "konst": "konstruksi",
    "kons": "konsultansi",
    "konsultan": "konsultansi",
    "pel": "pelayanan",
    "yan": "pelayanan",
    "pak": "pakaian",
    "pkn": "pakaian",
    "obat2an": "obat obatan",
    "bahan2": "bahan bahan",
    "suku2": "suku",
}
# ASN stands for PNS in level-6 names (the PPPK accounts always say PPPK).
SYNONYMS: dict[str, str] = {"asn": "pns", "p3k": "pppk"}
# Function words and the ubiquitous "belanja": no signal for telling accounts apart.
DROP: frozenset[str] = frozenset(
    {"belanja", "dan", "yang", "untuk", "bagi", "pada", "atau", "serta", "dengan", "di", "ke"}
)
_KEEP_RUNS = frozenset({"pppk", "www"})
_SPLIT = re.compile(r"[^a-z0-9]+")
_MULTI = sorted((k for k in ABBREVIATIONS if " " in k), key=len, reverse=True)
_EMPTY_MARKERS = frozenset({"", "nan", "none", "null", "-", "--", "0", "n/a", "na", "#n/a", "kosong"})


def is_blank_name(text) -> bool:
    """True for missing names and placeholder values ('', '-', 'nan', 'null', ...)."""
    if text is None:
        return True
    if isinstance(text, float) and text != text:
        return True
    return str(text).strip().lower() in _EMPTY_MARKERS


def _words(text: str) -> list[str]:
    t = fold(str(text))
    t = t.replace("-", " ").replace("/", " ")
    for phrase in _MULTI:
        t = t.replace(phrase, ABBREVIATIONS[phrase])
    out: list[str] = []
    for w in _SPLIT.split(t):
        if not w:
            continue
        if w not in _KEEP_RUNS:
            w = re.sub(r"(\D)\1{2,}", r"\1", w)  # "belanjaaa" -> "belanja"
        w = ABBREVIATIONS.get(w, w)
        for part in w.split():
            out.append(SYNONYMS.get(part, part))
    return out


@lru_cache(maxsize=500_000)
def dense_form(text: str) -> str:
    """Readable expanded form for the sentence model (keeps word order and function words)."""
    return " ".join(_words(text))


@lru_cache(maxsize=500_000)
def lexical_form(text: str) -> str:
    """Expanded content words only, for character n-grams and fuzzy matching."""
    words = [w for w in _words(text) if w not in DROP]
    deduped = list(dict.fromkeys(words))  # "bahan bahan kimia" and "bahan kimia" should meet
    return " ".join(deduped)


def exact_key(text: str) -> str:
    """Key for exact-name comparison: case, spacing and punctuation ignored, wording not."""
    return " ".join(_SPLIT.split(fold(str(text)))).strip()


def word_coverage(query_lex: str, candidate_lex: str, min_ratio: float = 80.0) -> float:
    """Share of the query's words (digits-only words ignored) found in the candidate, typos tolerated.
    Both arguments are ``lexical_form``s."""
    from rapidfuzz import fuzz

    words = [w for w in query_lex.split() if not w.isdigit()]
    cand = candidate_lex.split()
    if not words or not cand:
        return 0.0
    hit = sum(1 for w in words if w in cand or max(fuzz.ratio(w, c) for c in cand) >= min_ratio)
    return hit / len(words)
