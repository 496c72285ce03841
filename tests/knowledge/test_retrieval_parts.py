import numpy as np

from knowledge.confidence import RetrievalParams, fit_logistic, load_params
from knowledge.devsplit import choose_params, make_dev_split, rank_metrics, weight_grid
from knowledge.fusion import min_max, reciprocal_rank, scale_by_max
from knowledge.kb import load_knowledge_base
from knowledge.lexical import BM25Index
from knowledge.retrieval import Ranking, fuse


def test_bm25_scores_and_coverage():
    bm = BM25Index([["revisi", "dipa"], ["rekam", "supplier"], ["revisi", "pok", "pok"]])
    scores = bm.scores(["revisi", "dipa"])
    assert scores.argmax() == 0 and scores[1] == 0 and scores[2] > 0
    assert bm.scores(["tidak", "ada"]).sum() == 0 and bm.known_fraction(["revisi", "resep"]) == 0.5
    assert bm.max_score(["dipa"]) >= scores[0] > 0


def test_fusion_helpers():
    assert scale_by_max(np.array([0.0, 2.0, 1.0])).tolist() == [0.0, 1.0, 0.5]
    assert min_max(np.array([1.0, 1.0])).tolist() == [0.0, 0.0]
    assert reciprocal_rank(np.array([0.1, 0.9]), k=0).tolist() == [0.5, 1.0]
    fused = fuse({"dense": np.array([0.9, 0.1]), "bm25_entry": np.array([0.0, 4.0])}, {"dense": 3, "bm25_entry": 1})
    assert np.allclose(fused, [0.675, 0.325])


def _ranking(dense, lexical):
    comps = {"dense": np.asarray(dense, np.float32), "bm25_texts": np.asarray(lexical, np.float32),
             "bm25_entry": np.asarray(lexical, np.float32), "bm25_answer": np.zeros(len(dense), np.float32)}
    return Ranking(["a", "b", "c"], comps, fuse(comps, {"dense": 0.5, "bm25_entry": 0.5}), 10.0, 1.0, 3)


def test_rank_metrics_count_ties_against_the_expected_entry():
    tie = _ranking([0, 0, 0], [0, 0, 0])
    assert rank_metrics([tie], ["a"]).top1 == 0.0
    good = _ranking([0.9, 0.2, 0.1], [5, 0, 0])
    m = rank_metrics([good, None], ["a", "b"])
    assert (m.top1, m.top5, m.mrr, m.n) == (0.5, 0.5, 0.5, 2)


def test_weight_grid_sums_to_one():
    grid = weight_grid(0.5)
    assert len(grid) == 10 and all(abs(sum(w.values()) - 1) < 1e-9 for w in grid)


def test_logistic_fit_separates():
    x = np.array([[0.1], [0.2], [0.3], [0.7], [0.8], [0.9]])
    y = np.array([0, 0, 0, 1, 1, 1.0])
    coef, intercept = fit_logistic(x, y, l2=0.1)
    assert coef[0] > 0 and (x[:, 0] * coef[0] + intercept > 0).tolist() == [False] * 3 + [True] * 3


def test_choose_params_meets_its_targets_on_dev():
    rng = np.random.default_rng(0)
    in_scope = []
    for i in range(60):
        want = ["a", "b", "c"][i % 3]
        dense = rng.uniform(0.2, 0.4, 3)
        dense[["a", "b", "c"].index(want)] = rng.uniform(0.6, 0.9)
        in_scope.append((_ranking(dense, rng.uniform(0, 2, 3)), want))
    oos = [_ranking(rng.uniform(0.1, 0.35, 3), rng.uniform(0, 0.5, 3)) for _ in range(30)]
    choice = choose_params(in_scope, oos, target_oos_reject=0.9, target_precision=0.9)
    assert choice.dev_metrics.top1 == 1.0 and choice.dev_oos_reject >= 0.9 and choice.dev_answer_precision >= 0.9
    p = choice.params
    assert 0 < p.handoff_threshold <= p.answer_threshold < 1 and p.weights["dense"] > 0


def test_params_outcomes_and_defaults(tmp_path):
    p = RetrievalParams(answer_threshold=0.7, handoff_threshold=0.3)
    assert [p.outcome(c) for c in (0.9, 0.5, 0.1)] == ["answer", "alternatives", "handoff"]
    assert load_params("base", tmp_path / "none.json") == RetrievalParams()


def test_dev_split_holds_out_one_question_per_entry(kb_dir):
    entries = load_knowledge_base(kb_dir).active()
    split = make_dev_split(entries, seed=1)
    assert len(split.dev) == len(entries) == len(split.train)
    for (question, entry_id), entry in zip(split.dev, split.train):
        assert entry.id == entry_id and question not in entry.training_questions
        assert len(entry.training_questions) == 2
