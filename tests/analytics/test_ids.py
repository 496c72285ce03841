"""The identifier parsers (analytics.ids): kode satker, idpel and months, one parser each for every channel,
and the file loaders agreeing with them."""
import numpy as np
import pandas as pd
import pytest

from analytics.bills.io import load_bill_export
from analytics.errors import InvalidInputError
from analytics.ids import (
    Idpel, KodeSatker, parse_idpel, parse_kode_satker, parse_periode, parse_periode_series,
)


@pytest.mark.parametrize("text", ["400156", " 400156 ", "400 156", "400.156", "400-156", "4 0 0 1 5 6", "400156\n"])
def test_kode_satker_written_with_separators_is_read(text):
    code = parse_kode_satker(text)
    assert code == "400156" and type(code) is KodeSatker


@pytest.mark.parametrize("value, shown", [("40015", "40015"), ("12a", "12a"), ("", ""), ("4001567", "4001567"),
                                          ("400/156", "400/156"), ("satker 400156", "satker 400156"),
                                          ("  400   15 ", "400 15"), (12.5, "12.5"), (None, "None")])
def test_kode_satker_refused_with_the_one_message(value, shown):
    with pytest.raises(InvalidInputError) as err:
        parse_kode_satker(value)
    assert str(err.value) == f"Kode satker harus 6 digit angka, '{shown}' belum sesuai."


@pytest.mark.parametrize("value, expected", [(19213, "019213"), (19213.0, "019213"), (np.int64(527027), "527027")])
def test_kode_satker_numbers_from_spreadsheets_are_zero_padded(value, expected):
    assert parse_kode_satker(value) == expected


@pytest.mark.parametrize("text", ["500025488143", "5000 2548 8143", "5000.2548.8143", "5000-2548-8143"])
def test_idpel_written_with_separators_is_read(text):
    idpel = parse_idpel(text)
    assert idpel == "500025488143" and type(idpel) is Idpel


@pytest.mark.parametrize("text", ["50002548814", "5000254881430", "50002548814X", "", "idpel saya"])
def test_idpel_refused_with_the_one_message(text):
    with pytest.raises(InvalidInputError) as err:
        parse_idpel(text)
    assert str(err.value) == f"ID pelanggan (idpel) harus 12 digit angka, '{text}' belum sesuai."


def test_a_long_input_is_quoted_short():
    with pytest.raises(InvalidInputError) as err:
        parse_idpel("1" * 500)
    assert f"'{'1' * 39}…' belum sesuai" in str(err.value)


def test_a_parsed_value_passes_through_unchanged():
    code = parse_kode_satker("400 156")
    assert parse_kode_satker(code) is code
    idpel = parse_idpel("5000 2548 8143")
    assert parse_idpel(idpel) is idpel


@pytest.mark.parametrize("value, expected", [(202202, "2022-02"), ("2022-02", "2022-02"), ("Februari 2022", "2022-02"),
                                             ("FEB-22", "2022-02"), ("02/2022", "2022-02"), ("20220215", "2022-02"),
                                             ("Agustus 2021", "2021-08"), (pd.Timestamp("2021-08-17"), "2021-08")])
def test_parse_periode(value, expected):
    assert parse_periode(value) == pd.Period(expected, "M")


@pytest.mark.parametrize("text", ["kemarin", "13/2023", "2022-00", ""])
def test_periode_refused_with_the_one_message(text):
    with pytest.raises(InvalidInputError) as err:
        parse_periode(text)
    assert str(err.value) == ("Periode harus berupa bulan dan tahun, misalnya Februari 2024 atau 02/2024; "
                              f"'{text}' belum sesuai.")


def test_periode_series_gives_the_parser_s_messages():
    months, errors = parse_periode_series(pd.Series(["2022-02", "13/2023", None]))
    assert months[0] == 2022 * 12 + 1 and months[1] == -1
    assert errors == {1: "Periode harus berupa bulan dan tahun, misalnya Februari 2024 atau 02/2024; '13/2023' "
                         "belum sesuai.", 2: "periode kosong"}


SATKER_CELLS = ["400156", "400 156", "400.156", "40015", "12a", "", "4001567"]
IDPEL_CELLS = ["500025488143", "5000 2548 8143", "50002548814", "5000254881430", "50002548814X"]


def test_bill_loader_accepts_and_refuses_what_the_parsers_do():
    rows = [(s, "500025488143") for s in SATKER_CELLS] + [("400156", i) for i in IDPEL_CELLS]
    body = "KODE_SATKER;NO_PELANGGAN;PERIODE_TAGIHAN;NILAI_TAGIHAN\n" + "".join(
        f"{s};{i};{2020 + n // 12}-{n % 12 + 1:02d};1000\n" for n, (s, i) in enumerate(rows))
    loaded = load_bill_export(body.encode())
    refused = {e.line: e.message for e in loaded.errors}
    for n, (satker, idpel) in enumerate(rows):
        line = n + 2
        try:
            expected = (parse_kode_satker(satker), parse_idpel(idpel))
        except InvalidInputError as exc:
            assert refused[line] == exc.message
            continue
        assert line not in refused
        row = loaded.frame[loaded.frame["baris"] == line].iloc[0]
        assert (row["kode_satker"], row["idpel"]) == expected
