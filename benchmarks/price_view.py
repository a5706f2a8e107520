"""Issue 20's speed rows: a single scenario with the price response on, and the Scenario page's
price-response view, server side.

Run from the repository root::

    .venv/bin/python benchmarks/price_view.py            # print the rows (markdown)
    .venv/bin/python benchmarks/price_view.py --write    # ... and put them into docs/benchmarks.md

``--write`` replaces the section between ``<!-- price_view:begin ... -->`` and
``<!-- price_view:end -->`` in docs/benchmarks.md (or appends it); ``benchmarks/bench.py`` keeps
that section when it rewrites the page, and refreshes it when it runs in full with ``--write``.

What is timed (wall clock after warm-up runs, with the process CPU time beside it):

* ``simulate``: one deterministic projection, 2 segments x 120 months, of a +30 % rise with a
  month's notice, so every term of the price response runs (acquisition, reservation prices,
  the bounded notice shock, word of mouth, the contact wave). Target: median under 20 ms.
* the price-response view (:mod:`ui.price_view`), what the Scenario page computes for it with no
  Streamlit around: on a cache miss (a new business or a change to anything but the price: the
  curve from -20 % to +100 %, 25 points x 4 runs with its best price and break-even, the plan's
  own point, both sentences and the three figures), and on a price-slider move (the curve is
  cached without the plan's price: the plan's point, the sentences and the figures). The plan's
  evaluation, which the page computes for its KPI cards anyway, is not part of it. Target:
  median under 300 ms.
* the Scenario page through ``AppTest``, after a price-slider move (the view's curve cached) and
  after a service-budget move (nothing cached: the evaluation, the curve and every figure): the
  whole page's server-side run, widgets and figures serialised, no browser.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    DOC,
    PRICE_SLIDER,
    SCENARIO_PAGE,
    Result,
    load_average,
    result,
    table,
    time_calls,
    write_section,
)

SECTION_BEGIN = (
    "<!-- price_view:begin: written by benchmarks/price_view.py --write; bench.py keeps it -->"
)
SECTION_END = "<!-- price_view:end -->"
COMMAND = ".venv/bin/python benchmarks/price_view.py --write"
RISE = 0.30
"""The price change of the timed single scenario (a rise, so the price response runs)."""


def bench_simulate(runs: int) -> list[Result]:
    """One scenario with the price response on, on the sample business and on the app's."""
    from simulator import example_scenario, sample_business, simulate
    from simulator.cli.example import sample_business_from_file

    scenario = example_scenario().with_changes(price_change=RISE, horizon_months=120)
    rows = []
    for label, business in (
        ("sample business", sample_business()),
        ("app business (measured)", sample_business_from_file()),
    ):
        segments = len(business.segments)
        tenures = len(business.segments[0].base_customers_by_tenure)
        rows.append(
            result(
                f"`simulate`, {label}, {segments} segments x {tenures} tenures, 120 months, "
                f"+{RISE:.0%} with notice (price response on)",
                time_calls(lambda b=business: simulate(b, scenario), runs=runs, warmup=10),
                target_ms=20.0,
                note=f"{runs} runs",
            )
        )
    return rows


def bench_view(runs: int) -> list[Result]:
    """The view's own server-side work without Streamlit, on a cache miss and on a price move.

    The plan's evaluation (its KPI cards' numbers, which the view's marker reuses) is computed
    before the clock starts: the page computes it anyway, and `bench.py` times it."""
    import simulator
    from simulator.cli.example import sample_business_from_file
    from ui import price_view

    business = sample_business_from_file()
    plan = simulator.example_scenario()

    def prepared(scenarios: list[simulator.Scenario]):
        return iter([(s, simulator.evaluate(business, s)) for s in scenarios])

    def view(scenario: simulator.Scenario, evaluation, curve) -> None:
        point = price_view.plan_point(business, scenario)
        price_view.headline(curve, business.currency)
        price_view.plan_sentence(point, business.currency)
        price_view.figures(curve, evaluation, business, scenario)

    budgets = prepared(
        [
            plan.with_changes(people_spend_per_month=float(b))
            for b in np.linspace(1e3, 6e4, 3 + runs)
        ]
    )

    def miss() -> None:
        scenario, evaluation = next(budgets)
        view(scenario, evaluation, price_view.curve(business, scenario))

    missed = time_calls(miss, runs=runs, warmup=3)
    cached = price_view.curve(business, plan)
    prices = prepared(
        [
            plan.with_changes(price_change=round(float(p), 4))
            for p in np.linspace(-0.25, 0.95, 3 + runs)
        ]
    )

    def price_move() -> None:
        scenario, evaluation = next(prices)
        view(scenario, evaluation, price_view.placed(cached, scenario))

    moved = time_calls(price_move, runs=runs, warmup=3)
    return [
        result(
            "price-response view, cache miss: curve (25 price changes x 4 runs, best price, "
            "break-even) + the plan's point + sentences + 3 figures",
            missed,
            target_ms=300.0,
            note=f"{runs} service budgets, app business, 60 months",
        ),
        result(
            "price-response view after a price-slider move (curve cached): the plan's point + "
            "sentences + 3 figures",
            moved,
            target_ms=300.0,
            note=f"{runs} price changes from -25 % to +95 %",
        ),
    ]


