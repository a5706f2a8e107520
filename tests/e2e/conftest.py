"""Fixtures for real-browser tests: a live `streamlit run app.py` server + Debian chromium.

Every test under tests/e2e/ is marked `e2e` automatically (deselect with `-m "not e2e"`).
Test modules import the helpers relatively::

    from .conftest import ARTIFACTS, wait_for_app_idle

Chromium comes from Debian (`apt-get install -y chromium`; `.ci/run` does it), never from
`playwright install`. Without it the browser tests are skipped locally, and FAIL when the
environment variable CI is set, so CI can never go green by skipping them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
ARTIFACTS = ROOT / "artifacts"
SERVER_LOG = ARTIFACTS / f"streamlit-server{os.environ.get('PYTEST_XDIST_WORKER', '')}.log"
"""The session server's log (one per pytest-xdist worker: gw0, gw1)."""
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_TIMEOUT_S = 60

CHROMIUM_ARGS = [
    "--no-sandbox",  # running as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # this network is offline: avoid a burst of refused background connections
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

_E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _E2E_DIR in item.path.resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _chromium() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(path: Path = SERVER_LOG, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def start_streamlit(
    env: dict[str, str] | None = None, log_path: Path = SERVER_LOG
) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run app.py` on a free loopback port (``env`` added to this
    environment, output to ``log_path``) and wait for its health check: (process, base URL).

    Raises RuntimeError, with the log's tail, if it does not answer within
    :data:`SERVER_START_TIMEOUT_S`; the process is then stopped.
    """
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    with log_path.open("w") as log:  # the child keeps its own handle
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(APP),
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
                "--server.runOnSave",
                "false",
            ],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                if r.read() == b"ok":
                    return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            code = proc.poll()
            stop(proc)
            raise RuntimeError(
                f"streamlit server did not start (exit code {code}); "
                f"log {log_path}:\n{_log_tail(log_path)}"
            )
        time.sleep(0.1)


def stop(proc: subprocess.Popen) -> None:
    """Stop a server started by :func:`start_streamlit` (kill it after 10 s)."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def streamlit_server(env: dict[str, str] | None = None, log_path: Path = SERVER_LOG):
    """Run `streamlit run app.py` on a free port (``env`` added to this environment); yield its
    base URL (no trailing slash); stop it on exit."""
    try:
        proc, url = start_streamlit(env, log_path)
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """The session's server: `streamlit run app.py` on a free port; its base URL."""
    with streamlit_server() as url:
        yield url


# --- pytest-playwright hooks: use Debian's chromium instead of Playwright's download ---
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    exe = _chromium()
    if exe is None:
        msg = "chromium not installed (apt-get install -y chromium, or set CHROMIUM_PATH)"
        if os.environ.get("CI"):
            pytest.fail(msg, pytrace=False)  # never let CI go green by skipping
        pytest.skip(msg)
    return {**browser_type_launch_args, "executable_path": exe, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": VIEWPORT}


def wait_for_app_idle(page, timeout: float = 30_000) -> None:
    """Wait until the Streamlit script run has finished (<div data-testid=stApp ...>).

    Right after an interaction the state may still read `notRunning` for a moment, so first
    assert the expected *result* with an auto-retrying `expect(...)`, then call this.
    """
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout
    )
