from hai.messages import EMPTY_REPLY, MAX_MESSAGE_CHARS, screen_message, sender_problem


def test_empty_and_whitespace_messages_get_the_empty_reply():
    for text in (None, "", "   ", "\n\t", "\x00"):
        screened = screen_message(text)
        assert not screened.accepted
        assert screened.reply == EMPTY_REPLY


def test_message_is_normalised_and_accepted():
    screened = screen_message("  cara   revisi\nDIPA ")
    assert screened.accepted
    assert screened.text == "cara revisi DIPA"


def test_oversized_message_is_refused_with_the_length_in_indonesian_format():
    screened = screen_message("x" * 10_240)
    assert not screened.accepted
    assert "10.240 karakter" in screened.reply
    assert f"{MAX_MESSAGE_CHARS:,}".replace(",", ".") in screened.reply
    assert "14090" in screened.reply


def test_message_at_the_limit_is_accepted():
    assert screen_message("a" * MAX_MESSAGE_CHARS).accepted


def test_sender_problems():
    assert sender_problem("pengguna-1") is None
    assert "wajib" in sender_problem(None)
    assert "wajib" in sender_problem("  ")
    assert "wajib" in sender_problem(123)
    assert "terlalu panjang" in sender_problem("s" * 500)
