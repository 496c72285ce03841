"""Hybrid ranking of knowledge-base entries for one question: dense cosine (FAISS) fused with BM25.

Every active entry contributes several texts (its canonical question and its training questions); the
dense index holds one vector per text and BM25 one document per text. An entry's score in each ranker is the
best score of any of its texts. BM25 also scores each entry's questions as one document and its answer as
another. The parts are fused by a weighted sum (``fuse``) with weights chosen on the dev split; the raw
values are kept in ``Ranking`` because confidence needs absolute scores, not per-query scaled ones.

A ``HybridRetriever`` is immutable once built: live updates build a new one that reuses the old vectors
(only the changed entry's texts are embedded) and swap it in, so readers never see a half-updated index.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from knowledge.fusion import scale_by_max, weighted_sum
from knowledge.index import VectorIndex, content_hash
from knowledge.kb import Entry
from knowledge.lexical import BM25Index
from knowledge.normalize import ABBREVIATIONS, SpellCorrector, fold, tokens

# Bump when the way texts are prepared for embedding changes: it is part of the index manifest's hash.
TEXT_PREP_VERSION = "v1"
DENSE_CANDIDATES = 512  # nearest texts fetched from FAISS; entries beyond get the k-th score as a floor


def prepare_for_embedding(text: str) -> str:
    """Expand chat abbreviations in place ("gmn cara revisi dipa sy" -> "bagaimana cara revisi dipa saya").

    Word order and all other words are kept: the embedding model reads sentences, not bags of words.
    """
    words = fold(text).split()
    return " ".join(ABBREVIATIONS.get(w.strip(".,?!"), w) for w in words)


def vector_id(entry_id: str, text: str) -> int:
    """Stable positive int64 id of one (entry, text) vector, so an unchanged text keeps its vector."""
    key = f"{TEXT_PREP_VERSION}\x00{entry_id}\x00{text}"
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF


@dataclass(frozen=True)
class IndexedText:
    vector_id: int
    entry_id: str
    text: str


def indexed_texts(entries: list[Entry]) -> list[IndexedText]:
    """The texts of ``entries`` in a canonical order (entries in the given order, texts as written)."""
    return [IndexedText(vector_id(e.id, t), e.id, t) for e in entries for t in e.texts()]


def texts_hash(items: list[IndexedText]) -> str:
    """Content hash for the index manifest: which texts of which entries, prepared how."""
    return content_hash([TEXT_PREP_VERSION] + [f"{i.entry_id}\x00{i.text}" for i in sorted(
        items, key=lambda i: (i.entry_id, i.text))])


COMPONENTS = ("dense", "bm25_texts", "bm25_entry", "bm25_answer")
DEFAULT_WEIGHTS = {"dense": 0.4, "bm25_texts": 0.2, "bm25_entry": 0.3, "bm25_answer": 0.1}


def fuse(components: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Weighted sum of the dense cosine and each BM25 score scaled by its best (so every part is <= 1).

    Weights are normalised to sum to 1, so the fused score of a perfect match is about 1.
    """
    total = sum(weights.values()) or 1.0
    parts = {k: (v if k == "dense" else scale_by_max(v)) for k, v in components.items()}
    return weighted_sum(parts, {k: w / total for k, w in weights.items() if k in parts}).astype(np.float32)


@dataclass
class Ranking:
    """Scores of every active entry for one question (arrays aligned with ``entry_ids``).

    ``components``: ``dense`` (best cosine of the entry's texts, floor-filled beyond the FAISS candidates),
    ``bm25_texts`` (best BM25 of any single text), ``bm25_entry`` (BM25 of all the entry's questions and
    keywords as one document) and ``bm25_answer`` (BM25 of the answer). ``lexical`` is ``bm25_entry``: the
    BM25-alone baseline.
    """

    entry_ids: list[str]
    components: dict[str, np.ndarray]
    fused: np.ndarray
    lexical_ceiling: float  # bm25_entry score a perfect match of every known query term would get
    known_fraction: float  # share of the question's distinct terms found in the knowledge base's questions
    n_terms: int           # distinct normalised terms in the question

    @property
    def dense(self) -> np.ndarray:
        return self.components["dense"]

    @property
    def lexical(self) -> np.ndarray:
        return self.components["bm25_entry"]

    def refused(self, weights: dict[str, float]) -> "Ranking":
        """The same scores fused with other weights."""
        return Ranking(self.entry_ids, self.components, fuse(self.components, weights), self.lexical_ceiling,
                       self.known_fraction, self.n_terms)

    def order(self, by: str = "fused", k: int | None = None) -> np.ndarray:
        """Entry positions sorted best first by ``fused``, ``dense``, ``lexical`` or a component name."""
        scores = self.fused if by == "fused" else self.components.get(by, getattr(self, by, None))
        k = len(scores) if k is None else min(k, len(scores))
        if k < len(scores):
            top = np.argpartition(-scores, k - 1)[:k]
            return top[np.argsort(-scores[top], kind="stable")]
        return np.argsort(-scores, kind="stable")

    def top_ids(self, by: str = "fused", k: int = 5) -> list[str]:
        return [self.entry_ids[i] for i in self.order(by, k)]


