"""The project's import rules, read from the source with ``ast`` (nothing is imported or run).

Arrows point down: adapters (``actions``, ``api``, ``channels``) -> core (``helpdesk``, ``knowledge``,
``analytics``) -> ``hai`` (the ground floor). ``hai`` imports no other package of the project, the core never
imports an adapter, the service never imports test or benchmark support, and no two folders import each
other in a circle. Imports inside functions count the same as those at the top of a module.

    python -m testkit.architecture        # prints the import graph between folders and any broken rule
"""
from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

GROUND = "hai"
CORE = ("helpdesk", "knowledge", "analytics")
ADAPTERS = ("actions", "api", "channels")
SUPPORT = ("testkit", "benchmarks", "tests", "scripts")
SERVICE = (GROUND, *CORE, *ADAPTERS)
PACKAGES = (*SERVICE, *SUPPORT)

# What each folder of the service may import besides itself (anything else of the project is a violation).
ALLOWED: dict[str, frozenset[str]] = {
    GROUND: frozenset(),
    **{core: frozenset({GROUND, *CORE}) for core in CORE},
    **{adapter: frozenset({GROUND, *CORE, *ADAPTERS}) for adapter in ADAPTERS},
}


@dataclass(frozen=True)
class ImportEdge:
    source: str  # importing file, relative to the root
    line: int
    module: str  # the imported module, dotted

    @property
    def source_package(self) -> str:
        return self.source.split("/")[0]

    @property
    def target_package(self) -> str:
        return self.module.split(".")[0]


def _module_of(path: Path, root: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_imports(root: Path, packages: tuple[str, ...] = PACKAGES) -> list[ImportEdge]:
    """Every import, absolute or relative, from a file of ``packages`` to a module of ``packages``."""
    edges: list[ImportEdge] = []
    for package in packages:
        folder = root / package
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            if any(part.startswith(".") for part in path.relative_to(root).parts):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            here = _module_of(path, root)
            is_package = path.name == "__init__.py"
            for node in ast.walk(tree):
                modules: list[str] = []
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    if node.level:
                        base = here.split(".")
                        base = base if is_package else base[:-1]
                        base = base[: len(base) - (node.level - 1)]
                        prefix = ".".join(base)
                        modules = [f"{prefix}.{node.module}" if node.module and prefix else prefix or ""]
                    else:
                        modules = [node.module or ""]
                for module in modules:
                    if module.split(".")[0] in packages:
                        edges.append(ImportEdge(str(path.relative_to(root)), node.lineno, module))
    return edges


def folder_graph(edges: list[ImportEdge]) -> dict[tuple[str, str], int]:
    """(importing folder, imported folder) -> number of import statements, between different folders."""
    graph: dict[tuple[str, str], int] = defaultdict(int)
    for edge in edges:
        if edge.source_package != edge.target_package:
            graph[(edge.source_package, edge.target_package)] += 1
    return dict(graph)


def _cycles(graph: dict[tuple[str, str], int]) -> list[list[str]]:
    succ: dict[str, set[str]] = defaultdict(set)
    for a, b in graph:
        succ[a].add(b)
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(succ[node]):
            if nxt == start:
                key = frozenset(path)
                if key not in seen:
                    seen.add(key)
                    found.append([*path, start])
            elif nxt not in path and nxt > start:  # each cycle once, from its smallest folder
                walk(start, nxt, [*path, nxt])

    for start in sorted(succ):
        walk(start, start, [start])
    return found


def violations(root: Path) -> list[str]:
    """Every broken import rule under ``root``, one readable line each; empty when the layout holds."""
    edges = project_imports(root)
    problems: list[str] = []
    for edge in edges:
        src, dst = edge.source_package, edge.target_package
        if src == dst or src in SUPPORT:
            continue
        if dst not in ALLOWED.get(src, frozenset()):
            kind = ("the ground floor imports nothing above it" if src == GROUND
                    else "the core imports no adapter" if dst in ADAPTERS
                    else "the service imports no test or benchmark support" if dst in SUPPORT
                    else "not an allowed direction")
            problems.append(f"{edge.source}:{edge.line} imports {edge.module} ({src} -> {dst}: {kind})")
    for cycle in _cycles(folder_graph(edges)):
        problems.append("folders import each other in a circle: " + " -> ".join(cycle))
    return problems


def main(argv: list[str] | None = None) -> int:
    root = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    graph = folder_graph(project_imports(root))
    width = max(len(p) for p in PACKAGES)
    for (a, b), count in sorted(graph.items()):
        print(f"{a:<{width}} -> {b:<{width}} {count}")
    problems = violations(root)
    for line in problems:
        print("VIOLATION", line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
