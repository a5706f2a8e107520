"""Upload the whole hostile-file catalogue to a real server through chromium; measure its memory.

Starts ``streamlit run app.py`` (the e2e fixture's server), opens the Data page in Debian's
chromium, and uploads each file of ``tests.test_hostile_uploads.CATALOG`` in turn, clicking
Calibrate when the page allows it. While it runs, a thread samples the server's resident memory
(VmRSS in /proc/<pid>/status) every 50 ms. Prints one line per file and a summary: outcome
counts (message / calibrated / refused by the uploader / crash), server health, peak RSS and RSS
at the end.

    .venv/bin/python benchmarks/hostile_uploads.py            # the whole catalogue
    .venv/bin/python benchmarks/hostile_uploads.py --only million-identical-rows xlsx-zip-bomb-4gb

Outcome of a file: "crash" when the page shows an exception or "Traceback" or the server stops
answering; "message" when it shows an error or warning box; "calibrated" when the fit is shown
(the "Use this calibration" button appears); "uploader" when the browser refuses the file type.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.conftest import CHROMIUM_ARGS, VIEWPORT, _chromium, streamlit_server  # noqa: E402
from tests.test_hostile_uploads import CATALOG, MIME, refused_by_the_uploader  # noqa: E402
from ui import text  # noqa: E402

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def server_pid(port: str) -> int:
    """The pid of the ``streamlit run`` process listening on ``port``."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(argv) and port.encode() in argv:
            return int(entry.name)
    raise RuntimeError(f"no streamlit process on port {port}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Sampler(threading.Thread):
    """Samples a process's RSS until stopped; ``peak`` is the largest seen (MB)."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self.stopped = pid, every, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(self.every)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=10) as response:
            return response.read() == b"ok"
    except OSError:
        return False


def outcome(page) -> str:
    if page.locator("[data-testid='stException']").count() or "Traceback" in page.content():
        return "crash"
    if page.locator(".st-key-data_use").count():
        return "calibrated"
    if page.locator(
        "[data-testid='stAlertContentError'], [data-testid='stAlertContentWarning']"
    ).count():
        return "message"
    return "crash"


def upload(page, c, timeout_ms: float) -> str:
    page.locator(".st-key-data_upload input[type='file']").set_input_files(
        files=[
            {
                "name": c.file_name,
                "mimeType": MIME.get(Path(c.file_name).suffix.lower(), "application/octet-stream"),
                "buffer": c.raw,
            }
        ]
    )
    # This file's own result names it: the table caption, or the error box of an unreadable
    # file (earlier files' results are still on the page until the rerun replaces them).
    own = page.locator("[data-testid='stMain']").get_by_text(c.file_name, exact=False)
    with contextlib.suppress(Exception):  # an exception box instead: judged below
        own.locator("visible=true").last.wait_for(timeout=20_000)
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    button = page.get_by_role("button", name=text.t("data.calibrate"), exact=True)
    if button.count() == 1 and button.is_enabled():
        button.click()
        settled = "[data-testid='stAlertContentError'], [data-testid='stException']"
        page.wait_for_selector(f".st-key-data_use, {settled}", timeout=timeout_ms)
        page.wait_for_selector(IDLE, timeout=timeout_ms)
    return outcome(page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="case ids to upload (default: all)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per file")
    args = parser.parse_args(argv)
    cases = [p.values[0] for p in CATALOG if not args.only or p.id in args.only]
    counts: collections.Counter[str] = collections.Counter()
    started = time.monotonic()
    with streamlit_server(log_path=ROOT / "artifacts" / "streamlit-server-hostile.log") as url:
        pid = server_pid(url.rsplit(":", 1)[1])
        idle_mb = rss_mb(pid)
        sampler = Sampler(pid)
        sampler.start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(url + "/Data")
            page.wait_for_selector(".st-key-data_upload", timeout=120_000)
            page.wait_for_selector(IDLE, timeout=120_000)
            for c in cases:
                t0 = time.monotonic()
                if refused_by_the_uploader(c):
                    kind = "uploader"
                else:
                    try:
                        kind = upload(page, c, args.timeout * 1000)
                    except Exception as exc:  # a timeout: the page never settled
                        kind = f"crash ({type(exc).__name__})"
                        print(str(exc).splitlines()[0][:300], flush=True)
                    if not healthy(url):
                        kind = "crash (server down)"
                counts[kind.split(" ")[0]] += 1
                print(
                    f"{c.case_id:45s} {len(c.raw) / 2**20:8.2f} MB  {kind:11s} "
                    f"{time.monotonic() - t0:6.1f} s  rss {rss_mb(pid):7.0f} MB  "
                    f"peak {sampler.peak:7.0f} MB",
                    flush=True,
                )
            browser.close()
        time.sleep(1.0)
        sampler.stopped.set()
        sampler.join()
        after_mb = rss_mb(pid)
        up = healthy(url)
    print()
    print(f"files uploaded      {len(cases)}")
    for kind in ("message", "calibrated", "uploader", "crash"):
        print(f"  {kind:17s} {counts.get(kind, 0)}")
    print(f"server healthy      {'yes' if up else 'NO'}")
    print(f"server RSS idle     {idle_mb:.0f} MB (after the first page load)")
    print(f"server RSS peak     {sampler.peak:.0f} MB")
    print(f"server RSS after    {after_mb:.0f} MB")
    print(f"largest file        {max(len(c.raw) for c in cases) / 2**20:.1f} MB")
    print(f"wall time           {time.monotonic() - started:.0f} s  (cpus: {os.cpu_count()})")
    return 1 if counts.get("crash") or not up else 0


if __name__ == "__main__":
    raise SystemExit(main())
