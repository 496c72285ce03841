"""Triage of HAI ticket exports, measured on a synthetic export against the generator's truth.

    .venv/app/bin/python -m benchmarks.eval_triage          (make eval-triage)

A synthetic export (``knowledge.synth``, subject ``[SINTETIS]``, seed ``SEED``, ``TICKETS`` tickets) is
written with every hard case switched on: names in all the forms real exports showed, generic template
answers shared by different problems of one module, ``message_akhir`` holding user text, ambiguous team
labels (a share of one team's problems taken by a neighbouring team) and malformed rows. The readable
tickets are split by ``SEED`` (stratified by team) into a training part and a held-out part; every figure
below is computed on the held-out part only. Thresholds were chosen on other seeds; nothing here is tuned.

- routing: ``helpdesk.triage.TeamRouter`` trained on the training part's ``tim_agent`` labels, macro-F1 on the
  held-out labels, against a keyword/majority baseline (the team whose name words occur in the question,
  else the most frequent team), fitted on the same training part.
- grouping: ``knowledge.ingest.group_tickets`` on the held-out tickets ingestion used; pairwise precision and
  recall of "same group" against "same knowledge-base entry" (a ticket that should have been skipped belongs
  to no entry: every pair with it is wrong).
- redaction: every word of the held-out bodies (as text, before redaction) that belongs to a planted name is
  a name word; recall = name words removed / name words; overreach = other words removed / other words (the
  other planted personal data, NIP/NIK/phone/e-mail, is left out of both: removing it is right).
- user text in ``message_akhir``: precision and recall of the ingest skip reason (printed, not in the last line).

Last line, exactly:
    triage routing_macro_f1=<> routing_baseline_macro_f1=<> grouping_precision=<> grouping_recall=<>
        redaction_recall=<> redaction_overreach=<>          (one line)
"""
from __future__ import annotations

import json
import re
import tempfile
import time
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path

from hai.settings import get_settings
from helpdesk.triage.data import examples_from_export
from helpdesk.triage.evaluation import holdout_split, macro_f1
from helpdesk.triage.model import TeamRouter, routing_text
from knowledge.answer_source import USER_TEXT_REASON
from knowledge.categories import slug
from knowledge.cleaning import html_to_text
from knowledge.hai_export import read_export
from knowledge.ingest import clean_tickets, group_tickets
from knowledge.kb import load_knowledge_base
from knowledge.normalize import normalize_text
from knowledge.redact import redact
from knowledge.synth import write_synthetic_export

SEED = 20261  # never used while choosing thresholds (those runs used seeds 3, 5, 6 and 11)
TICKETS = 5000
HOLDOUT = 0.3
HARD_CASES = {"user_text_rate": 0.05, "generic_answer_rate": 0.2, "neighbour_rate": 0.15}


def _step(message: str, started: float) -> None:
    print(f"[{time.perf_counter() - started:6.1f} s] {message}", flush=True)


class KeywordBaseline:
    """The team whose own name words (``L2 - SAKTI KOMITMEN`` -> ``komitmen``) occur most in the question; the
    training part's most frequent team when none does. Words shared by 3+ team names ("sakti") are no cue."""

    def fit(self, texts: list[str], teams: list[str]) -> "KeywordBaseline":
        counts = Counter(teams)
        self.order = [t for t, _ in counts.most_common()]
        words = {t: set(normalize_text(slug(t).replace("_", " ")).split()) for t in counts}
        shared = Counter(w for ws in words.values() for w in ws)
        self.keywords = {t: {w for w in ws if shared[w] < 3} for t, ws in words.items()}
        return self

    def predict(self, text: str) -> str:
        tokens = set(routing_text(text).split())
        hits = [(len(self.keywords[t] & tokens), -rank, t) for rank, t in enumerate(self.order)]
        best = max(hits)
        return best[2] if best[0] > 0 else self.order[0]


def _pairs(groups: list[list[str]], truth: dict[str, str]) -> tuple[int, int, int]:
    """(true pairs found, wrong pairs made, true pairs in all) over ticket ids grouped as ``groups``."""
    found = made = 0
    for group in groups:
        counts = Counter(truth[t] for t in group)
        same = sum(v * (v - 1) // 2 for v in counts.values())
        found += same
        made += len(group) * (len(group) - 1) // 2 - same
    everyone = Counter(truth[t] for group in groups for t in group)
    return found, made, sum(v * (v - 1) // 2 for v in everyone.values())


def _marked_words(text: str, strings: list[str]) -> tuple[list[str], list[bool]]:
    """The words of ``text`` and, for each, whether it overlaps an occurrence of one of ``strings``."""
    spans = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"\S+", text)]
    marked = [False] * len(spans)
    for s in strings:
        start = text.find(s)
        while s and start >= 0:
            end = start + len(s)
            for k, (a, b, _) in enumerate(spans):
                if a < end and b > start:
                    marked[k] = True
            start = text.find(s, end)
    return [w for _, _, w in spans], marked


