"""Bill, pagu and rekon actions on the shipped synthetic data, and the base class's failure handling."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from actions import analytics_actions, resources
from actions.analytics_actions import SYNTHETIC_NOTE, ActionCheckBill, ActionForecastPagu, ActionRekonRisk
from analytics.money import format_rupiah
from hai.messages import APOLOGY_REPLY
from hai.settings import get_settings
from tests.actions.trackers import conversation, run, slot_events, texts

IDPEL = "500025488143"


@pytest.fixture(scope="module")
def history():
    return resources.bills().history_for_idpel(IDPEL)


def test_a_usual_bill_is_wajar_with_the_history_numbers(domain, history):
    window = history["nilai_tagihan"].tail(6)
    usual = int(window.median())
    state = conversation(idpel=IDPEL, nominal=str(usual))
    events, messages = run(ActionCheckBill(), state, domain)
    said = texts(messages)
    assert said.startswith(f"Hasil cek kewajaran tagihan listrik idpel {IDPEL} periode Januari 2024:")
    assert "Kesimpulan: WAJAR" in said and f"Nilai tagihan: {format_rupiah(usual)}" in said
    assert f"rata-rata {format_rupiah(window.mean())}, median {format_rupiah(window.median())}" in said
    assert "Alasan: Tagihan Januari 2024" in said and SYNTHETIC_NOTE in said
    assert slot_events(events) == {"nominal": None, "periode": None, "validation_failures": 0}


def test_a_bill_far_above_its_history_is_tidak_wajar(domain, history):
    state = conversation(idpel=IDPEL, nominal=str(int(history["nilai_tagihan"].max() * 3)), periode="2023-06")
    _, messages = run(ActionCheckBill(), state, domain)
    said = texts(messages)
    assert "periode Juni 2023" in said and "Kesimpulan: TIDAK WAJAR" in said and "PPK perlu menguji" in said


def test_unknown_idpel_says_so_without_apology_and_forgets_it(domain):
    events, messages = run(ActionCheckBill(), conversation(idpel="123456789012", nominal="1000000"), domain)
    assert texts(messages) == "Idpel 123456789012 tidak ditemukan dalam data tagihan listrik."
    assert slot_events(events)["idpel"] is None


def test_submit_after_a_stopped_form_does_nothing(domain):
    events, messages = run(ActionCheckBill(), conversation(idpel=IDPEL), domain)
    assert messages == [] and all(e["value"] in (None, 0) for e in events)


def test_pagu_forecast_with_a_chart_under_a_content_hash_name(domain):
    events, messages = run(ActionForecastPagu(), conversation(kode_satker="400156"), domain)
    text, image = messages[0]["text"], messages[1]["image"]
    assert text.startswith("Pagu ") and "Satker 400156, akun 522111 tahun 2024" in text and SYNTHETIC_NOTE in text
    base = f"{get_settings().public_base_url}/charts/pagu-"
    assert image.startswith(base) and image.endswith(".png")
    name = image.rsplit("/", 1)[1]
    png = get_settings().charts_dir / name
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again, _ = run(ActionForecastPagu(), conversation(kode_satker="400156"), domain)
    assert sorted(p.name for p in Path(png.parent).glob("pagu-*.png")).count(name) == 1
    assert slot_events(events) == {"periode": None, "validation_failures": 0}


def test_pagu_as_of_a_month_without_data_is_refused(domain):
    events, messages = run(ActionForecastPagu(), conversation(kode_satker="400156", periode="Maret 2025"), domain)
    assert texts(messages) == ("Data tagihan baru tersedia sampai Desember 2023; periode Maret 2025 belum dapat "
                               "dipakai.")
    assert "kode_satker" not in slot_events(events)


def test_pagu_unknown_satker(domain):
    events, messages = run(ActionForecastPagu(), conversation(kode_satker="999999"), domain)
    assert "Satker 999999 tidak ditemukan" in texts(messages) and slot_events(events)["kode_satker"] is None


def test_rekon_risk_in_words_and_marked_synthetic(domain):
    _, messages = run(ActionRekonRisk(), conversation(kode_satker="100976"), domain)
    said = texts(messages)
    assert said.startswith("Risiko selisih rekonsiliasi satker 100976 (data ")
    assert "peluang SELISIH " in said and "%, kelas " in said and "batas kelas SELISIH" in said
    assert "Alasannya:\n- " in said and "poin persen" in said and SYNTHETIC_NOTE in said


def test_rekon_unknown_satker(domain):
    events, messages = run(ActionRekonRisk(), conversation(kode_satker="999999"), domain)
    assert texts(messages) == "Satker 999999 tidak ditemukan dalam data rekonsiliasi."
    assert slot_events(events)["kode_satker"] is None


# --- the base class: timeouts and crashes ------------------------------------------------------------
def test_a_core_call_past_the_timeout_gets_an_apology_and_a_log(domain, monkeypatch, caplog, short_timeout):
    def slow(*args, **kwargs):
        time.sleep(short_timeout * 4)

    monkeypatch.setattr(analytics_actions, "check_idpel_bill", slow)
    events, messages = run(ActionCheckBill(), conversation(idpel=IDPEL, nominal="1000000"), domain)
    assert texts(messages) == APOLOGY_REPLY and "14090" in APOLOGY_REPLY
    assert "action_check_bill timed out after 0.2 s" in caplog.text
    assert slot_events(events)["nominal"] is None


def test_a_crash_gets_an_apology_and_a_redacted_log(domain, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("gagal untuk NIP 198501012010011001 / budi@kemenkeu.go.id")

    monkeypatch.setattr(analytics_actions, "check_idpel_bill", broken)
    _, messages = run(ActionCheckBill(), conversation(idpel=IDPEL, nominal="1000000"), domain)
    assert texts(messages) == APOLOGY_REPLY and "Traceback" not in texts(messages)
    assert "action_check_bill failed" in caplog.text and "RuntimeError: gagal untuk NIP [NIP] / [EMAIL]" in caplog.text
    assert "198501012010011001" not in caplog.text and "budi@kemenkeu.go.id" not in caplog.text
