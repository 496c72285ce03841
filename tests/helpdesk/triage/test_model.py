"""helpdesk.triage.model: the team router learns teams from labelled tickets, with a confidence, and persists."""
import pytest

from helpdesk.triage.model import RoutingError, TeamRouter, load_router, routing_text
from tests.helpdesk.triage.conftest import KOMITMEN, PELAPORAN, PEMBAYARAN


def test_routing_text_is_clean_and_redacted():
    text = routing_text("<p>Saya Budi Santoso dari satker 123456, izin bertanya.</p><p>gmn rekam supplier?</p>"
                        "<p>Salam,<br>Budi Santoso<br>HP 081234567890</p>")
    assert "budi" not in text and "0812" not in text and "123456" not in text
    assert "supplier" in text.split() and "bagaimana" in text.split()  # "gmn" expanded


def test_predicts_the_team_with_a_probability(examples):
    router = TeamRouter(seed=1).fit(*examples)
    assert router.teams == sorted([KOMITMEN, PEMBAYARAN, PELAPORAN])
    supplier = router.predict("Halo, data supplier saya ditolak KPPN, NPWP tidak valid. Mohon bantuan")
    assert supplier.team == KOMITMEN and 0.4 < supplier.confidence <= 1
    assert {t for t, _ in supplier.alternatives} == {PEMBAYARAN, PELAPORAN}
    assert supplier.confidence >= supplier.alternatives[0][1] >= supplier.alternatives[1][1]
    assert router.predict("jurnal akrual di laporan keuangan belum terposting").team == PELAPORAN
    assert router.predict("SPM ditolak, akun belanjanya salah").team == PEMBAYARAN
    # the same input gives the same answer; probabilities of all teams sum to 1
    again = router.predict("Halo, data supplier saya ditolak KPPN, NPWP tidak valid. Mohon bantuan")
    assert again == supplier
    assert abs(supplier.confidence + sum(p for _, p in supplier.alternatives) - 1) < 0.01


def test_save_load_and_cache(examples, tmp_path):
    path = TeamRouter(seed=1).fit(*examples).save(tmp_path / "triage" / "router.joblib")
    loaded = load_router(path)
    assert loaded is load_router(path)  # cached while the file is unchanged
    assert loaded.predict("cetak laporan realisasi anggaran").team == PELAPORAN
    assert load_router(tmp_path / "absent.joblib") is None
    (tmp_path / "bad.joblib").write_bytes(b"not a model")
    with pytest.raises(RoutingError, match="tidak dapat dibaca"):
        TeamRouter.load(tmp_path / "bad.joblib")


def test_refuses_data_it_cannot_learn_from():
    with pytest.raises(RoutingError, match="paling sedikit 2 tim"):
        TeamRouter().fit(["a b", "c d"], [KOMITMEN, KOMITMEN])
    with pytest.raises(RoutingError, match="tidak sama"):
        TeamRouter().fit(["a b", "c d", "e f"], [KOMITMEN, PELAPORAN])
    with pytest.raises(RoutingError, match="belum dilatih"):
        TeamRouter().predict("spm ditolak")
