"""Account-code suggestion and validation actions on the shipped (partial) Kepmendagri 050-5889 reference."""
from __future__ import annotations

import pytest

from actions import resources
from actions.account_actions import ActionSuggestAccount, ActionValidateAccount
from actions.cancel import ActionCancelForm
from actions.prompts import FORM_CANCELLED
from tests.actions.trackers import action, conversation, form_waiting, run, slot_events, texts, user

ATK = "5.1.02.01.01.0024"
ATK_NAME = "Belanja Alat/Bahan untuk Kegiatan Kantor-Alat Tulis Kantor"


@pytest.fixture(scope="module", autouse=True)
def built_suggester(use_hai_data_dir):
    """Build the suggester and its index first, as the server's warm-up does: a cold build (embedding model
    and ~200 reference names) on a busy machine can take longer than an action may."""
    resources.accounts().index


def test_suggest_top_codes_with_a_confidence_word(domain):
    events, messages = run(ActionSuggestAccount(), conversation(nama_akun="belanja iuran jaminan kesehatan PNS"), domain)
    lines = texts(messages).splitlines()
    assert lines[0] == ('Saran kode akun untuk "belanja iuran jaminan kesehatan PNS" '
                        "(dengan peraturan yang menjadi dasarnya):")
    assert lines[1] == ("1. 5.1.01.01.09.0001 – Belanja Iuran Jaminan Kesehatan PNS "
                        "(sama persis; Kepmendagri 050-5889 Tahun 2021)")
    assert lines[2].startswith("2. ") and lines[-1].startswith("Pilih kode")
    assert slot_events(events) == {"nama_akun": None, "validation_failures": 0}


def test_no_confident_match_shows_weak_candidates(domain):
    events, messages = run(ActionSuggestAccount(), conversation(nama_akun="pengadaan satelit luar angkasa"), domain)
    said = texts(messages)
    assert said.startswith('Saya belum menemukan kode akun yang cukup mirip dengan "pengadaan satelit luar angkasa".')
    assert "(kemiripan lemah; " in said and "1. " in said and "Periksa penulisan" in said
    assert slot_events(events)["nama_akun"] is None


def test_validate_a_matching_pair(domain):
    events, messages = run(ActionValidateAccount(), conversation(kode_akun=ATK, nama_akun=ATK_NAME), domain)
    assert texts(messages).startswith(f"Kode {ATK} ada di referensi yang terpasang (")
    assert "sesuai dengan kode tersebut. Dasar: Kepmendagri 050-5889 Tahun 2021." in texts(messages)
    assert slot_events(events) == {"kode_akun": None, "nama_akun": None, "validation_failures": 0}


def test_validate_a_name_that_belongs_to_another_code(domain):
    state = conversation(kode_akun=ATK, nama_akun="belanja iuran jaminan kesehatan PNS")
    _, messages = run(ActionValidateAccount(), state, domain)
    said = texts(messages)
    assert 'ada di referensi yang terpasang' in said and f'sebagai "{ATK_NAME}"' in said
    assert "lebih cocok dengan kode 5.1.01.01.09.0001 – Belanja Iuran Jaminan Kesehatan PNS (sangat mirip)" in said


def test_validate_an_unknown_code(domain):
    _, messages = run(ActionValidateAccount(), conversation(kode_akun="5.1.09.09.09.0009", nama_akun="xyz qwerty"), domain)
    said = texts(messages)
    assert said.startswith("Kode 5.1.09.09.09.0009 tidak ada di referensi") and "tidak cukup mirip" in said


def test_template_names_and_older_regulation_are_named(domain):
    name = "Belanja Subsidi kepada BUMD PDAM Tirta Raharja"
    _, messages = run(ActionSuggestAccount(), conversation(nama_akun=name), domain)
    assert "1. 5.1.04.02.02.0001 – Belanja Subsidi kepada BUMD ... (sesuai templat; Permendagri 90 Tahun 2019)" \
        in texts(messages)
    _, messages = run(ActionValidateAccount(), conversation(kode_akun="5.1.04.02.02.0002", nama_akun=name), domain)
    said = texts(messages)
    assert "sesuai dengan kode tersebut (nama sesuai templat 5.1.04.02.02.0001" in said
    assert said.endswith("Dasar: Permendagri 90 Tahun 2019.")


def test_old_nomenclature_is_told_what_changed(domain):
    old = "Belanja Pemeliharaan Alat Kantor dan Rumah Tangga-Alat Rumah Tangga-Meubelair"
    _, messages = run(ActionValidateAccount(), conversation(kode_akun="5.1.02.03.02.0118", nama_akun=old), domain)
    said = texts(messages)
    assert said.startswith(f'Nama "{old}" adalah nama lama kode 5.1.02.03.02.0118 menurut Permendagri 90 Tahun 2019')
    assert said.endswith("Alat Rumah Tangga-Mebel.")


def test_validate_the_spelling_of_the_right_code(domain):
    _, messages = run(ActionValidateAccount(), conversation(kode_akun=ATK, nama_akun="belanja alat tulis kantor"), domain)
    assert f"penulisannya belum baku. Nama baku: {ATK_NAME}." in texts(messages)


# --- action_cancel_form --------------------------------------------------------------------------
def test_cancel_stops_the_active_form_and_forgets_its_slots(domain):
    state = user(form_waiting("bill_form_nominal", periode="2023-02"), "batal", intent="cancel")
    events, messages = run(ActionCancelForm(), state, domain)
    assert texts(messages) == FORM_CANCELLED
    assert {"event": "active_loop", "name": None} in [{k: e[k] for k in ("event", "name")} for e in events
                                                      if e["event"] == "active_loop"]
    assert slot_events(events) == {"requested_slot": None, "validation_failures": 0, "idpel": None, "nominal": None,
                                   "periode": None}


def test_cancel_after_the_rule_deactivated_the_form(domain):
    state = user(form_waiting("account_check_form_nama"), "gak jadi", intent="cancel")
    action(state, "action_deactivate_loop")
    state["events"].append({"event": "active_loop", "name": None})
    state["active_loop"] = {}
    events, _ = run(ActionCancelForm(), state, domain)
    assert slot_events(events)["kode_akun"] is None and slot_events(events)["nama_akun"] is None


def test_cancel_with_nothing_running(domain):
    events, messages = run(ActionCancelForm(), user(conversation(), "batal", intent="cancel"), domain)
    assert [m["response"] for m in messages] == ["utter_nothing_to_cancel"] and events == []
