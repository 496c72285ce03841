from hai.settings import Settings


def test_rasa_api_token_is_generated_once_and_kept_private(tmp_path):
    first = Settings(data_dir=tmp_path).rasa_api_token()
    assert len(first) >= 40
    assert Settings(data_dir=tmp_path).rasa_api_token() == first  # the running servers share it
    assert (tmp_path / "runtime" / "rasa_token").stat().st_mode & 0o077 == 0


def test_configured_rasa_token_wins(tmp_path):
    assert Settings(data_dir=tmp_path, rasa_token="from-env").rasa_api_token() == "from-env"
    assert not (tmp_path / "runtime" / "rasa_token").exists()


def test_public_url_defaults_to_the_api(tmp_path):
    s = Settings(data_dir=tmp_path, api_port=8123)
    assert s.public_base_url == "http://127.0.0.1:8123"
    assert Settings(data_dir=tmp_path, public_url="https://hai.example.go.id/").public_base_url == \
        "https://hai.example.go.id"
