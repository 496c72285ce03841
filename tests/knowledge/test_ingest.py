import json
from collections import Counter

from knowledge.categories import CategoryMapper, slug
from knowledge.hai_export import write_export
from knowledge.ingest import clean_tickets, group_tickets, ingest_export, write_candidates
from knowledge.kb import load_knowledge_base
from knowledge.synth import SYNTHETIC_MARK, write_synthetic_export


def test_category_mapping():
    mapper = CategoryMapper({"sakti_komitmen": "SAKTI - Modul Komitmen", "sakti_bendahara": "SAKTI - Modul Bendahara",
                             "dipa_revisi": "DIPA dan Revisi DIPA"})
    assert slug("L2 - SAKTI KOMITMEN") == "sakti_komitmen"
    assert mapper.map("SAKTI - Komitmen", "L2 - SAKTI KOMITMEN") == ("sakti_komitmen", True)
    assert mapper.map("Bendahara", "") == ("sakti_bendahara", True)
    assert mapper.map("", "L2 - DIPA DAN REVISI DIPA") == ("dipa_revisi", True)
    assert mapper.map("Layanan Lain", "L1 - UMUM") == ("layanan_lain", False)


def _ticket(i, question, answer, status="resolved", dep="SAKTI - Komitmen"):
    return {"id_tiket": str(i), "ref_tiket": f"20230102-ABC{i:03d}", "tgl_tiket": "2023-01-02 10:31:06",
            "status": status, "subject": "s", "tim_agent": "L2 - SAKTI KOMITMEN", "departemen": dep,
            "message_awal": question, "message_akhir": answer, "agent": "(014) Siti Rahma", "status_akhir": status}


def test_small_export_groups_skips_and_redacts(tmp_path):
    template = ("<p>Yth. Bapak/Ibu {name},</p><p>Supplier direkam lewat menu Referensi Supplier di modul Komitmen "
                "lalu disetujui PPK.</p><p>Demikian informasi ini kami sampaikan.</p>")
    rows = [
        _ticket(1, "<p>Selamat pagi, cara rekam supplier baru di SAKTI?</p><p>Salam,<br>Budi Santoso</p>",
                template.format(name="Budi Santoso")),
        _ticket(2, "<p>gmn cara input supplier baru di sakti</p><p>HP 081234567890</p>",
                template.format(name="Rina Wati")),
        _ticket(3, "<p>Kontrak tidak bisa didaftarkan ke KPPN, error data supplier?</p>",
                "<p>Periksa kembali data rekening supplier pada kontrak lalu kirim ulang ke KPPN untuk didaftarkan.</p>"),
        _ticket(4, "<p>cara rekam supplier?</p>", "<p>Sudah kami tindak lanjuti.</p>"),
        _ticket(5, "<p>pertanyaan terbuka</p>", "<p>jawaban panjang yang belum final untuk tiket ini ya</p>",
                status="open"),
        _ticket(6, "<p>Terima kasih</p>", "<p>Sama-sama, semoga membantu dan sukses selalu untuk satker.</p>"),
        _ticket(1, "<p>duplikat</p>", "<p>x</p>"),
    ]
    path = tmp_path / "export.csv"
    write_export(path, rows)
    result = ingest_export(path, {"sakti_komitmen": "SAKTI - Modul Komitmen"})
    counts = result.counts()
    assert counts["tickets_used"] == 3 and counts["candidates"] == 2 and counts["malformed_rows"] == 0
    assert Counter(s.reason for s in result.skipped) == {
        "id_tiket duplikat": 1, "tiket belum selesai": 1, "jawaban terlalu pendek untuk dijadikan entry": 1,
        "pertanyaan kosong setelah dibersihkan": 1}
    supplier = result.candidates[0]
    assert supplier.ticket_count == 2 and supplier.category == "sakti_komitmen" and supplier.category_known
    assert supplier.source_tickets == ["20230102-ABC001", "20230102-ABC002"]
    assert supplier.answer == "Supplier direkam lewat menu Referensi Supplier di modul Komitmen lalu disetujui PPK."
    assert len(supplier.training_questions) == 1
    dump = json.dumps([c.__dict__ for c in result.candidates])
    for secret in ("Budi", "Santoso", "Rina", "081234567890", "Siti"):
        assert secret not in dump
    out = tmp_path / "out" / "kandidat.yaml"
    write_candidates(result, out, source=str(path))
    assert "KANDIDAT" in out.read_text(encoding="utf-8")
    assert "tiket belum selesai" in (tmp_path / "out" / "kandidat.report.yaml").read_text(encoding="utf-8")


