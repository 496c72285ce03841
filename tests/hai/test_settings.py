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


def test_telegram_mode_is_webhook_or_polling_and_a_wrong_value_is_a_clear_error(tmp_path):
    import pytest
    from pydantic import ValidationError

    assert Settings(data_dir=tmp_path).telegram_mode == "webhook"
    assert Settings(data_dir=tmp_path, telegram_mode=" Polling ").telegram_mode == "polling"
    assert Settings(data_dir=tmp_path, telegram_mode="").telegram_mode == "webhook"
    with pytest.raises(ValidationError, match="HAI_TELEGRAM_MODE must be 'webhook' or 'polling', not 'pull'"):
        Settings(data_dir=tmp_path, telegram_mode="pull")
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, telegram_poll_timeout_s=0)


def test_a_wrong_telegram_mode_stops_the_launcher_with_the_variable_named(monkeypatch, capsys, tmp_path):
    from hai import settings as settings_module
    from hai.launcher import main

    monkeypatch.setenv("HAI_TELEGRAM_MODE", "longpoll")
    monkeypatch.setenv("HAI_DATA_DIR", str(tmp_path))
    settings_module.get_settings.cache_clear()
    try:
        assert main(["check"]) == 2
    finally:
        settings_module.get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "bad setting HAI_TELEGRAM_MODE" in err and "'webhook' or 'polling'" in err


def test_polling_mode_adds_a_supervised_worker_and_tells_the_channel(tmp_path):
    from pathlib import Path

    from hai.launcher import build_services, credentials_file, rasa_environment

    def names(**kw):
        return [s.name for s in build_services(Settings(data_dir=tmp_path, **kw), Path("model.tar.gz"))]

    assert names(telegram_token="1:x", embedding_tuned="off") == ["actions", "api", "rasa"]
    assert names(telegram_mode="polling", embedding_tuned="off") == ["actions", "api", "rasa"]  # no token
    settings = Settings(data_dir=tmp_path, telegram_token="1:x", telegram_mode="polling")
    poller = build_services(settings, Path("model.tar.gz"))[-1]
    assert poller.name == "telegram-poller" and poller.restart and poller.port is None
    assert poller.cmd[-2:] == ["-m", "channels.telegram_polling"] and "app" in poller.cmd[0]
    assert rasa_environment(settings)["HAI_TELEGRAM_MODE"] == "polling"
    assert "mode: ${HAI_TELEGRAM_MODE}" in credentials_file(settings).read_text(encoding="utf-8")


def test_the_background_tuner_runs_unless_tuning_is_off(tmp_path):
    from pathlib import Path

    from hai.launcher import build_services

    services = {s.name: s for s in build_services(Settings(data_dir=tmp_path), Path("model.tar.gz"))}
    tuner = services["tuner"]
    assert tuner.restart and tuner.port is None and tuner.cmd[-2:] == ["knowledge", "autotune"]
    assert tuner.env["HAI_EMBEDDING_BACKEND"] == "onnx"
    for value in ("off", "/models/tuned-sendiri"):  # off, or a fixed tuned model: nothing to build
        assert "tuner" not in [s.name for s in build_services(Settings(data_dir=tmp_path, embedding_tuned=value),
                                                              Path("model.tar.gz"))]