class HybridRetriever:
    """Dense + BM25 ranking over the active entries. Build with ``build``; treat as read-only afterwards."""

    def __init__(self, entries: list[Entry], index: VectorIndex, texts: list[IndexedText],
                 weights: dict[str, float], embed, embed_query=None):
        self.entries = entries
        self.entry_pos = {e.id: i for i, e in enumerate(entries)}
        self.index = index
        self.texts = texts
        self.weights = dict(weights)
        self._embed = embed
        # one question at a time: through the embedder's bounded cache when it has one
        self._embed_query = embed_query or (lambda text: embed([text]))
        self.embedded = 0
        self._entry_of_vector = {t.vector_id: self.entry_pos[t.entry_id] for t in texts}
        # BM25 over single texts, in entry order (contiguous per entry, for reduceat)
        docs, starts, last = [], [], None
        for t in texts:
            pos = self.entry_pos[t.entry_id]
            if pos != last:
                starts.append(len(docs))
                last = pos
            docs.append(tokens(t.text))
        self._starts = np.asarray(starts, dtype=np.int64)
        self.bm25_texts = BM25Index(docs)
        self.bm25_entry = BM25Index([tokens(" ".join(e.texts() + e.keywords)) for e in entries])
        self.bm25_answer = BM25Index([tokens(e.answer) for e in entries])
        self.speller = SpellCorrector(set(self.bm25_entry.vocabulary) | set(self.bm25_answer.vocabulary))

    @classmethod
    def build(cls, entries: list[Entry], embedder, weights: dict[str, float] | None = None,
              previous: VectorIndex | None = None, show_progress: bool = False) -> "HybridRetriever":
        """Index ``entries``; vectors already in ``previous`` (same model) are reused, only new texts embedded.

        ``embedded`` on the result says how many texts had to be embedded.
        """
        texts = indexed_texts(entries)
        index = VectorIndex(embedder.dimension)
        available = set(previous.ids().tolist()) if previous is not None else set()
        kept = [t for t in texts if t.vector_id in available]
        new = [t for t in texts if t.vector_id not in available]
        if kept:
            ids = np.asarray([t.vector_id for t in kept], dtype=np.int64)
            index.add(ids, previous.reconstruct(ids))
        if new:
            vectors = embedder.encode([prepare_for_embedding(t.text) for t in new], show_progress=show_progress)
            index.add(np.asarray([t.vector_id for t in new], dtype=np.int64), vectors)
        retriever = cls(entries, index, texts, weights or DEFAULT_WEIGHTS, embedder.encode,
                        getattr(embedder, "encode_query", None))
        retriever.embedded = len(new)
        return retriever

    def __len__(self) -> int:
        return len(self.entries)

    def query_terms(self, question: str) -> list[str]:
        return self.speller.correct_all(tokens(question))

    def rank(self, question: str, query_vector: np.ndarray | None = None) -> Ranking:
        """Score every active entry for ``question`` (already checked to be non-empty)."""
        n = len(self.entries)
        if query_vector is None:
            query_vector = self._embed_query(prepare_for_embedding(question))[0]
        dense = np.full(n, -1.0, dtype=np.float32)
        if n:
            wanted = min(DENSE_CANDIDATES, len(self.index))
            scores, ids = self.index.search(query_vector, wanted)
            valid = ids[0] >= 0
            scores, ids = scores[0][valid], ids[0][valid]
            dense.fill(float(scores.min()) if len(scores) >= wanted and len(scores) else -1.0)
            positions = np.fromiter((self._entry_of_vector[int(i)] for i in ids), dtype=np.int64, count=len(ids))
            np.maximum.at(dense, positions, scores.astype(np.float32))
        terms = self.query_terms(question)
        per_text = self.bm25_texts.scores(terms)
        components = {
            "dense": dense,
            "bm25_texts": np.maximum.reduceat(per_text, self._starts) if n else np.zeros(0, np.float32),
            "bm25_entry": self.bm25_entry.scores(terms),
            "bm25_answer": self.bm25_answer.scores(terms),
        }
        return Ranking(
            entry_ids=[e.id for e in self.entries], components=components, fused=fuse(components, self.weights),
            lexical_ceiling=self.bm25_entry.max_score(terms), known_fraction=self.bm25_entry.known_fraction(terms),
            n_terms=len(set(terms)),
        )

    def rank_many(self, questions: list[str], batch_size: int = 64) -> list[Ranking]:
        """``rank`` for many prepared questions, embedding them in batches (evaluation, calibration)."""
        if not questions:
            return []
        vectors = self._embed([prepare_for_embedding(q) for q in questions], batch_size=batch_size)
        return [self.rank(q, v) for q, v in zip(questions, vectors)]
