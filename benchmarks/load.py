"""Load and soak: many browser sessions moving the price slider against one Streamlit server.

Run from the repository root (needs Debian's chromium, as the browser tests do)::

    .venv/bin/python benchmarks/load.py                       # 20 sessions for 120 s
    .venv/bin/python benchmarks/load.py --sessions 5 --duration 20   # a short dry run
    .venv/bin/python benchmarks/load.py --soak 1000           # one session, 1,000 reruns

Everything stays on this machine: the server listens on 127.0.0.1 only, the sessions are pages
of one headless chromium (one browser context each, so one Streamlit session each), and the run
is bounded in sessions, time and reruns.

Load: every session opens /Scenario and, until the time is up, moves the price slider one step
(focus the thumb, ArrowRight or ArrowLeft; one step is 0.5 percentage points, sweeping
``--sweep`` steps up, then down, from a per-session start), waits until the app is idle again
with a new NPV card, then waits ``--think`` seconds (a person reads the result) before the next
move. The rerun latency is the time from the key press until the page shows the new NPV and the
script run has finished; it includes the slider's own debounce in the browser, the websocket
round trip, the script run and the drawing of the page.

Soak: one session makes ``--soak`` such moves with no think time; the server's resident memory
(VmRSS) is read after the page's first load and after the last move (each after a few idle
seconds), and the growth is reported.

Errors counted: uncaught page exceptions, console errors, Streamlit exception elements
(``stException``), "Traceback" on a page, moves that did not finish within ``--timeout``
seconds, "Traceback" in the server log, and the server exiting. The server's VmRSS is sampled
every second; the CPU time of the server and of chromium (all its processes) over the run is
read from /proc, to show where the two cores went.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: make `tests` and `ui` importable

from tests.e2e.conftest import (  # noqa: E402
    ARTIFACTS,
    CHROMIUM_ARGS,
    _chromium,
    start_streamlit,
    stop,
)
from ui import text  # noqa: E402

SLIDER = ".st-key-scenario_price_change_pct"  # its thumb: get_by_role("slider")
NPV_LABEL = text.t("kpi.npv", period=text.period(60))
IDLE_AND_CHANGED = """([label, before]) => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.getAttribute("data-test-script-state") !== "notRunning") return false;
    for (const card of document.querySelectorAll("[data-testid='stMetric']")) {
        if (card.textContent.includes(label)) {
            const value = card.querySelector("[data-testid='stMetricValue']");
            if (value && value.textContent !== before) return value.textContent;
        }
    }
    return false;
}"""
NPV_NOW = """(label) => {
    for (const card of document.querySelectorAll("[data-testid='stMetric']")) {
        if (card.textContent.includes(label)) {
            const value = card.querySelector("[data-testid='stMetricValue']");
            if (value) return value.textContent;
        }
    }
    return null;
}"""
PAGE_PROBLEMS = """() => ({
    exceptions: document.querySelectorAll("[data-testid='stException']").length,
    traceback: document.body.innerText.includes("Traceback"),
})"""


# --- the server --------------------------------------------------------------------------------


@dataclass
class Server:
    proc: subprocess.Popen
    url: str
    log_path: Path
    rss_mb: list[tuple[float, float]] = field(default_factory=list)  # (time, MB)
    stop: threading.Event = field(default_factory=threading.Event)

    def rss(self) -> float:
        """The server's resident memory now, MB (VmRSS)."""
        return _vm_rss_mb(self.proc.pid)

    def sample(self, every: float = 1.0) -> None:
        while not self.stop.wait(every):
            if self.proc.poll() is not None:
                return
            self.rss_mb.append((time.monotonic(), self.rss()))


def _vm_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (s)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _chromium_cpu_seconds(server_pid: int) -> float:
    """CPU time so far of this harness's child processes other than the server (chromium and
    Playwright's driver)."""
    total = 0.0
    for pid in _descendants(os.getpid()):
        if pid == server_pid:
            continue
        with contextlib.suppress(OSError):
            total += _cpu_seconds(pid)
    return total


def start_server(log_path: Path) -> Server:
    """`streamlit run app.py` on a free loopback port, started as the browser tests start it."""
    try:
        proc, url = start_streamlit(log_path=log_path)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None
    return Server(proc=proc, url=url, log_path=log_path)


