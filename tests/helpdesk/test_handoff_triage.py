"""helpdesk.handoff with team routing: the predicted team and its confidence are stored, agents re-route
(audited: who, when, from, to), the queue reads per team, and an old database gets the new columns."""
import sqlite3

import pytest

from hai.settings import Settings
from helpdesk import handoff
from helpdesk.triage.model import TeamRouter
from tests.helpdesk.triage.conftest import KOMITMEN, PELAPORAN, PEMBAYARAN, labelled


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture
def trained(settings) -> Settings:
    TeamRouter(seed=1).fit(*labelled()).save(settings.triage_model_path)
    return settings


def _user(text: str) -> list[dict]:
    return [{"who": "user", "text": text, "time": None}, {"who": "bot", "text": "Laporan keuangan", "time": None}]


def test_without_a_model_the_request_has_no_team(settings):
    request, _ = handoff.create_or_get_open("s-1", transcript=_user("data supplier ditolak kppn"), settings=settings)
    assert (request.team, request.predicted_team, request.team_confidence) == (None, None, None)
    assert KOMITMEN in handoff.known_teams(settings)  # HAI's L2 teams are always known


def test_predicted_team_and_confidence_are_stored(trained):
    request, created = handoff.create_or_get_open(
        "s-2", transcript=_user("Saya Budi Santoso, data supplier ditolak KPPN karena NPWP tidak valid"),
        settings=trained)
    assert created and request.team == request.predicted_team == KOMITMEN
    assert 0 < request.team_confidence <= 1
    assert handoff.get(request.id, trained).team_confidence == request.team_confidence
    # a reused request keeps its prediction
    again, created_again = handoff.create_or_get_open("s-2", transcript=_user("jurnal akrual belum terposting"),
                                                      settings=trained)
    assert not created_again and again.team == KOMITMEN


def test_reroute_is_recorded_and_the_queue_filters_by_team(trained):
    a, _ = handoff.create_or_get_open("s-3", transcript=_user("spm ditolak karena akun belanja salah"),
                                      settings=trained)
    b, _ = handoff.create_or_get_open("s-4", transcript=_user("cetak laporan realisasi anggaran"), settings=trained)
    assert (a.team, b.team) == (PEMBAYARAN, PELAPORAN)
    moved = handoff.reroute(a.id, "l2 - sakti  komitmen", "agen.dua", trained)  # case and spaces forgiven
    assert moved.team == KOMITMEN and moved.predicted_team == PEMBAYARAN
    (record,) = handoff.reroutes_of(a.id, trained)
    assert (record.agent, record.from_team, record.to_team) == ("agen.dua", PEMBAYARAN, KOMITMEN)
    assert record.created_at is not None
    assert [h.id for h in handoff.list_open(trained, team=KOMITMEN)] == [a.id]
    assert [h.id for h in handoff.list_open(trained, team=PEMBAYARAN)] == []
    assert {h.id for h in handoff.list_open(trained)} == {a.id, b.id}

    with pytest.raises(handoff.UnknownTeamError, match="tim 'L2 - TIM FIKTIF' tidak dikenal; pilihan: "):
        handoff.reroute(a.id, "L2 - TIM FIKTIF", "agen.dua", trained)
    with pytest.raises(handoff.RerouteError, match="sudah ditangani tim L2 - SAKTI KOMITMEN"):
        handoff.reroute(a.id, KOMITMEN, "agen.dua", trained)
    with pytest.raises(handoff.HandoffNotFoundError):
        handoff.reroute(9999, KOMITMEN, "agen.dua", trained)
    handoff.close(b.id, trained)
    with pytest.raises(handoff.RerouteError, match="sudah ditutup"):
        handoff.reroute(b.id, KOMITMEN, "agen.dua", trained)
    assert len(handoff.reroutes_of(a.id, trained)) == 1


def test_an_old_handoff_table_gets_the_team_columns(tmp_path):
    settings = Settings(data_dir=tmp_path / "lama")
    settings.data_dir.mkdir()
    with sqlite3.connect(settings.data_dir / "app.db") as conn:  # the table as it was before routing
        conn.execute("CREATE TABLE handoff_requests (id INTEGER PRIMARY KEY, created_at DATETIME, "
                     "updated_at DATETIME, sender_id VARCHAR(128), channel VARCHAR(32), status VARCHAR(16), "
                     "reason VARCHAR(32), transcript JSON, agent VARCHAR(64), closed_at DATETIME)")
        conn.execute("INSERT INTO handoff_requests (id, sender_id, channel, status, reason, transcript) "
                     "VALUES (1, 'lama', 'rest', 'open', 'asked', '[]')")
    (old,) = handoff.list_open(settings)
    assert old.id == 1 and old.team is None
    with sqlite3.connect(settings.data_dir / "app.db") as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(handoff_requests)")}
    assert {"team", "predicted_team", "team_confidence"} <= columns
    assert handoff.reroute(1, KOMITMEN, "agen.satu", settings).team == KOMITMEN
