"""What the benchmark scripts share: the repository root, a timed result row and how calls are
timed, the app's pages and slider they drive, the machine's load average and how a script puts
its own section into docs/benchmarks.md.

``benchmarks/bench.py`` writes ``docs/benchmarks.md`` from the rows of ``benchmarks/uncertainty.py``
and ``benchmarks/cold_start.py``, which import this module and nothing of bench.py (no circle).
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
PRICE_SLIDER = "scenario_price_change_pct"
SCENARIO_PAGE = "pages/1_Scenario.py"
UNCERTAINTY_PAGE = "pages/4_Uncertainty.py"


@dataclass(frozen=True, kw_only=True)
class Result:
    """One benchmark: timings in seconds and the target it is held to."""

    name: str
    seconds: np.ndarray
    cpu_seconds: np.ndarray
    target_ms: float | None = None
    note: str = ""

    @property
    def median_ms(self) -> float:
        return float(np.median(self.seconds) * 1e3)

    @property
    def cpu_median_ms(self) -> float:
        return float(np.median(self.cpu_seconds) * 1e3)

    @property
    def p90_ms(self) -> float:
        return float(np.percentile(self.seconds, 90) * 1e3)

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return "n/a"
        return "pass" if self.median_ms < self.target_ms else "FAIL"


def time_calls(
    fn: Callable[[], object], *, runs: int, warmup: int
) -> tuple[np.ndarray, np.ndarray]:
    """Wall-clock and process CPU seconds of ``runs`` calls of ``fn`` after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    gc.collect()
    wall, cpu = np.empty(runs), np.empty(runs)
    for i in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall[i] = time.perf_counter() - start
        cpu[i] = time.process_time() - start_cpu
    return wall, cpu


def result(name: str, timings: tuple[np.ndarray, np.ndarray], **kwargs) -> Result:
    """A :class:`Result` of ``timings`` (wall-clock and CPU seconds, as :func:`time_calls`)."""
    return Result(name=name, seconds=timings[0], cpu_seconds=timings[1], **kwargs)


@dataclass(frozen=True, kw_only=True)
class ScaleResult:
    """One scale benchmark: our time, the peer's time on the same input, and limits."""

    name: str
    seconds: float
    peer: str = ""
    peer_seconds: float | None = None
    target: str = ""
    passed: bool = True
    peak_mb: float | None = None
    command_seconds: float | None = None  # the whole command, interpreter start to exit
    cores: int | None = os.cpu_count()  # of the machine that measured it
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """Our time over the peer's (below 1: faster than the peer)."""
        return None if self.peer_seconds is None else self.seconds / self.peer_seconds


def best_of(runs: int, call: Callable[[], object]) -> float:
    """Smallest wall-clock time of ``runs`` calls (seconds): the cost without interference."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def scale_table(results: list[ScaleResult]) -> str:
    """Markdown table of the scale results."""
    lines = [
        "| benchmark | ours (s) | peer | peer (s) | ours / peer | whole command (s) | peak memory "
        "| cores | target | verdict |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.seconds:.3f} | {r.peer} | "
            f"{'' if r.peer_seconds is None else f'{r.peer_seconds:.3f}'} | "
            f"{'' if r.ratio is None else f'{r.ratio:.2f}'} | "
            f"{'' if r.command_seconds is None else f'{r.command_seconds:.2f}'} | "
            f"{'' if r.peak_mb is None else f'{r.peak_mb:,.0f} MB'} | {r.cores or ''} | "
            f"{r.target} | "
            f"{'pass' if r.passed else 'FAIL'} |"
        )
    lines.append("")
    lines.extend(f"- {r.name}: {r.note}." for r in results)
    return "\n".join(lines)


def table(results: list[Result]) -> str:
    """The results as a markdown table."""
    lines = [
        "| benchmark | target (median) | median | p90 | median CPU | result | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        target = f"< {r.target_ms:.0f} ms" if r.target_ms is not None else "-"
        lines.append(
            f"| {r.name} | {target} | {r.median_ms:.1f} ms | {r.p90_ms:.1f} ms | "
            f"{r.cpu_median_ms:.1f} ms | {r.verdict} | {r.note} |"
        )
    return "\n".join(lines)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, ``"1.08 / 3.87 / 4.56"``."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def write_section(text_: str, begin: str, end: str) -> None:
    """Put a section (``text_``, from the line ``begin`` to the line ``end``) into
    docs/benchmarks.md, replacing the one there, or appending it."""
    doc = DOC.read_text(encoding="utf-8")
    if begin in doc:
        head, rest = doc.split(begin, 1)
        doc = head + text_ + rest.split(end + "\n", 1)[1]
    else:
        doc = doc.rstrip("\n") + "\n\n" + text_
    DOC.write_text(doc, encoding="utf-8")
