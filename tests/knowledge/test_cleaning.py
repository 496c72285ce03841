from knowledge.cleaning import clean_body, clean_question, html_to_text

QUESTION = ('<p style="margin:0cm;font-family:Calibri">Selamat pagi admin,</p><p>Saya Budi Santoso dari satker '
            '123456, mohon petunjuk cara revisi DIPA di SAKTI?&nbsp;</p><p>[attach:image:abc123:image.png]</p>'
            '<p>Terima kasih.<br>Salam,<br>Budi Santoso<br>NIP 198501012010011001<br>HP 0812-3456-7890</p>')
ANSWER = ('<p>Yth. Bapak/Ibu Budi Santoso,</p><p>Terima kasih telah menggunakan layanan Helpdesk Terintegrasi HAI '
          'DJPb.</p><p>Revisi DIPA diajukan melalui modul Penganggaran:</p><ol><li>Buka menu Revisi</li><li>Isi '
          'data</li></ol><table><tr><td>Kode</td><td>123456</td></tr></table><p>Demikian informasi ini kami '
          'sampaikan. Terima kasih.</p><p>Salam,<br>(014) Siti Rahma</p>')


def test_question_keeps_only_the_question():
    text, counts = clean_body(QUESTION, "question")
    assert text == "Saya [NAMA] dari satker 123456, mohon petunjuk cara revisi DIPA di SAKTI?"
    assert counts == {"[NAMA]": 2, "[NIP]": 1, "[TELEPON]": 1}


def test_answer_loses_greeting_and_closing_keeps_lists_and_tables():
    text, counts = clean_body(ANSWER, "answer")
    assert text == "Revisi DIPA diajukan melalui modul Penganggaran:\n- Buka menu Revisi\n- Isi data\nKode | 123456"
    assert counts == {"[NAMA]": 2}


def test_html_to_text_drops_styles_and_comments():
    html = "<style>p{color:red}</style><!--[if mso]>x<![endif]--><div>a&amp;b</div><span style='x'>c</span>"
    assert html_to_text(html).strip() == "a&b\nc"


def test_content_after_politeness_survives():
    assert clean_question("terima kasih, bagaimana cara revisi DIPA?") == "bagaimana cara revisi DIPA?"
    assert clean_question("Selamat pagi bagaimana cara revisi") == "bagaimana cara revisi"
    assert clean_question("Selamat pagi, terima kasih") == ""
