"""One table of identifiers typed by people, put through both channels: the chat form's validation (as the
action server runs it) and the HTTP API (as a caller sends it). Each input gets the same verdict in both,
and the same normalised value when accepted or the same Indonesian message when refused, because both
call the core's one parser (``analytics.ids``, ``analytics.money.parse_bill_amount``).
"""
from __future__ import annotations

from urllib.parse import quote

import pytest
import yaml

from actions.forms import ValidateBillForm, ValidatePaguForm
from hai.settings import ROOT
from tests.actions.trackers import form_turn, run, slot_events, texts
from tests.api.conftest import api_settings, auth, client  # noqa: F401 - the API tests' fixtures

IDPEL = "500025488143"  # in the shipped synthetic bills, satker 400156's
AMOUNT = "Rp 900.000"

# (input, the normalised value when accepted, else None)
SATKER = [
    ("400156", "400156"), ("400 156", "400156"), ("400.156", "400156"), ("400-156", "400156"),
    ("40015", None), ("12a", None), ("", None), ("4001567", None), ("satker 400156", None),
]
IDPELS = [
    ("500025488143", IDPEL), ("5000 2548 8143", IDPEL), ("5000.2548.8143", IDPEL),
    ("50002548814", None), ("5000254881430", None), ("50002548814X", None), ("", None),
]
AMOUNTS = [
    ("Rp 1.250.000", "1250000"), ("1,25 juta", "1250000"), ("2 juta 300 ribu", "2300000"), ("850rb", "850000"),
    ("0", None), ("-5", None), ("abc", None), ("", None), ("1.25.000", None), ("9" * 70, None),
]
PERIODS = [
    ("Februari 2023", "2023-02"), ("02/2023", "2023-02"), ("2023-02", "2023-02"), ("202302", "2023-02"),
    ("13/2023", None), ("kemarin", None), ("", None),
]


@pytest.fixture(scope="module")
def domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def _chat(form, name: str, slot: str, text: str, domain: dict, **entities) -> tuple[object, str]:
    """(the slot's value after validation, what the bot said). A bare reply is how a user answers; an
    empty text never reaches the form as a reply, so it comes as a slot value (as an entity would)."""
    if entities:
        state = form_turn(name, f"{AMOUNT} {text}", entities=entities)
    elif text:
        state = form_turn(name, text)
    else:
        state = form_turn(name, text, candidates={slot: text})
    events, messages = run(form, state, domain)
    return slot_events(events)[slot], texts(messages)


def _same(chat: tuple[object, str], status: int, body: dict, field: str, expected: str | None) -> None:
    value, said = chat
    if expected is None:
        assert value is None and status == 422, (said, body)
        assert body["detail"] == said  # word for word
    else:
        assert said == "" and status == 200, (said, body)
        assert value == expected and str(body[field]) == expected


@pytest.mark.parametrize("text, expected", SATKER)
def test_kode_satker(text, expected, domain, client, auth):  # noqa: F811
    chat = _chat(ValidatePaguForm(), "pagu_form", "kode_satker", text, domain)
    if text == "":  # an empty path segment is no address at all: 404, before any parser
        assert chat[0] is None and client.get("/api/v1/pagu/", headers=auth).status_code == 404
        return
    r = client.get(f"/api/v1/pagu/{quote(text, safe='')}", headers=auth)
    _same(chat, r.status_code, r.json(), "kode_satker", expected)
    if expected is None:  # every route that takes a kode satker refuses it the same way
        r = client.get(f"/api/v1/rekon/{quote(text, safe='')}", headers=auth)
        assert r.status_code == 422 and r.json()["detail"] == chat[1]


@pytest.mark.parametrize("text, expected", IDPELS)
def test_idpel(text, expected, domain, client, auth):  # noqa: F811
    chat = _chat(ValidateBillForm(), "bill_form", "idpel", text, domain)
    r = client.post("/api/v1/bills/check", json={"idpel": text, "nilai_tagihan": AMOUNT}, headers=auth)
    _same(chat, r.status_code, r.json(), "idpel", expected)


@pytest.mark.parametrize("text, expected", AMOUNTS)
def test_bill_amount(text, expected, domain, client, auth):  # noqa: F811
    chat = _chat(ValidateBillForm(), "bill_form_nominal", "nominal", text, domain)
    r = client.post("/api/v1/bills/check", json={"idpel": IDPEL, "nilai_tagihan": text}, headers=auth)
    _same(chat, r.status_code, r.json(), "nilai_tagihan", expected)


@pytest.mark.parametrize("text, expected", PERIODS)
def test_periode(text, expected, domain, client, auth):  # noqa: F811
    chat = _chat(ValidateBillForm(), "bill_form_nominal", "periode", text, domain, nominal=AMOUNT, periode=text)
    r = client.post("/api/v1/bills/check", json={"idpel": IDPEL, "nilai_tagihan": AMOUNT, "periode": text},
                    headers=auth)
    _same(chat, r.status_code, r.json(), "periode", expected)
