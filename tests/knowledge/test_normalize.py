from knowledge.normalize import SpellCorrector, normalize_text, tokens


def test_chat_abbreviations_map_to_formal_words():
    assert tokens("gmn cara revisi dipa sy blm bs?", drop_stopwords=False) == [
        "bagaimana", "cara", "revisi", "dipa", "saya", "belum", "bisa"]
    assert tokens("tdk gk ga tlg sdh yg", drop_stopwords=False) == [
        "tidak", "tidak", "tidak", "tolong", "sudah", "yang"]
    assert tokens("tdk gk tlg sdh yg") == ["tidak", "tidak"]  # politeness and particles carry no meaning


def test_stopwords_and_clitics():
    assert tokens("Selamat pagi min, caranya rekam kontrak?") == ["cara", "rekam", "kontrak"]
    assert normalize_text("Bagaimanakah  CARANYA?") == "bagaimana cara"


def test_spell_corrector_uses_vocabulary_only_for_unknown_words():
    speller = SpellCorrector({"revisi", "supplier", "kontrak"})
    assert speller.correct_all(["revsi", "suplier", "kontrak", "sp2d", "xyz"]) == [
        "revisi", "supplier", "kontrak", "sp2d", "xyz"]
