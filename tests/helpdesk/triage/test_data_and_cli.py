"""helpdesk.triage.data and the training CLI: malformed rows are reported by line, the good rows are used."""
from datetime import datetime

from helpdesk.triage.__main__ import main
from helpdesk.triage.data import examples_from_export, team_label
from helpdesk.triage.evaluation import holdout_split, macro_f1
from helpdesk.triage.model import TeamRouter
from knowledge.hai_export import write_export
from tests.helpdesk.triage.conftest import labelled


def _rows() -> list[dict]:
    texts, teams = labelled()
    rows = [{"id_tiket": str(100 + i), "ref_tiket": f"20230102-ABC{i:03d}", "tgl_tiket": datetime(2023, 1, 2, 9),
             "status": "resolved", "subject": "s", "tim_agent": team, "departemen": "", "message_awal": text,
             "message_akhir": "<p>jawaban</p>", "agent": "(001) Agen", "status_akhir": "resolved"}
            for i, (text, team) in enumerate(zip(texts, teams))]
    rows[3]["tgl_tiket"] = "03/01/2023"  # malformed
    rows[5]["tim_agent"] = ""  # no label at all
    rows[6]["tim_agent"], rows[6]["departemen"] = "", "SAKTI - Pelaporan"  # the departemen stands in
    rows[7]["message_awal"] = "  "
    rows.append(dict(rows[0]))  # duplicate id
    return rows


def test_examples_report_bad_rows_and_use_the_rest(tmp_path):
    path = tmp_path / "ekspor.csv"
    write_export(path, _rows())
    examples = examples_from_export(path)
    assert len(examples.texts) == len(_rows()) - 4
    assert [e.line for e in examples.errors] == [5, 7, 9, len(_rows()) + 1]
    assert "tgl_tiket" in examples.errors[0].message and "kosong" in examples.errors[1].message
    assert "duplikat" in examples.errors[-1].message
    assert examples.teams[examples.ids.index("106")] == "SAKTI - Pelaporan"
    assert team_label("  L2 -  SAKTI ADMIN ", "x") == "L2 - SAKTI ADMIN"


def test_cli_trains_and_saves_a_model(tmp_path, capsys):
    path = tmp_path / "ekspor.csv"
    write_export(path, _rows())
    out = tmp_path / "data" / "triage" / "router.joblib"
    assert main(["train", str(path), "--out", str(out), "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert "baris bermasalah" in printed and "baris 5: tgl_tiket tidak dikenali" in printed
    assert "peringatan: tim SAKTI - Pelaporan hanya punya 1 tiket" in printed
    assert "macro-F1" in printed and out.exists()
    assert TeamRouter.load(out).predict("data supplier ditolak kppn").team == "L2 - SAKTI KOMITMEN"
    assert main(["train", str(tmp_path / "tidak-ada.csv"), "--out", str(out)]) == 2


def test_split_and_macro_f1():
    labels = ["a"] * 10 + ["b"] * 5 + ["c"]
    train, test = holdout_split(labels, 0.2, seed=1)
    assert sorted(train + test) == list(range(16)) and holdout_split(labels, 0.2, seed=1) == (train, test)
    assert [labels[i] for i in test].count("a") == 2 and [labels[i] for i in test].count("b") == 1
    assert "c" not in [labels[i] for i in test]  # a lone example stays in training
    assert macro_f1(["a", "a", "b", "b"], ["a", "a", "b", "b"]) == 1.0
    # a: P 2/3 R 1 F 0.8; b: P 1 R 1/2 F 2/3 -> 0.7333
    assert abs(macro_f1(["a", "a", "b", "b"], ["a", "a", "a", "b"]) - (0.8 + 2 / 3) / 2) < 1e-9