def stop_server(server: Server) -> None:
    server.stop.set()
    stop(server.proc)


# --- the sessions ------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    resource_failures: int = 0  # console "Failed to load resource": see note()

    def console(self, label: str, msg) -> None:
        if msg.type != "error":
            return
        if msg.text.startswith("Failed to load resource"):
            # Not the app's: Streamlit's frontend probes <page>/_stcore/host-config and
            # /health (404, then it uses the root ones), and icons from fonts.gstatic.com
            # cannot load on this offline machine. Counted apart.
            self.resource_failures += 1
        else:
            self.errors.append(f"{label}: console error {msg.text[:200]}")


async def open_session(browser, url: str, tally: Tally, label: str):
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.on("pageerror", lambda exc: tally.errors.append(f"{label}: page error {exc}"))
    page.on("console", lambda msg: tally.console(label, msg))
    await page.goto(url + "/Scenario", timeout=120_000)
    await page.wait_for_function(
        IDLE_AND_CHANGED, arg=[NPV_LABEL, None], timeout=120_000, polling=100
    )
    return context, page


async def move(page, step: int, timeout: float) -> float:
    """One slider step (+1 right, -1 left); the seconds until the new NPV shows, run finished."""
    before = await page.evaluate(NPV_NOW, NPV_LABEL)
    thumb = page.locator(SLIDER).get_by_role("slider")
    await thumb.focus()
    start = time.perf_counter()
    await thumb.press("ArrowRight" if step > 0 else "ArrowLeft")
    await page.wait_for_function(
        IDLE_AND_CHANGED, arg=[NPV_LABEL, before], timeout=timeout * 1000, polling=50
    )
    return time.perf_counter() - start


async def check_page(page, tally: Tally, label: str) -> None:
    found = await page.evaluate(PAGE_PROBLEMS)
    if found["exceptions"]:
        tally.errors.append(f"{label}: {found['exceptions']} exception element(s)")
    if found["traceback"]:
        tally.errors.append(f"{label}: Traceback on the page")


async def drive(
    page, tally: Tally, label: str, *, until, moves, sweep, offset, think, timeout, report=None
):
    """Move the slider until ``until()`` is true or ``moves`` moves are made."""
    made = 0
    position = offset % (2 * sweep)  # where in the up-and-down sweep this session starts
    while not until() and (moves is None or made < moves):
        step = 1 if position < sweep else -1
        position = (position + 1) % (2 * sweep)
        try:
            tally.latencies.append(await move(page, step, timeout))
        except Exception as exc:  # a timeout or a closed page: an error, keep going
            tally.errors.append(f"{label}: move {made + 1}: {type(exc).__name__}: {exc}"[:300])
            await asyncio.sleep(1.0)
        made += 1
        if made % 25 == 0:
            await check_page(page, tally, label)
        if report and made % 100 == 0:
            report(made)
        if think:
            await asyncio.sleep(think)
    await check_page(page, tally, label)


# --- websocket clients: Streamlit's own protocol, no browser -------------------------------------


