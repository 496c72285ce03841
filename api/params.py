"""Identifiers in a request's path, parsed by the core's one parser each (``analytics.ids``).

The API accepts exactly what the chat accepts ("400156", "400 156", "400.156") and refuses the rest with
the same Indonesian message: the parser's ``InvalidInputError`` becomes a 422 whose ``detail`` is that
message (``api.errors``). No length or pattern is set on the parameters for that reason: the parser
decides, not the schema. Body fields are parsed in their route the same way.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from analytics.ids import KodeSatker, parse_kode_satker


def _kode_satker(
    kode_satker: str = Path(..., description="Kode satker, 6 digit (spasi, titik atau strip di antara angka "
                                             "boleh, seperti di percakapan)", examples=["400156"]),
) -> KodeSatker:
    return parse_kode_satker(kode_satker)


KodeSatkerPath = Annotated[KodeSatker, Depends(_kode_satker)]
