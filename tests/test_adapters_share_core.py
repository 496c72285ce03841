"""The two adapters over one core: the action server (``actions.resources``) and the API (``api.deps``) get
each service from the same builder (one object for equal settings in a process), and a satker-month whose
P(SELISIH) is exactly the model's threshold is SELISIH in the core, in both API routes and in the action."""
from __future__ import annotations

import io

import numpy as np
import pytest
import yaml
from fastapi.testclient import TestClient

from actions import resources
from actions.analytics_actions import ActionRekonRisk
from analytics.accounts.suggest import AccountSuggester
from analytics.rekon.ranking import rank_rekon_batch
from analytics.rekon.repository import RekonRepository
from analytics.rekon.schema import EXPORT_COLUMNS, OK, SELISIH
from analytics.rekon.synthetic import generate_rekon_dataset
from api import deps
from api.keys import create_key
from api.main import create_app
from hai.settings import ROOT, Settings
from knowledge.search import KnowledgeSearch
from tests.actions.trackers import conversation, run, texts


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """One configuration for both adapters: the action server reads it through get_settings()."""
    s = Settings(data_dir=tmp_path / "data", api_key_secret="rahasia-uji", rate_limit_per_minute=100_000,
                 embedding_tuned="off", bills_path=None, pagu_path=None, app_db_url="")
    monkeypatch.setattr(resources, "get_settings", lambda: s)
    return s


def test_both_adapters_get_each_service_from_the_same_builder(settings, monkeypatch):
    built: list[str] = []

    def counting(name: str):
        def from_settings(cls, s):
            built.append(name)
            return object()

        return classmethod(from_settings)

    for service in (KnowledgeSearch, RekonRepository, AccountSuggester):  # the heavy ones, faked
        monkeypatch.setattr(service, "from_settings", counting(service.__name__))
    api_settings = settings.model_copy()  # the API app holds its own, equal, settings object
    assert api_settings is not settings
    assert resources.knowledge() is deps.knowledge(api_settings)
    assert resources.rekon() is deps.rekon_repository(api_settings)
    assert resources.accounts() is deps.account_suggester(api_settings)
    assert resources.bills() is deps.bill_repository(api_settings)  # the real one: the shipped sample
    assert sorted(built) == ["AccountSuggester", "KnowledgeSearch", "RekonRepository"]  # each built once
    other = settings.model_copy(update={"data_dir": settings.data_dir / "lain"})
    assert deps.rekon_repository(other) is not resources.rekon()  # other settings, other object
    assert built.count("RekonRepository") == 2


@pytest.fixture(scope="module")
def small_repo() -> RekonRepository:
    data = generate_rekon_dataset(n_rows=1500, seed=5)
    amounts = [c for c in data.columns if data[c].dtype.kind == "f"]
    data[amounts] = data[amounts].round().astype("int64")  # whole rupiah, as in an export
    repo = RekonRepository(data, source="test")
    repo.model()  # trained in memory
    return repo


def _api_kelas(client, headers, kode: str, row_csv: bytes) -> tuple[str, str]:
    one = client.get(f"/api/v1/rekon/{kode}", headers=headers)
    batch = client.post("/api/v1/rekon/batch", headers=headers, files={"file": ("satker.csv", row_csv, "text/csv")})
    assert one.status_code == 200 and batch.status_code == 200, (one.text, batch.text)
    return one.json()["kelas"], batch.json()["ranked"][0]["kelas"]


def _action_kelas(domain, kode: str) -> str:
    said = texts(run(ActionRekonRisk(), conversation(kode_satker=kode), domain)[1])
    return next(k for k in (SELISIH, OK) if f"kelas {k} (batas" in said)


def test_the_selisih_rule_at_exactly_the_threshold_is_the_same_everywhere(settings, small_repo, monkeypatch):
    monkeypatch.setattr(RekonRepository, "from_settings", classmethod(lambda cls, s: small_repo))
    model = small_repo.model()
    kode = small_repo.kode_satker[0]
    p = small_repo.assess(kode).probability
    latest = small_repo.latest(kode)
    buf = io.StringIO()
    latest.to_frame().T[list(EXPORT_COLUMNS)].to_csv(buf, index=False)
    row_csv = buf.getvalue().encode()
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        _, key = create_key("pengujian", "caller", settings)
        headers = {"X-API-Key": key}
        for threshold, expected in ((p, SELISIH), (float(np.nextafter(p, 1)), OK)):
            monkeypatch.setattr(model, "threshold", threshold)
            core = (small_repo.assess(kode).kelas, model.classify(p),
                    rank_rekon_batch(model, small_repo.latest_frame().query("kode_satker == @kode"))[0].kelas)
            assert core == (expected,) * 3
            assert _api_kelas(client, headers, kode, row_csv) == (expected, expected)
            assert _action_kelas(domain, kode) == expected
