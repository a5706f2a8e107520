"""The command line starts cold without the libraries it does not use (issue 19, "Cold start").

``python -m simulator --help`` imports nothing but the standard library; each command imports
its own module (:data:`simulator.cli.COMMANDS`) and what that needs: pandas and SciPy for most,
numba and scipy.stats (seconds of imports between them) only for the Monte Carlo, DuckDB and
SQLAlchemy only to count a large file or a database. What a process imported is read from
``python -X importtime``, which lists every module it loaded.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simulator import example_scenario, sample_business, scenario_to_json

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "pandas", "scipy", "pyarrow", "duckdb", "sqlalchemy", "numba", "streamlit")
"""Libraries a command may not need (each costs from a tenth of a second to seconds to import)."""


def imported(args: list[str], cwd: Path, status: int = 0) -> set[str]:
    """Every module ``python -m simulator ARGS`` imported (it must exit with ``status``)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "simulator", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == status, result.stderr[-2000:]
    return set(re.findall(r"^import time:.*\|\s*([\w.]+)$", result.stderr, flags=re.MULTILINE))


def heavy(modules: set[str]) -> list[str]:
    return sorted(h for h in HEAVY if h in modules)


def test_the_import_scan_sees_the_libraries(tmp_path):
    assert "argparse" in imported(["--help"], tmp_path)
    assert {"numpy", "pandas"} <= imported(["example-scenario"], tmp_path)


@pytest.mark.slow
def test_help_imports_only_the_standard_library(tmp_path):
    assert heavy(imported(["--help"], tmp_path)) == []
    assert heavy(imported([], tmp_path, status=2)) == []  # no command: the usage, status 2
    assert heavy(imported(["simulat"], tmp_path, status=2)) == []  # a misspelt command


@pytest.mark.slow
def test_commands_import_only_what_they_use(tmp_path):
    scenario = tmp_path / "s.json"
    scenario.write_text(scenario_to_json(sample_business(), example_scenario()))
    sample = ROOT / "sample_data" / "customers.csv"  # 5 MB: read whole, not counted in SQL
    not_needed = {"duckdb", "sqlalchemy", "numba", "scipy.stats", "streamlit", "plotly"}
    for args in (
        ["simulate", str(scenario), "--out", str(tmp_path / "p.csv")],
        ["example-scenario", "--no-change"],
        ["calibrate", str(sample), "--out", str(tmp_path / "c.json")],
        ["uncertainty", "--help"],
    ):
        loaded = imported(args, tmp_path) & not_needed
        if args[0] == "uncertainty":  # the Monte Carlo's own libraries, and nothing else
            loaded -= {"numba", "scipy.stats"}
        assert loaded == set(), args
