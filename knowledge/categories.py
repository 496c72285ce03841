"""HAI routing labels (``departemen``, ``tim_agent``) <-> knowledge-base categories.

HAI routes a ticket to a department ("SAKTI - Komitmen", "Bendahara") and an agent team
("L2 - SAKTI KOMITMEN"). The knowledge base files are named by category id ("sakti_komitmen"). The
mapping is: a known alias, else the label's slug equal to a category id or title, else the closest category
id/title (fuzzy, >= 85), else none (the ticket is kept under its own slug and flagged for review).
"""
from __future__ import annotations

import re

from knowledge.normalize import fold

# HAI labels (slugged) that do not spell the category id.
ALIASES: dict[str, str] = {
    "bendahara": "sakti_bendahara",
    "sakti_modul_bendahara": "sakti_bendahara",
    "sakti_laksana": "sakti_pembayaran",
    "sakti_modul_pembayaran": "sakti_pembayaran",
    "sakti_modul_komitmen": "sakti_komitmen",
    "sakti_modul_pelaporan": "sakti_pelaporan",
    "sakti_modul_admin": "sakti_admin",
    "sakti_modul_penganggaran": "sakti_penganggaran",
    "rekonsiliasi": "rekonsiliasi_lk",
    "laporan_keuangan": "rekonsiliasi_lk",
    "dipa": "dipa_revisi",
    "revisi_dipa": "dipa_revisi",
    "spm": "spm_sp2d",
    "sp2d": "spm_sp2d",
    "span_sp2d": "spm_sp2d",
}

# Category id -> (departemen, tim_agent) as HAI would write them; used by the synthetic generator.
HAI_LABELS: dict[str, tuple[str, str]] = {
    "sakti_komitmen": ("SAKTI - Komitmen", "L2 - SAKTI KOMITMEN"),
    "sakti_pelaporan": ("SAKTI - Pelaporan", "L2 - SAKTI PELAPORAN"),
    "sakti_pembayaran": ("SAKTI - Pembayaran", "L2 - SAKTI PEMBAYARAN"),
    "sakti_bendahara": ("Bendahara", "L2 - SAKTI BENDAHARA"),
    "sakti_admin": ("SAKTI - Admin", "L2 - SAKTI ADMIN"),
    "sakti_penganggaran": ("SAKTI - Penganggaran", "L2 - SAKTI PENGANGGARAN"),
    "spm_sp2d": ("SPAN - SPM dan SP2D", "L2 - SPAN"),
    "dipa_revisi": ("DIPA dan Revisi", "L2 - PELAKSANAAN ANGGARAN"),
    "rekonsiliasi_lk": ("Rekonsiliasi", "L2 - AKUNTANSI DAN PELAPORAN"),
}


def slug(label: str) -> str:
    """"L2 - SAKTI KOMITMEN" -> "sakti_komitmen"; "SAKTI - Komitmen" -> "sakti_komitmen"."""
    text = fold(label or "")
    text = re.sub(r"^\s*l\d\s*-\s*", "", text)  # the support level prefix of tim_agent
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def hai_labels(category: str, title: str) -> tuple[str, str]:
    """How HAI labels tickets of ``category`` (departemen, tim_agent)."""
    if category in HAI_LABELS:
        return HAI_LABELS[category]
    return title, "L2 - " + title.upper()


class CategoryMapper:
    """Maps HAI labels to the knowledge base's category ids (``known``: id -> title)."""

    def __init__(self, known: dict[str, str]):
        self.known = dict(known)
        self._by_slug = {cid: cid for cid in known}
        self._by_slug.update({slug(title): cid for cid, title in known.items() if title})
        self._cache: dict[str, str | None] = {}

    def _one(self, label: str) -> str | None:
        key = slug(label)
        if not key:
            return None
        if key in self._cache:
            return self._cache[key]
        found = self._by_slug.get(key) or (ALIASES.get(key) if ALIASES.get(key) in self.known else None)
        if found is None and self._by_slug:
            from rapidfuzz import fuzz, process

            hit = process.extractOne(key, list(self._by_slug), scorer=fuzz.token_set_ratio, score_cutoff=85,
                                     processor=lambda s: s.replace("_", " "))
            found = self._by_slug[hit[0]] if hit else None
        self._cache[key] = found
        return found

    def map(self, departemen: str, tim_agent: str) -> tuple[str, bool]:
        """(category id, known?) for a ticket; unknown labels give the departemen's slug and ``False``."""
        for label in (departemen, tim_agent):
            found = self._one(label)
            if found:
                return found, True
        return slug(departemen) or slug(tim_agent) or "lainnya", False
