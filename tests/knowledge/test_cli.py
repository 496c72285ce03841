import json

from knowledge.__main__ import main


def test_validate_cli(kb_dir, capsys):
    assert main(["--kb-dir", str(kb_dir), "validate"]) == 0
    assert "3 kategori, 6 entry (6 aktif), 0 error" in capsys.readouterr().out
    (kb_dir / "rusak.yaml").write_text("category: rusak\ntitle: R\nentries:\n  - id: x-1\n    question: Q\n")
    assert main(["--kb-dir", str(kb_dir), "validate"]) == 1
    assert "rusak.yaml [x-1]: answer: wajib diisi" in capsys.readouterr().out


def test_synth_then_ingest_cli(kb_dir, tmp_path, capsys):
    export = tmp_path / "tiket.csv"
    assert main(["--kb-dir", str(kb_dir), "synth-tickets", "--n", "300", "--seed", "3", "--out", str(export)]) == 0
    truth = [json.loads(line) for line in export.with_name("tiket.csv.truth.jsonl").read_text().splitlines()[1:]]
    capsys.readouterr()
    out_file = tmp_path / "kandidat.yaml"
    assert main(["--kb-dir", str(kb_dir), "ingest", str(export), "--out", str(out_file)]) == 0
    out = capsys.readouterr().out
    counts = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line and not line.startswith(" "))
    assert int(counts["rows_read"]) == 300
    assert int(counts["malformed_rows"]) == sum(t["expect"] == "malformed" for t in truth)
    assert int(counts["tickets_used"]) == sum(t["expect"] == "use" for t in truth)
    assert 6 <= int(counts["candidates"]) <= 12 and out_file.exists()


def test_cli_reports_errors_without_traceback(tmp_path, capsys):
    assert main(["ingest", str(tmp_path / "tidak-ada.csv"), "--out", str(tmp_path / "x.yaml")]) == 2
    assert "gagal:" in capsys.readouterr().err
