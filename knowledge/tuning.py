"""Optional domain tuning of the embedding model on the knowledge base's training questions.

The bundled all-MiniLM-L6-v2 was trained on English; helpdesk Indonesian ("rekon", "adk", "sp2d",
"pagu minus") lands in the wrong places of its space. Fine-tuning with sentence-transformers'
``MultipleNegativesRankingLoss`` on (training question, canonical question) and (training question, other
training question of the same entry) pairs pulls the phrasings of one entry together and pushes other
entries away (in-batch negatives; a batch never holds two pairs of the same entry, so no false negatives).

Only the entries given are used: the evaluation set is never seen. The result is cached under
``<data_dir>/embeddings/tuned-<key>`` where the key hashes the base model, the pairs and the settings, so
an unchanged knowledge base is never tuned twice. A few minutes on 2 CPU cores for ~300 entries.
"""
from __future__ import annotations

import hashlib
import json
import random
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from knowledge.embeddings import BUNDLED, get_embedder, resolve_model_path
from knowledge.kb import Entry
from knowledge.retrieval import prepare_for_embedding


def tuned_models_dir(data_dir: Path) -> Path:
    """Where tuned models are cached (``tuned-<key>/``) beside the pointer to the one in use."""
    return Path(data_dir) / "embeddings"


def current_pointer(data_dir: Path) -> Path:
    """The file naming the tuned model the service uses (written by ``set_current``)."""
    return tuned_models_dir(data_dir) / "tuned-current.json"


@dataclass(frozen=True)
class TuningConfig:
    epochs: int = 2
    batch_size: int = 32
    learning_rate: float = 1e-4
    warmup_fraction: float = 0.1
    max_seq_length: int = 48  # questions are short; longer inputs are truncated during tuning only
    sibling_pairs: bool = False  # also pair training questions with each other (twice the steps)
    freeze_embeddings: bool = True  # keep the word-piece table: faster, and unseen words keep their meaning
    seed: int = 7


def training_pairs(entries: list[Entry], rng: random.Random, siblings: bool = False) -> list[tuple[str, str, str]]:
    """(anchor, positive, entry id) pairs: each training question with the canonical question and, with
    ``siblings``, with the next training question of the same entry (wrapping around)."""
    pairs = []
    for entry in entries:
        questions = [q for q in entry.training_questions if q.strip() and q != entry.question]
        for i, q in enumerate(questions):
            pairs.append((q, entry.question, entry.id))
            if siblings and len(questions) > 1:
                pairs.append((q, questions[(i + 1) % len(questions)], entry.id))
    rng.shuffle(pairs)
    return pairs


def _batches(pairs: list[tuple[str, str, str]], size: int, rng: random.Random) -> list[list[tuple[str, str, str]]]:
    """Shuffle and cut into batches with at most one pair per entry (in-batch negatives must be negatives)."""
    pool = pairs[:]
    rng.shuffle(pool)
    batches: list[list] = []
    while pool:
        batch, ids, rest = [], set(), []
        for pair in pool:
            if len(batch) < size and pair[2] not in ids:
                batch.append(pair)
                ids.add(pair[2])
            else:
                rest.append(pair)
        batches.append(batch)
        pool = rest
    return [b for b in batches if len(b) > 1]


def entry_digests(entries: list[Entry]) -> dict[str, str]:
    """Per entry, a digest of what tuning learns from it (its question and training questions)."""
    return {e.id: hashlib.sha256(json.dumps([e.question, e.training_questions], ensure_ascii=False).encode())
            .hexdigest()[:12] for e in entries}


def changed_entries(recorded: dict[str, str], entries: list[Entry]) -> int:
    """How many entries were added, edited (question or training questions) or retired since ``recorded``."""
    now = entry_digests(entries)
    return sum(1 for k in now.keys() | recorded.keys() if now.get(k) != recorded.get(k))