class WsSession:
    """One Streamlit session over the websocket the browser would use (``/_stcore/stream``):
    a rerun is a ``BackMsg.rerun_script`` with the slider's new value; it is over at the
    ``script_finished`` message. No drawing, so the latency is the server's (and the loopback)."""

    def __init__(self, ws, label: str, tally: Tally) -> None:
        self.ws, self.label, self.tally = ws, label, tally
        self.page_hash = ""
        self.slider_id: str | None = None
        self.value = 5.0  # the slider's start (the example scenario's +5 %); then as sent
        self.npv: str | None = None

    @classmethod
    async def open(cls, url: str, tally: Tally, label: str) -> WsSession:
        import websockets

        ws = await websockets.connect(
            url.replace("http://", "ws://") + "/_stcore/stream",
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=120,
        )
        session = cls(ws, label, tally)
        await session.rerun(None, timeout=120)  # the first run names the Scenario page's hash
        await session.rerun(None, timeout=120)  # ... and the second runs it under that hash
        return session

    async def rerun(self, value: float | None, timeout: float) -> float:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.page_name = "Scenario"
        msg.rerun_script.page_script_hash = self.page_hash
        if value is not None:
            widget = msg.rerun_script.widget_states.widgets.add()
            widget.id = self.slider_id
            widget.double_array_value.data.append(value)
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        npv = None
        async with asyncio.timeout(timeout):
            while True:
                reply = ForwardMsg()
                reply.ParseFromString(await self.ws.recv())
                kind = reply.WhichOneof("type")
                if kind == "new_session":
                    for app_page in reply.new_session.app_pages:
                        if app_page.page_name == "Scenario":
                            self.page_hash = app_page.page_script_hash
                elif kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                    element = reply.delta.new_element
                    which = element.WhichOneof("type")
                    if which == "slider" and element.slider.id.endswith("price_change_pct"):
                        self.slider_id = element.slider.id
                    elif which == "metric" and element.metric.label == NPV_LABEL:
                        npv = element.metric.body
                    elif which == "exception":
                        self.tally.errors.append(
                            f"{self.label}: exception {element.exception.message[:200]}"
                        )
                    elif which == "markdown" and "Traceback" in element.markdown.body:
                        self.tally.errors.append(f"{self.label}: Traceback on the page")
                elif kind == "script_finished":
                    break
        elapsed = time.perf_counter() - start
        if self.slider_id is None or npv is None:
            raise RuntimeError("the Scenario page showed no price slider or no NPV card")
        if value is not None and npv == self.npv:
            raise RuntimeError(f"the NPV did not change ({npv})")
        self.npv = npv
        if value is not None:
            self.value = value
        return elapsed

    async def move(self, step: int, timeout: float) -> float:
        return await self.rerun(self.value + 0.5 * step, timeout)

    async def close(self) -> None:
        await self.ws.close()


async def drive_ws(session: WsSession, *, until, moves, sweep, offset, think, timeout, report):
    made = 0
    position = offset % (2 * sweep)
    while not until() and (moves is None or made < moves):
        step = 1 if position < sweep else -1
        position = (position + 1) % (2 * sweep)
        try:
            session.tally.latencies.append(await session.move(step, timeout))
        except Exception as exc:
            session.tally.errors.append(
                f"{session.label}: move {made + 1}: {type(exc).__name__}: {exc}"[:300]
            )
            if isinstance(exc, ConnectionError) or "close" in type(exc).__name__.lower():
                return
            await asyncio.sleep(1.0)
        made += 1
        if report and made % 100 == 0:
            report(made)
        if think:
            await asyncio.sleep(think)