def redaction_scores(bodies: list[tuple[str, list[str], list[str]]]) -> tuple[float, float, int]:
    """(recall on name words, overreach on other words, name words seen) of ``knowledge.redact.redact`` over
    ``(text, planted names, other planted personal data)``."""
    names_total = names_removed = other_total = other_removed = 0
    for text, names, personal in bodies:
        words, is_name = _marked_words(text, names)
        _, is_personal = _marked_words(text, personal)
        removed = [False] * len(words)
        matcher = SequenceMatcher(None, words, redact(text).split(), autojunk=False)
        for tag, i1, i2, _, _ in matcher.get_opcodes():
            if tag in ("replace", "delete"):
                for k in range(i1, i2):
                    removed[k] = True
        for k in range(len(words)):
            if is_name[k]:
                names_total += 1
                names_removed += removed[k]
            elif not is_personal[k]:
                other_total += 1
                other_removed += removed[k]
    return names_removed / max(names_total, 1), other_removed / max(other_total, 1), names_total


def main() -> str:
    started = time.perf_counter()
    settings = get_settings()
    kb = load_knowledge_base(settings.kb_dir)
    with tempfile.TemporaryDirectory(prefix="eval-triage-") as folder:
        export = Path(folder) / "hai_sintetis.csv"
        truth_path = write_synthetic_export(kb, export, n=TICKETS, seed=SEED, **HARD_CASES)
        lines = truth_path.read_text(encoding="utf-8").splitlines()
        header, truth = json.loads(lines[0]), {t["id_tiket"]: t for t in map(json.loads, lines[1:])}
        _step(f"ekspor SINTETIS: {header['tickets']} tiket, seed {header['seed']}", started)
        examples = examples_from_export(export)
        categories = {c.id: c.title for c in kb.categories.values()}
        result, tickets = clean_tickets(export, categories)
        rows = {row.id_tiket: row for row in read_export(export).rows}
    train_idx, test_idx = holdout_split(examples.teams, HOLDOUT, SEED)
    test_ids = {examples.ids[i] for i in test_idx}
    _step(f"{len(examples.ids)} tiket terbaca ({len(examples.errors)} baris rusak), "
          f"{len(train_idx)} latih / {len(test_idx)} uji", started)

    # routing
    train_texts, train_teams = [examples.texts[i] for i in train_idx], [examples.teams[i] for i in train_idx]
    test_texts, test_teams = [examples.texts[i] for i in test_idx], [examples.teams[i] for i in test_idx]
    router = TeamRouter(seed=SEED).fit(train_texts, train_teams)
    predicted = [p.team for p in router.predict_many(test_texts)]
    baseline = KeywordBaseline().fit(train_texts, train_teams)
    base_predicted = [baseline.predict(t) for t in test_texts]
    routing_f1, baseline_f1 = macro_f1(test_teams, predicted), macro_f1(test_teams, base_predicted)
    ambiguous = [j for j in test_idx if truth[examples.ids[j]]["label_category"] !=
                 truth[examples.ids[j]]["home_category"]]
    _step(f"rute tim: macro-F1 {routing_f1:.3f} (baseline kata kunci/mayoritas {baseline_f1:.3f}), "
          f"akurasi {sum(p == t for p, t in zip(predicted, test_teams)) / len(test_teams):.3f}; "
          f"{len(ambiguous)} tiket uji berlabel tim tetangga", started)

    # message_akhir holding user text
    flagged = {s.id_tiket for s in result.skipped if s.reason == USER_TEXT_REASON} & test_ids
    actual = {i for i in test_ids if truth[i]["skip_reason"] == "user_text"}
    hit = len(flagged & actual)
    _step(f"message_akhir teks pengguna: {hit}/{len(actual)} terdeteksi, {len(flagged - actual)} salah tandai",
          started)

    # grouping
    # every held-out ticket ingestion used; one it should have skipped (user text it missed) is no problem's:
    # each pair with it is a wrong pair
    held = [t for t in tickets if t.id_tiket in test_ids]
    groups = [[held[i].id_tiket for i in g] for g in group_tickets(held)]
    found, made, every = _pairs(groups, {t: truth[t]["entry_id"] or f"bukan-entri-{t}" for t in test_ids})
    precision, recall = found / max(found + made, 1), found / max(every, 1)
    _step(f"pengelompokan: {len(held)} tiket -> {len(groups)} kandidat; presisi {precision:.3f}, "
          f"recall {recall:.3f}", started)

    # redaction
    bodies = []
    for row_id in sorted(test_ids):
        t, row = truth[row_id], rows[row_id]
        other = [p for p in t["planted"] if p not in t["planted_names"]]
        for body in (row.message_awal, row.message_akhir):  # as text, the way ingestion hands it to redact
            bodies.append((html_to_text(body), t["planted_names"], other))
    red_recall, overreach, name_words = redaction_scores(bodies)
    _step(f"penyamaran nama: recall {red_recall:.3f} atas {name_words} kata nama, overreach {overreach:.4f}",
          started)

    line = (f"triage routing_macro_f1={routing_f1:.3f} routing_baseline_macro_f1={baseline_f1:.3f} "
            f"grouping_precision={precision:.3f} grouping_recall={recall:.3f} "
            f"redaction_recall={red_recall:.3f} redaction_overreach={overreach:.3f}")
    print(line)
    return line


if __name__ == "__main__":
    main()
