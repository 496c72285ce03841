"""The questions the forms ask (``action_ask_<slot>``) and the core fallback's reply.

They are actions rather than ``utter_ask_*`` responses because `rasa data validate --fail-on-warnings`
counts a response that no story or rule names as unused, and forms name their questions implicitly.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from hai.messages import HELPDESK_CONTACT

# action name -> question; ``action_ask_<form>_<slot>`` wins over ``action_ask_<slot>`` in Rasa's forms.
QUESTIONS: dict[str, str] = {
    "action_ask_idpel": "Berapa ID pelanggan (idpel) PLN-nya? Idpel terdiri atas 12 digit, tertera di tagihan "
                        "listrik.",
    "action_ask_nominal": "Berapa nilai tagihan listrik bulan ini? Contoh: Rp 1.250.000 atau 1,25 juta.",
    "action_ask_kode_satker": "Berapa kode satker Anda? Kode satker terdiri atas 6 digit, contoh: 123456.",
    "action_ask_nama_akun": "Apa nama akun yang ingin dicarikan kodenya? Contoh: belanja iuran jaminan "
                            "kesehatan bagi PNS.",
    "action_ask_account_check_form_nama_akun": "Apa nama akun yang dipakai untuk kode tersebut? Contoh: "
                                               "belanja alat tulis kantor.",
    "action_ask_kode_akun": "Berapa kode akunnya? Tulis sesuai format Kepmendagri 050-5889, contoh: "
                            "5.1.02.01.01.0024.",
}
FORM_CANCELLED = "Baik, permintaan tadi saya batalkan. Ada lagi yang bisa saya bantu?"
CANCEL_HINT = "Ketik \"batal\" bila tidak jadi."

DEFAULT_FALLBACK_REPLY = (
    "Maaf, saya belum memahami pesan Anda. Coba tulis ulang dengan kalimat lain, atau ketik \"menu\" untuk "
    f"melihat apa yang bisa saya bantu. Anda juga dapat menghubungi {HELPDESK_CONTACT}."
)


class ActionAsk(Action):
    """One form question; the class is instantiated once per entry of QUESTIONS below."""

    action_name = ""

    def name(self) -> str:
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = QUESTIONS[self.action_name]
        if (tracker.get_slot("validation_failures") or 0) == 0:
            text = f"{text} {CANCEL_HINT}"
        dispatcher.utter_message(text=text)
        return []


# rasa-sdk registers every Action subclass defined in the package: one small class per question.
for _name in QUESTIONS:
    # stored under its own class name: the action server's worker process unpickles actions by that name
    globals()[f"Ask_{_name}"] = type(f"Ask_{_name}", (ActionAsk,), {"action_name": _name})


class ActionDefaultFallback(Action):
    """Replaces Rasa's default (which needs an ``utter_default`` response): when the dialogue policies
    are unsure what to do next, say so and undo the message so the conversation is not derailed."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=DEFAULT_FALLBACK_REPLY)
        return [UserUtteranceReverted()]
