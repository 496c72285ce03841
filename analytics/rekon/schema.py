"""The 20 satker attributes of the reconciliation-risk study (seed 004, Limbong 2016) and their bins.

One row is one satker-month. Raw columns hold counts and rupiah amounts as they come out of SPAN/SAKTI;
``to_paper_attributes`` turns them into the paper's representation (money binned into TIDAK ADA, KECIL,
SEDANG, BESAR, SANGAT BESAR; PNBP into six bins; presence-only attributes into ADA / TIDAK ADA), which is
what the C4.5 / Weka J48 baselines see. The stronger model reads the raw values.

PNBP bins: the paper's Table 7 prints the labels of its 2nd and 3rd rows as KECIL (< 1 juta) and SANGAT
KECIL (1 juta - 100 juta), while its conclusions (section 5.1) read "PNBP KECIL" as 1 juta - 100 juta.
We follow the conclusions and keep the labels in size order: SANGAT KECIL < 1 juta <= KECIL < 100 juta.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

JUTA = 1_000_000
MILIAR = 1_000_000_000

SELISIH = "SELISIH"
OK = "OK"
CLASSES = (OK, SELISIH)

TIDAK_ADA = "TIDAK ADA"
ADA = "ADA"
KEWENANGAN = ("KP", "KD", "DK", "TP", TIDAK_ADA)
KEWENANGAN_NAMES = {
    "KP": "Kantor Pusat",
    "KD": "Kantor Daerah",
    "DK": "Dekonsentrasi",
    "TP": "Tugas Pembantuan",
    TIDAK_ADA: "tanpa kode kewenangan",
}


@dataclass(frozen=True)
class AmountBins:
    """Rupiah bins: 0 is ``zero_label``; ``labels[i]`` for amounts below ``upper[i]``; the rest ``top``."""

    name: str
    upper: tuple[float, ...]
    labels: tuple[str, ...]
    top: str
    zero_label: str = TIDAK_ADA

    @property
    def all_labels(self) -> tuple[str, ...]:
        return (self.zero_label, *self.labels, self.top)

    def label(self, amounts) -> np.ndarray:
        """Bin label per amount (rupiah); NaN is not allowed here, validate first."""
        a = np.asarray(amounts, dtype=float)
        idx = np.searchsorted(np.asarray(self.upper, dtype=float), a, side="right") + 1
        idx = np.where(a <= 0, 0, idx)
        return np.asarray(self.all_labels, dtype=object)[idx]

    def describe(self, label: str) -> str:
        """Human range of a label, e.g. 'Rp200 juta s.d. < Rp10 miliar'."""
        labels = self.all_labels
        i = labels.index(label)
        if i == 0:
            return "Rp0"
        lo = 0.0 if i == 1 else self.upper[i - 2]
        if i == len(labels) - 1:
            return f">= {rupiah_short(self.upper[-1])}"
        hi = self.upper[i - 1]
        return f"< {rupiah_short(hi)}" if lo == 0 else f"{rupiah_short(lo)} s.d. < {rupiah_short(hi)}"


def rupiah_short(value: float) -> str:
    """Short Indonesian rupiah wording: Rp1,2 miliar / Rp350 juta / Rp12.500."""
    value = float(value)
    if value >= 1_000 * MILIAR:
        return f"Rp{_id_num(value / (1_000 * MILIAR))} triliun"
    if value >= MILIAR:
        return f"Rp{_id_num(value / MILIAR)} miliar"
    if value >= JUTA:
        return f"Rp{_id_num(value / JUTA)} juta"
    return "Rp" + f"{value:,.0f}".replace(",", ".")


def _id_num(x: float) -> str:
    text = f"{x:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


# Table 5 (pagu belanja barang; the paper applies the same ranges to pagu modal and pagu pegawai).
PAGU_BINS = AmountBins(
    "pagu", (200 * JUTA, 10 * MILIAR, 100 * MILIAR), ("KECIL", "SEDANG", "BESAR"), "SANGAT BESAR"
)
# Table 6 (realisasi belanja barang; same ranges for realisasi modal and pegawai), monthly amounts.
REALISASI_BINS = AmountBins(
    "realisasi", (500 * JUTA, 10 * MILIAR, 100 * MILIAR), ("KECIL", "SEDANG", "BESAR"), "SANGAT BESAR"
)
# Table 7 (realisasi PNBP per month), six bins; see the module docstring for the label order.
PNBP_BINS = AmountBins(
    "pnbp",
    (1 * JUTA, 100 * JUTA, 1 * MILIAR, 10 * MILIAR),
    ("SANGAT KECIL", "KECIL", "SEDANG", "BESAR"),
    "SANGAT BESAR",
)
# Attributes the paper keeps only as ADA / TIDAK ADA.
PRESENCE_BINS = AmountBins("presence", (), (), ADA)


@dataclass(frozen=True)
class RekonAttribute:
    """One of the paper's 20 attributes. ``kind``: kewenangan | count | amount. Amounts are rupiah."""

    column: str
    label: str
    kind: str
    lo: float = 0
    hi: float = float("inf")
    bins: AmountBins | None = None
    monthly: bool = False


_MAX_RUPIAH = 1e15  # 1.000 triliun: larger than any satker's pagu; beyond it a value is a typing error

