"""A throwaway PostgreSQL server for the tests: the session fixture :func:`postgres_url`.

It starts Debian's PostgreSQL binaries (``apt-get install postgresql``:
/usr/lib/postgresql/<version>/bin/initdb, pg_ctl): a cluster in a temporary directory, listening
only on a Unix socket there. PostgreSQL refuses to run as root, so under root it runs as the
``postgres`` system user (the package creates it). Without the binaries the tests that use it
are skipped locally and FAIL when the environment variable CI is set, so CI can never go green by
skipping them. ``tests/conftest.py`` imports the fixture, so one server serves the whole session.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pathlib
import shlex
import shutil
import socket
import subprocess
import tempfile

import pytest


def _unavailable(msg: str):
    if os.environ.get("CI"):
        pytest.fail(msg, pytrace=False)  # never let CI go green by skipping
    pytest.skip(msg)


def _bin_dir() -> pathlib.Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: len(p))
    found += [p for p in [shutil.which("initdb")] if p]
    return pathlib.Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a throwaway PostgreSQL server (database ``postgres``), stopped at the end."""
    bindir = _bin_dir()
    if bindir is None:
        _unavailable(
            "PostgreSQL server binaries not found (initdb); install Debian's: "
            "apt-get install postgresql"
        )
    as_user: list[str] = []
    user = None
    if os.geteuid() == 0:  # postgres refuses root: run it as the postgres system user
        try:
            import pwd

            entry = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no 'postgres' user to run the server as")
        runuser = shutil.which("runuser")
        as_user = [runuser, "-u", "postgres", "--"] if runuser else ["su", "postgres", "-c"]
        user = entry
    root = pathlib.Path(tempfile.mkdtemp(prefix="sim-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if user is not None:
        os.chmod(root, 0o755)
        for path in (root, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)

    def run(*args: str) -> None:
        command = [*as_user, *args] if as_user[:1] != ["su"] else [*as_user, shlex.join(args)]
        subprocess.run(command, check=True, capture_output=True, text=True, cwd=root)

    port = _free_port()
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(root / "log"),
            "-w",
            "-o",
            f"-c listen_addresses='' -k {sockets} -p {port} -c fsync=off",
            "start",
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        _unavailable(f"could not start PostgreSQL: {exc.stderr or exc.stdout}")
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={sockets}&port={port}"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
