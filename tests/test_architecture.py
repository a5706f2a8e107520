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


# --- The house: which package may import which, no circles, short modules -------------------

PACKAGES = {"simulator.model": set(), "simulator.data": {"simulator.model"}}
PACKAGES["simulator.decisions"] = {"simulator.model", "simulator.data"}
"""Each job of the core and the other core packages its modules may import (their docstrings)."""

HOUSE = [
    p
    for p in sorted(ROOT.glob("**/*.py"))
    if p.relative_to(ROOT).parts[0] in {"simulator", "ui", "pages", "benchmarks", "app.py"}
]
"""The project's own modules: the core, the Streamlit shell, the pages and the benchmarks."""

LONG_MODULE_LINES = 600
LONG_MODULE_REASON = "One module on purpose:"
"""A module longer than :data:`LONG_MODULE_LINES` says why at its top, after these words."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in HOUSE}


def imported_modules(path: Path) -> set[str]:
    """The project modules ``path`` imports anywhere in its text (also inside functions)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import module` imports the module; `from module import name` the module
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: imported_modules(path) for name, path in MODULES.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_circle_finder_finds_a_circle_and_nothing_else():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_the_import_reader_sees_module_imports_from_a_package():
    assert "simulator.model.params" in GRAPH["simulator.model.engine"]
    assert "simulator.model.engine" in GRAPH["simulator.decisions.evaluate"]


def test_no_import_circles_in_the_house():
    assert circles(GRAPH) == []


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_each_core_package_imports_only_what_its_docstring_allows(package):
    allowed = PACKAGES[package] | {package}
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        if name.startswith(package + ".") or name == package
        for target in targets
        if target.startswith("simulator.")
        and not any(target == a or target.startswith(a + ".") for a in allowed)
    )
    assert wrong == []
    for other in PACKAGES:
        if other not in allowed:
            assert other in (MODULES[package].read_text(encoding="utf-8")), package


def test_the_core_imports_no_shell_and_the_shell_no_pages():
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in GRAPH.items()
        for target in targets
        if (name.startswith("simulator") and not target.startswith("simulator"))
        or (name.startswith("ui") and target.startswith(("pages", "app", "benchmarks")))
        or (name.startswith(("pages", "app")) and target.startswith("benchmarks"))
    )
    assert wrong == []


def test_a_long_module_says_why_it_is_one_module():
    long = sorted(
        f"{module_name(p)} ({n} lines)"
        for p in HOUSE
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > LONG_MODULE_LINES
        and LONG_MODULE_REASON not in p.read_text(encoding="utf-8")[:3000]
    )
    assert long == []
