"""Training examples for ``TeamRouter`` from a HAI ticket export (CSV as exported, or the same columns in XLSX).

Every readable ticket with a question and a team label is an example: the team is ``tim_agent`` (the L2 team
that took it), else ``departemen``. Unresolved tickets count too: the label says who took the ticket, not how
it ended. Malformed rows and rows without a question or a label are reported by line; the rest are used.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from knowledge.hai_export import RowError, read_export


@dataclass
class RoutingExamples:
    texts: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def team_label(tim_agent: str, departemen: str) -> str:
    """The team a ticket was routed to: ``tim_agent`` ("L2 - SAKTI KOMITMEN"), else ``departemen``."""
    return " ".join((tim_agent or "").split()) or " ".join((departemen or "").split())


def examples_from_export(path: str | Path) -> RoutingExamples:
    export = read_export(path)
    out = RoutingExamples(errors=list(export.errors))
    seen: set[str] = set()
    for row in export.rows:
        if row.id_tiket in seen:
            out.errors.append(RowError(row.line, f"id_tiket {row.id_tiket} duplikat; baris dilewati"))
            continue
        seen.add(row.id_tiket)
        team = team_label(row.tim_agent, row.departemen)
        if not team:
            out.errors.append(RowError(row.line, "tim_agent dan departemen kosong; tidak dapat dipakai melatih"))
            continue
        if not row.message_awal.strip():
            out.errors.append(RowError(row.line, "message_awal kosong; tidak dapat dipakai melatih"))
            continue
        out.texts.append(row.message_awal)
        out.teams.append(team)
        out.ids.append(row.id_tiket)
    out.errors.sort(key=lambda e: e.line)
    return out
