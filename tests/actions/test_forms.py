"""Form validation: bare replies reach validation, wrong values are named, 3 failures stop the form."""
from __future__ import annotations

import pytest
from rasa_sdk.interfaces import ActionExecutionRejection

from actions import forms_config
from actions.forms import (
    ValidateAccountCheckForm,
    ValidateAccountForm,
    ValidateBillForm,
    ValidatePaguForm,
    ValidateRekonForm,
)
from actions.forms_config import STOP_REPLY
from tests.actions.trackers import (
    action,
    activation,
    form_call,
    form_turn,
    form_waiting,
    run,
    set_slot,
    slot_events,
    texts,
    user,
)

IDPEL = "500025488143"  # in the shipped synthetic bills
SATKER_BILLS = "400156"
SATKER_REKON = "100976"


# --- bill form -------------------------------------------------------------------------------------
def test_bare_idpel_with_spaces_is_extracted_and_normalised(domain):
    events, messages = run(ValidateBillForm(), form_turn("bill_form", "5000 2548 8143"), domain)
    assert slot_events(events) == {"idpel": IDPEL, "validation_failures": 0}
    assert messages == []


def test_wrong_idpel_is_named_with_the_expected_shape(domain):
    events, messages = run(ValidateBillForm(), form_turn("bill_form", "12a4", intent="nlu_fallback"), domain)
    assert slot_events(events) == {"idpel": None, "validation_failures": 1}
    assert texts(messages) == "ID pelanggan (idpel) harus 12 digit angka, '12a4' belum sesuai."


def test_a_fragment_tagged_by_nlu_falls_back_to_the_whole_reply(domain):
    state = form_turn("bill_form", "5000 2548 8143", entities={"idpel": "8143"})
    events, messages = run(ValidateBillForm(), state, domain)
    assert slot_events(events) == {"idpel": IDPEL, "validation_failures": 0} and messages == []


def test_unknown_idpel_is_not_found_and_asked_again(domain):
    events, messages = run(ValidateBillForm(), form_turn("bill_form", "123456789012"), domain)
    assert slot_events(events) == {"idpel": None, "validation_failures": 1}
    assert "Idpel 123456789012 tidak ditemukan dalam data tagihan listrik" in texts(messages)


def test_bare_amount_in_words_reaches_validation_and_fails_clearly(domain):
    state = form_turn("bill_form_nominal", "satu juta", intent="inform", confidence=0.6, failures=1)
    events, messages = run(ValidateBillForm(), state, domain)
    assert slot_events(events) == {"nominal": None, "validation_failures": 2}
    assert "'satu juta' belum sesuai" in texts(messages) and "1,25 juta" in texts(messages)


@pytest.mark.parametrize("text, value", [("Rp 1.250.000", "1250000"), ("1,25 juta", "1250000"), ("850rb", "850000")])
def test_amounts_are_stored_as_whole_rupiah(domain, text, value):
    events, _ = run(ValidateBillForm(), form_turn("bill_form_nominal", text, failures=2), domain)
    assert slot_events(events) == {"nominal": value, "validation_failures": 0}  # success resets the counter


def test_zero_amount_is_refused(domain):
    events, messages = run(ValidateBillForm(), form_turn("bill_form_nominal", "0"), domain)
    assert slot_events(events)["nominal"] is None and "lebih dari 0" in texts(messages)


def test_third_failure_in_a_row_stops_the_form(domain):
    events, messages = run(ValidateBillForm(), form_turn("bill_form_nominal", "banyak", failures=2), domain)
    assert slot_events(events) == {"idpel": None, "nominal": None, "periode": None, "validation_failures": 0,
                                   "requested_slot": None}
    said = texts(messages)
    assert "'banyak' belum sesuai" in said and said.endswith(STOP_REPLY)
    assert "14090" in STOP_REPLY and "3 kali" in STOP_REPLY


