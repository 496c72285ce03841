import pytest
import yaml

from knowledge.evaluation import HeldoutError, HeldoutQuestion, load_heldout, score_system


def test_load_heldout_accepts_list_or_mapping_and_reports_bad_items(tmp_path):
    items = [{"question": "cara revisi dipa", "expected_id": "dipa-001", "style": "chat"},
             {"question": "resep rendang", "expected_id": None, "style": "oos"},
             {"question": "", "expected_id": "dipa-001"},
             {"question": "id tidak ada", "expected_id": "hilang-001"}]
    path = tmp_path / "heldout.yaml"
    path.write_text(yaml.safe_dump(items), encoding="utf-8")
    questions, problems = load_heldout(path, {"dipa-001"})
    assert [q.expected_id for q in questions] == ["dipa-001", None] and len(problems) == 2
    path.write_text(yaml.safe_dump({"questions": items[:2]}), encoding="utf-8")
    assert len(load_heldout(path)[0]) == 2
    with pytest.raises(HeldoutError):
        load_heldout(tmp_path / "tidak-ada.yaml")


def test_score_system_ranks_and_rejections():
    qs = [HeldoutQuestion("a", "e1", "chat"), HeldoutQuestion("b", "e2", "formal"),
          HeldoutQuestion("c", "e3", "formal"), HeldoutQuestion("d", None, "oos")]
    ranked = [["e1", "e2"], ["e1", "e2"], ["x"] * 5 + ["e3"], ["e1"]]
    score = score_system("s", qs, ranked, [False, True, False, True])
    assert score.top1 == pytest.approx(1 / 3) and score.top5 == pytest.approx(2 / 3)
    assert score.mrr == pytest.approx((1 + 0.5 + 1 / 6) / 3)
    assert score.oos_reject == 1.0 and score.in_reject == pytest.approx(1 / 3) and score.n_oos == 1
    assert score.by_style == {"chat": 1.0, "formal": 0.0}
    assert score_system("s", qs, ranked, None).oos_reject is None


def test_a_later_batch_of_the_heldout_set_is_scored_apart(tmp_path):
    items = [{"question": "cara revisi dipa", "expected_id": "dipa-001", "style": "chat"},
             {"question": "fa detail beda", "expected_id": "lap-001", "style": "chat", "batch": "l2"},
             {"question": "hibah barang", "expected_id": "hib-001", "style": "formal", "batch": "l2"}]
    path = tmp_path / "heldout.yaml"
    path.write_text(yaml.safe_dump(items), encoding="utf-8")
    questions, _ = load_heldout(path)
    assert [q.batch for q in questions] == ["awal", "l2", "l2"]
    score = score_system("s", questions, [["dipa-001"], ["lap-001"], ["x", "hib-001"]], None)
    assert score.by_batch == {"awal": (1.0, 1), "l2": (0.5, 2)} and score.top1 == pytest.approx(2 / 3)
