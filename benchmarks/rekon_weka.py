"""Run Weka's J48 (C4.5) on our folds, for the benchmark only: ARFF writing, one java call per fold.

Nothing here installs Weka. ``find_weka`` returns None when the jar or java is missing and the caller
says so. J48's per-instance class distribution (``-p 0 -distribution``) is parsed so that AUC and kappa
are computed by our code on exactly the same test rows as our own models.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.rekon.schema import CLASSES, FEATURE_COLUMNS, LABEL_COLUMN, nominal_values

DEBIAN_WEKA_JAR = Path("/usr/share/java/weka.jar")
DEBIAN_CUP_JAR = Path("/usr/share/java/java-cup-0.11b-runtime.jar")
J48_OPTIONS = ("-C", "0.25", "-M", "2")  # Weka's defaults, as in the issue


@dataclass(frozen=True)
class WekaSetup:
    java: str
    classpath: str
    version: str


def find_weka(jar: Path | None = None) -> WekaSetup | None:
    """The java binary and Weka classpath if both are present, else None (nothing is installed)."""
    java = shutil.which("java")
    jar = Path(jar) if jar else DEBIAN_WEKA_JAR
    if not java or not jar.exists():
        return None
    cp = [str(jar)] + ([str(DEBIAN_CUP_JAR)] if DEBIAN_CUP_JAR.exists() else [])
    version = jar.resolve().name.removeprefix("weka-").removesuffix(".jar")
    return WekaSetup(java=java, classpath=":".join(cp), version=version)


def _arff_value(value) -> str:
    text = str(value)
    if re.fullmatch(r"[A-Za-z0-9_.\-]+", text):
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def write_arff(paper: pd.DataFrame, labels, path: Path, relation: str = "rekon") -> None:
    """Write the paper's attribute view (``to_paper_attributes``) plus the class to an ARFF file."""
    lines = [f"@relation {relation}", ""]
    for col in FEATURE_COLUMNS:
        values = nominal_values(col)
        if values is None:
            lines.append(f"@attribute {col} numeric")
        else:
            lines.append(f"@attribute {col} {{{','.join(_arff_value(v) for v in values)}}}")
    lines.append(f"@attribute {LABEL_COLUMN} {{{','.join(CLASSES)}}}")
    lines += ["", "@data"]
    cols = [
        paper[c].astype(str).map(_arff_value) if nominal_values(c) else paper[c].astype(int).astype(str)
        for c in FEATURE_COLUMNS
    ]
    cols.append(pd.Series(np.asarray(labels, dtype=object), index=paper.index).astype(str))
    body = pd.concat(cols, axis=1).agg(",".join, axis=1)
    Path(path).write_text("\n".join(lines) + "\n" + "\n".join(body) + "\n", encoding="utf-8")


_PRED_LINE = re.compile(r"^\s*(\d+)\s+\d+:(\S+)\s+\d+:(\S+)\s+(?:\+\s+)?(\S+)\s*$")


def parse_distribution(output: str, n_test: int) -> np.ndarray:
    """P(SELISIH) per test instance from J48 ``-p 0 -distribution`` output."""
    probs = np.full(n_test, np.nan)
    selisih_pos = CLASSES.index("SELISIH")
    for line in output.splitlines():
        m = _PRED_LINE.match(line)
        if not m:
            continue
        dist = [float(x) for x in m.group(4).replace("*", "").split(",")]
        probs[int(m.group(1)) - 1] = dist[selisih_pos]
    if np.isnan(probs).any():
        raise RuntimeError(f"J48 output had {int(np.isnan(probs).sum())} of {n_test} predictions missing")
    return probs


def _run_j48(weka: WekaSetup, options: tuple[str, ...], args: list[str], timeout_s: float) -> str:
    """Run Weka's J48 with ``options`` and ``args``; its standard output, or RuntimeError with stderr's tail."""
    cmd = [weka.java, "-Xmx1g", "-cp", weka.classpath, "weka.classifiers.trees.J48", *options, *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"J48 failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


def run_j48_fold(
    weka: WekaSetup,
    train_arff: Path,
    test_arff: Path,
    n_test: int,
    options: tuple[str, ...] = J48_OPTIONS,
    timeout_s: float = 300,
) -> np.ndarray:
    """Train J48 on ``train_arff``, return P(SELISIH) for each row of ``test_arff`` in file order."""
    out = _run_j48(weka, options, ["-t", str(train_arff), "-T", str(test_arff), "-p", "0", "-distribution"],
                   timeout_s)
    return parse_distribution(out, n_test)


def run_j48_tree(
    weka: WekaSetup, arff: Path, options: tuple[str, ...] = J48_OPTIONS, timeout_s: float = 300
) -> str:
    """J48's printed tree and its size, trained on the whole file (no evaluation)."""
    return _run_j48(weka, options, ["-t", str(arff), "-no-cv"], timeout_s)