async def run(args, server: Server) -> dict:
    tally = Tally()
    sessions = 1 if args.soak else args.sessions
    if args.client == "ws":
        opened = [await WsSession.open(server.url, tally, f"s{i}") for i in range(sessions)]
    else:
        from playwright.async_api import async_playwright

        pw = await async_playwright().start()
        browser = await pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        opened = []
        for i in range(sessions):  # opened one after another: the first load is the costly one
            opened.append(await open_session(browser, server.url, tally, f"s{i}"))
    await asyncio.sleep(3)
    rss_before = server.rss()
    cpu_server = _cpu_seconds(server.proc.pid)
    cpu_client = _chromium_cpu_seconds(server.proc.pid) + time.process_time()
    t0 = time.monotonic()
    end = t0 + args.duration

    def until() -> bool:
        return not args.soak and time.monotonic() >= end

    def report(made: int) -> None:
        print(f"  {made} moves, {time.monotonic() - t0:.0f} s, server RSS {server.rss():.0f} MB")
        sys.stdout.flush()

    common = {
        "until": until,
        "moves": args.soak or None,
        "sweep": args.sweep,
        "think": 0.0 if args.soak else args.think,
        "timeout": args.timeout,
        "report": report if args.soak else None,
    }
    if args.client == "ws":
        await asyncio.gather(
            *(drive_ws(session, offset=i * 3, **common) for i, session in enumerate(opened))
        )
    else:
        await asyncio.gather(
            *(
                drive(page, tally, f"s{i}", offset=i * 3, **common)
                for i, (_, page) in enumerate(opened)
            )
        )
    wall = time.monotonic() - t0
    cpu_server = _cpu_seconds(server.proc.pid) - cpu_server
    cpu_client = _chromium_cpu_seconds(server.proc.pid) + time.process_time() - cpu_client
    await asyncio.sleep(args.settle)
    rss_after = server.rss()
    if args.client == "ws":
        for session in opened:
            await session.close()
    else:
        for context, _ in opened:
            await context.close()
        await browser.close()
        await pw.stop()
    return {
        "tally": tally,
        "sessions": sessions,
        "wall": wall,
        "cpu_server": cpu_server,
        "cpu_browser": cpu_client,
        "rss_before": rss_before,
        "rss_after": rss_after,
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--client",
        choices=("browser", "ws"),
        default="browser",
        help="browser: chromium pages (default); ws: websocket clients, no browser",
    )
    parser.add_argument("--sessions", type=int, default=20, help="browser sessions (load)")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument(
        "--think", type=float, default=1.0, help="seconds between a session's moves"
    )
    parser.add_argument("--soak", type=int, default=0, help="soak: this many moves, one session")
    parser.add_argument("--sweep", type=int, default=10, help="steps up before turning back")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds one move may take")
    parser.add_argument("--settle", type=float, default=5.0, help="idle seconds before the RSS")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 40 or not 0 < args.duration <= 600 or not 0 <= args.soak <= 5000:
        parser.error("bounded: 1 to 40 sessions, up to 600 s, up to 5,000 soak moves")
    if args.client == "browser" and _chromium() is None:
        parser.error("chromium not installed (apt-get install -y chromium, or set CHROMIUM_PATH)")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on `kill`
    log_path = ARTIFACTS / ("soak-server.log" if args.soak else "load-server.log")
    server = start_server(log_path)
    sampler = threading.Thread(target=server.sample, daemon=True)
    sampler.start()
    rss_start = server.rss()
    try:
        result = asyncio.run(run(args, server))
    finally:
        exited = server.proc.poll()
        stop_server(server)
    tally: Tally = result["tally"]
    log = log_path.read_text(errors="replace")
    if "Traceback" in log:
        tally.errors.append(f"Traceback in the server log ({log_path})")
    if exited is not None:
        tally.errors.append(f"the server exited during the run (code {exited})")

    lat = tally.latencies
    rss = [mb for _, mb in server.rss_mb] or [rss_start]
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (1 min)")
    if args.soak:
        print(f"soak ({args.client}): 1 session, {len(lat)} moves in {result['wall']:.0f} s")
    else:
        print(
            f"load ({args.client}): {result['sessions']} sessions for {args.duration:.0f} s, think "
            f"{args.think:g} s; {len(lat)} moves ({len(lat) / result['wall']:.1f} a second)"
        )
    if lat:
        print(
            f"rerun latency: p50 {statistics.median(lat):.2f} s, p95 {percentile(lat, 95):.2f} s, "
            f"max {max(lat):.2f} s, count {len(lat)}"
        )
    print(
        f"errors: {len(tally.errors)} (and {tally.resource_failures} console 'Failed to load "
        "resource' lines: Streamlit's page-relative host-config/health probes and offline icons)"
    )
    for line in tally.errors[:20]:
        print(f"  {line}")
    print(
        f"server RSS: start {rss_start:.0f} MB, peak {max(rss):.0f} MB, "
        f"before moves {result['rss_before']:.0f} MB, end {result['rss_after']:.0f} MB "
        f"(after {args.settle:g} s idle); growth over the moves "
        f"{result['rss_after'] - result['rss_before']:+.1f} MB"
    )
    wall = result["wall"]
    print(
        f"CPU over the moves: server {result['cpu_server']:.0f} s "
        f"({result['cpu_server'] / wall:.2f} cores), client ({args.client}: "
        f"{'chromium + driver' if args.client == 'browser' else 'this process'}) "
        f"{result['cpu_browser']:.0f} s ({result['cpu_browser'] / wall:.2f} cores), "
        f"of {os.cpu_count()} cores"
    )
    return 1 if tally.errors else 0


if __name__ == "__main__":
    sys.exit(main())
