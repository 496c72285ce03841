"""Suggest Kepmendagri 050-5889 level-6 account codes for a name (seed 001, "standict"), hybrid retrieval.

Three scores per reference account, all 0..1, fused by a weighted sum:
- dense: cosine of sentence embeddings (``knowledge.embeddings.get_embedder`` and a FAISS
  ``knowledge.index.VectorIndex``, persisted with a manifest in ``index_dir``: the service's is
  ``Settings.accounts_index_dir``, ``<data_dir>/index/accounts``);
- tfidf: cosine of character 2-4-gram TF-IDF (``knowledge.lexical.CharNgramTfidf``) of the lexical form;
- fuzzy: rapidfuzz WRatio of the lexical forms.
An exact name (case and punctuation aside) scores 1, and so does a name that fits a template account's fixed
part (``Belanja Subsidi kepada BUMD PDAM Tirta Raharja`` -> the ``Belanja Subsidi kepada BUMD ...`` code,
match kind "template"). A suggestion is confident when its score reaches
``MIN_CONFIDENT_SCORE`` and at least ``MIN_COVERAGE`` of the name's words (numbers aside) appear, give or
take a typo, in the account's name; otherwise the answer is "no confident match" (``NoConfidentMatchError``,
which still carries the candidates) instead of a random code.
The weights and the threshold were chosen on the DEV noisy-name set only (``benchmarks/eval_accounts.py
--tune``); the held-out test set was not used for any choice.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from analytics.accounts.reference import (
    LEVEL_NAMES,
    Account,
    AccountReference,
    default_reference,
    load_reference,
)
from analytics.accounts.text import dense_form, exact_key, is_blank_name, lexical_form
from analytics.errors import NotFoundError
from knowledge.embeddings import BUNDLED

if TYPE_CHECKING:
    from hai.settings import Settings

# Chosen on the dev set (seed 11, dev noise vocabulary); see the module docstring.
DEFAULT_WEIGHTS = {"dense": 0.2, "tfidf": 0.55, "fuzzy": 0.25}  # chosen on the dev set (eval_accounts --tune)
MIN_CONFIDENT_SCORE = 0.65
MIN_COVERAGE = 0.5
EMBEDDING_CACHE_SIZE = 200_000
COMPONENTS = ("dense", "tfidf", "fuzzy")


# Words for a suggestion's fused score, strongest first; under MIN_CONFIDENT_SCORE the match is weak.
STRENGTH_WORDS = ((0.85, "sangat mirip"), (0.75, "mirip"), (MIN_CONFIDENT_SCORE, "cukup mirip"))
WEAK_WORD = "kemiripan lemah"


def match_strength(score: float, match_kind: str = "hybrid") -> str:
    """A short Indonesian word for how well a suggestion fits ("sama persis" for an exact name)."""
    if match_kind == "exact":
        return "sama persis"
    if match_kind == "template":
        return "sesuai templat"
    return next((word for floor, word in STRENGTH_WORDS if score >= floor), WEAK_WORD)


class NoConfidentMatchError(NotFoundError):
    """No reference account is close enough; ``candidates`` holds the best (weak) suggestions anyway."""

    def __init__(self, name: str, candidates: list["AccountSuggestion"] | None = None):
        shown = (name or "").strip()
        text = (
            f"tidak ada kode akun yang cukup mirip dengan {shown!r}; periksa penulisannya"
            if shown
            else "nama akun kosong; isi nama akun untuk mendapatkan saran kode"
        )
        super().__init__(text)
        self.name = name
        self.candidates = candidates or []


@dataclass(frozen=True)
class AccountSuggestion:
    code: str
    name: str
    full_name: str
    parents: tuple[tuple[str, str, str], ...]  # (level name, code, name) for levels 1..5
    score: float  # fused score 0..1
    match_kind: str  # "exact" | "template" | "hybrid" | "lexical" (sentence model skipped)
    components: dict[str, float] = field(default_factory=dict)
    source: str = "050-5889"  # the regulation the account rests on: "050-5889" or "90/2019"
    source_title: str = "Kepmendagri 050-5889 Tahun 2021"

    @classmethod
    def of(cls, acc: Account, score: float, kind: str, components: dict[str, float]) -> "AccountSuggestion":
        parents = tuple((LEVEL_NAMES[i], c, n) for i, (c, n) in enumerate(acc.parents))
        return cls(acc.code, acc.name, acc.full_name, parents, float(score), kind, components,
                   acc.source, acc.source_title)


def word_coverage(query_lex: str, candidate_lex: str, min_ratio: float = 80.0) -> float:
    """Share of the query's words (digits-only words ignored) found in the candidate, typos tolerated."""
    from rapidfuzz import fuzz

    words = [w for w in query_lex.split() if not w.isdigit()]
    cand = candidate_lex.split()
    if not words or not cand:
        return 0.0
    hit = sum(1 for w in words if w in cand or max(fuzz.ratio(w, c) for c in cand) >= min_ratio)
    return hit / len(words)