def test_optional_periode_is_validated_and_normalised(domain):
    state = form_turn("bill_form_nominal", "Rp 900.000 untuk Februari 2023",
                      entities={"nominal": "Rp 900.000", "periode": "Februari 2023"})
    events, _ = run(ValidateBillForm(), state, domain)
    assert slot_events(events) == {"nominal": "900000", "periode": "2023-02", "validation_failures": 0}


def test_wrong_periode_is_cleared_with_a_message(domain):
    state = form_turn("bill_form_nominal", "900 ribu bulan 13/2023", entities={"nominal": "900 ribu", "periode": "13/2023"})
    events, messages = run(ValidateBillForm(), state, domain)
    assert slot_events(events) == {"nominal": "900000", "periode": None, "validation_failures": 1}
    assert "'13/2023' belum sesuai" in texts(messages)


def test_a_correction_of_a_filled_slot_is_validated_and_replaces_it(domain):
    other = "500025489999"
    state = form_turn("bill_form_nominal", f"maaf idpel saya {IDPEL}", entities={"idpel": IDPEL},
                      slots={"idpel": other})
    events, messages = run(ValidateBillForm(), state, domain)
    assert slot_events(events) == {"idpel": IDPEL, "validation_failures": 0}
    assert texts(messages) == f"Baik, idpel saya ganti menjadi {IDPEL}."


def test_prefilled_slots_at_activation_start_a_fresh_count(domain):
    state = activation("bill_form", '/check_bill{"idpel":"12a4"}', "check_bill", {"idpel": "12a4"}, failures=2)
    events, messages = run(ValidateBillForm(), state, domain)
    assert slot_events(events) == {"idpel": None, "validation_failures": 1}  # not 3: a new form, a new count


def test_activation_never_takes_the_trigger_text_as_a_value(domain):
    state = activation("bill_form", "cek kewajaran tagihan listrik", "check_bill", {})
    events, messages = run(ValidateBillForm(), state, domain)
    assert events == [] and messages == []


# --- when the message is not an answer -------------------------------------------------------------
def test_a_confident_question_is_left_to_the_rules(domain):
    state = form_turn("bill_form_nominal", "bagaimana cara revisi DIPA?", intent="ask_helpdesk", confidence=0.93)
    events, messages = run(ValidateBillForm(), state, domain)
    assert events == [] and messages == []  # nothing extracted: Rasa rejects the form, the rule answers


def test_a_value_shaped_reply_is_an_answer_whatever_the_intent(domain):
    state = form_turn("bill_form", "12a4", intent="ask_helpdesk", confidence=0.93)
    events, _ = run(ValidateBillForm(), state, domain)
    assert slot_events(events)["idpel"] is None and slot_events(events)["validation_failures"] == 1


def test_the_form_s_own_request_again_is_not_taken_as_a_value(domain):
    state = form_turn("bill_form", "cek tagihan listrik dong", intent="check_bill", confidence=0.9)
    events, messages = run(ValidateBillForm(), state, domain)
    assert events == [] and messages == []


def test_cancel_in_a_free_text_form_steps_aside(domain):
    state = form_turn("account_form", "batal saja", intent="cancel", confidence=0.97, candidates={"nama_akun": "batal saja"})
    with pytest.raises(ActionExecutionRejection):
        run(ValidateAccountForm(), state, domain)


@pytest.mark.parametrize("name, validation", [("account_form", ValidateAccountForm),
                                              ("pagu_form", ValidatePaguForm)])
def test_a_feedback_button_pressed_in_a_form_steps_aside(domain, name, validation):
    """👍/👎 under an answer given in the form: the rule stores the vote, then the form asks again."""
    payload = '/feedback{"answer_id":"Zt3k9QxWm2Lp7RvB4nY8cA","vote":"down"}'
    taken = {"nama_akun": payload} if name == "account_form" else {}  # the free-text mapping takes anything
    state = form_turn(name, payload, intent="feedback", confidence=1.0, candidates=taken)
    with pytest.raises(ActionExecutionRejection):
        run(validation(), state, domain)


