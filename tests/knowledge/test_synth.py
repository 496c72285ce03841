"""knowledge.synth: planted names are recorded exactly, and the hard cases of issue 12 are written."""
from collections import Counter

from knowledge.categories import hai_labels
from knowledge.cleaning import html_to_text
from knowledge.kb import load_knowledge_base
from knowledge.redact import redact
from knowledge.synth import generate_tickets
from tests.knowledge.conftest import FIXTURE_KB, write_kb

HARD = {"user_text_rate": 0.1, "generic_answer_rate": 0.3, "neighbour_rate": 0.3}


def test_planted_names_are_in_the_bodies_and_redacted(kb_dir):
    tickets = generate_tickets(load_knowledge_base(kb_dir), n=400, seed=3, **HARD)
    forms = Counter()
    for t in tickets:
        bodies = html_to_text(t.row["message_awal"]) + "\n" + html_to_text(t.row["message_akhir"])
        assert t.planted_names and all(len(name.split()) >= 2 for name in t.planted_names)
        in_body = [name for name in t.planted_names if name in bodies]
        assert t.planted_names[0] in in_body  # the asker is always written somewhere
        redacted = redact(bodies)
        assert [name for name in in_body if name in redacted] == [], t.row["id_tiket"]
        for form, cue in (("dated", " 2023 "), ("chat", "User: "), ("quote", "menulis:"), ("from", "From: "),
                          ("cso", "CSO "), ("an", "a.n. "), ("saya", "Saya "), ("kami", "Kami ")):
            forms[form] += cue in bodies
    assert min(forms.values()) >= 5, forms  # every form is planted


PEMBAYARAN = {"title": "SAKTI - Modul Pembayaran", "entries": [
    {"id": "pembayaran-001", "question": "Bagaimana membuat SPP LS kontraktual di SAKTI?",
     "answer": "Buat SPP LS dari menu Pembayaran dengan merujuk tagihan dan data kontrak yang sudah terdaftar, "
               "lalu validasi PPK sebelum diterbitkan SPM.",
     "training_questions": ["cara buat spp ls kontrak", "SPP LS untuk pembayaran termin kontrak"]}]}


def test_hard_cases_are_written_and_recorded(tmp_path):
    # sakti_komitmen's neighbour team (pembayaran) must exist for komitmen problems to be labelled with it
    kb = load_knowledge_base(write_kb(tmp_path / "kb", {**FIXTURE_KB, "sakti_pembayaran": PEMBAYARAN}))
    tickets = generate_tickets(kb, n=600, seed=4, **HARD)
    reasons = Counter(t.skip_reason for t in tickets)
    assert reasons["user_text"] > 20 and all(t.entry_id is None for t in tickets if t.skip_reason)
    moved = [t for t in tickets if t.label_category != t.home_category]
    assert {(t.home_category, t.label_category) for t in moved} >= {("sakti_komitmen", "sakti_pembayaran")}
    assert moved and all(t.row["tim_agent"] == hai_labels(t.label_category, kb.categories[t.label_category].title)[1]
                         for t in moved)
    generic = Counter(t.row["message_akhir"].count("tangkapan layar") > 0 for t in tickets)
    assert generic[True] > 30
    assert generate_tickets(kb, n=50, seed=4, **HARD)[7].row == tickets[7].row  # deterministic
