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


def test_rasa_command_line_takes_a_token_that_starts_with_a_dash(tmp_path):
    # a token such as "-x..." given as a separate argument is read by argparse as an unknown option
    from pathlib import Path

    from hai.launcher import build_services

    settings = Settings(data_dir=tmp_path, rasa_token="-starts-with-dash")
    rasa = next(s for s in build_services(settings, Path("model.tar.gz")) if s.name == "rasa")
    assert "--auth-token=-starts-with-dash" in rasa.cmd
    for _ in range(20):
        generated = Settings(data_dir=tmp_path / str(_)).rasa_api_token()
        assert generated[0] != "-" and generated.isalnum()


def test_data_paths_are_derived_from_data_dir_in_one_place(tmp_path):
    s = Settings(data_dir=tmp_path)
    assert s.runtime_dir == tmp_path / "runtime"
    assert s.rekon_model_path == tmp_path / "rekon" / "rekon_risk.joblib"
    assert s.accounts_index_dir == s.index_dir / "accounts" == tmp_path / "index" / "accounts"
