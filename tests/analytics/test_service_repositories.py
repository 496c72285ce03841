"""The services as the adapters build them (``from_settings``: paths from the settings, nothing global) and
the pagu forecast's refusal of months without data."""
from __future__ import annotations

import pytest

from analytics.accounts.suggest import AccountSuggester
from analytics.bills.repository import BillRepository
from analytics.errors import InvalidInputError
from analytics.pagu.forecast import forecast_pagu
from analytics.rekon.model import RekonRiskModel
from analytics.rekon.repository import RekonRepository
from hai.settings import Settings


def test_rekon_repository_trains_once_under_the_settings_data_dir(tmp_path, monkeypatch):
    settings = Settings(data_dir=tmp_path)
    repo = RekonRepository.from_settings(settings)
    assert repo.is_synthetic and repo.model_path == settings.rekon_model_path
    assert settings.rekon_model_path.exists()  # trained on first use, saved where the settings say

    def no_training(self, *args, **kwargs):
        raise AssertionError("the saved model should have been loaded")

    monkeypatch.setattr(RekonRiskModel, "fit", no_training)
    again = RekonRepository.from_settings(settings)
    assert again.model().threshold == repo.model().threshold


def test_rekon_repository_without_a_model_path_keeps_its_model_in_memory(tmp_path):
    from analytics.rekon.synthetic import generate_rekon_dataset

    repo = RekonRepository(generate_rekon_dataset(n_rows=1500, seed=3), source="test")
    assert 0 < repo.model().threshold < 1 and repo.model_path is None
    assert list(tmp_path.iterdir()) == []


def test_bill_repository_reads_the_export_the_settings_name(tmp_path):
    assert BillRepository.from_settings(Settings(data_dir=tmp_path)).is_synthetic
    sample = BillRepository.sample()
    path = tmp_path / "tagihan.csv"
    sample.bills[sample.bills["kode_satker"] == "400156"].to_csv(path, index=False)
    repo = BillRepository.from_settings(Settings(data_dir=tmp_path, bills_path=path))
    assert repo.source == str(path) and repo.satker_codes() == ["400156"]


def test_account_suggester_keeps_its_index_under_the_settings_index_dir(tmp_path):
    settings = Settings(data_dir=tmp_path)
    suggester = AccountSuggester.from_settings(settings)
    assert (settings.accounts_index_dir / "manifest.json").exists()
    assert suggester.embedding_model == settings.embedding_model


def test_pagu_forecast_refuses_a_month_after_the_data():
    repo = BillRepository.sample()
    with pytest.raises(InvalidInputError, match="tersedia sampai Desember 2023; periode Maret 2025"):
        forecast_pagu("400156", as_of="2025-03", repository=repo)
