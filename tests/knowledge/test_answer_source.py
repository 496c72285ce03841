from knowledge.answer_source import looks_like_user_text
from knowledge.cleaning import clean_body, html_to_text

QUESTION = "<p>Selamat pagi, bagaimana cara merekam supplier baru di SAKTI? Mohon bantuannya.</p>"
AGENT = ("<p>Yth. Bapak/Ibu [NAMA],</p><p>Supplier direkam melalui menu Referensi Supplier pada modul Komitmen, "
         "lalu ajukan persetujuan ke PPK agar supplier dapat dipakai pada kontrak.</p>"
         "<p>Demikian informasi ini kami sampaikan.</p>")


def _check(answer: str, question: str = QUESTION) -> bool:
    return looks_like_user_text(html_to_text(answer), clean_body(answer, "answer")[0],
                                clean_body(question, "question")[0])


def test_agent_answers_are_answers():
    assert not _check(AGENT)
    # no greeting at all: steps and instructions still read as an agent's
    assert not _check("<p>1. Login sebagai operator Komitmen, buka menu Supplier lalu klik Rekam.</p>"
                      "<p>2. Isi NPWP dan rekening, simpan dan teruskan ke PPK untuk diverifikasi.</p>")
    assert not _check("<p>Silakan koordinasi dengan KPPN mitra kerja Saudara dengan membawa dokumen pendukung.</p>")


def test_user_text_is_recognised():
    assert _check(QUESTION)  # the question copied into message_akhir
    assert _check("<p>Baik min, sudah saya coba tapi masih gagal juga. Mohon dibantu lagi ya, terima kasih.</p>")
    assert _check("<p>Mohon maaf, apakah ada update untuk tiket saya? Sampai sekarang belum bisa diproses.</p>")
    assert _check("<p>pegawai baru di bagian keuangan bingung kenapa setiap transaksi memakai kode akun</p>")


def test_a_short_plain_answer_stays_an_answer():
    assert not _check("<p>SPM gaji induk diajukan paling lambat tanggal 15 setiap bulan melalui aplikasi SAKTI "
                      "modul pembayaran.</p>")
