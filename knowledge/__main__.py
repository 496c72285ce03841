"""Command line: ``python -m knowledge <command>``.

  validate                       check the YAML knowledge base (exit 1 on errors)
  ingest EXPORT [--out F]        HAI ticket export -> candidate entries + skip report; prints counts
  synth-tickets --n N --seed S --out F   synthetic export in the real format (+ F.truth.jsonl); hard cases
                                         with --user-text-rate, --generic-answer-rate, --neighbour-rate
  build-index                    build or refresh the FAISS index (progress bar); prints the manifest
  tune                           domain-tune the embedding model on all training questions (cached)
  autotune [--once]              the background tuner of `make run`: tune when due, then keep watching
  calibrate                      choose fusion weight and thresholds on the dev split
  ask QUESTION                   one question through the service, as JSON
  nlu-examples [--out F]         sample ask_helpdesk NLU examples from the KB -> bot/nlu_helpdesk.yml
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path


def _settings():
    from hai.settings import get_settings

    return get_settings()


def cmd_validate(args) -> int:
    from knowledge.kb import load_knowledge_base, validate_knowledge_base

    kb_dir = Path(args.kb_dir or _settings().kb_dir)
    problems = validate_knowledge_base(kb_dir)
    for problem in problems:
        print(problem)
    errors = sum(p.severity == "error" for p in problems)
    try:
        kb = load_knowledge_base(kb_dir)
        active = len(kb.active())
        print(f"knowledge base {kb_dir}: {len(kb.categories)} kategori, {len(kb.entries)} entry ({active} aktif), "
              f"{errors} error, {len(problems) - errors} peringatan")
    except Exception as exc:  # noqa: BLE001 - the problems above already say why
        print(f"knowledge base {kb_dir}: tidak dapat dimuat: {exc}")
    return 1 if errors else 0


def cmd_ingest(args) -> int:
    from knowledge.ingest import ingest_export, write_candidates
    from knowledge.kb import load_knowledge_base

    settings = _settings()
    kb_dir = Path(args.kb_dir or settings.kb_dir)
    categories = {}
    if kb_dir.is_dir():
        categories = {c.id: c.title for c in load_knowledge_base(kb_dir).categories.values()}
    started = time.time()
    result = ingest_export(args.export, categories)
    out = Path(args.out) if args.out else settings.data_dir / "ingest" / (Path(args.export).stem + ".candidates.yaml")
    write_candidates(result, out, source=str(args.export))
    for error in result.row_errors[: args.show_errors]:
        print(f"  {error}")
    if len(result.row_errors) > args.show_errors:
        print(f"  ... {len(result.row_errors) - args.show_errors} baris rusak lainnya di laporan")
    for key, value in result.counts().items():
        print(f"{key}: {value}")
    print(f"candidates -> {out}\nreport -> {out.with_name(out.stem + '.report.yaml')}")
    print(f"selesai dalam {time.time() - started:.1f} s")
    return 0


def cmd_synth(args) -> int:
    from knowledge.kb import load_knowledge_base
    from knowledge.synth import write_synthetic_export

    kb = load_knowledge_base(args.kb_dir or _settings().kb_dir)
    truth = write_synthetic_export(kb, args.out, args.n, args.seed, args.malformed_rate, args.skip_rate,
                                   user_text_rate=args.user_text_rate, generic_answer_rate=args.generic_answer_rate,
                                   neighbour_rate=args.neighbour_rate)
    print(f"{args.n} tiket sintetis (seed {args.seed}) -> {args.out}\nkebenaran -> {truth}")
    return 0


def _service(args):
    from knowledge.search import KnowledgeSearch

    settings = _settings()
    tuned = getattr(args, "tuned", None) or getattr(settings, "embedding_tuned", "auto")
    return KnowledgeSearch(args.kb_dir or settings.kb_dir, args.index_dir or settings.index_dir,
                           settings.embedding_model, tuned=tuned, data_dir=settings.data_dir)


def cmd_build_index(args) -> int:
    started = time.time()
    service = _service(args).ensure_ready(show_progress=True)
    manifest = service.manifest
    print(f"indeks {service.index_dir}: model={manifest.model} dimensi={manifest.dimension} "
          f"hash={manifest.content_hash} entry={manifest.count} teks={len(service._state.retriever.index)} "
          f"({time.time() - started:.1f} s)")
    return 0


def cmd_tune(args) -> int:
    from knowledge.kb import load_knowledge_base
    from knowledge.tuning import ensure_tuned, set_current

    settings = _settings()
    kb = load_knowledge_base(args.kb_dir or settings.kb_dir)
    started = time.time()
    path, fresh = ensure_tuned(settings.data_dir, kb.active(), settings.embedding_model)
    pointer = set_current(settings.data_dir, path, settings.embedding_model)
    print(f"model tuned {'dibuat' if fresh else 'sudah ada (cache)'}: {path} ({time.time() - started:.0f} s)\n"
          f"dipakai layanan (tuned=auto) lewat {pointer}")
    return 0


def cmd_autotune(args) -> int:
    from knowledge.autotune import serve

    logging.getLogger("hai").setLevel(logging.INFO)
    for handler in logging.getLogger().handlers:  # the launcher's log file: when each step happened
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    return serve(_settings(), once=args.once)


def cmd_calibrate(args) -> int:
    from knowledge.calibrate import calibrate
    from knowledge.kb import load_knowledge_base

    settings = _settings()
    kb = load_knowledge_base(args.kb_dir or settings.kb_dir)
    kinds = tuple(args.kinds.split(","))
    for kind, choice in calibrate(kb, settings.data_dir, settings.embedding_model, kinds).items():
        p = choice.params
        print(f"{kind}: dev {choice.dev_metrics.row()} weights={p.weights} "
              f"handoff<{p.handoff_threshold} answer>={p.answer_threshold} "
              f"dev_oos_reject={choice.dev_oos_reject:.3f} dev_answer_precision={choice.dev_answer_precision:.3f}")
    return 0


def cmd_ask(args) -> int:
    result = _service(args).ask(args.question)
    print(json.dumps(result.model_dump(), ensure_ascii=False, indent=2))
    return 0


def cmd_nlu_examples(args) -> int:
    from knowledge.kb import load_knowledge_base
    from knowledge.nlu_examples import DEFAULT_OUT, PER_CATEGORY, SEED, write_nlu_examples

    kb = load_knowledge_base(args.kb_dir or _settings().kb_dir)
    out = Path(args.out) if args.out else DEFAULT_OUT
    seed = SEED if args.seed is None else args.seed
    per_category = PER_CATEGORY if args.per_category is None else args.per_category
    examples = write_nlu_examples(kb, out, per_category, seed)
    categories = len({e.category for e in examples})
    print(f"{len(examples)} contoh ask_helpdesk dari {categories} kategori (seed {seed}) -> {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb-dir", help="folder knowledge base (default: settings.kb_dir)")
    parser.add_argument("--index-dir", help="folder indeks (default: settings.index_dir)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("validate").set_defaults(func=cmd_validate)
    p = sub.add_parser("ingest")
    p.add_argument("export")
    p.add_argument("--out")
    p.add_argument("--show-errors", type=int, default=20)
    p.set_defaults(func=cmd_ingest)
    p = sub.add_parser("synth-tickets")
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", required=True)
    p.add_argument("--malformed-rate", type=float, default=0.01)
    p.add_argument("--skip-rate", type=float, default=0.03)
    # the hard cases of issue 12 (off by default: the existing exports and their tests stay as they were)
    p.add_argument("--user-text-rate", type=float, default=0.0, help="message_akhir berisi teks pengguna")
    p.add_argument("--generic-answer-rate", type=float, default=0.0, help="jawaban template umum per modul")
    p.add_argument("--neighbour-rate", type=float, default=0.0, help="label tim tetangga (ambigu)")
    p.set_defaults(func=cmd_synth)
    p = sub.add_parser("build-index")
    p.add_argument("--tuned", help='"auto", "off" or a model path')
    p.set_defaults(func=cmd_build_index)
    sub.add_parser("tune").set_defaults(func=cmd_tune)
    p = sub.add_parser("autotune")
    p.add_argument("--once", action="store_true", help="tune if due, then exit")
    p.set_defaults(func=cmd_autotune)
    p = sub.add_parser("calibrate")
    p.add_argument("--kinds", default="base,tuned")
    p.set_defaults(func=cmd_calibrate)
    p = sub.add_parser("ask")
    p.add_argument("question")
    p.add_argument("--tuned", help='"auto", "off" or a model path')
    p.set_defaults(func=cmd_ask)
    p = sub.add_parser("nlu-examples")
    p.add_argument("--out", help="default: bot/nlu_helpdesk.yml")
    p.add_argument("--per-category", type=int, help="default: 3")
    p.add_argument("--seed", type=int, help="default: 20240")
    p.set_defaults(func=cmd_nlu_examples)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return args.func(args)
    except Exception as exc:  # noqa: BLE001 - a person reads this: the message, not a stack trace
        if args.verbose:
            raise
        print(f"gagal: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
