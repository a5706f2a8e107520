"""Hosting: the Dockerfile, .dockerignore, requirements.txt and .streamlit/config.toml stay safe.

No Docker engine is needed: these read the files. Building and running the image is described in
README.md ("Deploy").
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
HEALTH = "/_stcore/health"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per Dockerfile instruction: comments dropped, lines joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        out.append((keyword.upper(), args.strip()))
        pending = ""
    assert not pending, "Dockerfile ends inside a continued line"
    return out


def _args(args: str) -> list[str]:
    """Exec form (JSON array) or shell form, as a list of words."""
    return json.loads(args) if args.startswith("[") else shlex.split(args)


def _all(keyword: str) -> list[str]:
    return [args for kw, args in _instructions() if kw == keyword]


def _index(keyword: str) -> int:
    keywords = [kw for kw, _ in _instructions()]
    assert keyword in keywords, f"no {keyword} in the Dockerfile"
    return len(keywords) - 1 - keywords[::-1].index(keyword)  # the one that takes effect


def test_base_image_is_a_slim_python_3_11():
    (base,) = _all("FROM")
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?(@sha256:[0-9a-f]{64})?", base), base


def test_the_app_runs_as_a_non_root_user():
    users = _all("USER")
    assert users, "no USER: the app would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, user
    assert _index("USER") < _index("CMD"), "USER must come before CMD"


def test_health_check_asks_streamlits_health_endpoint():
    (check,) = _all("HEALTHCHECK")
    assert "CMD" in check.split(), check
    command = check.split("CMD", 1)[1].strip()
    assert HEALTH in command and "8501" in command, command
    assert "curl" not in command and "wget" not in command, "the slim image has neither"


def test_the_port_is_exposed_and_the_server_listens_on_every_interface():
    assert "8501" in " ".join(_all("EXPOSE")).replace("/tcp", "").split()
    cmd = _args(_all("CMD")[-1])
    assert cmd[:3] == ["streamlit", "run", "app.py"], cmd
    assert "--server.headless=true" in cmd, cmd
    assert "--server.port=8501" in cmd, cmd
    # .streamlit/config.toml binds ./dev to 127.0.0.1: unreachable from outside a container.
    assert "--server.address=0.0.0.0" in cmd, cmd


def test_every_copied_path_exists_and_tests_and_tools_stay_out():
    sources: list[str] = []
    for args in _all("COPY") + _all("ADD"):
        words = [w for w in _args(args) if not w.startswith("--")]
        sources += words[:-1]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"
    for needed in (
        "app.py",
        "pages/",
        "ui/",
        "locales/",
        "simulator/",
        "sample_data/",
        ".streamlit/",
    ):
        assert needed in sources, f"the app needs {needed}"
    for excluded in (".", "./", "tests/", ".venv/", "benchmarks/"):
        assert excluded not in sources, f"Dockerfile copies {excluded}"


def test_dockerignore_keeps_environments_and_history_out():
    patterns = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for needed in (".venv", ".git", "artifacts", "tests", "benchmarks", ".streamlit/secrets.toml"):
        assert needed in patterns, f".dockerignore does not exclude {needed}"


def test_streamlit_config_has_the_safe_settings():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server = config["server"]
    assert server["headless"] is True
    assert server["enableXsrfProtection"] is True
    assert isinstance(server["maxUploadSize"], int) and 0 < server["maxUploadSize"] <= 1000
    assert server.get("enableCORS", True) is True, "CORS protection must stay on"
    assert config.get("browser", {}).get("gatherUsageStats") is False
    # No traceback on a page, even one that gets past ui/errors.py (issue 6, item 5).
    assert config.get("client", {}).get("showErrorDetails") == "none"
    # No "Deploy" button and no "Clear cache" in a meeting, even on localhost.
    assert config["client"].get("toolbarMode") == "viewer"


def test_no_full_garbage_collection_after_every_rerun():
    # A gc.collect(2) after each script run was half the server's CPU under load (issue 6,
    # docs/reliability.md); the soak run shows memory stays flat without it.
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config.get("runner", {}).get("postScriptGC") is False


def test_the_image_shows_no_error_details_either():
    env = " ".join(_all("ENV"))
    assert "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=none" in env.split(), env


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"{path.name}: {line!r} is not pinned with =="
            pins[_normalise(name)] = version.strip()
    return pins


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.split("[")[0].strip()).lower()


def _lock_runtime_closure() -> set[str]:
    """Packages the lock says the project's (non-dev) dependencies pull in, from its '# via'."""
    via: dict[str, set[str]] = {}
    current = None
    for line in (ROOT / "requirements.lock.txt").read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            current = _normalise(line.split("==")[0])
            via[current] = set()
        elif current and line.strip().startswith("#"):
            parent = line.strip().lstrip("#").strip().removeprefix("via").strip()
            if parent:
                via[current].add(parent)
    runtime = {
        name for name, parents in via.items() if "service-gap-simulator (pyproject.toml)" in parents
    }
    while True:
        more = {
            name
            for name, parents in via.items()
            if name not in runtime and {_normalise(p) for p in parents} & runtime
        }
        if not more:
            return runtime
        runtime |= more


def test_requirements_txt_is_exactly_the_runtime_part_of_the_lock():
    lock = _pins(ROOT / "requirements.lock.txt")
    runtime = _pins(ROOT / "requirements.txt")
    expected = _lock_runtime_closure()
    hint = "regenerate requirements.txt as its header says"
    missing, extra = sorted(expected - set(runtime)), sorted(set(runtime) - expected)
    assert not missing and not extra, f"missing {missing}, extra {extra}: {hint}"
    differ = {name: (v, lock[name]) for name, v in runtime.items() if lock.get(name) != v}
    assert not differ, f"versions differ from the lock: {differ}; {hint}"
    for tool in ("pytest", "playwright", "ruff", "hypothesis", "lifelines"):
        assert tool not in runtime, f"{tool} is a dev tool"
    for direct in ("streamlit", "pandas", "numpy", "scipy", "plotly", "duckdb", "psycopg"):
        assert direct in runtime


def test_the_image_installs_requirements_txt_without_unlisted_packages():
    installs = [args for args in _all("RUN") if "pip install" in args]
    assert len(installs) == 2, installs
    packages, project = (shlex.split(args) for args in installs)
    assert "requirements.txt" in packages and "--no-deps" in packages, installs[0]
    # Then the core itself, editable (the code in /app, no second copy), and nothing else.
    assert project[project.index("-e") + 1] == "." and "--no-deps" in project, installs[1]
    for args in installs:
        assert "pip check" in args, "pip check proves the --no-deps list is complete"


def test_saved_scenarios_live_on_a_volume_the_app_user_can_write():
    from ui.store import STORE_PATH_VARIABLE

    env = " ".join(_all("ENV"))
    match = re.search(rf"{STORE_PATH_VARIABLE}=(\S+)", env)
    assert match, f"the image sets no {STORE_PATH_VARIABLE}"
    folder = str(Path(match.group(1)).parent)
    volumes = [v for args in _all("VOLUME") for v in _args(args)]
    assert folder in volumes, "saved scenarios must outlive the container"
    runs = " ".join(_all("RUN"))
    assert f"chown app {folder}" in runs, "the non-root app user must be able to write there"
    assert _index("VOLUME") < _index("USER")
