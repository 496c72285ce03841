"""The import rules of the layout (testkit.architecture) hold for the project, and the check catches a
violation planted in a small tree of the same shape."""
from __future__ import annotations

from pathlib import Path

import pytest

from testkit.architecture import folder_graph, project_imports, violations

ROOT = Path(__file__).resolve().parent.parent


def test_project_keeps_its_import_rules():
    assert violations(ROOT) == []


def test_hai_is_the_ground_floor_and_the_core_stands_on_it():
    graph = folder_graph(project_imports(ROOT))
    assert not [b for (a, b) in graph if a == "hai"]
    for core in ("helpdesk", "knowledge", "analytics"):
        assert graph.get((core, "hai"), 0) > 0
    assert graph.get(("actions", "helpdesk"), 0) > 0 and graph.get(("api", "helpdesk"), 0) > 0


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


CLEAN = {
    "hai/__init__.py": "",
    "hai/settings.py": "import os\n",
    "knowledge/__init__.py": "",
    "knowledge/search.py": "from hai.settings import os\n",
    "helpdesk/__init__.py": "",
    "helpdesk/handoff.py": "from knowledge.search import os\n",
    "api/__init__.py": "",
    "api/routes.py": "from helpdesk import handoff\n",
    "tests/test_x.py": "import api.routes\nimport testkit.stack\n",
}


def test_clean_tree_passes(tmp_path):
    assert violations(_tree(tmp_path, CLEAN)) == []


@pytest.mark.parametrize("planted, expected", [
    ({"hai/db.py": "def f():\n    from knowledge import search\n"}, "hai -> knowledge: the ground floor"),
    ({"knowledge/store.py": "import api.routes\n"}, "knowledge -> api: the core imports no adapter"),
    ({"analytics/__init__.py": "", "analytics/x.py": "from testkit import stack\n"},
     "analytics -> testkit: the service imports no test or benchmark support"),
    ({"knowledge/redact.py": "from helpdesk.handoff import os\n"}, "circle: helpdesk -> knowledge -> helpdesk"),
    ({"hai/launcher.py": "import os\ndef run():\n    import helpdesk.handoff\n"}, "hai -> helpdesk"),
])
def test_planted_violation_is_reported(tmp_path, planted, expected):
    found = violations(_tree(tmp_path, {**CLEAN, **planted}))
    assert any(expected in line for line in found), found