ATTRIBUTES: tuple[RekonAttribute, ...] = (
    RekonAttribute("jenis_kewenangan", "jenis kewenangan", "kewenangan"),
    RekonAttribute("jumlah_fungsi", "jumlah fungsi", "count", 1, 20),
    RekonAttribute("jumlah_subfungsi", "jumlah subfungsi", "count", 1, 50),
    RekonAttribute("jumlah_program", "jumlah program", "count", 1, 50),
    RekonAttribute("jumlah_kegiatan", "jumlah kegiatan", "count", 1, 300),
    RekonAttribute("jumlah_output", "jumlah output", "count", 0, 1000),
    RekonAttribute(
        "pagu_bansos", "pagu belanja bantuan sosial (57)", "amount", 0, _MAX_RUPIAH, PRESENCE_BINS
    ),
    RekonAttribute("pagu_barang", "pagu belanja barang (52)", "amount", 0, _MAX_RUPIAH, PAGU_BINS),
    RekonAttribute("pagu_lainnya", "pagu belanja lain-lain (58)", "amount", 0, _MAX_RUPIAH, PRESENCE_BINS),
    RekonAttribute("pagu_modal", "pagu belanja modal (53)", "amount", 0, _MAX_RUPIAH, PAGU_BINS),
    RekonAttribute("pagu_pegawai", "pagu belanja pegawai (51)", "amount", 0, _MAX_RUPIAH, PAGU_BINS),
    RekonAttribute("pagu_blokir", "pagu yang diblokir", "amount", 0, _MAX_RUPIAH, PRESENCE_BINS),
    RekonAttribute(
        "realisasi_bansos", "realisasi bantuan sosial (57)", "amount", 0, _MAX_RUPIAH, PRESENCE_BINS, True
    ),
    RekonAttribute(
        "realisasi_barang", "realisasi belanja barang (52)", "amount", 0, _MAX_RUPIAH, REALISASI_BINS, True
    ),
    RekonAttribute(
        "realisasi_lainnya", "realisasi belanja lain-lain (58)", "amount", 0, _MAX_RUPIAH, PRESENCE_BINS, True
    ),
    RekonAttribute(
        "realisasi_modal", "realisasi belanja modal (53)", "amount", 0, _MAX_RUPIAH, REALISASI_BINS, True
    ),
    RekonAttribute(
        "realisasi_pegawai", "realisasi belanja pegawai (51)", "amount", 0, _MAX_RUPIAH, REALISASI_BINS, True
    ),
    RekonAttribute("jumlah_sp2d", "jumlah SP2D bulan ini", "count", 0, 20_000, monthly=True),
    RekonAttribute("jumlah_revisi_dipa", "jumlah revisi DIPA bulan ini", "count", 0, 1_000, monthly=True),
    RekonAttribute("realisasi_pnbp", "realisasi PNBP bulan ini", "amount", 0, _MAX_RUPIAH, PNBP_BINS, True),
)
ATTRIBUTE_BY_COLUMN = {a.column: a for a in ATTRIBUTES}
FEATURE_COLUMNS = tuple(a.column for a in ATTRIBUTES)
COUNT_COLUMNS = tuple(a.column for a in ATTRIBUTES if a.kind == "count")
AMOUNT_COLUMNS = tuple(a.column for a in ATTRIBUTES if a.kind == "amount")

ID_COLUMNS = ("kode_satker", "periode")
LABEL_COLUMN = "status_rekon"
SOURCE_COLUMN = "sumber_data"  # "SINTETIS" on generated rows
EXPORT_COLUMNS = (*ID_COLUMNS, *FEATURE_COLUMNS, LABEL_COLUMN)

assert len(ATTRIBUTES) == 20, "the paper has exactly 20 attributes"


def nominal_values(column: str) -> tuple[str, ...] | None:
    """The nominal values of a column in the paper's representation, or None for numeric columns."""
    attr = ATTRIBUTE_BY_COLUMN[column]
    if attr.kind == "kewenangan":
        return KEWENANGAN
    if attr.kind == "amount":
        return attr.bins.all_labels
    return None


def to_paper_attributes(frame: pd.DataFrame) -> pd.DataFrame:
    """The paper's view of validated raw rows: amounts binned to labels, counts kept as integers."""
    out = {}
    for attr in ATTRIBUTES:
        col = frame[attr.column]
        if attr.kind == "amount":
            out[attr.column] = pd.Categorical(
                attr.bins.label(col.to_numpy(float)), categories=attr.bins.all_labels
            )
        elif attr.kind == "kewenangan":
            out[attr.column] = pd.Categorical(col.astype(str), categories=KEWENANGAN)
        else:
            out[attr.column] = col.astype(int).to_numpy()
    return pd.DataFrame(out, index=frame.index)


def labels_to_int(labels) -> np.ndarray:
    """SELISIH -> 1, OK -> 0."""
    return (np.asarray(labels, dtype=object) == SELISIH).astype(int)


def classify_risk(probability, threshold: float):
    """The SELISIH rule, the one place it is written: P(SELISIH) at or above ``threshold`` is SELISIH, below
    it OK. A number gives one label (str); an array gives an array of labels."""
    at_or_above = np.asarray(probability, dtype=float) >= threshold
    if at_or_above.ndim == 0:
        return SELISIH if bool(at_or_above) else OK
    return np.where(at_or_above, SELISIH, OK).astype(object)
