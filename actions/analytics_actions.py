"""The bill, pagu and reconciliation analytics as chat answers (thin: slots in, a core call, sentences out).

Pagu charts are kept by the core's ``analytics.charts.ChartStore`` in ``settings.charts_dir``
(``data/charts/`` by default) and sent as ``<settings.public_base_url>/charts/<file name>``; the API serves
that folder under ``/charts/``.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions import resources
from actions.base import HaiAction, Reply
from analytics.bills.fairness import check_idpel_bill
from analytics.charts import ChartStore
from analytics.ids import nama_bulan, parse_periode
from analytics.errors import AnalyticsError, IdpelNotFoundError, SatkerNotFoundError
from analytics.money import format_desimal, format_rupiah
from analytics.rekon.schema import SELISIH
from hai.settings import get_settings

SYNTHETIC_NOTE = ("Catatan: hasil ini dihitung dari data contoh SINTETIS untuk uji coba, bukan data "
                  "SAKTI/SPAN sebenarnya.")
CHART_URL_PATH = "/charts"


def _month(value: object) -> str:
    try:
        return nama_bulan(parse_periode(value))
    except AnalyticsError:
        return str(value)


class ActionCheckBill(HaiAction):
    """Slots idpel, nominal, optional periode -> is this month's electricity bill reasonable?"""

    reset_slots = ("nominal", "periode", "validation_failures")

    def name(self) -> str:
        return "action_check_bill"

    def respond(self, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        idpel, nominal = tracker.get_slot("idpel"), tracker.get_slot("nominal")
        if not idpel or not nominal:  # the form was stopped after repeated wrong answers: nothing to check
            return Reply()
        repo = resources.bills()
        r = check_idpel_bill(idpel, nominal, periode=tracker.get_slot("periode") or None, repository=repo)
        stats = r.statistics
        lines = [
            f"Hasil cek kewajaran tagihan listrik idpel {r.idpel}"
            + (f" periode {nama_bulan(r.periode)}" if r.periode is not None else "") + ":",
            f"Kesimpulan: {r.verdict.upper()}",
            f"Nilai tagihan: {format_rupiah(r.nilai_tagihan)}",
        ]
        if stats.rata_rata is not None and stats.median is not None:
            lines.append(f"Riwayat {stats.n_bulan} bulan sebelumnya: rata-rata "
                         f"{format_rupiah(stats.rata_rata)}, median {format_rupiah(stats.median)}")
        lines.append(f"Alasan: {r.reason}")
        if repo.is_synthetic:
            lines.append(SYNTHETIC_NOTE)
        return Reply().say("\n".join(lines))

    def on_user_error(self, error: AnalyticsError, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        reply = super().on_user_error(error, tracker, domain)
        return reply.set("idpel", None) if isinstance(error, IdpelNotFoundError) else reply


def chart_url(name: str) -> str:
    return f"{get_settings().public_base_url}{CHART_URL_PATH}/{name}"


class ActionForecastPagu(HaiAction):
    """Slot kode_satker, optional periode (data up to that month) -> will the 522111 pagu last the year?"""

    reset_slots = ("periode", "validation_failures")

    def name(self) -> str:
        return "action_forecast_pagu"

    def respond(self, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        kode = tracker.get_slot("kode_satker")
        if not kode:
            return Reply()
        # imported on first use: statsmodels, scipy and matplotlib add ~2 s to the server's start
        from analytics.pagu.forecast import forecast_pagu
        from analytics.pagu.chart import render_pagu_chart

        repo = resources.bills()
        result = forecast_pagu(kode, as_of=tracker.get_slot("periode") or None, repository=repo)
        name = ChartStore(get_settings().charts_dir).save(render_pagu_chart(result))
        text = result.message + (f"\n{SYNTHETIC_NOTE}" if repo.is_synthetic else "")
        return Reply().say(text).say(image=chart_url(name))

    def on_user_error(self, error: AnalyticsError, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        reply = super().on_user_error(error, tracker, domain)
        return reply.set("kode_satker", None) if isinstance(error, SatkerNotFoundError) else reply


class ActionRekonRisk(HaiAction):
    """Slot kode_satker -> chance that this month's reconciliation shows a SELISIH, and why."""

    reset_slots = ("validation_failures",)

    def name(self) -> str:
        return "action_rekon_risk"

    def respond(self, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        kode = tracker.get_slot("kode_satker")
        if not kode:
            return Reply()
        repo = resources.rekon()
        p = repo.assess(kode)
        pct = format_desimal(100 * p.probability, 1)
        lines = [
            f"Risiko selisih rekonsiliasi satker {p.kode_satker} (data {_month(p.periode)}): peluang SELISIH "
            f"{pct}%, kelas {p.kelas} (batas kelas SELISIH {format_desimal(100 * p.threshold, 1)}%).",
        ]
        reasons = list(p.reasons[1:])  # the first one restates the probability and the class
        if reasons:
            lines.append("Alasannya:")
            lines += [f"- {r}" for r in reasons]
        if p.kelas == SELISIH:
            lines.append("Saran: periksa kembali data SAI satker ini dengan KPPN sebelum batas rekonsiliasi "
                         "tanggal 10.")
        if repo.is_synthetic:
            lines.append(SYNTHETIC_NOTE)
        return Reply().say("\n".join(lines))

    def on_user_error(self, error: AnalyticsError, tracker: Tracker, domain: dict[str, Any]) -> Reply:
        reply = super().on_user_error(error, tracker, domain)
        return reply.set("kode_satker", None) if isinstance(error, SatkerNotFoundError) else reply
