"""Indonesian rupiah parsing and formatting (analytics.money)."""
import numpy as np
import pandas as pd
import pytest

from analytics.errors import InvalidInputError, MoneyParseError
from analytics.money import (
    format_desimal, format_persen, format_ribuan, format_rupiah, format_rupiah_singkat, parse_bill_amount,
    parse_rupiah, parse_rupiah_series,
)


@pytest.mark.parametrize("text, expected", [
    ("3.648.730.000", 3_648_730_000),
    ("Rp 1.250.000", 1_250_000),
    ("Rp1.250.000", 1_250_000),
    ("Rp. 1.250.000", 1_250_000),
    ("IDR 1,250,000.00", 1_250_000),
    ("Rp1.250.000,00", 1_250_000),
    ("Rp 1.250.000,-", 1_250_000),
    ("1.250.000 rupiah", 1_250_000),
    ("1,25 juta", 1_250_000),
    ("1.2jt", 1_200_000),
    ("1,5 M", 1_500_000_000),
    ("Rp 1,5 miliar", 1_500_000_000),
    ("2 milyar", 2_000_000_000),
    ("500rb", 500_000),
    ("750 ribu", 750_000),
    ("1.250 juta", 1_250_000_000),
    ("1 250 000", 1_250_000),
    ("1250000", 1_250_000),
    ("1.250", 1_250),
    ("1,250", 1_250),
    ("12,50", 13),          # sen rounded half up to rupiah
    ("-1.000", -1_000),
    ("(1.250.000)", -1_250_000),
    ("-Rp 1.000", -1_000),
    ("\u00a0Rp\u00a01.000\u00a0", 1_000),
])
def test_parse_indonesian_text(text, expected):
    assert parse_rupiah(text) == expected


@pytest.mark.parametrize("value, expected", [(1_250_000, 1_250_000), (3648730000.0, 3_648_730_000), (1234.5, 1235),
                                             (np.int64(42), 42), (np.float64(7.4), 7)])
def test_parse_numbers_from_spreadsheets(value, expected):
    assert parse_rupiah(value) == expected


@pytest.mark.parametrize("bad", ["", "abc", "12a", "1.25.000", "1.250,505", "Rp", None, True, float("nan"), [1]])
def test_parse_rejects_with_indonesian_message(bad):
    with pytest.raises(MoneyParseError) as err:
        parse_rupiah(bad)
    assert "tidak dapat dibaca" in str(err.value)


def test_series_parses_text_and_reports_positions():
    values, errors = parse_rupiah_series(pd.Series(["Rp 1.000", "x", "2.500.000", None, "1,5 juta"]))
    assert values[0] == 1000 and values[2] == 2_500_000 and values[4] == 1_500_000
    assert set(errors) == {1, 3} and np.isnan(values[1]) and np.isnan(values[3])


def test_series_numeric_passthrough():
    values, errors = parse_rupiah_series(pd.Series([1.0, np.nan, 3.6]))
    assert values[0] == 1 and values[2] == 4 and errors == {1: "nilai kosong"}


def test_formatting():
    assert format_ribuan(3_648_730_000) == "3.648.730.000"
    assert format_rupiah(1_250_000) == "Rp1.250.000"
    assert format_rupiah(-1_250_000) == "-Rp1.250.000"
    assert format_rupiah(999.6) == "Rp1.000"
    assert format_desimal(1234.5, 2) == "1.234,50"
    assert format_persen(0.2) == "20,0%"
    assert format_persen(-0.0312) == "-3,1%"
    assert format_rupiah_singkat(1_259_221_600) == "Rp1,26 miliar"
    assert format_rupiah_singkat(40_059_130) == "Rp40,06 juta"
    assert format_rupiah_singkat(850_000) == "Rp850 ribu"
    assert format_rupiah_singkat(950) == "Rp950"


@pytest.mark.parametrize("amount", [0, 7, 1_000, 1_250_000, 3_648_730_000, -52_000])
def test_round_trip(amount):
    assert parse_rupiah(format_rupiah(amount)) == amount


@pytest.mark.parametrize("text, expected", [
    ("2 juta 300 ribu", 2_300_000),
    ("Rp 1 juta 250 rb", 1_250_000),
    ("1 m 250 jt", 1_250_000_000),
    ("1,5 juta 500 ribu", 2_000_000),
])
def test_compound_amounts_add_their_parts(text, expected):
    assert parse_rupiah(text) == expected


def test_compound_amount_with_rising_units_is_refused():
    with pytest.raises(MoneyParseError, match="urutan satuan"):
        parse_rupiah("300 ribu 2 juta")


@pytest.mark.parametrize("value, expected", [("Rp 1.250.000", 1_250_000), ("1,25 juta", 1_250_000),
                                             ("2 juta 300 ribu", 2_300_000), ("850rb", 850_000), (95_000_000, 95_000_000),
                                             ("1", 1)])
def test_bill_amount_is_whole_rupiah_above_zero(value, expected):
    assert parse_bill_amount(value) == expected


@pytest.mark.parametrize("value, error", [("0", InvalidInputError), ("-5", InvalidInputError), (0, InvalidInputError),
                                          ("abc", MoneyParseError), ("", MoneyParseError),
                                          ("1.25.000", MoneyParseError), ("0,4", InvalidInputError)])
def test_bill_amount_refused_with_the_one_message(value, error):
    with pytest.raises(error) as err:
        parse_bill_amount(value)
    assert str(err.value) == ("Nilai tagihan harus berupa jumlah rupiah lebih dari 0, misalnya Rp 1.250.000 atau "
                              f"1,25 juta; '{value}' belum sesuai.")


def test_bill_amount_message_names_what_is_read():
    with pytest.raises(InvalidInputError, match="^Nilai tagihan riwayat harus"):
        parse_bill_amount(-1, what="nilai tagihan riwayat")


def test_series_of_numbers_rounds_half_up_like_one_number():
    values, _ = parse_rupiah_series(pd.Series([0.5, 2.5, -2.5, 1234.4]))
    assert values.tolist() == [parse_rupiah(v) for v in (0.5, 2.5, -2.5, 1234.4)] == [1, 3, -3, 1234]


def test_an_overlong_text_is_refused_at_once():
    with pytest.raises(MoneyParseError, match="terlalu panjang"):
        parse_rupiah("1" * 100_000 + "x")  # the regexes would take minutes on it
    assert parse_rupiah("Rp 1.250.000.000.000,00 rupiah") == 1_250_000_000_000
