"""The checkout is installed (``scripts/bootstrap.sh``: ``pip install -e .``): the command line
runs from any directory, as ``service-gap`` and as ``python -m simulator``, on this checkout's
code (issue 19, "Installable")."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(sysconfig.get_path("scripts")) / "service-gap"


def outside(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``command`` run from ``cwd`` with nothing pointing at the checkout (no PYTHONPATH)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.slow
def test_the_console_script_and_the_module_run_from_any_directory(tmp_path):
    assert SCRIPT.exists(), f"{SCRIPT} is missing: run `bash scripts/bootstrap.sh`"
    for command, prog in (
        ([str(SCRIPT), "--help"], "service-gap"),
        ([sys.executable, "-m", "simulator", "--help"], "python -m simulator"),
    ):
        result = outside(command, tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"usage: {prog} "), result.stdout
        assert "example-scenario" in result.stdout


@pytest.mark.slow
def test_the_installed_package_is_this_checkout(tmp_path):
    where = outside([sys.executable, "-c", "import simulator; print(simulator.__file__)"], tmp_path)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()) == ROOT / "simulator" / "__init__.py"
    result = outside([str(SCRIPT), "example-scenario"], tmp_path)  # reads the bundled sample
    assert result.returncode == 0, result.stderr
    assert '"format": "service-gap-simulator/scenario"' in result.stdout
