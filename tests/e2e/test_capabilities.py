"""One conversation per capability, in plain Indonesian, through the real Rasa server and action server
over the REST channel: a helpdesk question, bill fairness, pagu forecast, reconciliation risk, account-code
suggestion and check, and a handoff that leaves a record agents can see.

Identifiers are taken from the shipped (synthetic) sample data at run time; the answers are computed by the
analytics, so the tests check their shape and key numbers, not fixed strings of a result.
"""
from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, text

from analytics.bills.repository import BillRepository
from analytics.money import format_rupiah
from analytics.rekon.repository import RekonRepository

pytestmark = pytest.mark.e2e


def _sender(name: str) -> str:
    return f"cap-{name}-{uuid.uuid4().hex[:6]}"


def _joined(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


@pytest.fixture(scope="module")
def bills() -> BillRepository:
    return BillRepository.sample()


def test_helpdesk_question_gets_an_answer_with_category_and_source(stack):
    reply = _joined(stack.say(_sender("faq"), "bagaimana cara mengajukan revisi DIPA ke kanwil?"))
    assert "revisi" in reply.lower()
    assert "Kategori:" in reply and "Sumber:" in reply, reply


def test_bill_check_asks_for_what_is_missing_and_reports_the_verdict(stack, bills):
    idpel = bills.history_for_idpel(bills.month_bills(bills.last_month)["idpel"].iloc[0])["idpel"].iloc[0]
    sender = _sender("bill")
    ask = _joined(stack.say(sender, "tolong cek kewajaran tagihan listrik kantor kami"))
    assert "idpel" in ask.lower()
    ask = _joined(stack.say(sender, f"idpelnya {idpel}"))
    assert "nominal" in ask.lower() or "nilai" in ask.lower()
    reply = _joined(stack.say(sender, "2 juta 300 ribu"))
    assert f"idpel {idpel}" in reply and "Kesimpulan:" in reply
    assert f"Nilai tagihan: {format_rupiah(2_300_000)}" in reply, reply
    assert "Alasan:" in reply


def test_unknown_idpel_is_re_asked_in_indonesian(stack):
    sender = _sender("bill-unknown")
    stack.say(sender, "cek tagihan listrik")
    reply = _joined(stack.say(sender, "999999999999"))
    assert "999999999999" in reply and "tidak" in reply.lower(), reply


def test_pagu_forecast_gives_the_verdict_and_a_chart(stack, bills):
    kode = bills.satker_codes()[0]
    messages = stack.say(_sender("pagu"), f"apakah pagu listrik satker {kode} cukup sampai akhir tahun?")
    reply = _joined(messages)
    assert kode in reply and ("Pagu Cukup" in reply or "Pagu Kurang" in reply), reply
    assert re.search(r"Rp\d{1,3}(\.\d{3})+", reply), "rupiah amounts written the Indonesian way"
    images = [m["image"] for m in messages if m.get("image")]
    assert images, "the forecast comes with its chart"
    stack.start("api")  # the API serves the charts the action server writes
    png = httpx.get(images[0], timeout=30)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")


def test_rekon_risk_gives_probability_class_and_reasons(stack):
    kode = RekonRepository.from_sample().kode_satker[0]
    sender = _sender("rekon")
    assert "satker" in _joined(stack.say(sender, "seberapa besar risiko rekon satker kami selisih?")).lower()
    reply = _joined(stack.say(sender, kode))
    assert f"satker {kode}" in reply and "peluang SELISIH" in reply and "%" in reply, reply
    assert "kelas" in reply


def test_account_suggestion_finds_the_seed_example(stack):
    reply = _joined(stack.say(_sender("akun"), "kode akun untuk belanja iuran jaminan asuransi apa ya?"))
    assert "5.1.01.01.09.0001" in reply, reply


def test_account_check_flags_a_wrongly_coded_name(stack):
    sender = _sender("cekakun")
    stack.say(sender, "tolong periksa apakah kode akun saya sudah benar")
    stack.say(sender, "5.1.02.01.01.0024")
    reply = _joined(stack.say(sender, "belanja iuran jaminan kesehatan PNS"))
    assert "5.1.01.01.09.0001" in reply, reply


def test_cancel_ends_a_form_politely(stack):
    sender = _sender("batal")
    stack.say(sender, "cek risiko rekon dong")
    reply = _joined(stack.say(sender, "batal"))
    assert "batalkan" in reply.lower(), reply


def test_handoff_is_recorded_for_the_agents(stack):
    sender = _sender("handoff")
    stack.say(sender, "bagaimana cara mengajukan revisi DIPA?")
    reply = _joined(stack.say(sender, "saya mau bicara dengan petugas"))
    assert "petugas" in reply.lower() and "14090" in reply, reply
    engine = create_engine(stack.settings.app_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT channel, transcript FROM handoff_requests WHERE sender_id = :s"),
                            {"s": sender}).all()
    engine.dispose()
    assert len(rows) == 1
    assert "revisi DIPA" in str(rows[0].transcript)


def test_three_wrong_satker_codes_end_the_form_politely(stack):
    sender = _sender("gagal")
    stack.say(sender, "prakiraan kecukupan pagu listrik")
    replies = [_joined(stack.say(sender, bad)) for bad in ("12a4", "99", "1234567")]
    assert all("belum sesuai" in r for r in replies[:2]), replies
    assert "14090" in replies[2] or "petugas" in replies[2].lower(), replies[2]
    # the form is over: the next turn is an ordinary one
    assert "Asisten HAI DJPb" in _joined(stack.say(sender, "halo"))


@pytest.mark.parametrize("message", ["🙏🙏🙏", "pls help me cek tagihan listrik dong"])
def test_emoji_only_and_mixed_language_messages_get_a_reply(stack, message):
    messages = stack.say(_sender("aneh"), message)
    assert messages and all((m.get("text") or m.get("image")) for m in messages)
