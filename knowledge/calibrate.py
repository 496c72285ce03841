"""Choosing the retrieval parameters on the development split, for the base and the tuned model.

For the tuned kind the model is tuned on the split's training part only (cached like any tuned model), so
the dev questions are as unseen for it as for the base model. Results go to ``retrieval_params.json``.
"""
from __future__ import annotations

from pathlib import Path

from knowledge.confidence import PARAMS_FILE, SCORING_VERSION, save_params
from knowledge.devsplit import Choice, choose_params, load_dev_oos, make_dev_split
from knowledge.embeddings import BUNDLED, get_embedder
from knowledge.kb import KnowledgeBase
from knowledge.retrieval import HybridRetriever, Ranking
from knowledge.search import has_words, prepare_question


def rank_questions(retriever: HybridRetriever, questions: list[str]) -> list[Ranking | None]:
    """Rankings for raw questions, prepared as the service prepares them (``None`` when nothing is left)."""
    prepared = [prepare_question(q) for q in questions]
    usable = [i for i, q in enumerate(prepared) if has_words(q)]
    ranked = retriever.rank_many([prepared[i] for i in usable])
    out: list[Ranking | None] = [None] * len(questions)
    for i, ranking in zip(usable, ranked):
        out[i] = ranking
    return out


def is_current(chosen_on: str, kb: KnowledgeBase) -> bool:
    """Were these parameters chosen for this knowledge base with the current scoring?"""
    return kb.fingerprint() in chosen_on and SCORING_VERSION in chosen_on


def calibrate(kb: KnowledgeBase, data_dir: Path, base_spec: str = BUNDLED, kinds: tuple[str, ...] = ("base", "tuned"),
              params_file: Path = PARAMS_FILE, show_progress: bool = True, seed: int = 13) -> dict[str, Choice]:
    """Choose and save parameters for each kind; returns the choices with their dev figures."""
    from knowledge.tuning import ensure_tuned

    split = make_dev_split(kb.active(), seed)
    oos = load_dev_oos()
    choices: dict[str, Choice] = {}
    for kind in kinds:
        spec = base_spec if kind == "base" else str(ensure_tuned(data_dir, split.train, base_spec,
                                                                  show_progress=show_progress)[0])
        retriever = HybridRetriever.build(split.train, get_embedder(spec), show_progress=show_progress)
        in_scope = list(zip(rank_questions(retriever, [q for q, _ in split.dev]), [e for _, e in split.dev]))
        label = (f"dev split seed {seed}: {len(split.dev)} held-out training questions + {len(oos)} "
                 f"out-of-scope (dev_oos.yaml), KB {kb.fingerprint()}, {SCORING_VERSION}")
        choices[kind] = choose_params(in_scope, rank_questions(retriever, oos), label=label)
    dev = {k: {"top1": round(c.dev_metrics.top1, 4), "top5": round(c.dev_metrics.top5, 4),
               "mrr": round(c.dev_metrics.mrr, 4), "n": c.dev_metrics.n, "oos_reject": round(c.dev_oos_reject, 4),
               "answer_precision": round(c.dev_answer_precision, 4)} for k, c in choices.items()}
    save_params({k: c.params for k, c in choices.items()}, params_file,
                note="chosen by `python -m knowledge calibrate` on the dev split; never on heldout.yaml",
                extra={"_dev_figures": dev})
    return choices