def test_ten_thousand_synthetic_tickets_round_trip(tmp_path, kb_dir):
    """Generate 10,000 tickets from the fixture KB, ingest them, and check against what was generated."""
    kb = load_knowledge_base(kb_dir)
    export = tmp_path / "synth.csv"
    truth_path = write_synthetic_export(kb, export, n=10_000, seed=7)
    assert SYNTHETIC_MARK in export.read_text(encoding="utf-8")[:2000]
    truth_lines = truth_path.read_text(encoding="utf-8").splitlines()
    header, truth = json.loads(truth_lines[0]), [json.loads(line) for line in truth_lines[1:]]
    assert header["synthetic"] is True and header["seed"] == 7 and len(truth) == 10_000

    categories = {c.id: c.title for c in kb.categories.values()}
    result, tickets = clean_tickets(export, categories)
    expect = Counter(t["expect"] for t in truth)
    assert len(result.row_errors) == expect["malformed"] > 50
    assert len(result.skipped) == expect["skip"] and len(tickets) == expect["use"]

    by_ticket = {t["id_tiket"]: t for t in truth}
    entry_category = {e.id: e.category for e in kb.active()}
    assert all(entry_category[by_ticket[t.id_tiket]["entry_id"]] == t.category for t in tickets)

    groups = group_tickets(tickets)
    purity = sum(Counter(by_ticket[tickets[i].id_tiket]["entry_id"] for i in g).most_common(1)[0][1]
                 for g in groups) / len(tickets)
    assert purity >= 0.99 and len(groups) <= 2 * len(kb.active())

    planted = {p for t in truth for p in t["planted"]}
    text = "\n".join(t.question + "\n" + t.answer for t in tickets)
    assert [p for p in planted if p in text] == []


def test_generic_answer_does_not_join_different_problems_and_user_text_is_reported(tmp_path):
    generic = ("<p>Yth. Bapak/Ibu [NAMA],</p><p>Mohon kirimkan tangkapan layar kendala beserta ADK terkait modul "
               "Komitmen agar dapat kami periksa lebih lanjut.</p>")
    specific = {
        "supplier": "<p>Supplier direkam lewat menu Referensi Supplier di modul Komitmen, isi NPWP dan rekening "
                    "lalu ajukan persetujuan PPK agar supplier dapat dipakai pada kontrak.</p>",
        "karwas": "<p>Karwas kontrak dicetak dari menu Laporan Kontrak di modul Komitmen dengan memilih nomor "
                  "kontrak dan periode, lalu klik cetak; karwas memuat nilai dan realisasi kontrak.</p>",
        "nrk": "<p>Perubahan nomor register kontrak diajukan dengan adendum kontrak yang dikirim ulang ke KPPN "
               "melalui modul Komitmen setelah disetujui PPK dan diverifikasi oleh KPPN mitra.</p>"}
    questions = {"supplier": ["cara rekam supplier baru di sakti?", "bagaimana cara rekam supplier baru di SAKTI"],
                 "karwas": ["cara cetak karwas kontrak di sakti?", "bagaimana cara cetak karwas kontrak SAKTI"],
                 "nrk": ["nomor register kontrak salah, ubahnya gimana?", "nomor register kontrak salah, ubahnya bagaimana"]}
    rows, number = [], 0
    for problem, (first, second) in questions.items():
        for question, answer in ((first, specific[problem]), (second, specific[problem]), (first, generic)):
            number += 1
            rows.append(_ticket(number, f"<p>{question}</p>", answer))
    rows.append(_ticket(99, "<p>cara cetak karwas kontrak di sakti?</p>",
                        "<p>Baik min, sudah saya coba tapi masih gagal juga. Mohon dibantu lagi ya.</p>"))
    path = tmp_path / "export.csv"
    write_export(path, rows)
    result = ingest_export(path, {"sakti_komitmen": "SAKTI - Modul Komitmen"})
    assert [s.id_tiket for s in result.skipped] == ["99"]
    assert result.skipped[0].reason == "message_akhir berisi teks pengguna, bukan jawaban petugas"
    assert result.counts()["skipped[message_akhir berisi teks pengguna, bukan jawaban petugas]"] == 1
    assert sorted(c.ticket_count for c in result.candidates) == [3, 3, 3]  # one candidate per problem
    assert all("tangkapan layar" not in c.answer for c in result.candidates)
