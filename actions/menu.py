"""The help menu: what the assistant can do, with a button per capability."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

# (button title, example the user can send, one-line description)
CAPABILITIES: list[tuple[str, str, str]] = [
    (
        "Tanya layanan",
        "Bagaimana cara mengajukan revisi DIPA?",
        "menjawab pertanyaan seputar SAKTI, SPAN, OM SPAN, SPM/SP2D, DIPA, rekonsiliasi, LPJ, gaji, UP/TUP, "
        "KKP, PNBP dan layanan HAI DJPb",
    ),
    (
        "Cek kewajaran tagihan listrik",
        "Cek kewajaran tagihan listrik",
        "menilai apakah tagihan listrik bulan ini wajar dibanding riwayat idpel Anda",
    ),
    (
        "Prakiraan kecukupan pagu",
        "Apakah pagu listrik satker saya cukup sampai Desember?",
        "memperkirakan apakah pagu akun 522111 (langganan listrik) cukup sampai akhir tahun",
    ),
    (
        "Risiko selisih rekonsiliasi",
        "Berapa risiko selisih rekonsiliasi satker saya?",
        "memperkirakan peluang rekonsiliasi bulanan satker menghasilkan SELISIH dan alasannya",
    ),
    (
        "Saran kode akun",
        "Kode akun untuk belanja iuran jaminan kesehatan",
        "menyarankan kode akun standar Kepmendagri 050-5889 untuk nama akun APBD",
    ),
    (
        "Bicara dengan petugas",
        "Saya ingin bicara dengan petugas",
        "meneruskan percakapan ke petugas Helpdesk HAI DJPb",
    ),
]


def menu_text() -> str:
    lines = ["Saya dapat membantu Anda untuk:"]
    lines += [f"{i}. {title}: {desc}." for i, (title, _, desc) in enumerate(CAPABILITIES, start=1)]
    lines.append("Ketik pertanyaan Anda langsung, atau pilih salah satu tombol di bawah.")
    return "\n".join(lines)


class ActionShowMenu(Action):
    def name(self) -> str:
        return "action_show_menu"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        buttons = [{"title": title, "payload": example} for title, example, _ in CAPABILITIES]
        dispatcher.utter_message(text=menu_text(), buttons=buttons)
        return []
