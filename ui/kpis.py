"""What the cards, the verdict and the break-even readouts say, as plain values.

Pure presentation over a :class:`simulator.Evaluation`: it picks numbers the core computed,
sums them over segments and months, and formats them through :mod:`ui.text`. No Streamlit, so
it is tested without a page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from simulator import Business, Evaluation, Scenario
from simulator.decisions.evaluate import BREAKEVEN_SCALE_MAX
from simulator.model.finance import churn_increase_for_price_change
from ui import text
from ui.charts import NOTHING_TO_PAY_BACK


@dataclass(frozen=True, kw_only=True)
class Kpi:
    """One metric card: formatted value and delta, and how ``st.metric`` should colour it."""

    label: str
    value: str
    delta: str | None = None
    delta_color: str = "normal"  # "normal": up is good; "inverse": down is good; "off"
    delta_arrow: str = "auto"
    help: str | None = None


def _card(
    label: str, value: str, delta: str | None, zero: str, *, good: str = "normal", help: str
) -> Kpi:
    if delta is None or delta == zero:
        return Kpi(
            label=label, value=value, delta=delta, delta_color="off", delta_arrow="off", help=help
        )
    return Kpi(label=label, value=value, delta=delta, delta_color=good, help=help)


def _money_card(label: str, help_key: str, value: float, base: float, currency: str) -> Kpi:
    return _card(
        label,
        text.money(value, currency, compact=True),
        text.signed_money(value - base, currency, compact=True),
        text.signed_money(0.0, currency, compact=True),
        help=text.t(
            help_key, value=text.money(value, currency), baseline=text.money(base, currency)
        ),
    )


def _count_card(label: str, help_text: str, value: float, base: float) -> Kpi:
    return _card(
        label,
        text.number(value),
        text.signed_number(value - base),
        text.signed_number(0.0),
        help=help_text,
    )


def _first_upper(name: str) -> str:
    """A label that may start with a segment's name (in English, not in Italian): its first
    letter upper case, the rest as typed ("SME" stays "SME"; ``str.capitalize`` would make it
    "Sme")."""
    return name[:1].upper() + name[1:]


def data_in_use(business: Business) -> str:
    """One line on the business in use: name, customers today, segments, currency."""
    return text.t(
        "home.data_in_use",
        name=text.business_name(business.name),
        customers=text.number(sum(s.base_customers for s in business.segments)),
        segment_count=len(business.segments),
        segment_names=", ".join(s.name for s in business.segments),
        currency=business.currency,
    )


def customers_end(evaluation: Evaluation, segment: str | None = None) -> tuple[float, float]:
    """Active customers at the horizon (scenario, baseline), all segments or one."""
    rows = evaluation.segments
    if segment is not None:
        rows = rows[rows["segment"] == segment]
    return float(rows["customers_end_scenario"].sum()), float(rows["customers_end_baseline"].sum())


def core_kept(evaluation: Evaluation, business: Business) -> float:
    """How many more core customers are active at the horizon than with no change."""
    scenario, baseline = customers_end(evaluation, business.core)
    return scenario - baseline


def value_cards(evaluation: Evaluation, scenario: Scenario, currency: str) -> list[Kpi]:
    """NPV, NPV with terminal value, payback and return on the service budget."""
    ev, horizon = evaluation, text.period(scenario.horizon_months)
    if ev.payback_month is not None:
        payback = text.t("kpi.payback.value", month=ev.payback_month)
    elif ev.cumulative_cash_flow_difference.abs().max() >= NOTHING_TO_PAY_BACK:
        payback = text.t("kpi.payback.never", period=horizon)
    else:
        payback = text.t("kpi.payback.none")
    roi = text.percent(ev.roi) if ev.roi is not None else text.t("kpi.roi.none")
    return [
        _money_card(
            text.t("kpi.npv", period=horizon),
            "kpi.npv.help",
            ev.scenario.npv,
            ev.baseline.npv,
            currency,
        ),
        _money_card(
            text.t("kpi.npv_tv"),
            "kpi.npv_tv.help",
            ev.scenario.npv_with_terminal_value,
            ev.baseline.npv_with_terminal_value,
            currency,
        ),
        Kpi(label=text.t("kpi.payback"), value=payback, help=text.t("kpi.payback.help")),
        Kpi(label=text.t("kpi.roi"), value=roi, help=text.t("kpi.roi.help")),
    ]


def customer_cards(evaluation: Evaluation, business: Business, scenario: Scenario) -> list[Kpi]:
    """Customers and core customers at the horizon, revenue and contribution over it."""
    ev, currency, horizon = evaluation, business.currency, text.period(scenario.horizon_months)
    core = business.core
    total, total_base = customers_end(ev)
    core_now, core_base = customers_end(ev, core)
    return [
        _count_card(
            text.t("kpi.customers"),
            text.t("kpi.customers.help", baseline=text.number(total_base)),
            total,
            total_base,
        ),
        _count_card(
            _first_upper(text.t("kpi.core_customers", segment=core)),
            text.t("kpi.core_customers.help", segment=core, baseline=text.number(core_base)),
            core_now,
            core_base,
        ),
        *(
            _money_card(
                text.t(f"kpi.{column}", period=horizon),
                f"kpi.{column}.help",
                ev.scenario.grand_total(column),
                ev.baseline.grand_total(column),
                currency,
            )
            for column in ("revenue", "contribution")
        ),
    ]


def customer_value_cards(evaluation: Evaluation, business: Business) -> list[Kpi]:
    """CLV per new customer by segment, and the service KPIs in the last month."""
    currency = business.currency
    cards = [
        _card(
            _first_upper(text.t("kpi.clv", segment=row.segment)),
            text.money(row.clv_scenario, currency),
            text.signed_money(row.clv_scenario - row.clv_baseline, currency),
            text.signed_money(0.0, currency),
            help=text.t(
                "kpi.clv.help",
                segment=row.segment,
                baseline=text.money(row.clv_baseline, currency),
            ),
        )
        for row in evaluation.segments.itertuples()
    ]
    now, base = evaluation.scenario.service.iloc[-1], evaluation.baseline.service.iloc[-1]
    for key, column in (("csat", "csat"), ("fcr", "first_contact_resolution")):
        cards.append(
            _card(
                text.t(f"kpi.{key}"),
                text.percent(now[column]),
                text.signed_points(now[column] - base[column]),
                text.signed_points(0.0),
                help=text.t(f"kpi.{key}.help", baseline=text.percent(base[column])),
            )
        )
    minutes = "handling_time_minutes"
    cards.append(
        _card(
            text.t("kpi.aht"),
            text.t("unit.minutes", value=text.number(now[minutes], decimals=1)),
            text.t(
                "unit.minutes", value=text.signed_number(now[minutes] - base[minutes], decimals=1)
            ),
            text.t("unit.minutes", value=text.signed_number(0.0, decimals=1)),
            good="inverse",
            help=text.t("kpi.aht.help", baseline=text.number(base[minutes], decimals=1)),
        )
    )
    return cards


def headline_cards(evaluation: Evaluation, business: Business, scenario: Scenario) -> list[Kpi]:
    """The three numbers the Home page shows: value, core customers and payback."""
    value, _, payback, _ = value_cards(evaluation, scenario, business.currency)
    core = customer_cards(evaluation, business, scenario)[1]
    return [value, core, payback]


def verdict(evaluation: Evaluation, business: Business, scenario: Scenario) -> str:
    """The one-sentence judgement of the plan (see :func:`ui.text.verdict`)."""
    return text.verdict(
        delta_npv=evaluation.delta_npv,
        baseline_npv=evaluation.baseline.npv,
        core_kept=core_kept(evaluation, business),
        core_segment=business.core,
        horizon_months=scenario.horizon_months,
        currency=business.currency,
    )


def tone(evaluation: Evaluation, business: Business) -> str:
    """How the verdict should look: "good" (no value lost, no core customer lost), "bad" (both
    lost) or "mixed". Losing core customers is never "good", whatever the NPV says: new revenue
    means little when the core base leaves (product.md)."""
    flat = text.FLAT_VALUE_SHARE * abs(evaluation.baseline.npv)
    value_lost = evaluation.delta_npv < -flat
    core_lost = core_kept(evaluation, business) <= -0.5
    if not value_lost and not core_lost:
        return "good"
    return "bad" if value_lost and core_lost else "mixed"


def breakeven_lines(evaluation: Evaluation, business: Business) -> list[str]:
    """Markdown lines: the static volume break-even, then the model's elasticity break-even."""
    volume = evaluation.breakeven_volume
    if volume is None:
        lines = [text.t("breakeven.static.none")]
    elif volume < 0:
        lines = [text.t("breakeven.static.loss", share=text.percent(-volume))]
    else:
        lines = [text.t("breakeven.static.gain", share=text.percent(volume))]
    found = evaluation.breakeven_elasticity
    if found.status != "found":
        key = f"breakeven.model.{found.status}"
        key = key if text.has(key) else "breakeven.model.not_computed"
        return [*lines, text.t(key, scale=text.number(BREAKEVEN_SCALE_MAX))]
    lines.append(text.t("breakeven.model.found", scale=text.number(found.scale, decimals=1)))
    for name, elasticity in found.elasticities:
        assumed = business.segment(name).lasting_price_elasticity
        lines.append(
            "- "
            + text.t(
                "breakeven.model.segment",
                segment=name,
                assumed=text.signed_percent(churn_increase_for_price_change(assumed)),
                breakeven=text.signed_percent(churn_increase_for_price_change(elasticity)),
            )
        )
    return lines


def source_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Parameters per group and source: one row per group, columns data/assumption/user/setting."""
    # A plain count: pd.crosstab costs about 10 ms on every rerun for these 75 rows.
    tally = Counter(zip(table["group"], table["source"], strict=True))
    groups = ("segment", "service", "lever", "business", "scenario")
    order = [group for group in groups if any(g == group for g, _ in tally)]
    counts = pd.DataFrame(
        [[tally[(group, source)] for source in text.SOURCE_KEYS] for group in order],
        index=pd.Index(order, name="group"),
        columns=list(text.SOURCE_KEYS),
    )
    counts["total"] = counts.sum(axis=1)
    return counts
