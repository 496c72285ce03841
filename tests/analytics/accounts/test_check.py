"""check_account (one code + name pair), normalize_kode_akun and match_strength."""
from __future__ import annotations

import pytest

from analytics.accounts.suggest import MIN_CONFIDENT_SCORE, match_strength
from analytics.accounts.reference import normalize_kode_akun
from analytics.accounts.validate import OK, UNKNOWN, WRITTEN, WRONG_CODE, check_account
from analytics.errors import InvalidInputError

ATK = "5.1.02.01.01.0024"
ATK_NAME = "Belanja Alat/Bahan untuk Kegiatan Kantor-Alat Tulis Kantor"


def test_normalize_kode_akun():
    assert normalize_kode_akun(" 5.1.02.01.01. 0024 ") == ATK
    for bad in ("5.1.02", "5.1.2.01.01.0024", "5.1.02.01.01.24", "abc", None):
        with pytest.raises(InvalidInputError, match="5.1.02.01.01.0024"):
            normalize_kode_akun(bad)


def test_match_strength_words():
    assert match_strength(1.0, "exact") == "sama persis"
    assert [match_strength(s) for s in (0.9, 0.8, MIN_CONFIDENT_SCORE, 0.3)] == [
        "sangat mirip", "mirip", "cukup mirip", "kemiripan lemah"]


def test_check_account_statuses():
    ok = check_account(ATK, ATK_NAME.lower())
    assert ok.status == OK and ok.code_known and ok.code_name == ATK_NAME
    written = check_account(ATK, "belanja alat tulis kantor")
    assert written.status == WRITTEN and written.suggested_code == ATK and not written.note
    wrong = check_account(ATK, "Belanja Iuran Jaminan Kesehatan PNS")
    assert wrong.status == WRONG_CODE and wrong.code_known and wrong.suggested_code == "5.1.01.01.09.0001"
    unknown = check_account("5.1.09.09.09.0009", "xyz qwerty")
    assert unknown.status == UNKNOWN and not unknown.code_known and unknown.suggested_code is None
    with pytest.raises(InvalidInputError, match="nama akun kosong"):
        check_account(ATK, " - ")
