"""Load and soak: many sessions opening the Scenario page and moving its price slider against
one Streamlit server.

One module on purpose: one harness (server, sessions, timing, the figures it writes) with
two interchangeable clients (chromium pages, websocket sessions) that must time the same thing.

Run from the repository root::

    .venv/bin/python benchmarks/load.py --client ws --sessions 10 20 --write  # docs figures
    .venv/bin/python benchmarks/load.py --client ws           # 20 websocket sessions, 120 s
    .venv/bin/python benchmarks/load.py                       # 20 chromium pages, 120 s
    .venv/bin/python benchmarks/load.py --sessions 5 --duration 20   # a short dry run
    .venv/bin/python benchmarks/load.py --soak 1000           # one session, 1,000 reruns

``--client ws`` needs no browser: each session speaks Streamlit's own websocket protocol
(below), so the load on the server is measured without browsers competing with it for the
CPUs; the default client drives pages of Debian's chromium, as the browser tests do.
``--sessions`` takes several counts, run one after another, each against a fresh server;
``--write`` puts their figures into docs/benchmarks.md (its "Concurrent sessions" section).

First render: every session connects and runs the Scenario page once, all at the same moment
(after one warm-up session, not counted, has loaded the app's caches); with ``--reopen M`` each
session also leaves after every M moves and a new one arrives in its place while the others keep
moving, so first renders are also measured under load. For ``ws`` the time is from opening the
websocket to the ``script_finished`` of that first run (the page's whole script: widgets, cards,
five charts serialised); for a browser, from navigation to the first NPV card on an idle page.

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

from benchmarks.common import DOC, write_section  # noqa: E402
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
    first_renders: list[float] = field(default_factory=list)  # all sessions opening at once
    arrivals: list[float] = field(default_factory=list)  # first renders under load (--reopen)
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
    start = time.perf_counter()
    await page.goto(url + "/Scenario", timeout=120_000)
    await page.wait_for_function(
        IDLE_AND_CHANGED, arg=[NPV_LABEL, None], timeout=120_000, polling=100
    )
    tally.first_renders.append(time.perf_counter() - start)
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

    def __init__(self, ws, label: str, tally: Tally, url: str) -> None:
        self.ws, self.label, self.tally, self.url = ws, label, tally, url
        self.page_hash = ""
        self.slider_id: str | None = None
        self.value = 5.0  # the slider's start (the example scenario's +5 %); then as sent
        self.npv: str | None = None

    @classmethod
    async def open(cls, url: str, tally: Tally, label: str, *, into: list[float]) -> WsSession:
        """A new session on the Scenario page; the seconds from connecting to the end of its
        first run (the first render) are appended to ``into``."""
        import websockets

        start = time.perf_counter()
        ws = await websockets.connect(
            url.replace("http://", "ws://") + "/_stcore/stream",
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=120,
        )
        session = cls(ws, label, tally, url)
        await session.rerun(None, timeout=120)  # the first run names the Scenario page's hash
        into.append(time.perf_counter() - start)
        await session.rerun(None, timeout=120)  # ... and the second runs it under that hash
        return session

    async def reopen(self) -> WsSession:
        """Leave, and let a new visitor arrive in this session's place (its first render is
        counted among the arrivals)."""
        await self.close()
        return await WsSession.open(self.url, self.tally, self.label, into=self.tally.arrivals)

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


async def drive_ws(
    session: WsSession, *, until, moves, sweep, offset, think, timeout, report, reopen
) -> WsSession:
    """Move the slider until ``until()`` or ``moves``; every ``reopen`` moves (0: never) a new
    session takes this one's place. Returns the session open at the end."""
    made = 0
    position = offset % (2 * sweep)
    while not until() and (moves is None or made < moves):
        if reopen and made and made % reopen == 0:
            try:
                session = await session.reopen()
            except Exception as exc:
                session.tally.errors.append(f"{session.label}: reopen: {exc}"[:300])
                return session
        step = 1 if position < sweep else -1
        position = (position + 1) % (2 * sweep)
        try:
            session.tally.latencies.append(await session.move(step, timeout))
        except Exception as exc:
            session.tally.errors.append(
                f"{session.label}: move {made + 1}: {type(exc).__name__}: {exc}"[:300]
            )
            if isinstance(exc, ConnectionError) or "close" in type(exc).__name__.lower():
                return session
            await asyncio.sleep(1.0)
        made += 1
        if report and made % 100 == 0:
            report(made)
        if think:
            await asyncio.sleep(think)
    return session


