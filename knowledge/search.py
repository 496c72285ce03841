"""The knowledge service the bot's actions and the API call: ``KnowledgeSearch.ask(question) -> AskResult``.

Outcomes of ``ask`` (``AskResult.outcome``):
- ``answer``: confident; ``entry`` is the answer to give.
- ``alternatives``: plausible but not sure; ``entry`` is the best guess and ``alternatives`` 2 more to offer.
- ``handoff``: nothing in the knowledge base fits (out of scope or too unsure); hand over to an agent.
- ``empty``: no usable words (empty, whitespace, punctuation, one character, only greetings).
- ``too_long``: longer than ``max_question_chars`` characters; ask the user to shorten it.

The index (FAISS + manifest) lives in ``index_dir`` and is loaded at start when its manifest matches the
model and the knowledge base; otherwise it is rebuilt, reusing the vectors of texts that did not change.
``upsert_entry``/``retire_entry`` change the YAML store and the served index without a restart: only the
changed entry's texts are embedded, the new index is built beside the old one and swapped in when complete,
so a failure part-way leaves the previous index serving (in memory and on disk).
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from hai.messages import MAX_MESSAGE_CHARS
from knowledge import store
from knowledge.cleaning import clean_question
from knowledge.confidence import ALTERNATIVES, ANSWER, HANDOFF, PARAMS_FILE, RetrievalParams, load_params
from knowledge.embeddings import BUNDLED, Embedder, get_embedder
from knowledge.index import IndexManifest, StaleIndexError, VectorIndex, search_one_thread
from knowledge.kb import Entry, KnowledgeBase, load_knowledge_base
from knowledge.retrieval import HybridRetriever, Ranking, indexed_texts, prepare_for_embedding, texts_hash
from knowledge.tuning import current_pointer

if TYPE_CHECKING:
    from hai.settings import Settings
    from knowledge.versions import KnowledgeVersions

log = logging.getLogger(__name__)

# One limit for every way a question arrives (chat channels, API, this service).
MAX_QUESTION_CHARS = MAX_MESSAGE_CHARS
_REDACTION_TOKEN = re.compile(r"\[(?:NAMA|NIP|NIK|EMAIL|TELEPON|REKENING)\]")
MESSAGES = {
    ANSWER: "",
    ALTERNATIVES: "Mungkin yang Anda maksud salah satu dari berikut ini:",
    HANDOFF: "Maaf, kami belum menemukan jawaban yang tepat. Pertanyaan Anda akan diteruskan ke petugas HAI DJPb.",
    "empty": "Pertanyaan kosong atau terlalu pendek. Silakan tulis pertanyaan Anda, misalnya: "
             "\"Bagaimana cara mengajukan revisi DIPA?\"",
    "too_long": f"Pertanyaan terlalu panjang (lebih dari {MAX_QUESTION_CHARS:,} karakter). ".replace(",", ".")
                + "Mohon ringkas pokok pertanyaannya.",
}


class EntryHit(BaseModel):
    id: str
    category: str
    category_title: str
    question: str
    answer: str
    reference: str | None = None
    score: float


class CandidateScore(BaseModel):
    id: str
    fused: float
    dense: float
    lexical: float


class Source(BaseModel):
    entry_id: str
    category_title: str
    reference: str | None = None


class AskResult(BaseModel):
    outcome: Literal["answer", "alternatives", "handoff", "empty", "too_long"]
    question: str  # what was searched: cleaned, with personal data redacted (safe to log)
    confidence: float  # 0..1, estimated probability that ``entry`` answers the question
    entry: EntryHit | None = None
    alternatives: list[EntryHit] = []
    sources: list[Source] = []
    message: str = ""  # Indonesian text for the user explaining a non-answer outcome
    candidates: list[CandidateScore] = []  # top 5 with component scores, for agents and debugging
    model: str = ""
    elapsed_ms: float = 0.0


def prepare_question(question: str) -> str:
    """The text that is searched: cleaned of HTML and greetings, personal data redacted and dropped."""
    return re.sub(r"\s+", " ", _REDACTION_TOKEN.sub(" ", clean_question(question or ""))).strip()


def has_words(text: str) -> bool:
    """At least two letters or digits: anything less cannot be searched."""
    return len(re.sub(r"[\W_]+", "", text)) >= 2


@dataclass(frozen=True)
class _State:
    """What one answer reads, swapped as a whole: the knowledge base, its index and the model behind it."""
    kb: KnowledgeBase
    retriever: HybridRetriever
    manifest: IndexManifest
    embedder: Embedder
    params: RetrievalParams
    model_kind: str  # "base" or "tuned"


def current_tuned_model(data_dir: Path, base_model: str) -> Path | None:
    """The domain-tuned model recorded by ``knowledge tune`` for ``base_model``, if it is there."""
    pointer = current_pointer(data_dir)
    try:
        info = json.loads(pointer.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    path = Path(info.get("path", ""))
    return path if info.get("base_model") == base_model and (path / "config.json").exists() else None


class KnowledgeSearch:
    """Thread-safe retrieval over the knowledge base with live updates. Build once per process."""

    def __init__(self, kb_dir: str | Path, index_dir: str | Path, embedding_model: str = BUNDLED,
                 tuned: str | Path | None = "auto", data_dir: str | Path | None = None,
                 params_file: Path = PARAMS_FILE, params: RetrievalParams | None = None,
                 max_question_chars: int = MAX_QUESTION_CHARS):
        """``tuned``: "auto" (use the tuned model recorded under ``data_dir`` if any, and switch to a newer
        one when ``refresh_model`` or the watcher sees it recorded), "off", or a model path."""
        self.kb_dir = Path(kb_dir)
        self.index_dir = Path(index_dir)
        self.base_model = embedding_model
        self.tuned = "off" if tuned in (None, "") else str(tuned)
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.params_file = params_file
        self._fixed_params = params
        self.max_question_chars = max_question_chars
        self.model_spec, self.model_kind = self._wanted_model()
        self.params = params or load_params(self.model_kind, params_file)
        self._embedder = get_embedder(self.model_spec)
        self._state: _State | None = None
        self._write_lock = threading.RLock()
        self._swap_lock = threading.Lock()  # one model swap at a time
        self._watcher: threading.Thread | None = None
        self._watch_stop = threading.Event()
        # the edit counter shared with the other serving processes (knowledge.versions), when there is one
        self.versions: "KnowledgeVersions | None" = None
        self._seen_version = 0
        self._version_watcher: threading.Thread | None = None

    def _wanted_model(self) -> tuple[str, str]:
        """(model spec, kind) the settings ask for now: a fixed tuned path, the recorded tuned model, or base."""
        if self.tuned not in ("off", "auto"):
            return str(Path(self.tuned)), "tuned"
        if self.tuned == "auto" and self.data_dir is not None:
            path = current_tuned_model(self.data_dir, self.base_model)
            if path is not None:
                return str(path), "tuned"
        return self.base_model, "base"

    @classmethod
    def from_settings(cls, settings: "Settings") -> "KnowledgeSearch":
        """The service's knowledge search, ready to serve: the configured knowledge base, embedding model
        (tuned copy per ``embedding_tuned``) and index directory, its index loaded or (re)built."""
        search = cls(settings.kb_dir, settings.index_dir, settings.embedding_model,
                     tuned=settings.embedding_tuned, data_dir=settings.data_dir).ensure_ready()
        if search.backend == "onnx":  # PyTorch is not used for answers: one thread per question
            search_one_thread()
        if search.tuned == "auto" and settings.model_watch_s > 0:
            search.watch_model(settings.model_watch_s)
        from knowledge.versions import KnowledgeVersions

        search.versions = KnowledgeVersions(settings, settings.kb_dir)
        if settings.kb_watch_s > 0:
            search.follow_versions(settings.kb_watch_s)
        return search

    # --- index lifecycle -----------------------------------------------------------------------
    @staticmethod
    def _expected(entries: list[Entry], embedder: Embedder) -> IndexManifest:
        return IndexManifest(embedder.name, embedder.dimension, texts_hash(indexed_texts(entries)),
                             count=len(entries))

    def ensure_ready(self, show_progress: bool = False) -> "KnowledgeSearch":
        """Load the persisted index if it matches the model and knowledge base, else (re)build and save it."""
        if self._state is None:
            with self._write_lock:
                if self._state is None:
                    self._state = self._load_or_build(load_knowledge_base(self.kb_dir), show_progress)
        return self

    def _load_or_build(self, kb: KnowledgeBase, show_progress: bool) -> _State:
        entries = kb.active()
        expected = self._expected(entries, self._embedder)
        previous: VectorIndex | None = None
        matched = False
        try:
            previous, _ = VectorIndex.load(self.index_dir, expected)
            matched = True
            log.info("indeks dimuat dari %s (%d entry)", self.index_dir, len(entries))
        except FileNotFoundError:
            log.info("belum ada indeks di %s: dibangun", self.index_dir)
        except StaleIndexError as exc:
            log.warning("indeks lama ditolak (%s): dibangun ulang", exc)
            try:  # same model and dimension: vectors of unchanged texts are still right
                old, manifest = VectorIndex.load(self.index_dir)
                if (manifest.model, manifest.dimension) == (expected.model, expected.dimension):
                    previous = old
            except (FileNotFoundError, StaleIndexError):
                previous = None
        retriever = HybridRetriever.build(entries, self._embedder, self.params.weights, previous,
                                          show_progress=show_progress)
        if not matched:
            retriever.index.save(self.index_dir, expected)
            log.info("indeks disimpan: %d teks, %d di-embed baru", len(retriever.index), retriever.embedded)
        return _State(kb, retriever, expected, self._embedder, self.params, self.model_kind)

    def rebuild(self, show_progress: bool = False, persist: bool = True) -> int:
        """Re-read the knowledge base from disk and refresh the index; returns how many texts were embedded.
        ``persist=False``: serve the new index without saving it (the process that made the edit saved it)."""
        with self._write_lock:
            current = self._state
            kb = load_knowledge_base(self.kb_dir)
            previous = current.retriever.index if current else None
            state = self._commit(kb, [previous] if previous is not None else [], show_progress, persist)
            return state.retriever.embedded

    def _commit(self, kb: KnowledgeBase, sources: list[VectorIndex], show_progress: bool = False,
                persist: bool = True) -> _State:
        current = self._state
        embedder = current.embedder if current else self._embedder
        params = current.params if current else self.params
        merged = sources[0] if len(sources) == 1 else None
        if len(sources) > 1:
            merged = VectorIndex(embedder.dimension)
            for src in sources:
                ids = src.ids()
                merged.add(ids, src.reconstruct(ids))
        entries = kb.active()
        retriever = HybridRetriever.build(entries, embedder, params.weights, merged, show_progress=show_progress)
        manifest = self._expected(entries, embedder)
        state = _State(kb, retriever, manifest, embedder, params,
                       current.model_kind if current else self.model_kind)
        self._state = state  # swap: readers now see the new index
        if persist:
            retriever.index.save(self.index_dir, manifest)
        return state

    # --- live updates --------------------------------------------------------------------------
    def upsert_entry(self, entry: Entry) -> Entry:
        """Add or replace ``entry`` (YAML written atomically); only its new texts are embedded."""
        self.ensure_ready()
        with self._write_lock:
            current = self._state
            entry = Entry.model_validate(entry.model_dump())
            known = set(current.retriever.index.ids().tolist())
            fresh = [t for t in indexed_texts([entry]) if t.vector_id not in known] if entry.active else []
            extra = VectorIndex(current.embedder.dimension)
            if fresh:  # embed before touching the store: a failure here changes nothing
                vectors = current.embedder.encode([prepare_for_embedding(t.text) for t in fresh])
                extra.add([t.vector_id for t in fresh], vectors)
            kb, _ = store.upsert_entry(self.kb_dir, entry)
            self._commit(kb, [current.retriever.index, extra])
            self._announce_edit()
            return kb.get(entry.id)

    def retire_entry(self, entry_id: str) -> Entry:
        """Stop serving ``entry_id`` (kept in its file with status retired); nothing is embedded."""
        self.ensure_ready()
        with self._write_lock:
            current = self._state
            kb, old = store.retire_entry(self.kb_dir, entry_id)
            self._commit(kb, [current.retriever.index])
            self._announce_edit()
            return old

    # --- the other serving processes -----------------------------------------------------------
    def _announce_edit(self) -> None:
        """Tell the other processes (``follow_versions``) that the knowledge base changed. The edit itself is
        saved and served here already: a failure to record it is logged, not raised."""
        if self.versions is None:
            return
        try:
            self._seen_version = self.versions.bump()
        except Exception:  # noqa: BLE001 - the database may be away for a moment
            log.exception("edit basis pengetahuan tidak dapat diumumkan ke proses lain")

    def follow_versions(self, interval_s: float = 2.0) -> "KnowledgeSearch":
        """Every ``interval_s`` seconds, in a daemon thread, compare the shared edit counter with the last one
        seen and reload the knowledge base from its folder when another process edited it (``rebuild``, only
        the new texts are embedded). Needs ``versions``; idempotent; ``stop_watching`` ends it."""
        if self.versions is None:
            return self
        if self._version_watcher is None or not self._version_watcher.is_alive():
            self._watch_stop.clear()
            try:
                self._seen_version = self.versions.current()
            except Exception:  # noqa: BLE001 - looked at again by the loop
                log.exception("versi basis pengetahuan tidak terbaca")

            def look():
                seen = self.versions.current()
                if seen > self._seen_version:
                    self._seen_version = seen  # before the reload: the files hold at least this edit
                    embedded = self.rebuild(persist=False)
                    log.info("basis pengetahuan dimuat ulang (versi %d, %d teks di-embed)", seen, embedded)

            self._version_watcher = self._every(interval_s, look, "hai-kb-watch",
                                                "pemeriksaan versi basis pengetahuan gagal")
        return self

    def _every(self, interval_s: float, look, name: str, failure: str) -> threading.Thread:
        """A daemon thread calling ``look()`` every ``interval_s`` seconds until ``stop_watching``; a failure
        is logged (``failure``) and the next look still happens."""
        def loop():
            while not self._watch_stop.wait(interval_s):
                try:
                    look()
                except Exception:  # noqa: BLE001 - the watcher must outlive a bad moment
                    log.exception(failure)

        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        return thread

    # --- the model behind the index ------------------------------------------------------------
    def refresh_model(self) -> bool:
        """Serve the model the settings ask for now (with ``tuned="auto"``: the tuned model last recorded by
        the tuner) if it is not the one serving. The new model's index is built while the old one keeps
        answering, then both are swapped in at once; knowledge-base edits made meanwhile are carried over.
        Returns whether a swap happened. A model that fails to load leaves the old one serving (logged)."""
        spec, kind = self._wanted_model()
        if spec == self.model_spec:
            return False
        with self._swap_lock:
            if spec == self.model_spec:
                return False
            started = time.perf_counter()
            self.ensure_ready()
            try:
                embedder = get_embedder(spec)
                params = self._fixed_params or load_params(kind, self.params_file)
                kb = self._state.kb  # embed the bulk outside the write lock: answers go on meanwhile
                staged = HybridRetriever.build(kb.active(), embedder, params.weights).index
            except Exception:  # noqa: BLE001 - keep serving with the model that works
                log.exception("model %s tidak dapat dipakai; tetap memakai %s", spec, self.model_spec)
                return False
            with self._write_lock:
                kb = self._state.kb  # an edit made meanwhile is in it; its texts are embedded here
                entries = kb.active()
                retriever = HybridRetriever.build(entries, embedder, params.weights, staged)
                manifest = self._expected(entries, embedder)
                previous = self.model_spec
                self._embedder, self.params, self.model_spec, self.model_kind = embedder, params, spec, kind
                self._state = _State(kb, retriever, manifest, embedder, params, kind)
                retriever.index.save(self.index_dir, manifest)
            log.info("model embedding diganti: %s -> %s (%s), indeks %d teks dibangun dalam %.1f s",
                     previous, spec, kind, len(retriever.index), time.perf_counter() - started)
            return True

    def watch_model(self, interval_s: float = 5.0) -> "KnowledgeSearch":
        """Check every ``interval_s`` seconds, in a daemon thread, whether a newer model is recorded, and swap
        it in (``refresh_model``). Idempotent; ``stop_watching`` ends it."""
        if self._watcher is None or not self._watcher.is_alive():
            self._watch_stop.clear()
            self._watcher = self._every(interval_s, self.refresh_model, "hai-model-watch",
                                        "pemeriksaan model embedding gagal")
        return self

    def stop_watching(self) -> None:
        self._watch_stop.set()

    # --- queries -------------------------------------------------------------------------------
    @property
    def knowledge_base(self) -> KnowledgeBase:
        return self.ensure_ready()._state.kb

    @property
    def backend(self) -> str:
        """How the serving sentence model runs: "onnx" or "torch" ("" before its first use)."""
        return self._embedder.backend

    @property
    def manifest(self) -> IndexManifest:
        return self.ensure_ready()._state.manifest

    @staticmethod
    def prepare(question: str) -> str:
        return prepare_question(question)

    def rank(self, question: str) -> Ranking | None:
        """Scores of every active entry (``None`` when the question has no usable words)."""
        return self._rank(self.ensure_ready()._state, self.prepare(question))

    @staticmethod
    def _rank(state: _State, text: str) -> Ranking | None:
        if not has_words(text) or not len(state.retriever):
            return None
        return state.retriever.rank(text)

    def ask(self, question: str) -> AskResult:
        """Answer, offer alternatives or hand off; never raises for odd input (see the module docstring)."""
        started = time.perf_counter()
        question = question if isinstance(question, str) else ""
        if len(question) > self.max_question_chars:
            return AskResult(outcome="too_long", question="", confidence=0.0, message=MESSAGES["too_long"],
                             model=self._embedder.name)
        state = self.ensure_ready()._state
        model = state.embedder.name
        text = self.prepare(question)
        if has_words(text) and not len(state.retriever):  # nothing to search yet: a person must answer
            return AskResult(outcome=HANDOFF, question=text, confidence=0.0, message=MESSAGES[HANDOFF], model=model,
                             elapsed_ms=(time.perf_counter() - started) * 1000)
        ranking = self._rank(state, text)
        if ranking is None:
            return AskResult(outcome="empty", question=text, confidence=0.0, message=MESSAGES["empty"],
                             model=model, elapsed_ms=(time.perf_counter() - started) * 1000)
        confidence = state.params.confidence(ranking)
        outcome = state.params.outcome(confidence)
        order = ranking.order("fused", 5)
        hits = [self._hit(state.kb, ranking, int(i)) for i in order]
        candidates = [CandidateScore(id=ranking.entry_ids[i], fused=float(ranking.fused[i]),
                                     dense=float(ranking.dense[i]), lexical=float(ranking.lexical[i]))
                      for i in order]
        entry = hits[0] if outcome != HANDOFF else None
        alternatives = hits[1:3] if outcome == ALTERNATIVES else []
        shown = ([entry] if entry else []) + alternatives
        return AskResult(
            outcome=outcome, question=text, confidence=round(confidence, 4), entry=entry,
            alternatives=alternatives, message=MESSAGES[outcome], candidates=candidates, model=model,
            sources=[Source(entry_id=h.id, category_title=h.category_title, reference=h.reference) for h in shown],
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    @staticmethod
    def _hit(kb: KnowledgeBase, ranking: Ranking, position: int) -> EntryHit:
        entry = kb.get(ranking.entry_ids[position])
        return EntryHit(id=entry.id, category=entry.category, category_title=entry.category_title,
                        question=entry.question, answer=entry.answer, reference=entry.reference,
                        score=round(float(ranking.fused[position]), 4))


KnowledgeService = KnowledgeSearch
