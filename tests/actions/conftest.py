"""Action tests run against a throwaway data folder (app database, charts, rekon model, indexes)."""
from __future__ import annotations

import os

import pytest
import yaml

from hai.settings import ROOT, get_settings


@pytest.fixture(scope="session")
def hai_data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("hai-actions-data")


@pytest.fixture(scope="module", autouse=True)
def use_hai_data_dir(hai_data_dir):
    """HAI_DATA_DIR -> a temp folder while a module of this folder runs; restored after it, so the rest of
    the suite sees the usual settings. Cached data objects (same data everywhere) stay built."""
    old = os.environ.get("HAI_DATA_DIR")
    os.environ["HAI_DATA_DIR"] = str(hai_data_dir)
    get_settings.cache_clear()
    yield hai_data_dir
    if old is None:
        os.environ.pop("HAI_DATA_DIR", None)
    else:
        os.environ["HAI_DATA_DIR"] = old
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def short_timeout(monkeypatch):
    """Actions give up after 0.2 s."""
    monkeypatch.setattr(get_settings(), "action_timeout_s", 0.2)
    return 0.2
