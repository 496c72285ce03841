"""``python -m helpdesk.triage train EXPORT [--out PATH]``: train the team-routing model from a HAI export.

Malformed rows are listed by line and left out; the good rows are used. A share of the tickets (split by
``--seed``) is held out first to report how well the model routes tickets it has not seen; the saved model
is then trained on every usable ticket.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from helpdesk.triage.data import examples_from_export
from helpdesk.triage.evaluation import holdout_split, macro_f1
from helpdesk.triage.model import FEW_EXAMPLES, RoutingError, TeamRouter
from knowledge.redact import redact

MAX_ERRORS_SHOWN = 20


def train(export: Path, out: Path, holdout: float = 0.2, seed: int = 0) -> int:
    examples = examples_from_export(export)
    print(f"{len(examples.texts)} tiket dipakai, {len(examples.errors)} baris bermasalah")
    for error in examples.errors[:MAX_ERRORS_SHOWN]:
        print(f"  {redact(str(error))}")  # a garbled row's message may quote its text
    if len(examples.errors) > MAX_ERRORS_SHOWN:
        print(f"  ... dan {len(examples.errors) - MAX_ERRORS_SHOWN} baris lain")
    counts = Counter(examples.teams)
    for team, n in sorted(counts.items()):
        if n < FEW_EXAMPLES:
            print(f"peringatan: tim {team} hanya punya {n} tiket; rutenya belum dapat diandalkan")
    try:
        if holdout > 0:
            train_idx, test_idx = holdout_split(examples.teams, holdout, seed)
            router = TeamRouter(seed=seed).fit([examples.texts[i] for i in train_idx],
                                               [examples.teams[i] for i in train_idx])
            predicted = [p.team for p in router.predict_many([examples.texts[i] for i in test_idx])]
            truth = [examples.teams[i] for i in test_idx]
            accuracy = sum(p == t for p, t in zip(predicted, truth)) / max(len(truth), 1)
            print(f"uji pada {len(test_idx)} tiket yang disisihkan: macro-F1 {macro_f1(truth, predicted):.3f}, "
                  f"akurasi {accuracy:.3f}")
        router = TeamRouter(seed=seed).fit(examples.texts, examples.teams)
    except RoutingError as exc:
        print(f"gagal melatih: {exc}", file=sys.stderr)
        return 1
    router.save(out)
    print(f"model {len(router.teams)} tim disimpan: {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpdesk.triage", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("train", help="latih model rute tim dari ekspor tiket HAI (CSV/XLSX)")
    cmd.add_argument("export", type=Path)
    cmd.add_argument("--out", type=Path, default=None, help="default: <data_dir>/triage/team_router.joblib")
    cmd.add_argument("--holdout", type=float, default=0.2, help="porsi tiket untuk uji (0 = tanpa uji)")
    cmd.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.export.exists():
        print(f"file ekspor tidak ditemukan: {args.export}", file=sys.stderr)
        return 2
    out = args.out
    if out is None:
        from hai.settings import get_settings

        out = get_settings().triage_model_path
    return train(args.export, out, args.holdout, args.seed)


if __name__ == "__main__":
    raise SystemExit(main())