def bench_page(runs: int) -> list[Result]:
    """The whole Scenario page (AppTest) after a price move and after a budget move."""
    import time

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(SCENARIO_PAGE).run()
    _raise_on_exception(at)

    def rerun(key: str, value: float) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        at.slider(key=key).set_value(value).run()
        _raise_on_exception(at)
        return time.perf_counter() - wall, time.process_time() - cpu

    prices = np.round(np.linspace(-29.0, 99.0, 3 + runs))
    for value in prices[:3]:
        rerun(PRICE_SLIDER, float(value))
    price = np.array([rerun(PRICE_SLIDER, float(v)) for v in prices[3:]])
    budgets = np.linspace(1_000, 60_000, 3 + runs).round(-3).astype(int)
    for value in budgets[:3]:
        rerun("scenario_people_spend", int(value))
    budget = np.array([rerun("scenario_people_spend", int(v)) for v in budgets[3:]])
    return [
        result(
            "Scenario page rerun after a price-slider move, with the price-response view",
            (price[:, 0], price[:, 1]),
            target_ms=300.0,
            note=f"AppTest, {runs} distinct prices (-26 % to +99 %); the view's curve cached, "
            "the evaluation and the plan's point computed",
        ),
        result(
            "Scenario page rerun after a service-budget move (nothing cached, the curve included)",
            (budget[:, 0], budget[:, 1]),
            note=f"AppTest, {runs} distinct budgets; no own target: the whole page on a miss",
        ),
    ]


def _raise_on_exception(at) -> None:
    if at.exception:
        raise SystemExit(f"the app raised: {at.exception[0].message}")


def rows(runs: int = 30, view_runs: int = 15, page_runs: int = 10) -> list[Result]:
    """Every row of this section."""
    return [*bench_simulate(runs), *bench_view(view_runs), *bench_page(page_runs)]


def section(results: list[Result], load: tuple[str, str]) -> str:
    """The docs/benchmarks.md section of ``results``."""
    today = datetime.date.today().isoformat()
    return f"""{SECTION_BEGIN}
## The price response and its view (issue 20)

A single scenario with every term of the price response on, and the Scenario page's view of
where a rise stops paying, server side (`benchmarks/price_view.py`; this section alone is
regenerated with `{COMMAND}`). The view's curve does not depend on the plan's own price, so
it is cached without it: moving the price slider computes only the plan's own point (its four
drivers, exactly); any other change computes the curve again (a cache miss). The view's rows
leave out the plan's evaluation, which the page computes for its KPI cards anyway (its time is
in the results above); the page rows include everything. Measured {today} on
{os.cpu_count()} CPUs shared with other jobs; load average (1/5/15 min) {load[0]} before the
runs and {load[1]} after.

{table(results)}
{SECTION_END}
"""


def run(*, write: bool, runs: int = 30, view_runs: int = 15, page_runs: int = 10) -> int:
    """Measure, print and (``write``) record the section; 1 when a target is missed."""
    before = load_average()
    results = rows(runs, view_runs, page_runs)
    after = load_average()
    print(table(results))
    if write:
        write_section(section(results, (before, after)), SECTION_BEGIN, SECTION_END)
        print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 1 if any(r.verdict == "FAIL" for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed simulate runs (30)")
    parser.add_argument("--view-runs", type=int, default=15, help="timed view runs (15)")
    parser.add_argument("--page-runs", type=int, default=10, help="timed page reruns (10)")
    parser.add_argument("--write", action="store_true", help=f"also update {DOC.name}")
    args = parser.parse_args(argv)
    return run(write=args.write, runs=args.runs, view_runs=args.view_runs, page_runs=args.page_runs)


if __name__ == "__main__":
    raise SystemExit(main())
