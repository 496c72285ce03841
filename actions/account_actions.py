"""Account codes (Kepmendagri 050-5889, with Permendagri 90/2019 where the transcription lacks a group): suggest
codes for a name, and check a code + name pair; every answer names the regulation it rests on."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions import resources
from actions.base import HaiAction, Reply, user_message
from analytics.accounts.suggest import NoConfidentMatchError, match_strength
from analytics.accounts.validate import OK, UNKNOWN, WRITTEN, WRONG_CODE, check_account

REFERENCE = "Kepmendagri 050-5889"
CHECK_SPELLING = f"Periksa penulisan nama akun, atau gunakan istilah sesuai {REFERENCE}."


def _line(i: int, s) -> str:
    return f"{i}. {s.code} – {s.name} ({match_strength(s.score, s.match_kind)}; {s.source_title})"


class ActionSuggestAccount(HaiAction):
    """Slot nama_akun -> the top 3 level-6 codes with names and how well each fits."""

    reset_slots = ("nama_akun", "validation_failures")

    def name(self) -> str:
        return "action_suggest_account"

    def respond(self, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        name = tracker.get_slot("nama_akun")
        if not name:
            return Reply()
        try:
            found = resources.accounts().suggest(name, k=3)
        except NoConfidentMatchError as exc:
            if not exc.candidates:
                return Reply().say(f"{user_message(exc)} {CHECK_SPELLING}")
            lines = [f"Saya belum menemukan kode akun yang cukup mirip dengan \"{name}\". "
                     "Kandidat terdekat (kemiripannya lemah, jangan dipakai tanpa diperiksa):"]
            lines += [_line(i, s) for i, s in enumerate(exc.candidates[:3], start=1)]
            lines.append(CHECK_SPELLING)
            return Reply().say("\n".join(lines))
        lines = [f"Saran kode akun untuk \"{name}\" (dengan peraturan yang menjadi dasarnya):"]
        lines += [_line(i, s) for i, s in enumerate(found, start=1)]
        lines.append("Pilih kode yang sesuai dengan maksud belanja Anda.")
        return Reply().say("\n".join(lines))


def describe_check(c, reference_size: int) -> str:
    """One or two sentences for an ``AccountCheck``."""
    ref = f"referensi yang terpasang ({reference_size:,} akun)".replace(",", ".")
    basis = f" Dasar: {c.source_title}." if c.source else ""
    better = (f"Nama tersebut lebih cocok dengan kode {c.suggested_code} – {c.suggested_name} "
              f"({match_strength(c.score or 0.0)}).")
    if c.status == OK:
        fits = f" ({c.note})" if c.note else ""
        return f"Kode {c.kode_akun} ada di {ref} dan nama \"{c.nama_akun}\" sesuai dengan kode tersebut{fits}.{basis}"
    if c.old_name:
        return (f"Nama \"{c.nama_akun}\" adalah nama lama kode {c.kode_akun} menurut Permendagri 90 Tahun 2019; "
                f"nomenklaturnya sudah berubah: {c.note}.")
    if c.status == WRITTEN and not c.note:
        return (f"Kode {c.kode_akun} ada di {ref} dan nama yang Anda tulis memang merujuk ke kode ini, "
                f"tetapi penulisannya belum baku. Nama baku: {c.code_name}.{basis}")
    if c.status == WRITTEN:
        return (f"Kode {c.kode_akun} ada di {ref} sebagai \"{c.code_name}\", tetapi nama \"{c.nama_akun}\" "
                f"tidak mirip dengan akun mana pun. Jika kodenya sudah benar, gunakan nama baku "
                f"\"{c.code_name}\".")
    if c.status == WRONG_CODE and c.code_known:
        return (f"Kode {c.kode_akun} ada di {ref} sebagai \"{c.code_name}\", tetapi nama \"{c.nama_akun}\" "
                f"tidak sesuai dengan kode itu. {better}{basis}")
    if c.status == WRONG_CODE:
        former = f" ({c.note.split('; ')[0]})" if c.note.startswith("kode lama") else ""
        return f"Kode {c.kode_akun} tidak ada di {ref}{former}. {better}{basis}"
    if c.status == UNKNOWN:
        return (f"Kode {c.kode_akun} tidak ada di {ref} dan nama \"{c.nama_akun}\" tidak cukup mirip dengan "
                f"akun mana pun ({c.note}). Periksa kembali kode dan nama akunnya.")
    return f"Hasil pemeriksaan kode {c.kode_akun}: {c.status.lower()}. {c.note}".strip()


class ActionValidateAccount(HaiAction):
    """Slots kode_akun + nama_akun -> is the code in the reference, and does the name belong to it?"""

    reset_slots = ("kode_akun", "nama_akun", "validation_failures")

    def name(self) -> str:
        return "action_validate_account"

    def respond(self, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        kode, name = tracker.get_slot("kode_akun"), tracker.get_slot("nama_akun")
        if not kode or not name:
            return Reply()
        suggester = resources.accounts()
        check = check_account(kode, name, suggester=suggester)
        return Reply().say(describe_check(check, len(suggester.reference)))
