from knowledge.redact import redact, redact_with_counts


def test_names_after_greeting_and_agent_codes_are_redacted():
    assert redact("Yth. Bapak/Ibu Budi Santoso,\nTerima kasih") == "Yth. Bapak/Ibu [NAMA],\nTerima kasih"
    assert redact("ditangani oleh (014) Siti Rahmawati hari ini") == "ditangani oleh [NAMA] hari ini"
    assert redact("Salam,\nRINA WATI\nSatker 123456") == "Salam,\n[NAMA]\nSatker 123456"
    assert redact("saya Budi dari satker 654321") == "saya [NAMA] dari satker 654321"


def test_roles_after_honorific_are_not_names():
    assert redact("Yth. Bapak/Ibu Operator Satker 123456") == "Yth. Bapak/Ibu Operator Satker 123456"
    assert redact("saya SPM ditolak") == "saya SPM ditolak"


def test_numbers_and_contacts():
    text, counts = redact_with_counts(
        "NIP 19850101 201001 1 001, NIK 3171234567890001, email budi.s@kemenkeu.go.id, "
        "HP 0812-3456-7890 / +62 812 3456 7890, kantor (021) 344 9230, rekening 1234567890")
    assert "[NIP]" in text and "[NIK]" in text and "[EMAIL]" in text and "[REKENING]" in text
    assert counts == {"[NIP]": 1, "[NIK]": 1, "[EMAIL]": 1, "[TELEPON]": 3, "[REKENING]": 1}
    for secret in ("19850101", "3171234567890001", "kemenkeu.go.id", "3456", "9230", "1234567890"):
        assert secret not in text


def test_public_and_domain_numbers_are_kept():
    text = "Hubungi 14090. Satker 527982, SP2D 230811301000123, Rp 1.000.000 tanggal 03-12-2023, akun 522111"
    assert redact(text) == text


def test_empty_input():
    assert redact("") == ""


def test_names_outside_a_salutation_are_redacted():
    # the forms real HAI exports showed (issue 12)
    cases = {
        "Mohon bantuannya.\nBudi Santoso 04-01-2023 11:14:39": "Mohon bantuannya.\n[NAMA] 04-01-2023 11:14:39",
        "User: SITI RAHMAWATI\nUnit Kerja: KPPN Jakarta I": "User: [NAMA]\nUnit Kerja: KPPN Jakarta I",
        "Demikian.\nCSO 2 Jakarta Andi Wijaya": "Demikian.\nCSO 2 Jakarta [NAMA]",
        "SPM a.n. Dewi Lestari belum cair": "SPM a.n. [NAMA] belum cair",
        "Pada tanggal 02/01/2023 pukul 10.31, Budi Santoso <budi@contoh.go.id> menulis:":
            "Pada tanggal 02/01/2023 pukul 10.31, [NAMA] <[EMAIL]> menulis:",
        "On Mon, Eko Pratama wrote:": "On Mon, [NAMA] wrote:",
        "From: Rina Hakim\nSent: 2 Januari 2023": "From: [NAMA]\nSent: 2 Januari 2023",
        "Saya Budi Santoso dari satker 123456, izin bertanya": "Saya [NAMA] dari satker 123456, izin bertanya",
        "kami Joko Purnomo selaku operator satker 654321": "kami [NAMA] selaku operator satker 654321",
    }
    for text, expected in cases.items():
        assert redact(text) == expected, text


def test_satker_units_dates_and_roles_stay():
    kept = ["Unit Kerja: Dinas Pendidikan Kota Bogor - Satker 123456",
            "Tanggal 04-01-2023 11:14:39",
            "Jakarta, 04-01-2023",
            "SPM 04-01-2023",
            "Dari: Satker 527982",
            "Kepada: Kepala KPPN Jakarta II",
            "Saya Operator dari satker 123456",
            "kami dari Kanwil DJPb Provinsi Jawa Barat, mau bertanya",
            "Saya SPM ditolak"]
    for text in kept:
        assert redact(text) == text, text
