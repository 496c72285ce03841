"""Suggest Kepmendagri 050-5889 level-6 account codes for a name (seed 001, "standict"), hybrid retrieval.

Three scores per reference account, all 0..1, fused by a weighted sum:
- dense: cosine of sentence embeddings (``knowledge.embeddings.get_embedder`` and a FAISS
  ``knowledge.index.VectorIndex``, persisted with a manifest in ``index_dir``: the service's is
  ``Settings.accounts_index_dir``, ``<data_dir>/index/accounts``);
- tfidf: cosine of character 2-4-gram TF-IDF (``knowledge.lexical.CharNgramTfidf``) of the lexical form;
- fuzzy: rapidfuzz WRatio of the lexical forms.
An exact name (case and punctuation aside) scores 1, and so does a name that fits a template account's fixed
part (``Belanja Subsidi kepada BUMD PDAM Tirta Raharja`` -> the ``Belanja Subsidi kepada BUMD ...`` code,
match kind "template"). A Permendagri 90/2019 name that 050-5889 only reworded (``Account.renamed_from``) is
an alias of its account: scored like a name (the account keeps the better of the two), and written exactly
it scores 1 with match kind "nama_lama". A suggestion is confident when its score reaches
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
from analytics.accounts.text import dense_form, exact_key, is_blank_name, lexical_form, word_coverage
from analytics.errors import NotFoundError
from knowledge.embeddings import BUNDLED

if TYPE_CHECKING:
    from hai.settings import Settings

# Chosen on the dev set (seed 11, dev noise vocabulary); see the module docstring.
DEFAULT_WEIGHTS = {"dense": 0.2, "tfidf": 0.55, "fuzzy": 0.25}  # chosen on the dev set (eval_accounts --tune)
MIN_CONFIDENT_SCORE = 0.65
MIN_COVERAGE = 0.5
EMBEDDING_CACHE_SIZE = 200_000
# Accounts per name whose fuzzy score is computed first (best tf-idf); see ``component_scores(k=...)``.
FUZZY_CANDIDATES = 32
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
    if match_kind == "nama_lama":
        return "nama lama Permendagri 90/2019"
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
    match_kind: str  # "exact" | "nama_lama" | "template" | "hybrid" | "lexical" (sentence model skipped)
    components: dict[str, float] = field(default_factory=dict)
    source: str = "050-5889"  # the regulation the account rests on: "050-5889" or "90/2019"
    source_title: str = "Kepmendagri 050-5889 Tahun 2021"

    @classmethod
    def of(cls, acc: Account, score: float, kind: str, components: dict[str, float]) -> "AccountSuggestion":
        parents = tuple((LEVEL_NAMES[i], c, n) for i, (c, n) in enumerate(acc.parents))
        return cls(acc.code, acc.name, acc.full_name, parents, float(score), kind, components,
                   acc.source, acc.source_title)


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
        # Former names that 050-5889 only reworded ("nama lama") are extra rows pointing to their account:
        # scored like names, folded into the account's column by taking the better score.
        alias_owner: list[int] = []
        alias_names: list[str] = []
        former_exact: set[str] = set()
        for i, a in enumerate(reference.accounts):
            for old in a.renamed_from:
                key = exact_key(old)
                if key not in exact:
                    exact[key] = i
                    former_exact.add(key)
                alias_owner.append(i)
                alias_names.append(old)
        alias_lex = [lexical_form(n) for n in alias_names]
        tfidf = CharNgramTfidf(lex + alias_lex)
        self.reference, self.lex, self._exact, self.tfidf = reference, lex, exact, tfidf
        self._former_exact = former_exact
        self._alias_owner = np.asarray(alias_owner, dtype=np.int64)
        self._alias_lex = alias_lex
        self._aliases_of: dict[int, list[str]] = {}
        for owner, text in zip(alias_owner, alias_lex):
            self._aliases_of.setdefault(owner, []).append(text)
        self.dense_texts = [dense_form(a.name) for a in reference.accounts]
        self._alias_dense = [dense_form(n) for n in alias_names]
        self._row = {a.code: i for i, a in enumerate(reference.accounts)}
        self._index = None

    def _fold_aliases(self, scores: np.ndarray) -> np.ndarray:
        """(n, accounts + aliases) -> (n, accounts): each account keeps the best of its name and aliases."""
        n_ref = len(self.reference)
        out = np.ascontiguousarray(scores[:, :n_ref])
        for j, owner in enumerate(self._alias_owner):
            np.maximum(out[:, owner], scores[:, n_ref + j], out=out[:, owner])
        return out

    def coverage(self, query_lex: str, row: int) -> float:
        """``word_coverage`` of the query in the account's name or, when better, in one of its aliases."""
        best = word_coverage(query_lex, self.lex[row])
        for alias in self._aliases_of.get(row, ()):
            if best >= 1.0:
                break
            best = max(best, word_coverage(query_lex, alias))
        return best

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
        items += [f"{self.reference.accounts[o].code}\tnama lama\t{t}"
                  for o, t in zip(self._alias_owner, self._alias_dense)]
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
                        texts = self.dense_texts + self._alias_dense
                        vectors = self.embedder.encode(texts)
                        index.add(np.arange(len(texts), dtype=np.int64), vectors)
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

    def component_scores(
        self, names: Sequence[str], dense: str = "all", k: int | None = None
    ) -> dict[str, np.ndarray]:
        """(n_names, n_accounts) matrices of the dense, tfidf and fuzzy scores (0..1) for distinct names.

        ``dense="auto"`` skips the sentence model for names whose lexical evidence already decides both the
        best account and its confidence (rows left NaN): with fused = w_dense*dense + lexical and dense in
        0..1, a lexical lead over the runner-up larger than w_dense cannot be overturned. Used by the
        validator, where embedding thousands of names is the main cost.

        ``k``: only the fuzzy scores that can reach a name's top ``k`` are computed, the others are NaN (the
        fuzzy matcher is the costly part over thousands of names). Exact, not a heuristic: fuzzy is computed
        first for the best tf-idf candidates, then for every account whose score with fuzzy taken as 1 could
        still reach the k-th best known score; any other account scores below k accounts already known.
        """
        lex = [lexical_form(str(n)) for n in names]
        n_ref, n = len(self.reference), len(names)
        tfidf = self._fold_aliases(self.tfidf.scores_many(lex))
        w = self._normalised_weights()
        if k is None:
            from rapidfuzz import fuzz, process

            columns = self.lex + self._alias_lex
            fuzzy = self._fold_aliases(
                process.cdist(lex, columns, scorer=fuzz.WRatio, dtype=np.float32, workers=-1) / 100.0
            )
        else:
            fuzzy = np.full((n, n_ref), np.nan, dtype=np.float32)
            first = min(n_ref, max(k, FUZZY_CANDIDATES))
            cand = (np.argpartition(-tfidf, first - 1, axis=1)[:, :first] if first < n_ref
                    else np.tile(np.arange(n_ref), (n, 1)))
            for r in range(n):
                hit = self.hit_row(str(names[r]))
                self._fill_fuzzy(fuzzy, r, lex[r], cand[r] if hit is None else np.append(cand[r], hit))
        need = np.ones(n, dtype=bool)
        if dense == "auto" and n:
            lexical_bound = w["tfidf"] * tfidf + w["fuzzy"]
            if k is not None:  # the two best lexical scores (and the k best) must be exact
                self._complete_fuzzy(fuzzy, lex, lexical_bound, w["tfidf"] * tfidf, w["fuzzy"], max(k, 2))
            lexical = w["tfidf"] * tfidf + w["fuzzy"] * fuzzy
            top2 = -np.sort(-np.nan_to_num(lexical, nan=-1.0), axis=1)[:, :2]
            lead = top2[:, 0] - (top2[:, 1] if n_ref > 1 else 0.0)
            need = ~((lead > w["dense"]) & (top2[:, 0] >= self.min_score))
        dense_m = np.full((n, n_ref), np.nan, dtype=np.float32)
        rows_needed = np.flatnonzero(need) if w["dense"] > 0 else np.zeros(0, dtype=int)
        if len(rows_needed):
            vectors = self._encode([dense_form(str(names[i])) for i in rows_needed])
            n_cols = n_ref + len(self._alias_owner)
            scores, ids = self.index.search(vectors, n_cols)
            block = np.zeros((len(rows_needed), n_cols), dtype=np.float32)
            r = np.repeat(np.arange(len(rows_needed)), ids.shape[1])
            valid = ids.ravel() >= 0
            block[r[valid], ids.ravel()[valid]] = scores.ravel()[valid]
            dense_m[rows_needed] = np.clip(self._fold_aliases(block), 0.0, 1.0)
        elif w["dense"] == 0:
            dense_m[:] = 0.0
        if k is not None:  # rows without dense rank by the lexical part alone: dense counted as 0 there
            known = w["tfidf"] * tfidf + w["dense"] * np.nan_to_num(dense_m)
            self._complete_fuzzy(fuzzy, lex, known + w["fuzzy"], known, w["fuzzy"], k)
        return {"tfidf": tfidf, "fuzzy": fuzzy, "dense": dense_m}

    def hit_row(self, name: str) -> int | None:
        """Row of the account ``name`` names exactly (or as a reworded former name), else of the template
        it fits, else None."""
        hit = self._exact.get(exact_key(name))
        return self.template_row(name) if hit is None else hit

    def _fill_fuzzy(self, fuzzy: np.ndarray, row: int, query_lex: str, cols: np.ndarray) -> None:
        """Fuzzy scores of one name against the accounts ``cols`` (names and aliases), where still NaN."""
        from rapidfuzz import fuzz, process

        cols = np.unique(cols)
        cols = cols[np.isnan(fuzzy[row, cols])]
        if not len(cols):
            return
        texts, owners = [], []
        for c in cols:
            texts.append(self.lex[c])
            owners.append(c)
            for alias in self._aliases_of.get(int(c), ()):
                texts.append(alias)
                owners.append(c)
        scores = process.cdist([query_lex], texts, scorer=fuzz.WRatio, dtype=np.float32)[0] / 100.0
        fuzzy[row, cols] = 0.0
        np.maximum.at(fuzzy[row], np.asarray(owners), scores)

    def _complete_fuzzy(self, fuzzy, lex, bound, known, w_fuzzy: float, k: int) -> None:
        """Compute fuzzy wherever an account's ``bound`` (its score with fuzzy = 1) reaches the k-th best
        exact score ``known + w_fuzzy * fuzzy`` over the accounts whose fuzzy is known. One round suffices:
        new fuzzy scores only raise the k-th best."""
        exact_scores = np.nan_to_num(known + w_fuzzy * fuzzy, nan=-1.0)
        kk = min(k, fuzzy.shape[1])
        kth = -np.partition(-exact_scores, kk - 1, axis=1)[:, kk - 1]
        todo = (bound >= kth[:, None]) & np.isnan(fuzzy)
        for r in np.flatnonzero(todo.any(axis=1)):
            self._fill_fuzzy(fuzzy, int(r), lex[r], np.flatnonzero(todo[r]))

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
        fused[np.isnan(fused)] = -1.0  # fuzzy not computed: cannot reach the top k (``component_scores``)
        for row, name in enumerate(names):
            hit = self.hit_row(str(name))
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
            k = max(1, min(k, len(self.reference)))
            comps = self.component_scores(distinct, dense=dense, k=k)
            fused = self.fuse(comps, distinct)
            top = np.argsort(-fused, axis=1, kind="stable")[:, :k]
            for row, name in enumerate(distinct):
                exact = self._exact.get(exact_key(name))
                template = self.template_row(name) if exact is None else None
                lexical_only = bool(np.isnan(comps["dense"][row, 0]))
                former = "nama_lama" if exact_key(name) in self._former_exact else "exact"
                query_lex = lexical_form(name)
                results[name] = [
                    AccountSuggestion.of(
                        self.reference.accounts[j],
                        fused[row, j],
                        former if j == exact else "template" if j == template
                        else ("lexical" if lexical_only else "hybrid"),
                        {
                            **{c: float(comps[c][row, j]) for c in COMPONENTS},
                            "coverage": 1.0 if j in (exact, template) else self.coverage(query_lex, j),
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