def test_resuming_after_an_interruption_clears_the_text_taken_from_it(domain):
    state = form_waiting("account_form")
    user(state, "menu", intent="help", confidence=0.96)
    set_slot(state, "nama_akun", "menu")  # the from_text mapping took it
    action(state, "action_show_menu", "Saya dapat membantu Anda untuk: ...")
    form_call(state, "account_form")
    events, messages = run(ValidateAccountForm(), state, domain)
    assert slot_events(events) == {"nama_akun": None} and messages == []


# --- the other forms -------------------------------------------------------------------------------
def test_pagu_form_satker_shape_and_existence(domain):
    events, messages = run(ValidatePaguForm(), form_turn("pagu_form", "12a4"), domain)
    assert slot_events(events)["kode_satker"] is None
    assert texts(messages) == "Kode satker harus 6 digit angka, '12a4' belum sesuai."
    events, messages = run(ValidatePaguForm(), form_turn("pagu_form", "999999"), domain)
    assert slot_events(events)["kode_satker"] is None and "Satker 999999 tidak ditemukan" in texts(messages)
    events, _ = run(ValidatePaguForm(), form_turn("pagu_form", SATKER_BILLS), domain)
    assert slot_events(events) == {"kode_satker": SATKER_BILLS, "validation_failures": 0}


def test_rekon_form_checks_the_reconciliation_data(domain):
    events, messages = run(ValidateRekonForm(), form_turn("rekon_form", "satker 999999"), domain)
    assert slot_events(events)["kode_satker"] is None
    assert "'satker 999999' belum sesuai" in texts(messages)  # only the six digits are a kode satker
    events, messages = run(ValidateRekonForm(), form_turn("rekon_form", "999999"), domain)
    assert "tidak ditemukan dalam data rekonsiliasi" in texts(messages)
    events, _ = run(ValidateRekonForm(), form_turn("rekon_form", SATKER_REKON), domain)
    assert slot_events(events)["kode_satker"] == SATKER_REKON


def test_account_check_form_code_format_and_name_length(domain):
    events, messages = run(ValidateAccountCheckForm(), form_turn("account_check_form", "5.1.02"), domain)
    assert slot_events(events)["kode_akun"] is None and "5.1.02.01.01.0024" in texts(messages)
    events, _ = run(ValidateAccountCheckForm(), form_turn("account_check_form", "5.1.02.01.01. 0024"), domain)
    assert slot_events(events)["kode_akun"] == "5.1.02.01.01.0024"
    state = form_turn("account_check_form_nama", "ab", candidates={"nama_akun": "ab"})
    events, messages = run(ValidateAccountCheckForm(), state, domain)
    assert slot_events(events)["nama_akun"] is None and "minimal berisi 3 huruf" in texts(messages)


def test_account_form_accepts_a_free_text_name(domain):
    state = form_turn("account_form", "belanja  alat tulis kantor", candidates={"nama_akun": "belanja  alat tulis kantor"})
    events, _ = run(ValidateAccountForm(), state, domain)
    assert slot_events(events) == {"nama_akun": "belanja alat tulis kantor", "validation_failures": 0}


def test_an_existence_check_that_breaks_accepts_the_value(domain, monkeypatch, caplog):
    def broken(_value):
        raise OSError("disk gone")

    monkeypatch.setitem(forms_config.FORMS, "pagu_form", forms_config.FormConfig(
        "forecast_pagu", {"kode_satker": forms_config.SlotRule(
            "kode satker", forms_config.SATKER_BILLS.parse, forms_config.SATKER_BILLS.wrong, exists=broken)}))
    events, messages = run(ValidatePaguForm(), form_turn("pagu_form", "123456"), domain)
    assert slot_events(events)["kode_satker"] == "123456" and messages == []
    assert "could not check" in caplog.text
