"""Where the PNG charts of the analytics are drawn and kept, for every channel.

- ``PYPLOT_LOCK``: pyplot keeps global state, so a process draws one chart at a time; every drawing
  function of the core (``analytics.pagu.chart.render_pagu_chart``) holds it, and no adapter needs its own.
- ``ChartStore(folder)``: charts kept as ``<folder>/<prefix>-<first 16 hex of the PNG's sha256>.png``. The
  same chart always gets the same name, so a repeated question writes nothing new, and a file is written
  atomically, so whoever serves the folder never serves half a file. The folder is the caller's (the chat
  passes ``settings.charts_dir``, which the API serves under ``/charts/``).
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

PYPLOT_LOCK = threading.Lock()


class ChartStore:
    """PNG charts in one folder, named by their content."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    @staticmethod
    def name_for(png: bytes, prefix: str = "pagu") -> str:
        """``<prefix>-<first 16 hex of sha256(png)>.png``."""
        return f"{prefix}-{hashlib.sha256(png).hexdigest()[:16]}.png"

    def save(self, png: bytes, prefix: str = "pagu") -> str:
        """Write ``png`` (once) and return its file name within the folder."""
        name = self.name_for(png, prefix)
        target = self.folder / name
        if not target.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
            tmp.write_bytes(png)
            tmp.replace(target)  # atomic: a reader sees no file or the whole file
        return name

    def path(self, name: str) -> Path:
        return self.folder / name
