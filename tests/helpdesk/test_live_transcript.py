"""helpdesk.live_transcript: tracker events become redacted transcript lines, lined up after the stored transcript."""
from __future__ import annotations

from datetime import datetime, timezone

from helpdesk.live_transcript import merge, since_stored, tracker_lines

T0 = 1_700_000_000.0


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")


def test_lines_since_the_last_restart_with_buttons_images_and_agents():
    events = [
        {"event": "user", "text": "sebelum restart", "timestamp": T0},
        {"event": "restart", "timestamp": T0 + 1},
        {"event": "user", "text": "/greet", "timestamp": T0 + 2},
        {"event": "bot", "text": "", "data": {"image": "http://x/grafik.png"}, "timestamp": T0 + 3},
        {"event": "bot", "text": "Hubungi Bapak Budi Santoso", "metadata": {"agent": "agen.satu"}, "timestamp": T0 + 4},
        {"event": "bot", "text": "  ", "timestamp": T0 + 5},
        {"event": "action", "name": "action_listen", "timestamp": T0 + 6},
    ]
    assert tracker_lines(events) == [
        {"who": "user", "text": "[tombol: /greet]", "time": iso(T0 + 2)},
        {"who": "bot", "text": "[gambar]", "time": iso(T0 + 3)},
        {"who": "agent", "text": "Hubungi Bapak [NAMA]", "time": iso(T0 + 4)},
    ]


def test_lined_up_on_the_last_stored_line_even_within_the_same_second():
    stored = [{"who": "user", "text": "minta petugas", "time": iso(T0)}]
    events = [{"event": "user", "text": "halo", "timestamp": T0 - 9},
              {"event": "user", "text": "minta petugas", "timestamp": T0 + 0.1},
              {"event": "bot", "text": "nomor antrean #3", "timestamp": T0 + 0.4}]
    assert [line["text"] for line in merge(stored, events)] == ["minta petugas", "nomor antrean #3"]


def test_without_the_anchor_only_newer_lines_not_yet_stored_are_added():
    stored = [{"who": "user", "text": "baris lama yang tidak ada di tracker", "time": iso(T0 + 10)},
              {"who": "user", "text": "dua", "time": iso(T0 + 20)},
              {"who": "bot", "text": "terpotong di tracker", "time": iso(T0 + 20)}]
    live = [{"who": "user", "text": "lebih tua", "time": iso(T0)},
            {"who": "user", "text": "dua", "time": iso(T0 + 20)},
            {"who": "user", "text": "tiga", "time": iso(T0 + 30)}]
    assert since_stored(stored, live) == [live[2]]
    assert since_stored([], live) == live
