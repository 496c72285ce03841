"""``ask_helpdesk`` NLU examples from the knowledge base's training questions (``bot/nlu_helpdesk.yml``).

The NLU only has to recognise that a message is a helpdesk question; retrieval then finds the answer. So a
few real phrasings per category are enough: ``sample_helpdesk_examples`` takes ``per_category`` training
questions from every category with a fixed seed (per category, so editing one category does not reshuffle
the others) and ``render_nlu_yaml`` writes them as a Rasa 3 NLU file.

A training question is left out when it would teach the classifier something wrong:
- it holds personal data (anything ``knowledge.redact`` would mask);
- it holds a value the entity extractor should tag (6+ digit numbers, Kepmendagri codes, rupiah amounts):
  here it would be an unannotated example saying "this is no entity";
- it, or its entry's canonical question, is the phrasing of an analytics intent (bill fairness, pagu
  sufficiency, reconciliation risk, account code lookup): those questions stay in the knowledge base for
  retrieval but are not ``ask_helpdesk`` examples, or the classifier could not tell the intents apart;
- it is empty after cleaning, longer than ``MAX_CHARS``, or a duplicate.
The held-out retrieval set (``knowledge/eval/``) is never read here.
"""
from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from knowledge.kb import KnowledgeBase
from knowledge.normalize import normalize_text
from knowledge.redact import redact_with_counts

SEED = 20240
PER_CATEGORY = 3
MAX_CHARS = 160
INTENT = "ask_helpdesk"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "bot" / "nlu_helpdesk.yml"

# Values the NLU annotates as entities elsewhere (kode_satker/akun/idpel, kode_akun, nominal, periode).
_ENTITY_LIKE = re.compile(
    r"\d{6,}|\b\d(?:\.\d{1,4}){2,}\b|\brp\.?\s?\d|\b\d+(?:[.,]\d+)?\s?(?:jt|juta|rb|ribu|miliar|m)\b"
    r"|\b(?:jan|feb|mar|apr|mei|jun|jul|agu|agt|sep|okt|nov|des)[a-z]*\.?\s+\d{4}\b",
    re.IGNORECASE,
)
# Phrasings owned by the analytics intents (see the module docstring).
OTHER_INTENT_PATTERNS: dict[str, re.Pattern[str]] = {
    "check_bill": re.compile(r"\bwajar|kewajaran|\b(?:menguji|uji|ngecek|cek)\b.*\btagihan\b", re.IGNORECASE),
    "forecast_pagu": re.compile(
        r"\bpagu\b.*\b(cukup|kurang|prediksi|proyeksi|khawatir)\b"
        r"|\b(cukup|kecukupan|prediksi|proyeksi)\b.*\bpagu\b",
        re.IGNORECASE),
    "rekon_risk": re.compile(r"\b(risiko|resiko|rawan|potensi|berisiko)\b", re.IGNORECASE),
    "suggest_account": re.compile(
        r"\bakun(?:nya)?\s+(?:apa|yg mana|yang mana|brp|berapa|yang dipakai|yang tepat)\b"
        r"|\bpadanan|\bmemilih akun"
        r"|\bkode\s+(?:akun|rekening)\b.*\b(?:benar|bener|tepat|cocok|sesuai|apa)\b|\bcari(?:in)?\s+kode",
        re.IGNORECASE),
}
# Characters Rasa's training-data format reads as annotation syntax, or that break a YAML list line.
_MARKUP = re.compile(r"[\[\]{}]")


@dataclass(frozen=True)
class HelpdeskExample:
    """One NLU example with the knowledge-base entry it came from."""

    text: str
    entry_id: str
    category: str


def clean_question(text: str) -> str | None:
    """The question as an NLU example (one line, single spaces), or None when it must be left out."""
    line = " ".join(str(text).split())
    if not line or len(line) > MAX_CHARS or _MARKUP.search(line):
        return None
    _, found = redact_with_counts(line)
    if sum(found.values()):
        return None
    if _ENTITY_LIKE.search(line):
        return None
    if owned_by_other_intent(line):
        return None
    return line


def owned_by_other_intent(text: str) -> bool:
    """True when ``text`` reads like a request for one of the analytics intents."""
    return any(p.search(text) for p in OTHER_INTENT_PATTERNS.values())


def sample_helpdesk_examples(kb: KnowledgeBase, per_category: int = PER_CATEGORY,
                             seed: int = SEED) -> list[HelpdeskExample]:
    """Up to ``per_category`` cleaned training questions from each category, each from a different active
    entry; deterministic for a given knowledge base and seed; ordered by category, then as sampled."""
    # category -> entry id -> usable questions; entries come sorted by id, questions in file order
    by_category: dict[str, dict[str, list[HelpdeskExample]]] = {}
    seen: set[str] = set()
    for entry in kb.active():
        if owned_by_other_intent(entry.question):
            continue  # the whole topic belongs to an analytics intent, however a paraphrase words it
        for question in entry.training_questions:
            line = clean_question(question)
            key = normalize_text(line) if line else ""
            if not line or key in seen:
                continue
            seen.add(key)
            by_category.setdefault(entry.category, {}).setdefault(entry.id, []).append(
                HelpdeskExample(line, entry.id, entry.category))
    picked: list[HelpdeskExample] = []
    for category in sorted(by_category):
        entries = by_category[category]
        rng = random.Random(f"{seed}:{category}")
        # distinct entries first (more topics per category), one question from each
        for entry_id in rng.sample(sorted(entries), min(per_category, len(entries))):
            picked.append(rng.choice(entries[entry_id]))
    return picked


def render_nlu_yaml(examples: list[HelpdeskExample], seed: int = SEED,
                    per_category: int = PER_CATEGORY) -> str:
    """A Rasa 3.1-format NLU file with one ``ask_helpdesk`` block; a header says how it was made."""
    counts = Counter(e.category for e in examples)
    lines = [
        "# GENERATED by `python -m knowledge nlu-examples` - do not edit by hand; re-run it after editing",
        "# knowledge/kb/*.yaml. Training questions of the knowledge base (never knowledge/eval/), "
        f"{per_category} per category, seed {seed}.",
        f"# {len(examples)} examples: " + ", ".join(f"{c} {n}" for c, n in sorted(counts.items())),
        'version: "3.1"',
        "",
        "nlu:",
        f"- intent: {INTENT}",
        "  examples: |",
    ]
    lines += [f"    - {e.text}" for e in examples]
    return "\n".join(lines) + "\n"


def write_nlu_examples(kb: KnowledgeBase, out: str | Path = DEFAULT_OUT, per_category: int = PER_CATEGORY,
                       seed: int = SEED) -> list[HelpdeskExample]:
    """Sample and write ``out``; returns what was written."""
    examples = sample_helpdesk_examples(kb, per_category, seed)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_nlu_yaml(examples, seed, per_category), encoding="utf-8")
    return examples
