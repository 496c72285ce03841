"""Indonesian-aware text normalisation for lexical matching and duplicate grouping.

Stakeholders write to the helpdesk in chat style ("gmn cara revisi dipa sy blm bs?"); the knowledge base is
written formally. Before lexical scoring both sides go through the same steps: lowercase, strip accents and
punctuation, expand common chat abbreviations to the formal word, drop filler words, reduce words to their
stem (Sastrawi), and optionally correct typos against a known vocabulary. The table is small on purpose: it covers spellings seen in helpdesk chat,
not a dictionary.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Chat abbreviations and informal spellings -> formal word. Multi-word expansions are allowed.
ABBREVIATIONS: dict[str, str] = {
    "gmn": "bagaimana", "gmna": "bagaimana", "bgmn": "bagaimana", "bgm": "bagaimana", "gimana": "bagaimana",
    "gmana": "bagaimana", "bagaimanakah": "bagaimana",
    "sy": "saya", "sya": "saya", "aku": "saya", "gw": "saya", "gue": "saya",
    "blm": "belum", "blum": "belum", "lom": "belum",
    "tdk": "tidak", "gk": "tidak", "ga": "tidak", "gak": "tidak", "nggak": "tidak", "ngga": "tidak",
    "enggak": "tidak", "engga": "tidak", "g": "tidak", "tak": "tidak",
    "tlg": "tolong", "tolongin": "tolong",
    "sdh": "sudah", "udh": "sudah", "udah": "sudah", "dah": "sudah", "sudh": "sudah",
    "yg": "yang", "yng": "yang",
    "dgn": "dengan", "dg": "dengan", "dng": "dengan",
    "utk": "untuk", "untk": "untuk",
    "krn": "karena", "krna": "karena", "karna": "karena",
    "bs": "bisa", "bsa": "bisa", "bisakah": "bisa",
    "dr": "dari", "dri": "dari",
    "dlm": "dalam", "jg": "juga", "lg": "lagi", "sm": "sama", "kpd": "kepada", "trs": "terus",
    "klo": "kalau", "kalo": "kalau", "kl": "kalau", "jika": "kalau", "apabila": "kalau", "bila": "kalau",
    "msh": "masih", "mksd": "maksud", "knp": "kenapa", "napa": "kenapa", "mengapa": "kenapa",
    "tsb": "tersebut", "pd": "pada", "thn": "tahun", "bln": "bulan", "tgl": "tanggal", "hr": "hari",
    "mhn": "mohon", "bpk": "bapak", "sbg": "sebagai", "spt": "seperti", "ttg": "tentang",
    "sblm": "sebelum", "stlh": "setelah", "sesudah": "setelah", "hrs": "harus",
    "gagal": "gagal", "error": "gagal", "eror": "gagal", "err": "gagal",
    "apk": "aplikasi", "app": "aplikasi", "apl": "aplikasi",
    "rekon": "rekonsiliasi", "pwd": "password", "pass": "password", "sandi": "password",
    "usr": "user", "pengguna": "user", "ubah": "ganti", "rubah": "ganti", "merubah": "ganti",
    "mengubah": "ganti", "mengganti": "ganti",
    "tp": "tapi", "tetapi": "tapi", "namun": "tapi",
    "ap": "apa", "apakah": "apa", "brp": "berapa", "gt": "gitu", "gtu": "gitu",
    "dmn": "dimana",
    "skrg": "sekarang", "skr": "sekarang", "bkn": "bukan", "sampe": "sampai", "smp": "sampai",
}

# Words that carry no meaning for retrieval: greetings, politeness, particles, pronouns.
STOPWORDS: frozenset[str] = frozenset(
    """
    yang dan di ke dari untuk dengan pada ini itu atau juga sudah belum saya kami kita anda bapak ibu pak bu
    mohon tolong bantu bantuan bantuannya izin ijin mau ingin bertanya tanya nanya admin min kak gan sis bro
    selamat pagi siang sore malam halo hallo hai hi assalamualaikum wr wb terima kasih makasih thanks thx
    trims tks nya lah kah pun dong deh sih ya yah nih tuh kok kan adalah ada akan agar bagi oleh karena
    sebagai tersebut dalam saat sedang telah bisa dapat apa bagaimana kenapa dimana kapan berapa siapa
    gitu lagi sama terus masih hal mengenai tentang seperti kalau tapi jadi maka hanya sangat sekali
    para nya mas mbak
    """.split()
)

_TOKEN = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lowercase and strip accents (é -> e); keeps letters, digits and spaces."""
    if text.isascii():  # the common case, and much cheaper than decomposing every character
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower()


