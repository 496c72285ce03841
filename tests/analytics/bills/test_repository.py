"""Data access for bills and pagu (analytics.bills.repository)."""
import pandas as pd
import pytest

from analytics.bills.repository import BillRepository
from analytics.errors import IdpelNotFoundError, InvalidInputError, NotFoundError, SatkerNotFoundError


@pytest.fixture(scope="module")
def repo():
    return BillRepository.sample()


def test_sample_is_synthetic_and_shaped_like_the_paper(repo):
    assert repo.is_synthetic
    assert repo.bills["kode_satker"].nunique() == 180
    assert repo.bills["idpel"].nunique() == 465
    assert repo.bills.groupby("kode_satker")["idpel"].nunique().max() == 20
    assert repo.bills["periode"].min() == pd.Period("2019-01", "M")
    assert repo.load_errors == []


def test_history_for_idpel(repo):
    idpel = repo.bills["idpel"].iloc[0]
    h = repo.history_for_idpel(idpel)
    assert (h["idpel"] == idpel).all() and h["periode"].is_monotonic_increasing


def test_not_found_and_invalid_ids_are_typed(repo):
    with pytest.raises(IdpelNotFoundError, match="idpel 123456789012 tidak ditemukan"):
        repo.history_for_idpel("123456789012")
    with pytest.raises(InvalidInputError, match=r"ID pelanggan \(idpel\) harus 12 digit"):
        repo.history_for_idpel("12345")
    with pytest.raises(SatkerNotFoundError, match="satker 999999 tidak ditemukan"):
        repo.satker_series("999999")
    with pytest.raises(InvalidInputError, match="Kode satker harus 6 digit"):
        repo.satker_series("12a")
    with pytest.raises(NotFoundError, match="pagu akun 522111 tahun 1999"):
        repo.pagu_for("527027", 1999)


def test_satker_series_sums_idpel_and_fills_gaps(repo):
    s = repo.satker_series("527027")
    assert isinstance(s.index, pd.PeriodIndex) and s.notna().all()
    jan = repo.bills[(repo.bills.kode_satker == "527027") & (repo.bills.periode == pd.Period("2019-01", "M"))]
    assert s.loc[pd.Period("2019-01", "M")] >= jan["nilai_tagihan"].sum()
    assert repo.pagu_for("527027", 2022) == 1_216_296_000


def test_from_settings_defaults_to_sample():
    class S:
        bills_path = None
    assert BillRepository.from_settings(S()).is_synthetic


def test_check_idpel_bill_uses_the_repository(repo):
    from analytics.bills.fairness import check_idpel_bill

    idpel = repo.bills["idpel"].iloc[0]
    last = repo.history_for_idpel(idpel).iloc[-1]
    r = check_idpel_bill(idpel, int(last["nilai_tagihan"]) * 5, repository=repo)
    assert r.verdict == "tidak wajar" and r.idpel == idpel and r.periode == last["periode"] + 1
    with pytest.raises(IdpelNotFoundError):
        check_idpel_bill("123456789012", 1_000_000, repository=repo)
