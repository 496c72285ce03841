"""What each form asks and how each answer is checked: one table, read by ``actions.forms``.

Every check is a parser of the core (``analytics``): a wrong shape raises ``InvalidInputError``, an unknown
idpel or satker ``NotFoundError``. The identifiers (kode satker, idpel, periode, nilai tagihan) are parsed
by the same functions as the API's, and a wrong one is answered with the parser's own message, so both
channels accept and refuse the same text with the same words. The messages name the value the user gave
and the shape expected; the form then asks again with its own ``utter_ask_<slot>`` response.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from actions import resources
from analytics.accounts.reference import normalize_kode_akun
from analytics.accounts.text import is_blank_name
from analytics.ids import nama_bulan, parse_idpel, parse_kode_satker, parse_periode
from analytics.errors import InvalidInputError
from analytics.money import format_rupiah, parse_bill_amount
from hai.messages import HELPDESK_CONTACT

MAX_VALIDATION_FAILURES = 3  # wrong answers in a row before the form stops
# A bare reply is taken as the answer to the requested slot when NLU read it as a value, was not sure,
# or it looks like a value (a digit in a few words). A confident other intent is left to the rules.
VALUE_INTENTS = frozenset({"inform", "nlu_fallback"})
SURE_INTENT_CONFIDENCE = 0.7
# Intents the rules (scripts/gen_form_rules.py) answer during any form: the form steps aside for them even
# where a free-text mapping already took the message as a value.
STEP_ASIDE_INTENTS = frozenset({
    "cancel", "human_handoff", "help", "bot_identity", "goodbye", "feedback",
    "check_bill", "forecast_pagu", "rekon_risk", "suggest_account", "validate_account",
})
STOP_REPLY = (f"Maaf, isian tadi {MAX_VALIDATION_FAILURES} kali berturut-turut belum sesuai, jadi "
              "permintaan ini saya hentikan dulu. Anda dapat memulainya lagi kapan saja, atau hubungi "
              f"{HELPDESK_CONTACT}.")


def parse_nama_akun(value: str) -> str:
    text = " ".join(str(value).split())
    if is_blank_name(text) or len(re.findall(r"[^\W\d_]", text)) < 3:
        raise InvalidInputError(f"nama akun terlalu pendek: {text!r}")
    return text


@dataclass(frozen=True)
class SlotRule:
    label: str  # how the slot is called in a sentence ("kode satker")
    parse: Callable[[str], str]  # normalised slot value, or raises InvalidInputError
    wrong: str = ""  # the form's own message ("{value}" is the user's text); "" shows the parser's message
    exists: Callable[[str], object] | None = None  # raises NotFoundError when the value is not in the data
    not_found: str = ""
    show: Callable[[str], str] = str  # the normalised value as a person reads it


IDPEL = SlotRule(
    "idpel", parse_idpel,
    exists=lambda v: resources.bills().history_for_idpel(v),
    not_found="Idpel {value} tidak ditemukan dalam data tagihan listrik. Periksa kembali nomornya pada "
              "tagihan PLN.",
)
NOMINAL = SlotRule(
    "nilai tagihan", lambda v: str(parse_bill_amount(v)),
    show=lambda v: format_rupiah(int(v)),
)
PERIODE = SlotRule(
    "periode", lambda v: str(parse_periode(v)),
    show=lambda v: nama_bulan(parse_periode(v)),
)
SATKER_BILLS = SlotRule(
    "kode satker", parse_kode_satker,
    exists=lambda v: resources.bills().satker_series(v),
    not_found="Satker {value} tidak ditemukan dalam data tagihan listrik. Periksa kembali kode satkernya.",
)
SATKER_REKON = SlotRule(
    "kode satker", SATKER_BILLS.parse, SATKER_BILLS.wrong,
    exists=lambda v: resources.rekon().latest(v),
    not_found="Satker {value} tidak ditemukan dalam data rekonsiliasi. Periksa kembali kode satkernya.",
)
KODE_AKUN = SlotRule(
    "kode akun", normalize_kode_akun,
    "Kode akun harus berformat Kepmendagri 050-5889 dengan 6 tingkat, misalnya 5.1.02.01.01.0024; "
    "'{value}' belum sesuai.",
)
NAMA_AKUN = SlotRule(
    "nama akun", parse_nama_akun,
    "Nama akun minimal berisi 3 huruf, misalnya 'belanja alat tulis kantor'; '{value}' belum sesuai.",
)


@dataclass(frozen=True)
class FormConfig:
    intent: str  # the intent that starts the form (its own intent never makes it step aside)
    slots: dict[str, SlotRule]  # the required slots, in the order of domain.yml
    optional: dict[str, SlotRule] = field(default_factory=dict)  # checked when the user gives them


FORMS: dict[str, FormConfig] = {
    "bill_form": FormConfig("check_bill", {"idpel": IDPEL, "nominal": NOMINAL}, {"periode": PERIODE}),
    "pagu_form": FormConfig("forecast_pagu", {"kode_satker": SATKER_BILLS}, {"periode": PERIODE}),
    "rekon_form": FormConfig("rekon_risk", {"kode_satker": SATKER_REKON}),
    "account_form": FormConfig("suggest_account", {"nama_akun": NAMA_AKUN}),
    "account_check_form": FormConfig("validate_account", {"kode_akun": KODE_AKUN, "nama_akun": NAMA_AKUN}),
}