class AccountSuggester:
    """Hybrid matcher over one reference; build once, reuse (thread-safe for reads).

    ``embedder`` (or else ``embedding_model``, loaded on first use) makes the dense vectors; their index is
    loaded from / saved to ``index_dir`` when given (and ``persist``), else kept in memory only.
    """

    def __init__(
        self,
        reference: AccountReference | None = None,
        embedder=None,
        weights: dict[str, float] | None = None,
        min_score: float = MIN_CONFIDENT_SCORE,
        index_dir: Path | None = None,
        persist: bool = True,
        min_coverage: float = MIN_COVERAGE,
        embedding_model: str = BUNDLED,
    ):
        self.reference = reference or default_reference()
        self.weights = dict(weights or DEFAULT_WEIGHTS)
        self.min_score = min_score
        self.min_coverage = min_coverage
        self._embedder = embedder
        self.embedding_model = embedding_model
        self._index = None
        self._index_dir = Path(index_dir) if index_dir else None
        self._persist = persist
        self._lock = threading.Lock()
        self._vectors: dict[str, np.ndarray] = {}
        self._build(self.reference)

    def _build(self, reference: AccountReference) -> None:
        from knowledge.lexical import CharNgramTfidf

        lex = [lexical_form(a.name) for a in reference.accounts]
        exact: dict[str, int] = {}
        for i, a in enumerate(reference.accounts):
            exact.setdefault(exact_key(a.name), i)
        tfidf = CharNgramTfidf(lex)
        self.reference, self.lex, self._exact, self.tfidf = reference, lex, exact, tfidf
        self.dense_texts = [dense_form(a.name) for a in reference.accounts]
        self._row = {a.code: i for i, a in enumerate(reference.accounts)}
        self._index = None

    def reload(self, path: Path | str | None = None) -> AccountReference:
        """Swap in the reference read from ``path`` (the shipped one when None). A file with a bad row raises
        DataFileError naming the line and leaves the current reference in service."""
        new = load_reference(path)  # raises before anything is replaced
        with self._lock:
            self._build(new)
        return new

    @classmethod
    def from_settings(cls, settings: "Settings") -> "AccountSuggester":
        """The service's suggester, ready to serve: the reference (``settings.accounts_reference_path`` when
        set, else the shipped one, both merged with 90/2019), the configured embedding model, its index
        loaded from (or built once and saved to) ``settings.accounts_index_dir``."""
        path = settings.accounts_reference_path
        suggester = cls(
            reference=default_reference(str(path) if path else None),
            embedding_model=settings.embedding_model,
            index_dir=settings.accounts_index_dir,
        )
        suggester.index  # noqa: B018 - load or build it now, not on the first question
        return suggester

    def template_row(self, name: str) -> int | None:
        """Row of the template account whose fixed part ``name`` fits (None when no template fits)."""
        acc = self.reference.template_matching(str(name))
        return None if acc is None else self._row[acc.code]

    # ---------------------------------------------------------------- dense index
    @property
    def embedder(self):
        if self._embedder is None:
            from knowledge.embeddings import get_embedder

            self._embedder = get_embedder(self.embedding_model)
        return self._embedder

    def _manifest(self):
        from knowledge.index import IndexManifest, content_hash

        items = [f"{a.code}\t{t}" for a, t in zip(self.reference.accounts, self.dense_texts)]
        return IndexManifest(
            model=self.embedder.name,
            dimension=self.embedder.dimension,
            content_hash=content_hash(items),
            count=len(items),
        )

    @property
    def index(self):
        """FAISS index of the reference names: loaded if its manifest matches, else built (and saved)."""
        if self._index is None:
            with self._lock:
                if self._index is None:
                    from knowledge.index import StaleIndexError, VectorIndex

                    expected = self._manifest()
                    directory = self._index_dir if self._persist else None
                    try:
                        if directory is None:
                            raise FileNotFoundError("index kept in memory only")
                        index, _ = VectorIndex.load(directory, expected)
                    except (FileNotFoundError, StaleIndexError):
                        index = VectorIndex(expected.dimension)
                        vectors = self.embedder.encode(self.dense_texts)
                        index.add(np.arange(len(self.dense_texts), dtype=np.int64), vectors)
                        if directory is not None:
                            try:
                                index.save(directory, expected)
                            except OSError:  # read-only data dir: serve from memory
                                pass
                    self._index = index
        return self._index

    # ---------------------------------------------------------------- scoring
    def _encode(self, texts: list[str]) -> np.ndarray:
        """Embeddings of dense forms, each distinct text encoded once per process (bounded cache)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            vectors = self.embedder.encode(missing, batch_size=128)
            if len(self._vectors) + len(missing) > EMBEDDING_CACHE_SIZE:
                self._vectors.clear()
            self._vectors.update(zip(missing, vectors))
        return np.stack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)

    def component_scores(self, names: Sequence[str], dense: str = "all") -> dict[str, np.ndarray]:
        """(n_names, n_accounts) matrices of the dense, tfidf and fuzzy scores (0..1) for distinct names.

        ``dense="auto"`` skips the sentence model for names whose lexical evidence already decides both the
        best account and its confidence (rows left NaN): with fused = w_dense*dense + lexical and dense in
        0..1, a lexical lead over the runner-up larger than w_dense cannot be overturned. Used by the
        validator, where embedding thousands of names is the main cost.
        """
        from rapidfuzz import fuzz, process

        lex = [lexical_form(str(n)) for n in names]
        n_ref = len(self.reference)
        out = {
            "tfidf": self.tfidf.scores_many(lex),
            "fuzzy": process.cdist(lex, self.lex, scorer=fuzz.WRatio, dtype=np.float32, workers=-1) / 100.0,
        }
        w = self._normalised_weights()
        need = np.ones(len(names), dtype=bool)
        if dense == "auto" and len(names):
            lexical = w["tfidf"] * out["tfidf"] + w["fuzzy"] * out["fuzzy"]
            top2 = -np.sort(-lexical, axis=1)[:, :2]
            lead = top2[:, 0] - (top2[:, 1] if n_ref > 1 else 0.0)
            need = ~((lead > w["dense"]) & (top2[:, 0] >= self.min_score))
        dense_m = np.full((len(names), n_ref), np.nan, dtype=np.float32)
        rows_needed = np.flatnonzero(need) if w["dense"] > 0 else np.zeros(0, dtype=int)
        if len(rows_needed):
            vectors = self._encode([dense_form(str(names[i])) for i in rows_needed])
            scores, ids = self.index.search(vectors, n_ref)
            block = np.zeros((len(rows_needed), n_ref), dtype=np.float32)
            r = np.repeat(np.arange(len(rows_needed)), ids.shape[1])
            valid = ids.ravel() >= 0
            block[r[valid], ids.ravel()[valid]] = scores.ravel()[valid]
            dense_m[rows_needed] = np.clip(block, 0.0, 1.0)
        elif w["dense"] == 0:
            dense_m[:] = 0.0
        out["dense"] = dense_m
        return out

    def _normalised_weights(self) -> dict[str, float]:
        total = sum(self.weights.get(c, 0.0) for c in COMPONENTS) or 1.0
        return {c: self.weights.get(c, 0.0) / total for c in COMPONENTS}

    def fuse(self, components: dict[str, np.ndarray], names: Sequence[str]) -> np.ndarray:
        """Weighted sum of the components (rows without dense: lexical part rescaled); exact names = 1."""
        w = self._normalised_weights()
        lexical = w["tfidf"] * components["tfidf"] + w["fuzzy"] * components["fuzzy"]
        dense = components["dense"]
        skipped = np.isnan(dense)
        fused = np.where(
            skipped, lexical / max(1.0 - w["dense"], 1e-9), lexical + w["dense"] * np.nan_to_num(dense)
        )
        fused = np.asarray(np.clip(fused, 0.0, 1.0), dtype=np.float32)
        for row, name in enumerate(names):
            hit = self._exact.get(exact_key(str(name)))
            if hit is None:
                hit = self.template_row(str(name))
            if hit is not None:
                fused[row, hit] = 1.0
        return fused

    def suggest_many(
        self, names: Sequence[str], k: int = 5, dense: str = "all"
    ) -> list[list[AccountSuggestion]]:
        """Top-``k`` suggestions per name (duplicates are scored once). Blank names give []. No threshold
        is applied here: compare ``[0].score`` with ``min_score`` or use ``suggest``. ``dense="auto"``: see
        ``component_scores``; such suggestions have match kind "lexical"."""
        names = ["" if is_blank_name(n) else str(n) for n in names]
        distinct = list(dict.fromkeys(n for n in names if n))
        results: dict[str, list[AccountSuggestion]] = {"": []}
        if distinct:
            comps = self.component_scores(distinct, dense=dense)
            fused = self.fuse(comps, distinct)
            k = max(1, min(k, len(self.reference)))
            top = np.argsort(-fused, axis=1, kind="stable")[:, :k]
            for row, name in enumerate(distinct):
                exact = self._exact.get(exact_key(name))
                template = self.template_row(name) if exact is None else None
                lexical_only = bool(np.isnan(comps["dense"][row, 0]))
                query_lex = lexical_form(name)
                results[name] = [
                    AccountSuggestion.of(
                        self.reference.accounts[j],
                        fused[row, j],
                        "exact" if j == exact else "template" if j == template
                        else ("lexical" if lexical_only else "hybrid"),
                        {
                            **{c: float(comps[c][row, j]) for c in COMPONENTS},
                            "coverage": 1.0 if j in (exact, template) else word_coverage(query_lex, self.lex[j]),
                        },
                    )
                    for j in top[row]
                ]
        return [results[n] for n in names]

    def is_confident(self, suggestion: AccountSuggestion) -> bool:
        """Score and word coverage both high enough (thresholds chosen on the dev set)."""
        return (
            suggestion.score >= self.min_score
            and suggestion.components.get("coverage", 1.0) >= self.min_coverage
        )

    def suggest(self, name: str, k: int = 5) -> list[AccountSuggestion]:
        """Top-``k`` confident suggestions, best first; raises NoConfidentMatchError for blank/nonsense."""
        if is_blank_name(name) or not lexical_form(str(name)):
            raise NoConfidentMatchError("" if is_blank_name(name) else str(name))
        found = self.suggest_many([name], k)[0]
        if not found or not self.is_confident(found[0]):
            raise NoConfidentMatchError(str(name), found)
        return [s for s in found if self.is_confident(s)]


_default: AccountSuggester | None = None
_default_lock = threading.Lock()


def default_suggester() -> AccountSuggester:
    """One suggester per process over the shipped reference with the bundled model, index in memory: the
    default of the functions that take an optional suggester. The services use
    ``AccountSuggester.from_settings``."""
    global _default
    with _default_lock:
        if _default is None:
            _default = AccountSuggester()
        return _default


def suggest_account_codes(name: str, k: int = 5) -> list[AccountSuggestion]:
    """Top-``k`` level-6 accounts for ``name`` with scores and full names; NoConfidentMatchError if none.

    Blank or nonsense names raise instead of returning a random code."""
    return default_suggester().suggest(name, k)