def _strip_particle(token: str) -> str:
    """Drop the clitics -nya/-lah/-kah from longer words ("caranya" -> "cara", "bagaimanakah" -> "bagaimana")."""
    for suffix in ("nya", "lah", "kah"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            return token[: -len(suffix)]
    return token


_stemmer = None


def stem(word: str) -> str:
    """Indonesian stem (Sastrawi: "pengajuan", "mengajukan", "diajukan" -> "aju"); short words and codes as is.

    Words of 4 letters or fewer are left alone: they are mostly acronyms (DIPA, SPM, LPJ, PNBP).
    """
    global _stemmer
    if len(word) <= 4 or not word.isalpha():
        return word
    if _stemmer is None:
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

        _stemmer = StemmerFactory().create_stemmer()
    return _stemmer.stem(word) or word


@lru_cache(maxsize=200_000)
def normalize_token(token: str) -> str:
    """One folded token -> its formal stem (abbreviation expanded, clitic dropped, stemmed). May yield several
    words; stopwords (also after stemming) are kept here and dropped by ``tokens``."""
    if token in ABBREVIATIONS:
        return ABBREVIATIONS[token]
    stripped = _strip_particle(token)
    formal = ABBREVIATIONS.get(stripped, stripped)
    if formal in STOPWORDS or " " in formal:
        return formal
    return stem(formal)


def tokens(text: str, drop_stopwords: bool = True) -> list[str]:
    """Normalised word tokens of ``text`` for lexical scoring (letters/digits only, formal spellings)."""
    out: list[str] = []
    # split letters from digits glued together ("sp2d" stays, "revisi2" -> "revisi 2" is not wanted)
    for raw in _TOKEN.findall(fold(text)):
        for tok in normalize_token(raw).split():
            if drop_stopwords and tok in STOPWORDS:
                continue
            out.append(tok)
    return out


def normalize_text(text: str) -> str:
    """Tokens joined by spaces, stopwords kept: the readable normal form used for near-duplicate grouping."""
    return " ".join(tokens(text, drop_stopwords=False))


class SpellCorrector:
    """Maps unknown query tokens to the closest known vocabulary word (edit distance), e.g. "revsi" -> "revisi".

    Only tokens of 4+ letters that are not in the vocabulary are corrected, and only to a word whose
    normalised Levenshtein similarity is at least ``min_similarity``; digits and codes are never touched.
    """

    def __init__(self, vocabulary: set[str], min_similarity: float = 80.0):
        from rapidfuzz import fuzz, process  # noqa: F401 - imported here to keep import time light

        self._vocab = sorted(w for w in vocabulary if len(w) >= 3 and w.isalpha())
        self._known = set(vocabulary)
        self.min_similarity = min_similarity
        self._cache: dict[str, str] = {}

    def correct(self, token: str) -> str:
        if token in self._known or len(token) < 4 or not token.isalpha() or not self._vocab:
            return token
        hit = self._cache.get(token)
        if hit is not None:
            return hit
        from rapidfuzz import fuzz, process

        best = process.extractOne(token, self._vocab, scorer=fuzz.ratio, score_cutoff=self.min_similarity)
        result = best[0] if best else token
        if len(self._cache) < 100_000:
            self._cache[token] = result
        return result

    def correct_all(self, toks: list[str]) -> list[str]:
        return [self.correct(t) for t in toks]
