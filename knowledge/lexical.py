"""BM25 over pre-tokenised documents, as a sparse matrix so a query costs one column slice and a sum.

Generic: callers bring their own tokeniser (``knowledge.normalize.tokens`` for Indonesian helpdesk text).
The idf is the always-positive Lucene form, log(1 + (N - n + 0.5) / (n + 0.5)), so a term present in most
documents still counts a little instead of subtracting. Building is linear in the number of tokens; for a
few thousand short questions it takes milliseconds, so callers rebuild instead of updating in place.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse


class BM25Index:
    """Okapi BM25 scores of a tokenised query against every document (higher is better, 0 = no overlap)."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75):
        self.k1, self.b = k1, b
        self.vocabulary: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        lengths = np.zeros(len(documents), dtype=np.float32)
        for row, doc in enumerate(documents):
            lengths[row] = len(doc)
            for term, tf in Counter(doc).items():
                col = self.vocabulary.setdefault(term, len(self.vocabulary))
                rows.append(row)
                cols.append(col)
                tfs.append(tf)
        n_docs, n_terms = len(documents), len(self.vocabulary)
        self.n_docs = n_docs
        tf = np.asarray(tfs, dtype=np.float32)
        rows_a = np.asarray(rows, dtype=np.int64)
        cols_a = np.asarray(cols, dtype=np.int64)
        df = np.bincount(cols_a, minlength=n_terms).astype(np.float32)
        self.idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        avgdl = float(lengths.mean()) if n_docs and lengths.mean() > 0 else 1.0
        norm = k1 * (1.0 - b + b * lengths[rows_a] / avgdl) if n_docs else np.zeros(0, np.float32)
        weights = self.idf[cols_a] * tf * (k1 + 1.0) / (tf + norm) if len(tf) else tf
        self._matrix = sparse.csc_matrix((weights, (rows_a, cols_a)), shape=(n_docs, n_terms), dtype=np.float32)

    def __len__(self) -> int:
        return self.n_docs

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """BM25 score of ``query`` for every document, shape (n_docs,), float32."""
        ids = [self.vocabulary[t] for t in dict.fromkeys(query) if t in self.vocabulary]
        if not ids or not self.n_docs:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._matrix[:, ids].sum(axis=1), dtype=np.float32).ravel()

    def max_score(self, query: Sequence[str]) -> float:
        """Upper bound of ``scores(query)``: every known query term matched at the best tf (for scaling)."""
        ids = [self.vocabulary[t] for t in dict.fromkeys(query) if t in self.vocabulary]
        return float(self.idf[ids].sum() * (self.k1 + 1.0)) if ids else 0.0

    def known_fraction(self, query: Sequence[str]) -> float:
        """Share of the query's distinct terms that occur anywhere in the documents (0..1)."""
        distinct = list(dict.fromkeys(query))
        if not distinct:
            return 0.0
        return sum(t in self.vocabulary for t in distinct) / len(distinct)


class CharNgramTfidf:
    """Cosine similarity of character n-gram TF-IDF vectors (robust to typos, abbreviations and glued words).

    Generic: the caller normalises both sides the same way. ``analyzer="char_wb"`` takes n-grams inside
    word boundaries, so word order matters little. Scores are in 0..1 (1 = same n-gram profile).
    """

    def __init__(
        self, documents: Sequence[str], ngram_range: tuple[int, int] = (2, 4), sublinear_tf: bool = True
    ):
        from sklearn.feature_extraction.text import TfidfVectorizer  # heavy import kept out of module import

        self._vectorizer = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=ngram_range,
            sublinear_tf=sublinear_tf,
            lowercase=False,
            dtype=np.float32,
        )
        self._matrix = self._vectorizer.fit_transform(list(documents)) if len(documents) else None
        self.n_docs = len(documents)

    def __len__(self) -> int:
        return self.n_docs

    def scores_many(self, queries: Sequence[str]) -> np.ndarray:
        """Dense (n_queries, n_docs) float32 cosine similarities."""
        if self._matrix is None or not len(queries):
            return np.zeros((len(queries), self.n_docs), dtype=np.float32)
        q = self._vectorizer.transform(list(queries))
        return np.asarray((q @ self._matrix.T).toarray(), dtype=np.float32)

    def scores(self, query: str) -> np.ndarray:
        """Cosine similarity of one query to every document, shape (n_docs,)."""
        return self.scores_many([query])[0]