async def run(args, server: Server) -> dict:
    tally = Tally()
    sessions = 1 if args.soak else args.sessions
    if args.client == "ws":
        warm = await WsSession.open(server.url, Tally(), "warm-up", into=[])
        await warm.close()
        opened = list(
            await asyncio.gather(
                *(
                    WsSession.open(server.url, tally, f"s{i}", into=tally.first_renders)
                    for i in range(sessions)
                )
            )
        )
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
        opened = await asyncio.gather(
            *(
                drive_ws(session, offset=i * 3, reopen=0 if args.soak else args.reopen, **common)
                for i, session in enumerate(opened)
            )
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


SECTION_BEGIN = "<!-- load:begin: written by benchmarks/load.py --write; bench.py keeps it -->"
SECTION_END = "<!-- load:end -->"
WRITE_COMMAND = ".venv/bin/python benchmarks/load.py --client ws --sessions 10 20 --write"
HEADER = (
    "| sessions | first render, all at once (n) | first render under load (n) | slider rerun "
    "| errors | server CPU (cores) | client CPU (cores) | load avg before / after | measured |\n"
    "|---:|---|---|---|---:|---:|---:|---|---|"
)


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def measure(args, sessions: int) -> dict:
    """One load run of ``sessions`` sessions against a fresh server: what it printed is also
    returned (for ``--write``)."""
    log_path = ARTIFACTS / ("soak-server.log" if args.soak else f"load-server-{sessions}.log")
    load_before = os.getloadavg()
    server = start_server(log_path)
    sampler = threading.Thread(target=server.sample, daemon=True)
    sampler.start()
    rss_start = server.rss()
    args.sessions = sessions
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
    rss = [mb for _, mb in server.rss_mb] or [rss_start]
    return result | {
        "rss_start": rss_start,
        "rss_peak": max(rss),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
    }


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"p50 {statistics.median(values):.2f} s, p95 {percentile(values, 95):.2f} s"


def report(args, m: dict) -> None:
    tally: Tally = m["tally"]
    lat, wall = tally.latencies, m["wall"]
    print(f"date: {m['date']}")
    print(f"machine: {os.cpu_count()} CPUs, load average {m['load_after'][0]:.1f} (1 min)")
    if args.soak:
        print(f"soak ({args.client}): 1 session, {len(lat)} moves in {wall:.0f} s")
    else:
        print(
            f"load ({args.client}): {m['sessions']} sessions for {args.duration:.0f} s, think "
            f"{args.think:g} s; {len(lat)} moves ({len(lat) / wall:.1f} a second)"
        )
    firsts = tally.first_renders
    print(f"first render, all sessions at once: {_spread(firsts)}, count {len(firsts)}")
    if tally.arrivals:
        print(
            f"first render of a new session under load: {_spread(tally.arrivals)}, "
            f"max {max(tally.arrivals):.2f} s, count {len(tally.arrivals)}"
        )
    if lat:
        print(f"rerun latency: {_spread(lat)}, max {max(lat):.2f} s, count {len(lat)}")
    print(
        f"errors: {len(tally.errors)} (and {tally.resource_failures} console 'Failed to load "
        "resource' lines: Streamlit's page-relative host-config/health probes)"
    )
    for line in tally.errors[:20]:
        print(f"  {line}")
    print(
        f"server RSS: start {m['rss_start']:.0f} MB, peak {m['rss_peak']:.0f} MB, "
        f"before moves {m['rss_before']:.0f} MB, end {m['rss_after']:.0f} MB "
        f"(after {args.settle:g} s idle); growth over the moves "
        f"{m['rss_after'] - m['rss_before']:+.1f} MB"
    )
    print(
        f"CPU over the moves: server {m['cpu_server']:.0f} s "
        f"({m['cpu_server'] / wall:.2f} cores), client ({args.client}: "
        f"{'chromium + driver' if args.client == 'browser' else 'this process'}) "
        f"{m['cpu_browser']:.0f} s ({m['cpu_browser'] / wall:.2f} cores), "
        f"of {os.cpu_count()} cores"
    )
    sys.stdout.flush()


def section(args, runs: list[dict]) -> str:
    """The "Concurrent sessions" section of docs/benchmarks.md for these runs."""
    rows = []
    for m in runs:
        t: Tally = m["tally"]
        lat, wall = t.latencies, m["wall"]
        rows.append(
            f"| {m['sessions']} | {_spread(t.first_renders)} ({len(t.first_renders)}) | "
            f"{_spread(t.arrivals)} ({len(t.arrivals)}) | {_spread(lat)}, max {max(lat):.2f} s "
            f"({len(lat)} moves, {len(lat) / wall:.1f}/s) | {len(t.errors)} | "
            f"{m['cpu_server'] / wall:.2f} | {m['cpu_browser'] / wall:.2f} | "
            f"{m['load_before'][0]:.1f} / {m['load_after'][0]:.1f} | {m['date']} |"
        )
    table = "\n".join(rows)
    return f"""{SECTION_BEGIN}
## Concurrent sessions (no browser)

How long a visitor waits for the Scenario page when many people use one server at once: its
first render, and a rerun after a slider move. Regenerate with

```bash
{WRITE_COMMAND}
```

**Method.** `benchmarks/load.py --client ws` starts one `streamlit run app.py` on 127.0.0.1 per
session count and drives it from one asyncio process with websocket clients that speak
Streamlit's own protocol, as the browser does: `/_stcore/stream`, a protobuf
`BackMsg.rerun_script` out (with the price slider's new value for a move), `ForwardMsg`s in up
to `script_finished`; each run's NPV card must change and no exception element may come back.
No browser runs, so the sessions do not compete with the server for the CPUs (the client took
the "client CPU" column); what is timed is the server's work and the loopback, not drawing.
*First render*: after one warm-up session (not counted) has filled the app's caches, all
sessions connect and run the page at the same moment; the time is from opening the websocket
to the end of that first run (the page's whole script: widgets, cards, five charts). *Under
load*: every {args.reopen} moves a session leaves and a new one arrives in its place while the
others keep moving (`--reopen`); its first render, the same way. *Slider rerun*: each session
moves the slider one step (0.5 points, sweeping {args.sweep} steps up and down from its own
start), waits for `script_finished`, then thinks {args.think:g} s; {args.duration:.0f} s per run.

**Machine.** {os.cpu_count()} CPUs ({_cpu_model()}), a virtual machine **shared with other
engineers' jobs** (the load average before and after each run is in the table); the figures
vary between runs with that load.

{HEADER}
{table}
{SECTION_END}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--client",
        choices=("browser", "ws"),
        default="browser",
        help="browser: chromium pages (default); ws: websocket clients, no browser",
    )
    parser.add_argument(
        "--sessions", type=int, nargs="+", default=[20], help="session counts, run in turn (20)"
    )
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument(
        "--think", type=float, default=1.0, help="seconds between a session's moves"
    )
    parser.add_argument(
        "--reopen", type=int, default=20, help="ws: a new session every this many moves (0: no)"
    )
    parser.add_argument("--soak", type=int, default=0, help="soak: this many moves, one session")
    parser.add_argument("--sweep", type=int, default=10, help="steps up before turning back")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds one move may take")
    parser.add_argument("--settle", type=float, default=5.0, help="idle seconds before the RSS")
    parser.add_argument(
        "--write", action="store_true", help="ws only: put the figures into docs/benchmarks.md"
    )
    args = parser.parse_args(argv)
    counts = args.sessions
    if (
        not all(1 <= n <= 40 for n in counts)
        or len(counts) > 4
        or not 0 < args.duration <= 600
        or not 0 <= args.soak <= 5000
        or args.reopen < 0
    ):
        parser.error("bounded: 1 to 40 sessions (up to 4 counts), up to 600 s, 5,000 soak moves")
    if args.client == "browser" and _chromium() is None:
        parser.error("chromium not installed (apt-get install -y chromium, or set CHROMIUM_PATH)")
    if args.write and (args.client != "ws" or args.soak):
        parser.error("--write records the browser-free load figures: use it with --client ws")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on `kill`
    runs = []
    for count in [1] if args.soak else counts:
        runs.append(measure(args, count))
        report(args, runs[-1])
    if args.write:
        write_section(section(args, runs), SECTION_BEGIN, SECTION_END)
        print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 1 if any(m["tally"].errors for m in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
