"""``TeamRouter``: which L2 team (``tim_agent``) should take a conversation, from the user's messages.

The text goes through the same cleaning and normalisation as ticket questions (``knowledge.cleaning``,
``knowledge.normalize``): HTML, boilerplate and personal data out, chat spellings expanded. Features are
TF-IDF of words (1-2 grams) and of character 3-5 grams (typos, "rekon"/"rekonsiliasi"); the classifier is a
logistic regression fitted by stochastic gradient descent (seconds on thousands of tickets; the full solver
took minutes for the same F1), whose probability of the chosen team is the confidence. Labels are what HAI
recorded, ambiguity included (a komitmen problem taken by the pembayaran team): the confidence is low where
the labels disagree, which is what an agent should see.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from knowledge.cleaning import clean_body
from knowledge.ingest import core_question
from knowledge.normalize import normalize_text

MODEL_VERSION = 1
FEW_EXAMPLES = 5  # a team with fewer tickets is learnt, but the training report warns about it


class RoutingError(ValueError):
    """A model that cannot be trained or loaded; the message says what to do (Indonesian)."""


@dataclass(frozen=True)
class TeamPrediction:
    team: str
    confidence: float  # probability of ``team``, 0..1
    alternatives: tuple[tuple[str, float], ...] = ()  # the next teams, most likely first


def routing_text(text: str) -> str:
    """What the model reads of a user's message(s): cleaned, redacted, introduction lines dropped, normalised."""
    question = clean_body(text or "", "question")[0]
    return normalize_text(core_question(question)) if question else ""


class TeamRouter:
    """Fit on (message, team) pairs, then ``predict`` a team with its probability."""

    def __init__(self, alpha: float = 1e-4, seed: int = 0) -> None:
        self.alpha, self.seed = alpha, seed
        self.pipeline = None
        self.teams: list[str] = []

    def fit(self, texts: list[str], teams: list[str]) -> "TeamRouter":
        """``texts`` raw messages (HTML allowed), ``teams`` their L2 team labels."""
        from collections import Counter

        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier
        from sklearn.pipeline import FeatureUnion, make_pipeline

        if len(texts) != len(teams):
            raise RoutingError("jumlah pesan dan label tim tidak sama")
        counts = Counter(teams)
        if len(counts) < 2:
            raise RoutingError("data latih harus memuat paling sedikit 2 tim")
        features = FeatureUnion([
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True,
                                      max_features=60_000)),
        ])
        self.pipeline = make_pipeline(features, SGDClassifier(loss="log_loss", alpha=self.alpha, max_iter=50,
                                                              tol=1e-4, random_state=self.seed))
        self.pipeline.fit([routing_text(t) for t in texts], teams)
        self.teams = [str(t) for t in self.pipeline.classes_]
        return self

    def _check_fitted(self) -> None:
        if self.pipeline is None:
            raise RoutingError("model rute tim belum dilatih")

    def predict_many(self, texts: list[str]) -> list[TeamPrediction]:
        self._check_fitted()
        probabilities = self.pipeline.predict_proba([routing_text(t) for t in texts])
        out = []
        for row in probabilities:
            order = row.argsort()[::-1]
            ranked = tuple((self.teams[i], round(float(row[i]), 4)) for i in order[:3])
            out.append(TeamPrediction(ranked[0][0], ranked[0][1], ranked[1:]))
        return out

    def predict(self, text: str) -> TeamPrediction:
        return self.predict_many([text])[0]

    # ---------------------------------------------------------------- persistence
    def save(self, path: Path) -> Path:
        """Write the fitted model to ``path`` (settings: ``triage_model_path``), atomically."""
        import joblib

        self._check_fitted()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        joblib.dump({"version": MODEL_VERSION, "teams": self.teams, "model": self}, tmp)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: Path) -> "TeamRouter":
        import joblib

        path = Path(path)
        if not path.exists():
            raise RoutingError(f"model rute tim belum dilatih ({path.name}); jalankan: python -m helpdesk.triage train")
        try:
            blob = joblib.load(path)
        except Exception as exc:  # noqa: BLE001 - a corrupt file means: retrain
            raise RoutingError(f"model rute tim {path.name} tidak dapat dibaca; latih ulang: {exc}") from exc
        if not isinstance(blob, dict) or blob.get("version") != MODEL_VERSION:
            raise RoutingError(f"model rute tim {path.name} dibuat versi lain; latih ulang")
        return blob["model"]


_cache: dict[Path, tuple[float, TeamRouter]] = {}
_cache_lock = threading.Lock()


def load_router(path: Path) -> TeamRouter | None:
    """The model at ``path`` (reloaded when the file changes), or None when none has been trained."""
    path = Path(path)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    with _cache_lock:
        cached = _cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        router = TeamRouter.load(path)
        _cache[path] = (mtime, router)
        return router
