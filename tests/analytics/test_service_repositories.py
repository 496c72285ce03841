"""The service's shared repositories and the pagu forecast's refusal of months without data."""
from __future__ import annotations

import pytest

from analytics.bills.repository import BillRepository
from analytics.errors import InvalidInputError
from analytics.pagu.forecast import forecast_pagu
from analytics.rekon.repository import get_rekon_repository


def test_rekon_repository_is_built_once():
    assert get_rekon_repository() is get_rekon_repository()
    assert get_rekon_repository().is_synthetic


def test_pagu_forecast_refuses_a_month_after_the_data():
    repo = BillRepository.sample()
    with pytest.raises(InvalidInputError, match="tersedia sampai Desember 2023; periode Maret 2025"):
        forecast_pagu("400156", as_of="2025-03", repository=repo)