def cache_key(base_model: str, entries: list[Entry], config: TuningConfig) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"base": base_model, "config": asdict(config), "prep": prepare_for_embedding("gmn sy")}).encode())
    for entry in sorted(entries, key=lambda e: e.id):
        h.update(json.dumps([entry.id, entry.question, entry.training_questions], ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def tune_model(base_spec: str, entries: list[Entry], out_dir: Path, config: TuningConfig = TuningConfig(),
               show_progress: bool = True) -> Path:
    """Fine-tune ``base_spec`` on ``entries`` and save a sentence-transformers model to ``out_dir``."""
    import torch
    from sentence_transformers import SentenceTransformer, losses
    from tqdm import tqdm

    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    model = SentenceTransformer(resolve_model_path(base_spec), device="cpu")
    model.max_seq_length = config.max_seq_length
    loss_fn = losses.MultipleNegativesRankingLoss(model)
    pairs = [(prepare_for_embedding(a), prepare_for_embedding(p), e) for a, p, e in training_pairs(entries, rng, config.sibling_pairs)]
    if len(pairs) < 2:
        raise ValueError("terlalu sedikit training question untuk tuning (minimal 2 pasangan)")
    epochs = [_batches(pairs, config.batch_size, rng) for _ in range(config.epochs)]
    total = sum(len(b) for b in epochs)
    if config.freeze_embeddings:
        for name, param in model.named_parameters():
            if "embeddings" in name:
                param.requires_grad_(False)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.learning_rate)
    warmup = max(1, int(total * config.warmup_fraction))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))))
    # sentence-transformers >= 6 calls it preprocess; older versions tokenize
    encode_inputs = getattr(model, "preprocess", None) or model.tokenize
    model.train()
    progress = tqdm(total=total, desc="tuning embedding", disable=not show_progress)
    for batches in epochs:
        for batch in batches:
            anchors = encode_inputs([a for a, _, _ in batch])
            positives = encode_inputs([p for _, p, _ in batch])
            loss = loss_fn([anchors, positives], labels=None)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            progress.update(1)
            progress.set_postfix(loss=f"{loss.item():.3f}")
    progress.close()
    model.eval()
    model.max_seq_length = 256
    tmp = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save(str(tmp))
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp.rename(out_dir)  # a crash mid-save never leaves a half model under the final name
    return out_dir


def ensure_tuned(data_dir: Path, entries: list[Entry], base_spec: str = BUNDLED,
                 config: TuningConfig = TuningConfig(), show_progress: bool = True) -> tuple[Path, bool]:
    """The cached tuned model for these entries, tuning it first if needed; (path, was it just tuned)."""
    base_name = get_embedder(base_spec).name
    out = tuned_models_dir(data_dir) / f"tuned-{cache_key(base_name, entries, config)}"
    if (out / "config.json").exists():
        return out, False
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    tune_model(base_spec, entries, out, config, show_progress)
    (out / "hai_tuning.json").write_text(json.dumps({
        "base_model": base_name, "entries": len(entries), "config": asdict(config),
        "seconds": round(time.time() - started, 1), "entry_digests": entry_digests(entries)}, indent=2),
        encoding="utf-8")
    return out, True


def tuning_record(path: Path) -> dict:
    """What ``ensure_tuned`` wrote beside a tuned model (empty when missing or unreadable)."""
    try:
        return json.loads((Path(path) / "hai_tuning.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def prune_tuned(data_dir: Path, keep: set[Path]) -> list[Path]:
    """Delete cached tuned models other than ``keep`` (each about 90 MB); returns what was removed."""
    removed = []
    keep = {Path(k).resolve() for k in keep}
    for path in tuned_models_dir(data_dir).glob("tuned-*"):
        if path.is_dir() and not path.name.endswith(".partial") and path.resolve() not in keep:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def set_current(data_dir: Path, path: Path, base_spec: str = BUNDLED) -> Path:
    """Record ``path`` as the tuned model the service uses (``tuned="auto"``) for ``base_spec``."""
    from knowledge.store import write_atomic

    pointer = current_pointer(data_dir)
    pointer.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(pointer, json.dumps({"path": str(Path(path).resolve()), "base_model": base_spec}, indent=2))
    return pointer
