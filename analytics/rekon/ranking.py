"""Satker-months ranked by reconciliation risk: every row scored, highest P(SELISIH) first, reasons for the top.

Used for the repository's latest months (``RekonRepository.rank``) and for an uploaded export (the API's
batch route), so both rank, classify and explain the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.rekon.model import RekonRiskModel

# Reasons cost one prediction per attribute and row (21 for a row); more than this is a report, not an answer.
MAX_WITH_REASONS = 100


@dataclass(frozen=True)
class RankedRisk:
    rank: int  # 1 = highest P(SELISIH)
    kode_satker: str
    periode: str
    probability: float  # P(SELISIH), 0..1
    kelas: str  # SELISIH | OK, by the model's threshold
    reasons: tuple[str, ...] = ()


def rank_rekon_batch(
    model: RekonRiskModel, frame: pd.DataFrame, top: int = 10, with_reasons: int = 0
) -> list[RankedRisk]:
    """The ``top`` satker-months of ``frame`` (validated rows with raw attributes) by P(SELISIH), highest
    first; equal probabilities keep the frame's order. The first ``with_reasons`` of them (at most
    ``MAX_WITH_REASONS``) carry the reasons in Indonesian, as ``RekonRiskModel.predict`` gives them."""
    if frame.empty or top <= 0:
        return []
    frame = frame.reset_index(drop=True)
    prob = model.predict_proba(frame)
    order = np.argsort(-prob, kind="stable")[: int(top)]
    kelas = model.classify(prob[order])
    explained = min(max(0, int(with_reasons)), MAX_WITH_REASONS)
    return [
        RankedRisk(
            rank=rank,
            kode_satker=str(frame.at[i, "kode_satker"]),
            periode=str(frame.at[i, "periode"]),
            probability=float(prob[i]),
            kelas=str(kelas[rank - 1]),
            reasons=model.predict(frame.iloc[i]).reasons if rank <= explained else (),
        )
        for rank, i in enumerate(order, start=1)
    ]
