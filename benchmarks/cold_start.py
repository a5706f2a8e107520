"""Cold start of the command line (issue 19): the imports of ``python -m simulator --help`` and of
each command, and the whole process, each in fresh processes from a temporary directory (the
installed checkout, as a user runs it).

"imports" is the sum of the top-level lines of ``python -X importtime`` (every module the
process loaded, first-time imports inside functions included; the interpreter's own start-up
is not an import); "whole process" is the wall time from start to exit, measured without
``-X importtime``. Medians of a few runs. Used by ``benchmarks/bench.py``; alone,
``.venv/bin/python -m benchmarks.cold_start`` prints its table.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import ROOT

HEAVY = ("numpy", "pandas", "scipy", "pyarrow", "duckdb", "sqlalchemy", "numba", "scipy.stats")
"""The libraries whose loading the table reports (each costs 0.05 to 1 s to import)."""

IMPORT_LINE = re.compile(
    r"^import time:\s+\d+ \|\s+(?P<cumulative>\d+) \|(?P<indent> *)(?P<name>[\w.]+)$", re.MULTILINE
)
"""A line of ``-X importtime``: microseconds with the module's own imports, nesting, name."""

HELP_TARGET_MS = 100.0
"""``--help`` needs no library at all: its imports are held to this (issue 19: well under 0.5 s)."""


@dataclass(frozen=True, kw_only=True)
class ColdStart:
    """One command line started cold: its imports, the whole process, what it loaded."""

    name: str
    imports_ms: float
    process_s: float
    loaded: tuple[str, ...]
    target_ms: float | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return "n/a"
        return "pass" if self.imports_ms < self.target_ms else "FAIL"


def _imports(command: Sequence[str], cwd: Path) -> tuple[float, set[str]]:
    """Seconds of imports of ``command`` (a Python command line) and the modules it loaded."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *command],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    total, modules = 0, set()
    for line in IMPORT_LINE.finditer(done.stderr):
        modules.add(line["name"])
        if len(line["indent"]) == 1:  # imported by the program, not by another import
            total += int(line["cumulative"])
    return total / 1e6, modules


def _process(command: Sequence[str], cwd: Path) -> float:
    """Wall seconds of ``command`` (a Python command line) from start to exit."""
    start = time.perf_counter()
    subprocess.run([sys.executable, *command], cwd=cwd, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def measure(name: str, command: Sequence[str], cwd: Path, runs: int, **kwargs) -> ColdStart:
    """``command`` started ``runs`` times for its imports and ``runs`` times whole."""
    imports = [_imports(command, cwd) for _ in range(runs)]
    process = [_process(command, cwd) for _ in range(runs)]
    modules = imports[-1][1]
    return ColdStart(
        name=name,
        imports_ms=statistics.median(s for s, _ in imports) * 1e3,
        process_s=statistics.median(process),
        loaded=tuple(h for h in HEAVY if h in modules),
        **kwargs,
    )


def bench_cold_start(runs: int = 5) -> list[ColdStart]:
    """``--help``, every command on small inputs, and pandas' own import for scale."""
    sample = ROOT / "sample_data" / "customers.csv"
    cli = ["-m", "simulator"]
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        subprocess.run(
            [sys.executable, *cli, "example-scenario"],
            cwd=here,
            stdout=(here / "s.json").open("w"),
            check=True,
        )
        return [
            measure(
                "`python -m simulator --help`",
                [*cli, "--help"],
                here,
                runs,
                target_ms=HELP_TARGET_MS,
                note="the list of commands: no command module is imported",
            ),
            measure(
                "`simulate s.json --out p.csv` (the example scenario)",
                [*cli, "simulate", "s.json", "--out", "p.csv"],
                here,
                runs,
                note="the engine, the scenario file and pandas for the CSV",
            ),
            measure(
                "`example-scenario`",
                [*cli, "example-scenario"],
                here,
                runs,
                note="reads and calibrates the 114,326-customer sample (most of its time)",
            ),
            measure(
                "`calibrate sample_data/customers.csv` (5 MB: read whole, not in SQL)",
                [*cli, "calibrate", str(sample)],
                here,
                runs,
                note="a file over 20 MB also loads DuckDB and pyarrow's CSV reader "
                "(the scale table's 1,000,000-customer row)",
            ),
            measure(
                "`uncertainty s.json --draws 200`",
                [*cli, "uncertainty", "s.json", "--draws", "200"],
                here,
                runs,
                note="the Monte Carlo: numba's compiled month loop and scipy.stats",
            ),
            measure(
                "for scale: `python -c 'import pandas'`",
                ["-c", "import pandas"],
                here,
                runs,
                note="what every command that reads or writes a table pays (pandas loads pyarrow)",
            ),
        ]


def cold_start_table(rows: list[ColdStart]) -> str:
    """Markdown table of the cold starts."""
    lines = [
        "| command line | imports (median) | whole process (median) | libraries loaded "
        "| target (imports) | verdict | notes |",
        "|---|---:|---:|---|---|---|---|",
    ]
    for r in rows:
        target = "" if r.target_ms is None else f"< {r.target_ms:.0f} ms"
        lines.append(
            f"| {r.name} | {r.imports_ms:.0f} ms | {r.process_s:.2f} s | "
            f"{', '.join(r.loaded) or 'none of them'} | {target} | {r.verdict} | {r.note} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(cold_start_table(bench_cold_start()))
