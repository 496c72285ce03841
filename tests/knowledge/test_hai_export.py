from datetime import datetime

from knowledge.hai_export import FIELDS, HEADER, read_export, write_export

HEADER_LINE = ";".join(HEADER)


def _row(i, **kw):
    row = {"id_tiket": str(i), "ref_tiket": f"20230102-PXDX{i:02d}", "tgl_tiket": datetime(2023, 1, 2, 10, 31, 6),
           "status": "resolved", "subject": "SAKTI", "tim_agent": "L2 - SAKTI KOMITMEN",
           "departemen": "SAKTI - Komitmen", "message_awal": "<p>Halo; ada \"kutip\"</p>\n<p>baris 2</p>",
           "message_akhir": "<p>Jawab</p>", "agent": "(014) Nama Agen", "status_akhir": "resolved"}
    row.update(kw)
    return row


def test_round_trip_with_semicolons_quotes_and_newlines(tmp_path):
    path = tmp_path / "export.csv"
    write_export(path, [_row(1), _row(2)])
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == HEADER_LINE and text.count("\n") > 3
    result = read_export(path)
    assert result.errors == []
    assert [r.id_tiket for r in result.rows] == ["1", "2"]
    first = result.rows[0]
    assert first.line == 2 and first.message_awal == _row(1)["message_awal"]
    assert first.status_akhir == "resolved" and first.tgl_tiket == datetime(2023, 1, 2, 10, 31, 6)
    assert result.rows[1].line == 4  # row 1 spans lines 2-3


def test_malformed_rows_reported_with_line_numbers_rest_imported(tmp_path):
    path = tmp_path / "export.csv"
    good = ";".join(['"1"', "20230102-AAAAAA", "2023-01-02 10:31:06", "resolved", "s", "t", "d", "q", "a", "g",
                     "resolved"])
    lines = [HEADER_LINE, good,
             good.replace('"1"', "2").replace("2023-01-02 10:31:06", "02/01/2023"),    # line 3: bad date
             "3;20230102-BBBBBB;2023-01-02 10:31:06;resolved;s;t;d;q;a",               # line 4: 9 fields
             good.replace('"1"', "4").replace("20230102-AAAAAA", "REF-1"),              # line 5: bad ref
             good.replace('"1"', "5"),
             "",
             good.replace('"1"', "").replace("AAAAAA", "CCCCCC"),                     # line 8: no id
             good.replace('"1"', "6")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_export(path)
    assert [r.id_tiket for r in result.rows] == ["1", "5", "6"]
    assert [(e.line, e.message.split(":")[0]) for e in result.errors] == [
        (3, "tgl_tiket tidak dikenali"), (4, f"jumlah kolom 9, seharusnya {len(FIELDS)}"),
        (5, "ref_tiket tidak dikenali"), (8, "id_tiket kosong")]


def test_unclosed_quote_does_not_swallow_following_tickets(tmp_path):
    path = tmp_path / "export.csv"
    ok = "{i};20230102-AAAAA{i};2023-01-02 10:31:06;resolved;s;t;d;q;a;g;resolved"
    broken = '2;20230102-BBBBBB;2023-01-02 10:31:06;resolved;s;t;d;"<p>tidak ditutup;a;g;resolved'
    path.write_text("\n".join([HEADER_LINE, ok.format(i=1), broken, ok.format(i=3), ok.format(i=4)]) + "\n",
                    encoding="utf-8")
    result = read_export(path)
    assert [r.id_tiket for r in result.rows] == ["1", "3", "4"]
    assert [r.line for r in result.rows] == [2, 4, 5]
    assert len(result.errors) == 1 and result.errors[0].line == 3 and "tidak ditutup" in result.errors[0].message


def test_empty_file_and_cp1252(tmp_path):
    empty = tmp_path / "kosong.csv"
    empty.write_bytes(b"")
    assert read_export(empty).errors[0].message == "file kosong"
    legacy = tmp_path / "lama.csv"
    row = "1;20230102-AAAAAA;2023-01-02 10:31:06;resolved;s;t;d;caf\xe9;a;g;resolved\n"
    legacy.write_bytes((HEADER_LINE + "\n" + row).encode("cp1252"))
    assert read_export(legacy).rows[0].message_awal == "caf\xe9"


def test_xlsx_with_the_export_columns_is_read_and_bad_rows_reported(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    good = _row(1)
    sheet.append([good[name] for name in FIELDS])  # tgl_tiket as a real date cell
    sheet.append([_row(2, ref_tiket="REF2023")[name] for name in FIELDS])
    sheet.append([])
    sheet.append([_row(3, tgl_tiket="2023-01-03 08:00:00")[name] for name in FIELDS])
    path = tmp_path / "export.xlsx"
    book.save(path)
    result = read_export(path)
    assert [(r.id_tiket, r.line) for r in result.rows] == [("1", 2), ("3", 5)]
    assert result.rows[0].tgl_tiket == datetime(2023, 1, 2, 10, 31, 6)
    assert [(e.line, e.message.split(":")[0]) for e in result.errors] == [(3, "ref_tiket tidak dikenali")]
