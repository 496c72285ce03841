"""Typed errors of the analytics core, each with an Indonesian message a person can act on.

Actions and the API show ``str(error)`` to the user as is; they never show a stack trace.
Shared by every analytic (bills, pagu, rekon, accounts): subclass :class:`AnalyticsError`.
"""
from __future__ import annotations

from dataclasses import dataclass

SHOWN_CHARS = 40  # a message quotes at most this much of what the user wrote


def shown(value: object) -> str:
    """What the user wrote, as a message quotes it: whitespace collapsed, at most ``SHOWN_CHARS`` chars."""
    text = " ".join(str(value).split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


class AnalyticsError(Exception):
    """Base of every error a user may see from ``analytics``; the message is in Indonesian."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # keep the plain message, no class name or repr
        return self.message


class InvalidInputError(AnalyticsError, ValueError):
    """A value given by a user or a file is malformed (a kode satker of 5 digits, a word for an amount)."""


class MoneyParseError(InvalidInputError):
    """A text cannot be read as an amount of rupiah."""


class NotFoundError(AnalyticsError, LookupError):
    """The thing asked for (an idpel, a satker, a pagu) is not in the data."""


class IdpelNotFoundError(NotFoundError):
    def __init__(self, idpel: str) -> None:
        super().__init__(f"idpel {idpel} tidak ditemukan dalam data tagihan listrik")
        self.idpel = idpel


class SatkerNotFoundError(NotFoundError):
    def __init__(self, kode_satker: str, what: str = "data tagihan listrik") -> None:
        super().__init__(f"satker {kode_satker} tidak ditemukan dalam {what}")
        self.kode_satker = kode_satker


class DataFileError(AnalyticsError):
    """A whole file cannot be used (missing, unknown format, required columns absent)."""


class ModelError(AnalyticsError):
    """A model could not be fitted or used and no fallback applies."""


@dataclass(frozen=True)
class RowError:
    """One bad row of an input file: ``line`` is the 1-based line/row number as the user sees it
    (the header is line 1), ``column`` the offending column, ``message`` Indonesian text."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"baris {self.line}, kolom {self.column}: {self.message}"
