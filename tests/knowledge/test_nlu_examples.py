from pathlib import Path

import pytest
import yaml

from knowledge.__main__ import main
from knowledge.evaluation import HELDOUT_FILE
from knowledge.kb import load_knowledge_base
from knowledge.nlu_examples import (
    DEFAULT_OUT, clean_question, owned_by_other_intent, render_nlu_yaml, sample_helpdesk_examples,
)
from knowledge.normalize import normalize_text

from .conftest import FIXTURE_KB, write_kb

ROOT = Path(__file__).resolve().parents[2]


def _examples_in(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    (block,) = data["nlu"]
    assert block["intent"] == "ask_helpdesk"
    return [line[2:] for line in block["examples"].splitlines()]


def test_sample_is_deterministic_one_entry_each_and_from_training_questions(kb_dir):
    kb = load_knowledge_base(kb_dir)
    first = sample_helpdesk_examples(kb, per_category=2, seed=5)
    assert first == sample_helpdesk_examples(kb, per_category=2, seed=5)
    assert len(first) == 6
    assert sorted({e.category for e in first}) == ["dipa_revisi", "gaji", "sakti_komitmen"]
    for category in ("dipa_revisi", "gaji", "sakti_komitmen"):
        ids = [e.entry_id for e in first if e.category == category]
        assert len(ids) == 2 and len(set(ids)) == 2  # two different entries of the category
    for example in first:
        assert example.text in kb.get(example.entry_id).training_questions
    # more than a category holds: every entry once, nothing invented
    assert len(sample_helpdesk_examples(kb, per_category=9)) == 6


def test_seed_per_category_keeps_other_categories_when_one_changes(tmp_path):
    base = sample_helpdesk_examples(load_knowledge_base(write_kb(tmp_path / "a")), per_category=1, seed=3)
    changed = {**FIXTURE_KB, "gaji": {**FIXTURE_KB["gaji"], "entries": FIXTURE_KB["gaji"]["entries"][:1]}}
    other_kb = load_knowledge_base(write_kb(tmp_path / "b", changed))
    other = sample_helpdesk_examples(other_kb, per_category=1, seed=3)
    assert [e for e in base if e.category != "gaji"] == [e for e in other if e.category != "gaji"]


@pytest.mark.parametrize("text", [
    "nama saya Budi Santoso dari satker, sakti sy error",      # personal data
    "email sy budi@kemenkeu.go.id ga bisa reset",              # personal data
    "akun 511111 pagu minus, gmn?",                             # 6-digit value (an entity elsewhere)
    "kode 5.1.02.02.01.0002 itu bacanya gmn?",                  # Kepmendagri code
    "selisih rekon Rp 2 juta gmn nelusurinya",                  # rupiah amount
    "tagihan listrik bln ini wajar ga?",                        # check_bill
    "min pagu listrik kami kira2 cukup ga ya sampe desember?",  # forecast_pagu
    "risiko selisih rekon satker kami",                         # rekon_risk
    "akun apa untuk belanja atk?",                              # suggest_account
    "lihat [menu](x) ini",                                      # Rasa annotation syntax
    "x" * 200,                                                  # too long
    "   ",
])
def test_clean_question_leaves_out_what_would_mislead(text):
    assert clean_question(text) is None


def test_clean_question_keeps_ordinary_questions_on_one_line():
    assert clean_question("  min cara\n revisi   dipa gmn? ") == "min cara revisi dipa gmn?"
    kept = "Bagaimana penyelesaian retur SP2D gaji?"
    assert clean_question(kept) == kept
    assert not owned_by_other_intent("cara bikin billing pnbp di simponi")


def test_entry_owned_by_an_analytics_intent_gives_no_examples(tmp_path):
    kb_data = {**FIXTURE_KB, "ppp": {"title": "PPP", "entries": [
        {"id": "ppp-001", "question": "Bagaimana PPK menguji kewajaran tagihan listrik?",
         "answer": "Bandingkan.",
         "training_questions": ["patokan sebelum menyetujui puluhan tagihan tiap bulan", "b c", "d e"]}]}}
    kb = load_knowledge_base(write_kb(tmp_path / "kb", kb_data))
    examples = sample_helpdesk_examples(kb, per_category=3)
    assert not [e for e in examples if e.category == "ppp"]


def test_render_is_rasa_nlu_yaml(kb_dir):
    examples = sample_helpdesk_examples(load_knowledge_base(kb_dir), per_category=2)
    text = render_nlu_yaml(examples, seed=1, per_category=2)
    assert text.startswith("# GENERATED")
    out = Path(kb_dir).parent / "nlu.yml"
    out.write_text(text, encoding="utf-8")
    assert _examples_in(out) == [e.text for e in examples]


def test_cli_writes_the_file(kb_dir, tmp_path, capsys):
    out = tmp_path / "bot" / "nlu_helpdesk.yml"
    assert main(["--kb-dir", str(kb_dir), "nlu-examples", "--out", str(out), "--per-category", "1"]) == 0
    assert "3 contoh ask_helpdesk dari 3 kategori" in capsys.readouterr().out
    assert len(_examples_in(out)) == 3


def test_committed_file_is_current_and_holds_no_heldout_question():
    """bot/nlu_helpdesk.yml is what the generator makes from the real knowledge base today (if this fails
    after editing knowledge/kb, run `python -m knowledge nlu-examples`), and the held-out retrieval
    questions never become NLU training data."""
    kb = load_knowledge_base(ROOT / "knowledge" / "kb")
    assert DEFAULT_OUT.read_text(encoding="utf-8") == render_nlu_yaml(sample_helpdesk_examples(kb))
    committed = _examples_in(DEFAULT_OUT)
    assert 50 <= len(committed) <= 80
    items = yaml.safe_load(HELDOUT_FILE.read_text(encoding="utf-8"))
    heldout = {normalize_text(item["question"]) for item in items}
    assert not heldout & {normalize_text(t) for t in committed}
