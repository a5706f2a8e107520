"""simulator/ is a pure core: no UI libraries, no clock, no files read behind the caller's back."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "simulator"
SOURCES = sorted(CORE.rglob("*.py"))

IMPORT_EVERYTHING = textwrap.dedent(
    """
    import importlib
    import pkgutil
    import sys

    import simulator

    names = [
        m.name
        for m in pkgutil.walk_packages(simulator.__path__, "simulator.")
        if not m.name.endswith(".__main__")  # running the CLI is not importing it
    ]
    for name in names:
        importlib.import_module(name)
    assert len(names) >= 10, names
    ui = sorted(
        m for m in sys.modules
        if m.split(".")[0] in {"streamlit", "plotly", "altair", "matplotlib", "bokeh"}
    )
    assert not ui, ui
    print(len(names))
    """
)


@pytest.mark.slow
def test_importing_simulator_and_all_its_modules_loads_neither_streamlit_nor_plotly():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 10


CLOCK_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def clock_reads(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            parts = name.split(".")
            if len(parts) >= 2 and (parts[-2], parts[-1]) in CLOCK_CALLS:
                found.append(f"line {node.lineno}: {name}()")
        if isinstance(node, ast.ImportFrom) and node.module == "time":
            for alias in node.names:
                if alias.name in {"time", "time_ns"}:
                    found.append(f"line {node.lineno}: from time import {alias.name}")
    return found


def test_the_clock_scan_recognises_each_forbidden_call():
    assert clock_reads("import datetime\ndatetime.datetime.now()")
    assert clock_reads("from datetime import date\ndate.today()")
    assert clock_reads("import time\ntime.time()")
    assert clock_reads("from time import time")
    assert not clock_reads("import math\nmath.exp(1.0)")


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_no_core_module_reads_the_clock(path):
    assert clock_reads(path.read_text(encoding="utf-8")) == []


def test_the_core_has_modules_to_check():
    assert len(SOURCES) >= 10
