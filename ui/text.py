"""Every word and number the pages show: English strings by stable id, and locale formats.

One module on purpose: every string and number format the pages show, in one place, so that a
language and a currency setting change no page.

Pages and chart builders never contain user-facing text; they call :func:`t` with a key and
format numbers with :func:`money`, :func:`percent`, :func:`number` and their ``signed_``
variants, dates with :func:`date`. :data:`STRINGS` holds the English of every message, the
source of the translations: ``bash scripts/i18n.sh`` extracts it into the gettext catalogs
``locales/<lang>/LC_MESSAGES/messages.po`` (:mod:`ui.i18n`), where the Italian lives. Numbers,
percentages, money and dates follow the current language's CLDR formats through Babel, money in
the business's currency. The language is read in one place, :func:`language`: the session's
choice (:func:`follow`), else the server's default (:data:`LANGUAGE_VARIABLE`). This module is
pure Python (no Streamlit, no Plotly).

Negative numbers start with an ASCII ``-`` because ``st.metric`` decides the colour and arrow of
a delta from its first character.

Text from a user, a link or a file (names, notes, segment and file names, column values, link
values, messages quoting them) only ever enters a string through a placeholder listed in
:data:`USER_TEXT`, and :func:`t` passes every such value through :func:`ui.literal.literal`:
escaped for Markdown (the default: pages show these strings as Markdown), for Plotly
(``markup=PLOTLY``: chart text) or left plain (``markup=PLAIN``: select options, data frames,
file names, stored names), and cut to a readable length. Text from outside that is shown
without a template goes through :func:`ui.literal.literal` itself.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import functools
import math
import os
import re
from collections.abc import Callable, Sequence

import babel.dates
import babel.numbers
from babel import Locale
from babel.numbers import NumberPattern

from simulator import ParameterError, Scenario
from ui import catalog
from ui.literal import ECHO_CHARS, MARKDOWN, PLAIN, SENTENCE_CHARS, literal

DEFAULT_LANGUAGE = catalog.SOURCE_LANGUAGE
"""English: the language of :data:`STRINGS`, and of the interface unless one is chosen."""
FLAT_VALUE_SHARE = 1e-3
"""A value change within this share of the baseline NPV reads as "almost no difference"."""
LANGUAGE_VARIABLE = "SERVICE_GAP_LANGUAGE"
"""Environment variable that sets the server's default language (default
:data:`DEFAULT_LANGUAGE`); each session may choose another in the sidebar."""
NBSP = "\u00a0"

SOURCE_KEYS: dict[str, str] = {
    "data": "source.data",
    "assumption": "source.assumption",
    "user": "source.user",
    "setting": "source.setting",
}

USER_TEXT: dict[str, int] = {
    **dict.fromkeys(
        ("name", "business", "segment", "author", "reference", "given", "label", "what"),
        ECHO_CHARS,
    ),
    "provider": ECHO_CHARS,  # a login provider's name from the server's secrets
    **dict.fromkeys(
        ("segments", "segment_names", "churned", "active", "message", "fix", "reason", "notes"),
        SENTENCE_CHARS,
    ),
}
"""Placeholders whose values come from a user, a link or a file (or quote one: ``label`` may
name a segment, ``message`` repeat a value), and the characters shown of each; :func:`t` shows
them as literal text. Every other placeholder takes numbers formatted here or this module's own
text. Lists of names (``segments``) and messages get a sentence's length."""

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        # app frame and navigation
        "app.title": "Service Gap Impact Simulator",
        "nav.home": "Home",
        "nav.scenario": "Scenario",
        "nav.assumptions": "Assumptions",
        "nav.scenario.help": (
            "Move price, fee and service budget; see who leaves and what it is worth."
        ),
        "nav.assumptions.help": "Every number the model uses, where it came from; edit them.",
        # Home
        "home.title": "Service Gap Impact Simulator",
        "home.intro": (
            "About **80%** of firms believe they deliver a superior customer experience; "
            "customers say only **8%** do (Bain & Company, *Closing the delivery gap*, 2005). "
            "Firms chasing growth raise prices and fees, and core customers jump ship. "
            "This app is the impact analysis to run **before** a price or fee decision: "
            "who leaves, what it costs, and what a service programme built on tools, authority, "
            "incentives and people gives back, against doing nothing."
        ),
        "home.data_header": "Data in use",
        "home.data_in_use": (
            "**{name}**: {customers} active customers today in {segment_count} segments "
            "({segment_names}); money in {currency}."
        ),
        "home.sample_file": (
            "Calibrated from the bundled customer table `sample_data/customers.csv` "
            "({customers} customers, as of {as_of}) as an upload on the Data page would be: "
            "retention, ARPU, the active base, acquisitions and referrals of each segment, CSAT "
            "and the satisfaction-to-churn link. Costs and the price and service responses are "
            "assumptions."
        ),
        "home.business_changed": (
            "The business in use is no longer the bundled sample as calibrated: it was calibrated "
            "on the Data page or edited on the Assumptions page (see Assumptions for what came "
            "from where)."
        ),
        "summary.segment": "Segment",
        "summary.customers": "Customers",
        "summary.active": "Active today",
        "summary.churned": "Left",
        "summary.churn_share": "Share who left",
        "summary.mean_tenure_months": "Mean tenure of active (months)",
        "summary.arpu_per_month": "ARPU of active ({currency}/month)",
        "home.sources": (
            "{assumptions} of {total} business parameters are assumptions (default priors), "
            "{data} come from customer data and {user} were set by you."
        ),
        "home.scenario_header": "The current scenario",
        "home.next_header": "Where to go next",
        "home.link.scenario": "Try a scenario: price, fee and service budget",
        "home.link.assumptions": "Check and edit the assumptions",
        # scenario description
        "describe.price": "{change} list price from month {month}",
        "describe.price_none": "no list-price change",
        "describe.fee": "a new {fee} monthly fee",
        "describe.notice": "customers told {months} months before",
        "describe.notice_one": "customers told 1 month before",
        "describe.phase_in": "phased in over {months} months",
        "describe.grandfather": "existing customers keep today's price",
        "describe.service": "service budget {total} a month",
        "describe.service_none": "no extra service budget",
        "describe.horizon": "over {period} at {rate} a year",
        # periods
        "period.years": "{years} years",
        "period.year": "1 year",
        "period.months": "{months} months",
        # Scenario page
        "share.header": "Share this scenario",
        "share.caption": (
            "Copy this link (the button at the box's right edge) to open the same scenario in "
            "another browser. It holds the scenario settings and, when the business in use is a "
            "saved calibration, that calibration's id: never its numbers or any uploaded data."
        ),
        "share.notice": (
            "This link's scenario could not be used exactly as given, so safe values were used "
            "instead:\n\n{notices}"
        ),
        "share.adjusted": (
            "{name}: {given} is outside (or finer than) what the Scenario page's sliders can "
            "show; used {used} instead"
        ),
        "share.presenter": "Presenter link (opens in meeting mode)",
        "share.presenter.help": (
            "Adds present=1 to the link: it opens with large numbers and the controls tucked "
            "into the collapsed sidebar, ready to show on a screen."
        ),
        # meeting mode (ui.present)
        "present.toggle": "Meeting mode",
        "present.toggle.help": (
            "Large numbers for a screen in a meeting; the controls stay in the sidebar (open it "
            "with the arrow at the top left). The page's address opens this view directly."
        ),
        # access control (ui.access)
        "access.password_intro": "This app is private. Enter the password you were given.",
        "access.password": "Password",
        "access.enter": "Enter",
        "access.wrong_password": "That password is not correct.",
        "access.login_intro": "This app is private. Log in to continue.",
        "access.login": "Log in",
        "access.login_with": "Log in with {provider}",
        "access.logout": "Log out",
        "scenario.title": "Scenario: price, fee and service budget",
        "scenario.caption": "{business}. All numbers are against doing nothing (no change).",
        "scenario.kpi_header": "Against doing nothing",
        "scenario.breakeven_header": "How much can go wrong before it stops paying?",
        "scenario.charts_header": "What happens, month by month",
        "scenario.sources_header": "Where the numbers come from",
        "scenario.sources_caption": (
            "{assumptions} of {total} business parameters are assumptions, not data; "
            "see Assumptions."
        ),
        "column.total": "Parameters",
        "column.data": "From data",
        "column.assumptions": "Assumptions",
        "column.user": "Set by you",
        "scenario.invalid": (
            "These settings don't work together: {message} Showing the last valid scenario."
        ),
        "export.header": "Download the projection and a decision memo",
        "export.file_name": "{business}-projection",
        "export.csv": "Monthly projection (CSV)",
        "export.csv.help": "One row per case, segment and month; opens in any spreadsheet.",
        "export.xlsx": "Projection and assumptions (Excel)",
        "export.xlsx.help": (
            "Three sheets: Monthly (as in the CSV), Segments (who leaves and what it is worth) "
            "and Assumptions (every parameter with its unit and source)."
        ),
        "export.caption": (
            "Both cases, baseline and scenario, month by month for each segment: customers, "
            "acquisitions, churn, revenue, costs and cash flow (money per month, not "
            "discounted; multiply by discount_factor for present value). Text that a "
            "spreadsheet could run as a formula starts with an apostrophe."
        ),
        "export.memo": "Decision memo (HTML)",
        "export.memo.file_name": "{business}-decision-memo",
        "export.memo.help": (
            "One page to send or print: the plan, the verdict, the numbers, interactive charts "
            "and every assumption with its source. Opens offline in any browser."
        ),
        "export.png": "Charts (PNG, zip)",
        "export.png.file_name": "{business}-charts",
        "export.png.help": (
            "The Scenario page's charts as PNG images (the five monthly ones and where a price "
            "rise stops paying), for slides and documents."
        ),
        "export.png.failed": (
            "The charts could not be drawn as images on the server: no Chromium was found or "
            "Kaleido failed (the server log says why). The decision memo has the same charts."
        ),
        "memo.title": "Decision memo: {business}",
        "memo.created": "Prepared on {date} with the Service Gap Impact Simulator.",
        "memo.link": "Open this scenario in the app:",
        "memo.plan_header": "The plan and the verdict",
        "memo.kpi.value": "Value",
        "memo.kpi.customers": "Customers and revenue",
        "memo.kpi.service": "Customer value and service",
        "memo.column.kpi": "Measure",
        "memo.column.plan": "With this plan",
        "memo.column.change": "Change against no change",
        "memo.column.owner": "Segment or lever",
        "memo.assumptions_header": "Every assumption and where it comes from",
        "memo.sources_caption": (
            "{assumptions} of {total} business parameters are assumptions rather than measured "
            "from data; they are highlighted in the Source column."
        ),
        "memo.version": " {version}",
        "memo.footer": (
            "Made with the Service Gap Impact Simulator{version} on {date} at {time}. The model "
            "behind every number, with its sources, is described in {model} in the simulator's "
            "repository."
        ),
        "memo.charts_note": (
            "The charts are interactive: hover for values, drag to zoom, double-click to reset."
        ),
        # sidebar inputs
        "inputs.price_header": "Price and fee",
        "inputs.service_header": "Service budget per month",
        "inputs.service_caption": (
            "Total {total} a month from month 1: {per_customer} per active customer per month."
        ),
        "inputs.horizon_header": "Horizon and discounting",
        "inputs.settings_caption": "Your settings (not data).",
        "inputs.price_change_pct": "Price change (%)",
        "inputs.price_change_pct.help": (
            "Change of the list price for every segment; +5 means 5% more. From -30% to +100% "
            "in 1-point steps (use the arrow keys for single steps), so you can see where a "
            "rise stops paying."
        ),
        "inputs.monthly_fee": "New monthly fee ({currency} per customer)",
        "inputs.monthly_fee.help": (
            "A separate fee on every bill, up to 30 a month in the business's currency. "
            "Customers weigh a fee more than the same money in the price (fee fairness, see "
            "Assumptions); prospects see it as part of the price."
        ),
        "inputs.price_change_month": "Month the new price applies",
        "inputs.price_change_month.help": "1 = the first simulated month.",
        "inputs.notice_months": "Months of notice",
        "inputs.notice_months.help": (
            "How many months before the new price customers are told; the churn shock comes "
            "then. Must be less than the month the new price applies."
        ),
        "inputs.phase_in_months": "Phase-in (months)",
        "inputs.phase_in_months.help": "Reach the full change in this many equal monthly steps.",
        "inputs.grandfather_existing": "Grandfather existing customers",
        "inputs.grandfather_existing.help": (
            "Customers who joined before the new price keep today's price and feel no shock."
        ),
        "inputs.spend.tools": "Tools ({currency} per month)",
        "inputs.spend.training": "Authority and training ({currency} per month)",
        "inputs.spend.incentives": "Incentives ({currency} per month)",
        "inputs.spend.people": "People ({currency} per month)",
        "inputs.spend.help": (
            "Monthly budget from month 1. Effects ramp up over months and saturate "
            "(see the lever assumptions)."
        ),
        "inputs.horizon_months": "Horizon (months)",
        "inputs.horizon_months.help": "How far the projection runs: 12 to 120 months.",
        "inputs.annual_discount_rate_pct": "Annual discount rate (%)",
        "inputs.annual_discount_rate_pct.help": "Used for NPV and CLV; applied monthly.",
        # KPI cards
        "kpi.delta_description": "vs no change",
        "kpi.npv": "NPV over {period}",
        "kpi.npv.help": (
            "Discounted cash flow of the whole business over the horizon. Exact: {value}; "
            "no change: {baseline}."
        ),
        "kpi.npv_tv": "NPV incl. terminal value",
        "kpi.npv_tv.help": (
            "NPV plus the terminal value: the discounted future value of the customers still "
            "active at the horizon. Exact: {value}; no change: {baseline}."
        ),
        "kpi.payback": "Payback",
        "kpi.payback.value": "Month {month}",
        "kpi.payback.never": "Not within {period}",
        "kpi.payback.none": "Nothing to pay back",
        "kpi.payback.help": (
            "First month from which the cumulative cash flow stays at or above doing nothing."
        ),
        "kpi.roi": "Return on service budget",
        "kpi.roi.none": "No budget",
        "kpi.roi.help": "Change in NPV divided by the present value of the service budget.",
        "kpi.customers": "Customers at horizon",
        "kpi.customers.help": (
            "Active customers in the last month, all segments. No change: {baseline}."
        ),
        "kpi.core_customers": "{segment} customers at horizon",
        "kpi.core_customers.help": (
            "Active {segment} customers in the last month: the base the plan must not lose. "
            "No change: {baseline}."
        ),
        "kpi.revenue": "Revenue over {period}",
        "kpi.revenue.help": "Undiscounted. Exact: {value}; no change: {baseline}.",
        "kpi.contribution": "Contribution over {period}",
        "kpi.contribution.help": (
            "Revenue less variable and contact-handling cost, undiscounted. Exact: {value}; "
            "no change: {baseline}."
        ),
        "kpi.clv": "{segment} CLV",
        "kpi.clv.help": (
            "Customer lifetime value of one new {segment} customer: discounted contribution of "
            "a paid customer who joins in month 1, including after the horizon. "
            "No change: {baseline}."
        ),
        "kpi.csat": "CSAT",
        "kpi.csat.help": (
            "Customer satisfaction: share of satisfied customers in the last month. "
            "No change: {baseline}."
        ),
        "kpi.fcr": "Resolved first time",
        "kpi.fcr.help": (
            "First-contact resolution: share of issues solved in the first contact, last month. "
            "No change: {baseline}."
        ),
        "kpi.aht": "Handling time",
        "kpi.aht.help": "Average minutes per contact in the last month. No change: {baseline}.",
        # verdict
        "verdict.sentence": "This plan {value} over {period} against doing nothing, {join} {core}.",
        "verdict.value.adds": "adds {amount} of value",
        "verdict.value.costs": "costs {amount} of value",
        "verdict.value.flat": "makes almost no difference to value",
        "verdict.core.keeps": "keeps {count} more {segment} customers",
        "verdict.core.loses": "loses {count} {segment} customers",
        "verdict.core.flat": "leaves the {segment} customer base as it is",
        "verdict.join.and": "and",
        "verdict.join.but": "but",
        # break-even
        "breakeven.static.loss": (
            "**Price alone:** at today's margins the price change pays as long as customer "
            "volume falls less than **{share}**."
        ),
        "breakeven.static.gain": (
            "**Price alone:** at today's margins the price cut pays only if customer volume "
            "rises by at least **{share}**."
        ),
        "breakeven.static.none": "**Price alone:** the plan does not change what customers pay.",
        "breakeven.caption": (
            "Price alone: the static break-even −ΔP / (margin + ΔP) of Nagle & Holden, for the "
            "revenue-weighted price change. With the model: every segment's lasting price "
            "elasticity is scaled by one factor until the plan's NPV equals doing nothing."
        ),
        "breakeven.model.found": (
            "**With the model:** NPV stays at or above doing nothing unless customers are "
            "**{scale} times** as price-sensitive as assumed."
        ),
        "breakeven.model.segment": (
            "{segment}: assumed {assumed} more churn per +10% price; break-even at **{breakeven}**."
        ),
        "breakeven.model.never_pays": (
            "**With the model:** the plan falls short of doing nothing even if no customer "
            "reacts lastingly to the price."
        ),
        "breakeven.model.always_pays": (
            "**With the model:** the plan still beats doing nothing if customers are "
            "{scale} times as price-sensitive as assumed."
        ),
        "breakeven.model.no_increase": (
            "**With the model:** no price or fee increase, so price sensitivity cannot break it."
        ),
        "breakeven.model.not_computed": "**With the model:** not computed.",
        # Scenario page: the price-response view (ui.price_view)
        "price_view.header": "Where a price rise stops paying",
        "price_view.caption": (
            "This plan with every price change from -20% to +100%, the rest of it (fee, timing, "
            "notice, service budget) as set, against doing nothing: NPV over {period}, without "
            "terminal value. Prospects compare the price with competitors' and sign up less "
            "often as it rises; customers leave once it passes what they would pay, more in the "
            "month they are told, and tell others (see Assumptions, price and fee response)."
        ),
        "price_view.peak": (
            "Value peaks at a price change of about **{best}** ({value} against doing nothing) "
            "and falls to doing nothing's at about **{breakeven}**."
        ),
        "price_view.top_loss": "A **{top}** rise loses {loss} against doing nothing.",
        "price_view.above": (
            "Value peaks at a price change of about **{best}** ({value} against doing nothing) "
            "and stays above doing nothing up to **{top}**, the largest change shown."
        ),
        "price_view.never": (
            "No price change from {low} to {top} makes this plan worth as much as doing "
            "nothing: even the best, about **{best}**, costs {loss}."
        ),
        "price_view.rising": (
            "Value still rises at **{top}**, the largest change shown: as assumed, neither "
            "customers nor prospects limit a rise in this range. Check the price-response "
            "assumptions before trusting it."
        ),
        "price_view.falling": (
            "Value is highest at the largest cut shown, **{low}**: as assumed, every rise from "
            "there loses value."
        ),
        "price_view.plan.rise": (
            "This plan's **{change}** rise brings {gain} from customers who stay, but loses "
            "{customers} of customers who leave, {acquisitions} of new customers who no longer "
            "sign up and {wom} to word of mouth: **{net}** on balance."
        ),
        "price_view.plan.cut": (
            "This plan's **{change}** cut gives up {gain} of what customers pay, but keeps "
            "{customers} of customers who would have left and wins {acquisitions} of new "
            "customers: **{net}** on balance."
        ),
        "price_view.plan.rest_adds": (
            "The rest of the plan (fee, service budget) adds {rest}: **{total}** against doing "
            "nothing in all."
        ),
        "price_view.plan.rest_costs": (
            "The rest of the plan (fee, service budget) costs {rest}: **{total}** against doing "
            "nothing in all."
        ),
        "price_view.plan.none": (
            "This plan keeps today's price: the charts show what each price change would do, "
            "with the rest of the plan as set."
        ),
        "chart.price.x": "Price change",
        "chart.price.value.title": "Value against doing nothing, by price change",
        "chart.price.value.subtitle": (
            "NPV over {period}, the rest of the plan as set. Green: it pays; red: it loses."
        ),
        "chart.price.value.y": "NPV vs doing nothing ({symbol})",
        "chart.price.value.line": "Value against doing nothing",
        "chart.price.nothing": "Doing nothing",
        "chart.price.plan": "This plan ({change})",
        "chart.price.best": "Best: about {change}",
        "chart.price.breakeven": "Break-even: {change}",
        "chart.price.hover": "{change}: {value}",
        "chart.price.drivers.title": "Why value falls as the price rises",
        "chart.price.drivers.subtitle": (
            "What each price change adds and costs against the plan at today's price"
        ),
        "chart.price.drivers.y": "NPV ({symbol})",
        "chart.price.driver.price_gain": "Customers who stay pay more",
        "chart.price.driver.lost_customers": "Customers who leave",
        "chart.price.driver.lost_acquisitions": "New customers who no longer sign up",
        "chart.price.driver.word_of_mouth": "Word of mouth",
        "chart.price.driver.net": "On balance",
        "chart.price.volume.title": "Revenue and customers, by price change",
        "chart.price.volume.subtitle": "Dashed: doing nothing",
        "chart.price.revenue": "Revenue",
        "chart.price.revenue_panel": "Revenue over {period}",
        "chart.price.customers_panel": "Customers at the end, by segment",
        "chart.price.customers_y": "Customers",
        # Assumptions page
        "assumptions.title": "Assumptions: every number the model uses",
        "assumptions.intro": (
            "Each parameter shows its value, unit, where it came from and what supports it. "
            "Edit a value in the **Value** column: the change drives every page and is "
            "labelled *Your setting*."
        ),
        "assumptions.summary": (
            "{total} parameters: {data} from data, {assumptions} assumptions, {user} set by you, "
            "{settings} scenario settings."
        ),
        "assumptions.grades": (
            "The Evidence column sets how widely the Uncertainty page varies each value: one "
            "measured from your price history is drawn from its own 90% interval (1.5 times "
            "wider without a control group, twice as wide from a survey); published figures "
            "and assumptions from the ranges documented with the model, around the value in use."
        ),
        "assumptions.reset": "Reset to defaults",
        "assumptions.reset.help": "Undo every edit on this page.",
        "assumptions.invalid": "Not applied: {message}",
        "assumptions.scenario_note": "Scenario settings are changed on the Scenario page.",
        "column.group": "Group",
        "column.segment": "Segment",
        "column.lever": "Lever",
        "column.parameter": "Parameter",
        "column.value": "Value",
        "column.unit": "Unit",
        "column.source": "Source",
        "column.reference": "Reference",
        "group.segment": "Customer segments",
        "group.service": "Contact centre and service effects",
        "group.lever": "Service levers (how spend builds quality)",
        "group.business": "Business",
        "group.scenario": "Scenario settings",
        "group.segment.note": (
            "Per segment: economics, baseline retention, and how customers respond to price and "
            "service. Editing *Active customers today* scales every tenure in proportion."
        ),
        "group.service.note": (
            "The contact centre today, and how far full service quality moves its KPIs and revenue."
        ),
        "group.lever.note": (
            "How a monthly budget on each lever builds into service quality: ramp-up, "
            "saturation and weight."
        ),
        "group.business.note": "Business-wide settings.",
        "column.grade": "Evidence",
        "column.grade.help": (
            "How well the value is known, strongest first: a randomised test, your price "
            "history with or without a control group, a survey, your customer data, published "
            "figures from other firms, an assumption; or your own setting."
        ),
        "grade.randomised_test": "randomised test",
        "grade.history_with_control": "your history, with a control group",
        "grade.history_without_control": "your history, no control group",
        "grade.survey": "survey",
        "grade.customer_data": "your customer data",
        "grade.published": "published figures",
        "grade.assumption": "assumption",
        "grade.setting": "your setting",
        "group.price": "Price and fee response",
        "group.price.note": (
            "How customers and prospects respond to a price change or a fee: the lasting churn "
            "response, the extra leavers at notice (capped), reservation prices, prospects "
            "comparing the price with competitors', word of mouth from leavers, the fairness "
            "cost of a fee, competitors' own price move and the wave of contacts a rise brings. "
            "Learn the lasting response from your own price history on the Data page."
        ),
        "source.data": "From data",
        "source.assumption": "Assumption",
        "source.user": "Your setting",
        "source.setting": "Scenario setting",
        # validation
        "error.field": "{label} must be {rule} (got {given}).",
        "error.generic": "{message}",
        "error.notice_months": (
            "Months of notice ({value}) must be less than the month the new price applies, "
            "otherwise customers would be told before month 1."
        ),
        "error.price_change_month": (
            "The month the new price applies ({value}) must fall within the horizon."
        ),
        # unexpected errors (ui/errors.py): an id to quote, never the exception's own text
        "error.unexpected": (
            "Something went wrong on this page (error id **{id}**). Reload the page to try "
            "again, or go back to the home page. If it keeps happening, tell whoever runs this "
            "app the error id: it points them to the details in the server log."
        ),
        "error.home": "Back to the home page",
        # chart text
        "case.scenario": "This scenario",
        "case.baseline": "No change",
        "chart.series": "{what} ({case})",
        "case.scenario.short": "scenario",
        "case.baseline.short": "no change",
        "chart.month": "Month",
        "chart.new_price": "New price",
        "chart.notice": "Notice",
        "chart.customers.title": "Active customers by segment",
        "chart.customers.subtitle": "Solid: this scenario. Dashed: no change.",
        "chart.customers.y": "Active customers",
        "chart.revenue.title": "Revenue and contribution per month",
        "chart.revenue.subtitle": (
            "Contribution = revenue less variable and contact-handling cost. Dashed: no change."
        ),
        "chart.revenue.y": "{symbol} per month",
        "chart.revenue.revenue": "Revenue",
        "chart.revenue.contribution": "Contribution",
        "chart.cash.title": "Cumulative cash flow against doing nothing",
        "chart.cash.subtitle": "Above zero: the plan has earned back what it cost so far.",
        "chart.cash.y": "Cumulative difference ({symbol}, undiscounted)",
        "chart.cash.line": "Cumulative difference",
        "chart.cash.payback": "Pays back in month {month}",
        "chart.cash.no_payback": "No payback within {period}",
        "chart.cash.nothing": "Nothing changes: nothing to pay back",
        "chart.who.title": "Who leaves, and what they were worth",
        "chart.who.subtitle": (
            "Against doing nothing, over the horizon. Below zero: fewer leave than with no change."
        ),
        "chart.who.customers": "Extra customers who leave",
        "chart.who.value": "Value they take",
        "chart.who.customers_axis": "Customers",
        "chart.who.value_axis": "{symbol}, present value",
        "chart.who.more": "{count} more",
        "chart.who.fewer": "{count} fewer",
        "chart.who.lost": "{amount} lost",
        "chart.who.kept": "{amount} kept",
        "chart.who.hover": (
            "Extra leavers: {extra}<br>Fewer customers at horizon: {lost}<br>Value lost: {value}"
        ),
        "chart.service.title": "Service KPIs",
        "chart.service.subtitle": "Solid: this scenario. Dashed: no change.",
        "chart.service.csat": "CSAT (% satisfied)",
        "chart.service.fcr": "First-contact resolution (%)",
        "chart.service.aht": "Handling time (minutes per contact)",
        # parameter labels (field names of simulator.model.params)
        "param.arpu_per_month": "Revenue per customer (ARPU)",
        "param.variable_cost_per_month": "Variable cost per customer",
        "param.sbg_alpha": "Retention shape alpha (sBG)",
        "param.sbg_beta": "Retention shape beta (sBG)",
        "param.constant_monthly_churn": "Constant monthly churn",
        "param.base_customers_by_tenure": "Active customers today",
        "param.paid_acquisitions_per_month": "New paid customers per month",
        "param.acquisition_cost_per_customer": "Acquisition cost per customer (CAC)",
        "param.referral_rate_per_month": "Referrals per customer per month",
        "param.referral_reward_per_customer": "Referral reward",
        "param.referred_churn_multiplier": "Churn of referred customers (multiplier)",
        "param.lasting_price_elasticity": "Lasting price sensitivity of churn (elasticity)",
        "param.notice_shock_churn_per_10pct": "Extra leavers at notice per +10% price",
        "param.shock_half_life_months": "Months for the price shock to halve",
        "param.decrease_response_ratio": "Effect of price cuts relative to increases",
        "param.price_threshold": "Increase nobody notices (log-price)",
        "param.uncontrollable_churn_share": "Churn no lever can move (share)",
        "param.satisfaction_moderation": "How much service softens price sensitivity",
        "param.max_service_churn_reduction": "Churn cut at full service quality",
        "param.acquisition_price_elasticity": "Price sensitivity of new customers (elasticity)",
        "param.acquisition_share": "Share of prospects who choose us today",
        "param.market_price_ratio": "Our price against competitors' (ratio)",
        "param.wtp_median": "Typical most a customer would pay (x competitors' price)",
        "param.wtp_log_sd": "Spread of what customers would pay (log)",
        "param.wtp_exit_half_life_months": "Months for half of priced-out customers to leave",
        "param.negative_wom_per_defector": "New customers lost per price-driven leaver",
        "param.negative_wom_half_life_months": "Months for bad word of mouth to halve",
        "param.notice_multiplier_cap": "Largest churn multiple a price notice causes",
        "param.issues_per_customer_month": "Issues per customer per month",
        "param.first_contact_resolution": "First-contact resolution today",
        "param.handling_time_minutes": "Handling time today (minutes)",
        "param.cost_per_handling_minute": "Cost per handling minute",
        "param.csat": "CSAT today",
        "param.max_csat_gain": "CSAT gain at full service quality",
        "param.max_fcr_gain": "First-contact-resolution gain at full quality",
        "param.max_handling_time_reduction": "Handling-time cut at full quality",
        "param.max_arpu_uplift": "Revenue-per-customer uplift at full quality",
        "param.max_referral_uplift": "Referral uplift at full quality",
        "param.rise_contacts_per_100": "Extra contacts per 100 customers told of +10%",
        "param.cancellation_contacts_per_defector": "Cancellation contacts per leaver",
        "param.wave_handling_time_factor": "Handling time of rise contacts (x normal)",
        "param.overload_churn_increase": "Extra churn per 100% desk overload",
        "param.handling_minutes_per_agent_month": "Handling minutes per agent per month",
        "param.agents": "Agents (full-time) today",
        "param.agent_attrition_per_year": "Agents leaving per year (share)",
        "param.max_attrition_reduction": "Fewer agents leaving at full effect",
        "param.agent_replacement_cost_months": "Cost of replacing an agent (months of pay)",
        "param.contacts_churn_coefficient": "Churn link per contact (log-hazard)",
        "param.ramp_half_life_months": "Months to half effect (ramp-up)",
        "param.half_effect_cost_share": "Spend for half the effect (share of unit cost)",
        "param.current_spend_per_month": "What you spend on it today (per month)",
        "param.hill_exponent": "Response curve shape",
        "param.weight": "Weight in the service-quality index",
        "param.fee_salience": "Weight of a fee vs the same money in the price",
        "param.market_price_change": "Competitors' price change",
        "param.market_price_change_month": "Month competitors' prices change",
        "param.price_change": "Price change",
        "param.monthly_fee": "New monthly fee",
        "param.price_change_month": "Month the new price applies",
        "param.notice_months": "Months of notice",
        "param.phase_in_months": "Phase-in months",
        "param.grandfather_existing": "Grandfather existing customers",
        "param.tools_spend_per_month": "Tools budget per month",
        "param.training_spend_per_month": "Authority and training budget per month",
        "param.incentives_spend_per_month": "Incentives budget per month",
        "param.people_spend_per_month": "People budget per month",
        "param.horizon_months": "Horizon",
        "param.annual_discount_rate": "Annual discount rate",
        # levers
        "lever.tools": "Tools",
        "lever.training": "Authority and training",
        "lever.incentives": "Incentives",
        "lever.people": "People",
        # language, units, rules and export headers in the reader's language (ui.text, ui.exports)
        "business.sample_name": "Sample broadband provider",
        "language.label": "Language",
        "language.help": (
            "The language of every page, chart, download and share link. Numbers, money and "
            "dates follow it too."
        ),
        "unit.points": "{value} pts",
        "param_unit.contacts_per_100_customers": "contacts per 100 customers",
        "param_unit.contacts_per_defector": "contacts per leaver",
        "param_unit.conversion_elasticity": "conversion elasticity",
        "param_unit.currency_per_customer": "{currency} per customer",
        "param_unit.currency_per_customer_month": "{currency} per customer-month",
        "param_unit.currency_per_minute": "{currency} per minute",
        "param_unit.currency_per_month": "{currency} per month",
        "param_unit.customers": "customers",
        "param_unit.customers_lost_per_defector": "customers lost per leaver",
        "param_unit.customers_per_month": "customers per month",
        "param_unit.fraction": "fraction",
        "param_unit.fraction_at_full_effect": "fraction at full effect",
        "param_unit.fraction_of_base": "fraction of base",
        "param_unit.fraction_of_churn": "fraction of churn",
        "param_unit.fraction_of_competitors_price": "fraction of competitors' price",
        "param_unit.fraction_of_controllable_churn": "fraction of controllable churn",
        "param_unit.fraction_of_list_price": "fraction of list price",
        "param_unit.fraction_per_100_overload": "fraction per 100% overload",
        "param_unit.fraction_per_year": "fraction per year",
        "param_unit.fraction_points_at_full_effect": "fraction points at full effect",
        "param_unit.fraction_satisfied": "fraction satisfied",
        "param_unit.hazard_elasticity": "hazard elasticity",
        "param_unit.hazard_multiplier": "hazard multiplier",
        "param_unit.issues_per_customer_month": "issues per customer-month",
        "param_unit.log_price": "log-price",
        "param_unit.minutes_per_contact": "minutes per contact",
        "param_unit.month": "month",
        "param_unit.months": "months",
        "param_unit.multiple_of_handling_time": "multiple of handling time",
        "param_unit.multiple_of_price": "multiple of price",
        "param_unit.per_unit_of_quality": "per unit of quality",
        "param_unit.ratio": "ratio",
        "param_unit.ratio_to_competitors_price": "ratio to competitors' price",
        "param_unit.referrals_per_customer_month": "referrals per customer-month",
        "param_unit.shape": "shape",
        "param_unit.share_of_prospects": "share of prospects",
        "param_unit.share_of_quality_index": "share of quality index",
        "param_unit.yes_no": "yes/no",
        "param_unit.log_hazard_per_contact_per_customer_month": (
            "log-hazard per contact per customer-month"
        ),
        "param_unit.minutes_per_agent_month": "minutes per agent-month",
        "param_unit.fraction_a_year": "fraction a year",
        "param_unit.fraction_a_year_at_full_effect": "fraction a year at full effect",
        "param_unit.months_of_loaded_agent_cost": "months of loaded agent cost",
        "param_unit.share_of_the_unit_cost": "share of the unit cost",
        "reference.assumption": "assumption",
        "reference.assumption_logit_saturation": "assumption (logit saturation)",
        "reference.assumption_no_published_source": "assumption (no published source)",
        "reference.benchmarks_pilots": "benchmarks, pilots",
        "reference.contact_centre_data": "contact-centre data",
        "reference.customer_data_active_base": "customer data (active base)",
        "reference.customer_data_revenue": "customer data (revenue)",
        "reference.customer_data_start_dates": "customer data (start dates)",
        "reference.finance": "finance",
        "reference.market_data": "market data",
        "reference.marketing": "marketing",
        "reference.survey_data": "survey data",
        "reference.your_market_view": "your market view",
        "reference.price_evidence_fit": (
            "fit to Netflix 2011 and UK broadband 2023 (price evidence)"
        ),
        "reference.model_service_investment": "docs/model.md: service investment",
        "reference.model_service_investment_assumption": (
            "docs/model.md: service investment (assumption)"
        ),
        "reference.workforce_planning": "workforce planning",
        "reference.your_customer_data_upper_bound": (
            "your customer data (an upper bound: confounded)"
        ),
        "reference.your_finance_data": "your finance data",
        "reference.hr_data_contact_centres": "HR data (contact centres: 30-45 %)",
        "reference.hr_data_replacement": "HR data (practitioner: USD 10-20k)",
        "rule.above": "above {value}",
        "rule.at_least": "at least {value}",
        "rule.below": "below {value}",
        "rule.at_most": "at most {value}",
        "rule.interval": "in {left}{low}, {high}{right}",
        "rule.range": "{low} to {high}",
        "rule.a_number": "a number",
        "rule.a_finite_number": "a finite number",
        "rule.a_whole_number": "a whole number",
        "rule.true_or_false": "true or false",
        "rule.non_empty_label": "a non-empty label",
        "rule.finite_counts": "finite counts of at least 0",
        "rule.covariance": "empty or (var ln alpha, covariance, var ln beta), a valid covariance",
        "rule.fcr_gain": "at least 0 and keep first-contact resolution below 100%",
        "rule.csat_gain": "at least 0 and keep CSAT at most 100%",
        "rule.whole_month": "a whole month of at least 1",
        "rule.one_segment": "at least one segment",
        "rule.unique_segments": "uniquely named segments",
        "rule.currency_code": "a three-letter currency code",
        "rule.within_horizon": "between 1 and the horizon",
        "rule.before_price": "at least 0 and before the month the new price applies",
        "rule.at_least_low": "at least the low value",
        "rule.open_share": "between 0 and 1 (exclusive)",
        "rule.price_threshold": "in [0, ln 1.1), so that a +10% increase is noticed",
        "rule.amount_per_customer": "from 0 to {amount} per customer-month",
        "rule.amount_a_month": "from 0 to {amount} a month",
        "rule.discount_rate": (
            "from {low} to 1 a year, as a fraction (0.1 = 10%), so that customers beyond the "
            "horizon are discounted"
        ),
        "rule.one_of_segments": "one of the segments {segments}",
        "export.sheet.monthly": "Monthly",
        "export.sheet.segments": "Segments",
        "export.sheet.assumptions": "Assumptions",
        "export.column.case": "case",
        "export.column.segment": "segment",
        "export.column.month": "month",
        "export.column.customers": "customers",
        "export.column.paid_acquisitions": "paid_acquisitions",
        "export.column.referral_acquisitions": "referral_acquisitions",
        "export.column.churned": "churned",
        "export.column.price_driven_defectors": "price_driven_defectors",
        "export.column.wave_contacts": "wave_contacts",
        "export.column.revenue_per_customer": "revenue_per_customer",
        "export.column.revenue": "revenue",
        "export.column.variable_cost": "variable_cost",
        "export.column.contact_cost": "contact_cost",
        "export.column.contribution": "contribution",
        "export.column.acquisition_cost": "acquisition_cost",
        "export.column.service_spend": "service_spend",
        "export.column.attrition_savings": "attrition_savings",
        "export.column.cash_flow": "cash_flow",
        "export.column.discount_factor": "discount_factor",
        "export.column.customers_end_baseline": "customers_end_baseline",
        "export.column.customers_end_scenario": "customers_end_scenario",
        "export.column.customers_lost": "customers_lost",
        "export.column.extra_churned": "extra_churned",
        "export.column.value_lost": "value_lost",
        "export.column.clv_baseline": "clv_baseline",
        "export.column.clv_scenario": "clv_scenario",
        "export.column.npv_baseline": "npv_baseline",
        "export.column.npv_scenario": "npv_scenario",
        "export.column.group": "group",
        "export.column.parameter": "parameter",
        "export.column.value": "value",
        "export.column.unit": "unit",
        "export.column.source": "source",
        "export.column.reference": "reference",
        "export.column.kpi": "kpi",
        "export.column.label": "label",
        "export.column.scenario": "scenario",
        "export.column.difference": "difference",
        # Data page
        "nav.data": "Data",
        "nav.data.help": "Upload your customer table and measure retention from it.",
        "home.link.data": "Calibrate from your customer data",
        "data.title": "Your customer data",
        "data.intro": (
            "Upload a customer table (one row per customer) to measure retention and revenue "
            "per segment from it. Check which column plays which role, fix the problems listed, "
            "then calibrate and compare the fitted retention curve with what the data show."
        ),
        "data.upload": "Customer table (CSV, TSV, text, Excel or Parquet; also gzipped or zipped)",
        "data.upload.help": (
            "One row per customer. Files up to {limit} MB. Above {large} MB a CSV must be "
            "UTF-8, with commas, semicolons, tabs or pipes between the columns. A .gz file or a "
            ".zip archive must hold just the table."
        ),
        "data.limit": "Files up to {limit} MB; the file stays in this session only.",
        "data.no_file": (
            "No file yet: every page uses the model calibrated from the bundled sample "
            "(**{name}**), shown below. Upload your own table to replace it."
        ),
        "data.sample_again": "Use the bundled sample again",
        "data.sample_again.help": "Go back to the model calibrated from the bundled sample.",
        "data.progress.count": "Counting customers by segment, tenure and churn...",
        "data.progress.fit": "Fitting the retention model to each segment...",
        "data.links_header": "What else drives churn here",
        "data.links_caption": (
            "Discrete-time hazard models (complementary log-log, by tenure band): how much the "
            "monthly churn hazard changes per point of satisfaction, per service contact and per "
            "unit of log price change. Survey links are confounded with tenure and usage: read "
            "them as upper bounds unless they come from an experiment."
        ),
        "data.links.none": (
            "Map a satisfaction, service contacts or price before/after column to see what "
            "drives churn besides tenure."
        ),
        "data.links.segment": "Segment",
        "data.links.driver": "Driver",
        "data.links.ratio": "Churn hazard ratio per unit",
        "data.links.interval": "90% interval",
        "data.links.customers": "Customers",
        "data.links.use": "Used in the model",
        "data.link.satisfaction": "Satisfaction (per point)",
        "data.link.contacts": "Service contacts (per contact)",
        "data.link.price_change_log": "Price change (elasticity, per log unit)",
        "data.link.used.satisfaction": "service cuts controllable churn by up to {value}",
        "data.link.used.price_change_log": "lasting price elasticity {value}",
        "data.link.used.contacts": "shown only",
        "data.link.not_used": "no: the assumption is kept",
        "data.link.unfitted": "not fitted",
        "data.link.note.contacts": (
            "**Service contacts** are shown only: the model derives contacts from first-contact "
            "resolution."
        ),
        "data.link.note.not_used": (
            "**no**: the link is not significant at 90% or points the unexpected way, so the "
            "model keeps its assumption."
        ),
        "data.link.note.unfitted": "**{segment}**, {driver}: not fitted, {reason}.",
        "data.gap_header": "The perception gap",
        "data.gap_caption": (
            "About 80% of firms believe they deliver a superior experience; customers say so of "
            "about 8% (Bain & Company, Closing the delivery gap, 2005). Compare what management "
            "believes here with what your customers' scores say."
        ),
        "data.gap.none": (
            "Map a satisfaction column to compare what management believes with what customers say."
        ),
        "data.gap.believed": "Share of customers management believes rate the service excellent",
        "data.gap.believed.help": "Ask the leadership team before you look at the scores.",
        "data.gap.top_box": "Customers rating it excellent",
        "data.gap.top_box.help": "Share of scores of {score} or more on a {scale}-point scale.",
        "data.gap.satisfied": "Customers satisfied (CSAT)",
        "data.gap.satisfied.help": (
            "Share of scores of {score} or more on a {scale}-point scale: the CSAT the model uses."
        ),
        "data.gap.annual_churn": "Customers lost in a year",
        "data.gap.annual_churn.help": "1 - (1 - monthly churn)^12 across all segments.",
        "data.gap.below": "{points} points below what management believes",
        "data.gap.above": "{points} points above what management believes",
        "data.gap.same": "as management believes",
        "data.gap.carry": "Carry the measured CSAT into the model",
        "data.gap.carry.help": (
            "The model's service level (CSAT) becomes the satisfied share measured here."
        ),
        "data.gap.carried": "The model now starts from a CSAT of {value}.",
        "chart.gap.title": "What management believes vs what customers say",
        "chart.gap.subtitle": "Share rating the service excellent",
        "chart.gap.yours": "Your firm",
        "chart.gap.bain": "Bain 2005 (362 firms)",
        "chart.gap.management": "Management believes",
        "chart.gap.customers": "Customers say",
        "data.in_use": "Every page now uses the calibration from **{name}**.",
        "data.business_name": "Calibrated from {name}",
        "data.read_error": "**{name}** cannot be read: fix what the table below says, then upload.",
        "data.read_error.detail": "{message}. **Fix:** {fix}.",
        "data.table_caption": "{rows} rows and {columns} columns in **{name}**.",
        "data.table_caption_large": (
            "{columns} columns in **{name}** ({size} MB): its first {rows} rows propose the "
            "mapping below; the whole file is checked and counted."
        ),
        "data.mapping_header": "Which column is which",
        "data.mapping_caption": (
            "Proposed from the column names and contents; correct any role that is wrong. "
            "A dated table needs a start date (and an end date or churn flag); a snapshot "
            "needs a tenure and a churn flag."
        ),
        "data.kind.dated": "Read as a **dated** table: tenure from start to end or as-of date.",
        "data.kind.snapshot": "Read as a **snapshot**: tenure and churn flag per customer.",
        "data.none": "(none)",
        "data.role.id": "Customer id",
        "data.role.start": "Start date",
        "data.role.end": "End date",
        "data.role.tenure": "Tenure",
        "data.role.churned": "Churn flag",
        "data.role.revenue": "Monthly revenue",
        "data.role.segment": "Segment",
        "data.role.satisfaction": "Satisfaction",
        "data.role.contacts": "Service contacts",
        "data.role.channel": "Acquisition channel",
        "data.role.price_before": "Price before",
        "data.role.price_after": "Price after",
        "data.tenure_unit": "Tenure is counted in",
        "data.unit.months": "months",
        "data.unit.years": "years",
        "data.churn_values": "Churn flag: **{churned}** counts as left, **{active}** as active.",
        "data.churn_values_unknown": (
            "The churn flag's values were not recognised; pick another column or fix the file."
        ),
        "data.mapping_error": "This mapping cannot be used: {message}",
        "data.problems_header": "Problems found",
        "data.no_problems": "No problems found.",
        "data.errors_stop": "{count} error(s) must be fixed before calibrating.",
        "data.warnings_only": "{count} warning(s): calibration can go ahead.",
        "data.problem.severity": "Severity",
        "data.problem.column": "Column",
        "data.problem.rows": "Rows",
        "data.problem.message": "Problem",
        "data.problem.fix": "Fix",
        "data.problem.file": "(whole file)",
        "data.severity.error": "error",
        "data.severity.warning": "warning",
        "data.calibrate": "Calibrate",
        "data.calibrate.help": "Fit the retention model to each segment of this table.",
        "data.calibration_error": "Calibration failed: {message}",
        "data.fit_header": "What the data say, per segment",
        "data.fit_caption": (
            "sBG alpha and beta set the retention curve; Kaplan-Meier survival is the observed "
            "share still active after 12 and 24 months; the holdout error is the mean gap "
            "between a fit on earlier tenures and the observed curve on the last 12 months."
        ),
        "data.fit.segment": "Segment",
        "data.fit.customers": "Customers",
        "data.fit.churned": "Left",
        "data.fit.monthly_churn": "Monthly churn",
        "data.fit.arpu": "ARPU ({currency}/month)",
        "data.fit.alpha": "sBG alpha",
        "data.fit.beta": "sBG beta",
        "data.fit.km12": "12-month survival",
        "data.fit.km24": "24-month survival",
        "data.fit.holdout": "Holdout error",
        "data.fit.reason": "Note",
        "data.fit.constant": (
            "no difference between loyal and fickle customers detected: constant churn of "
            "{churn} a month fits as well, and is what the model will use"
        ),
        "data.fit.note": "**{segment}**: {notes}.",
        "data.fit.km_months_1": "{first}",
        "data.fit.km_months_2": "{first} and {last}",
        "data.fit.km_late": (
            "no survival at {months} months, because the table's customers were first seen at "
            "{entry} months of tenure, so how many left before that is not in the data"
        ),
        "data.fit.km_short": (
            "no survival at {months} months, because no customer was followed that long"
        ),
        "data.warn_unfitted": (
            "No retention fit for {segments}: the assumed retention is kept for them."
        ),
        "data.warn_holdout_over": (
            "The fit projects poorly for {segments} (holdout error above {limit}): fitted on "
            "the shorter tenures, it keeps more of the longest-tenure customers than stayed, "
            "so their retention, CLV and NPV are likely overstated. Churn rises at long tenures "
            "here; the model's churn stays flat or falls with tenure."
        ),
        "data.warn_holdout_under": (
            "The fit projects poorly for {segments} (holdout error above {limit}): fitted on "
            "the shorter tenures, it keeps fewer of the longest-tenure customers than stayed, "
            "so their retention, CLV and NPV are likely understated."
        ),
        "data.warn_unchecked": (
            "The fit for {segments} could not be checked on held-out tenures (the data do not "
            "cover the last 12 months of tenure from the start): compare the curves below."
        ),
        "data.arpu": "Monthly revenue per customer ({currency})",
        "data.arpu.caption": (
            "This table has no revenue column: type the average monthly revenue per customer; "
            "it will be labelled as set by you."
        ),
        "data.arpu.help": "Used for every segment; edit it per segment on the Assumptions page.",
        "data.use": "Use this calibration",
        "data.use.help": (
            "Every page then uses these segments, retention and ARPU; everything else stays."
        ),
        "data.use_error": "This calibration cannot be used: {message}",
        "data.go_scenario": "See the scenario with this data",
        "chart.km.title": "Retention: observed vs fitted",
        "chart.km.subtitle": "Kaplan-Meier steps (observed) and the fitted curve the model uses",
        "chart.km.subtitle_truncated": (
            "Kaplan-Meier steps (observed) and the fitted curve the model uses, both given "
            "survival to the first tenure in the data"
        ),
        "chart.km.observed": "{segment}: observed",
        "chart.km.fitted": "{segment}: fitted sBG",
        "chart.km.constant": "{segment}: constant churn",
        "chart.km.tenure": "Tenure (months)",
        "chart.km.survival": "Share still active",
        # Explore page (price x service budget heatmap and goal seek)
        "nav.explore": "Explore",
        "nav.explore.help": (
            "Every price change and service budget at once, and the decisions that just break even."
        ),
        "home.link.explore": "Explore price and budget together; find the break-even",
        "explore.title": "Explore price and service budget",
        "explore.caption": (
            "**{business}**. Every other setting as on the Scenario page: {scenario}"
        ),
        "explore.back": "Change the plan on the Scenario page",
        "explore.max_price": "Largest price change explored (%)",
        "explore.max_price.help": (
            "The heatmap and the price questions look from -10% up to this price change."
        ),
        "explore.probability": "Chance of beating doing nothing",
        "explore.probability.help": (
            "Instead of the NPV difference at the assumed values, the share of plausible "
            "values of the uncertain assumptions (Monte Carlo draws) in which the plan's NPV "
            "is above doing nothing's. Slower: computed on a coarser grid."
        ),
        "explore.draws": "Monte Carlo draws per cell",
        "explore.draws.help": (
            "More draws give a steadier probability (its error is at most ±{error} with "
            "{draws} draws) but take longer."
        ),
        "explore.progress": "Simulating {draws} draws in each of {cells} cells…",
        "explore.heatmap_caption": (
            "Each cell is this plan with one price change (across) and one total monthly "
            "service budget (up), spread over the levers as in the plan. Colour: the NPV over "
            "{period} (without terminal value) minus doing nothing's: green adds value, red "
            "loses it. The dashed line is the break-even: on it the plan is worth exactly as "
            "much as doing nothing."
        ),
        "explore.probability_caption": (
            "Colour: the probability that the plan's NPV over {period} (without terminal "
            "value) beats doing nothing, over {draws} draws of the uncertain assumptions, the "
            "same draws in every cell. Dark green: almost sure to pay; dark red: almost sure "
            "not to; white: a coin toss. The dashed break-even line is at the assumed values."
        ),
        "explore.goal_header": "Questions the heatmap answers",
        "explore.goal_caption": (
            "Each answer is found by root finding on the model and checked by running it "
            "again at the answer; it is marked on the heatmap."
        ),
        "explore.core_limit": "Largest acceptable loss of core customers (%)",
        "explore.core_limit.help": (
            "Core customers lost at the end of the horizon, as a share of those doing nothing "
            "would keep."
        ),
        "explore.q.price": "**How far can prices rise?**",
        "explore.q.budget": "**What service budget keeps our customers?**",
        "explore.q.core": "**How far can prices rise without losing too many core customers?**",
        "explore.a.price.found": (
            "With a service budget of {budget} a month, prices can rise by up to **{price}** "
            "before the plan is worth less than doing nothing over {period}."
        ),
        "explore.a.price.at_limit": (
            "With a service budget of {budget} a month, even a **{price}** price rise, the "
            "largest explored, is still worth more than doing nothing over {period}. Explore "
            "a wider range to find the limit."
        ),
        "explore.a.price.never": (
            "With a service budget of {budget} a month, no price rise up to {price} makes the "
            "plan worth as much as doing nothing over {period}."
        ),
        "explore.a.budget.found": (
            "With this plan's {price} price change, spending at least **{budget} a month** on "
            "service keeps as many customers after {period} as doing nothing."
        ),
        "explore.a.budget.at_limit": (
            "With this plan's {price} price change, **no service budget is needed**: it keeps "
            "at least as many customers after {period} as doing nothing."
        ),
        "explore.a.budget.never": (
            "With this plan's {price} price change, no service budget up to {budget} a month "
            "keeps as many customers after {period} as doing nothing."
        ),
        "explore.a.core.found": (
            "To lose no more than {limit} of core customers after {period}, keep the price "
            "rise at or below **{price}** (with a service budget of {budget} a month)."
        ),
        "explore.a.core.at_limit": (
            "Even a **{price}** price rise, the largest explored, loses only {loss} of core "
            "customers after {period}, within the {limit} limit (with a service budget of "
            "{budget} a month)."
        ),
        "explore.a.core.never": (
            "Even without a price rise, this plan loses more than {limit} of core customers "
            "after {period} (with a service budget of {budget} a month)."
        ),
        "explore.error": "This question could not be answered: {message}",
        "chart.explore.title": "NPV against doing nothing, by price change and service budget",
        "chart.explore.title_probability": (
            "Probability of beating doing nothing, by price change and service budget"
        ),
        "chart.explore.subtitle": "Over {period}, without terminal value; {currency}",
        "chart.explore.subtitle_probability": "Over {period}; {draws} draws per cell",
        "chart.explore.price": "Price change",
        "chart.explore.budget": "Monthly service budget ({currency})",
        "chart.explore.delta": "NPV vs doing nothing",
        "chart.explore.probability": "Chance of beating doing nothing",
        "chart.explore.hover": (
            "Price change {price}<br>Service budget {budget} a month<br>{label}: {value}"
        ),
        "chart.explore.frontier": "Break-even (worth the same as doing nothing)",
        "chart.explore.plan": "This plan",
        "chart.explore.mark.price": "Largest price rise that still pays",
        "chart.explore.mark.budget": "Smallest budget that keeps customers",
        "chart.explore.mark.core": "Largest price rise within the core-loss limit",
        # Uncertainty page (Monte Carlo, tornado, rank correlations)
        "nav.uncertainty": "Uncertainty",
        "nav.uncertainty.help": (
            "How sure can we be? Thousands of plausible futures for the current scenario."
        ),
        "home.link.uncertainty": "See how sure the answer is",
        "unc.title": "How sure can we be?",
        "unc.intro": (
            "Many numbers behind the scenario are estimates. This page draws each of them from "
            "its plausible range thousands of times (each draw is one plausible future), runs "
            "the scenario and doing nothing in every future, and counts how often the plan "
            "comes out ahead."
        ),
        "unc.scenario": "Scenario (set on the Scenario page): {scenario}",
        "unc.back": "Change the scenario",
        "unc.draws": "Plausible futures to simulate",
        "unc.draws.help": (
            "More futures give steadier numbers but take longer: 2,000 pins the chance of "
            "beating doing nothing to about ±1 point, 5,000 to about ±0.7 points."
        ),
        "unc.seed": "Random seed",
        "unc.seed.help": (
            "The same seed always gives the same futures (and the same numbers as the command "
            "line); change it to see how much the answers move by chance."
        ),
        "unc.loss": "Loss larger than",
        "unc.loss.help": (
            "The chance card below counts the futures where the plan loses more than this much "
            "value (NPV over the horizon) compared with doing nothing."
        ),
        "unc.running": "Simulating {draws} plausible futures…",
        "unc.no_change": (
            "The scenario changes nothing (no price change, fee or service budget), so every "
            "plausible future is exactly the same as doing nothing. Set a change on the "
            "Scenario page to see how sure its result is."
        ),
        "unc.failed": (
            "The simulation could not run: {message} Check the numbers on the Assumptions page "
            "or set the scenario again on the Scenario page."
        ),
        "unc.headline": "The answer in one breath",
        "unc.sentence.all": "In virtually every plausible future this plan beats doing nothing",
        "unc.sentence.none": "In almost no plausible future does this plan beat doing nothing",
        "unc.sentence.some": "In about {n} of 10 plausible futures this plan beats doing nothing",
        "unc.sentence.value": (
            " over {period}. The middle estimate is {median}, and in 8 of 10 futures the "
            "difference lies between {low} and {high}."
        ),
        "unc.sentence.loss": " The chance of losing more than {amount} is {probability}.",
        "unc.sentence.payback": " It pays back within {period} in {share} of futures.",
        "unc.sentence.never_pays_back": " It does not pay back within {period} in any future.",
        "unc.kpi.beat": "Chance it beats doing nothing",
        "unc.kpi.beat.help": (
            "Share of plausible futures in which the plan's NPV over the horizon is higher than "
            "doing nothing's. Sampling error ±{se} (one standard error, {draws} futures)."
        ),
        "unc.kpi.median": "Middle estimate of value added",
        "unc.kpi.median.help": (
            "Median difference in NPV over {period}, plan minus doing nothing: half the futures "
            "do better, half worse."
        ),
        "unc.kpi.interval": "8 in 10 futures between",
        "unc.kpi.interval.value": "{low} to {high}",
        "unc.kpi.interval.help": (
            "10th and 90th percentiles of the NPV difference: one future in ten is below the "
            "first number, one in ten above the second."
        ),
        "unc.kpi.loss": "Chance of losing more than {amount}",
        "unc.kpi.loss.help": (
            "Share of futures where the plan's NPV is more than {amount} below doing nothing's. "
            "Set the amount above."
        ),
        "unc.kpi.payback": "Chance it pays back within {period}",
        "unc.kpi.payback.help": (
            "Share of futures where the cumulative cash-flow difference turns positive and "
            "stays positive by the horizon."
        ),
        "unc.precision": (
            "{draws} plausible futures, seed {seed}: the chance above is accurate to about "
            "±{se}. The same seed always gives the same numbers."
        ),
        "unc.fan_header": "How the futures spread out over time",
        "unc.fan_caption": (
            "Dark band: the middle half of futures; light band: 9 in 10 futures; solid line: "
            "the middle future. Left: the plan, with doing nothing dashed. Right: the plan "
            "minus doing nothing, future by future."
        ),
        "unc.tab.customers": "Active customers",
        "unc.tab.revenue": "Revenue",
        "unc.tab.cumulative_cash_flow": "Cumulative cash flow",
        "unc.fan.customers.title": "Active customers",
        "unc.fan.customers.y": "Customers",
        "unc.fan.revenue.title": "Revenue per month",
        "unc.fan.revenue.y": "Revenue ({symbol})",
        "unc.fan.cumulative_cash_flow.title": "Cumulative cash flow",
        "unc.fan.cumulative_cash_flow.y": "Cumulative cash flow ({symbol})",
        "unc.fan.subtitle": "The plan across plausible futures; doing nothing dashed",
        "unc.fan.difference.title": "{measure}: plan minus doing nothing",
        "unc.fan.difference.subtitle": "Above zero the plan is ahead",
        "unc.fan.band90": "9 in 10 futures",
        "unc.fan.band50": "Middle half of futures",
        "unc.fan.median": "Middle future (plan)",
        "unc.fan.median_difference": "Middle future (difference)",
        "unc.fan.baseline": "Middle future (doing nothing)",
        "unc.value_header": "Value added across futures",
        "unc.hist.title": "Value added by the plan, across futures",
        "unc.hist.subtitle": "NPV over {period}, plan minus doing nothing; each bar is a range",
        "unc.hist.x": "Value added ({symbol})",
        "unc.hist.y": "Share of futures",
        "unc.hist.gain": "Plan ahead",
        "unc.hist.loss": "Plan behind",
        "unc.hist.zero": "No difference",
        "unc.hist.median": "Middle: {amount}",
        "unc.payback.title": "When does it pay back?",
        "unc.payback.subtitle": "Share of futures paid back by each month",
        "unc.payback.y": "Share of futures paid back",
        "unc.payback.line": "Paid back by this month",
        "unc.elasticity_header": "How much price sensitivity can the plan take?",
        "unc.elasticity.found": (
            "The price increase still adds value as long as customers are no more than "
            "{scale} times as price-sensitive as assumed. Under our assumptions, the chance "
            "that they are more sensitive than that is shown per segment."
        ),
        "unc.elasticity.never_pays": (
            "The price increase loses value even if no customer reacts to it lastingly."
        ),
        "unc.elasticity.always_pays": (
            "The price increase adds value even if customers are {scale} times as "
            "price-sensitive as assumed."
        ),
        "unc.elasticity.segment": "Segment",
        "unc.elasticity.assumed": "Assumed price sensitivity (elasticity)",
        "unc.elasticity.breakeven": "Break-even price sensitivity",
        "unc.elasticity.probability": "Chance the true value is higher",
        "unc.drivers_header": "What drives the answer",
        "unc.drivers_caption": (
            "Left: each estimate moved alone from its low (10th percentile) to its high (90th "
            "percentile) value, everything else at its central value; longest bars matter "
            "most. Right: how closely each estimate moves with the value added across all "
            "futures (rank correlation, -1 to 1)."
        ),
        "unc.tornado.title": "What moves the value added most",
        "unc.tornado.subtitle": "Value added when one estimate is low or high; the line is central",
        "unc.tornado.x": "Value added ({symbol})",
        "unc.tornado.low": "Estimate low (10th percentile)",
        "unc.tornado.high": "Estimate high (90th percentile)",
        "unc.tornado.hover": "{label}: {value}",
        "unc.rank.title": "Which estimates go with better outcomes",
        "unc.rank.subtitle": "Rank correlation with value added across futures",
        "unc.rank.x": "Rank correlation",
        "unc.rank.positive": "Higher estimate, more value",
        "unc.rank.negative": "Higher estimate, less value",
        "unc.param.sbg": "Baseline retention (sBG fit) ({segment})",
        "unc.param.sbg_alpha": "Retention shape alpha (sBG) ({segment})",
        "unc.param.sbg_beta": "Retention shape beta (sBG) ({segment})",
        "unc.param.failure": "Service programme fails (no effect)",
        "unc.param.setting": "{label} (scenario setting)",
        "unc.sources": (
            "The ranges behind these futures are **assumptions, not data** for {assumptions} of "
            "the {total} uncertain estimates (calibrated from data: {data}; set by you: "
            "{user}). Replace assumptions with your own data on the Data page or edit them on the "
            "Assumptions page."
        ),
        # Uncertainty page: Test first (ui.price_test)
        "test.header": "Test first? A price test on some of your customers",
        "test.intro": (
            "Before raising prices for everyone, give the new price to a random share of "
            "today's customers for a few months and keep the others on the old one. The test "
            "measures how much the rise adds to churn in each segment tested (its lasting price "
            "sensitivity); weighed against the doubt that remains, it says whether learning "
            "first is worth its cost and the wait."
        ),
        "test.no_rise": (
            "This scenario does not raise what customers pay, so there is no rise to test. Set "
            "a price rise or a fee on the Scenario page."
        ),
        "test.too_short": (
            "The horizon leaves no room for a test of two months or more before the rise. "
            "Lengthen the horizon on the Scenario page."
        ),
        "test.segments": "Segments to test",
        "test.segments.help": "Only customers of these segments get the new price in the test.",
        "test.shares": "Share of customers given the new price",
        "test.shares.help": (
            "Chosen at random. The rest of each tested segment keeps the old price and is the "
            "comparison group."
        ),
        "test.months": "Test length (months)",
        "test.months.help": (
            "Months at the new price before the test is read out; the rise for everyone else "
            "waits that long."
        ),
        "test.choose": "Choose at least one segment, one share and one test length.",
        "test.running": "Weighing {n} test designs over {draws} plausible futures…",
        "test.failed": "The test designs could not be worked out: {message}",
        "test.kpi.evpi": "Most a churn test can be worth",
        "test.kpi.evpi.help": (
            "Expected value of perfect information (EVPI) about how each segment's churn "
            "responds to the price: what knowing it exactly would add, on average, to the "
            "decision to raise or not. No test on today's customers can be worth more."
        ),
        "test.kpi.pays": "Chance the rise pays",
        "test.kpi.pays.help": (
            "Share of plausible futures in which the price rise, with the rest of the plan "
            "unchanged, is worth more than keeping today's price (NPV over the horizon)."
        ),
        "test.kpi.best": "Best net value of testing first",
        "test.kpi.best.help": (
            "Over the designs in the table: the value of the test's answer less the test's "
            "cost and the cost of the wait. Above zero, testing first is worth it."
        ),
        "test.sentence.test": (
            "**Test first.** Give the new price to {share} of the {segments} customers "
            "({customers} customers) for {months} months and keep the others on today's "
            "price. The answer is worth about {evsi}; the test and the wait cost about {cost}; "
            "learning first adds about {net}. A test this size settles whether the rise pays "
            "in {power} of futures, and otherwise still shifts the odds."
        ),
        "test.sentence.now_raise": (
            "**Decide now: raise.** None of these tests is worth its cost and the wait. On "
            "what is known, the rise pays in {probability} of futures."
        ),
        "test.sentence.now_keep": (
            "**Decide now: keep today's price.** None of these tests is worth its cost and the "
            "wait. On what is known, the rise pays in only {probability} of futures."
        ),
        "test.sentence.known": (
            " Nothing a test on today's customers measures would change the decision."
        ),
        "test.sentence.acquisition": (
            " More of the doubt is about how prospects respond to the price (knowing it "
            "exactly would be worth {amount}), which a test on today's customers does not "
            "measure: a test of the price shown to prospects would."
        ),
        "test.table.share": "Share tested",
        "test.table.months": "Months",
        "test.table.customers": "Customers tested",
        "test.table.power": "Power",
        "test.table.right": "Right call after the test",
        "test.table.evsi": "Value of the answer",
        "test.table.cost": "Cost (test and wait)",
        "test.table.net": "Net value",
        "test.table.width": "Interval width, churn ratio per +10%",
        "test.chart.title": "What learning first is worth, by test size",
        "test.chart.subtitle": (
            "Value of the answer (EVSI) solid; net of the test's cost and the wait, dashed"
        ),
        "test.chart.x": "Share of customers given the new price",
        "test.chart.y": "Value ({symbol})",
        "test.chart.evsi": "Value of the answer, {months} months",
        "test.chart.net": "Net value, {months} months",
        "test.chart.evpi": "Most a churn test can be worth: {amount}",
        "test.caption": (
            "Power: the chance the test settles whether the rise pays, and settles it rightly. "
            "Right call: the chance the decision taken after the test is the one exact "
            "knowledge of the churn response would take. Value of the answer: the expected "
            "value of sample information (EVSI), what "
            "deciding after the test adds on average. Cost: the tested customers who leave, "
            "valued at the margin they would have brought, less the extra they pay during the "
            "test, plus the cost of raising everyone else later. Interval width: the expected "
            "width of the test's 90% interval of the churn ratio per +10% (the least precise "
            'segment). Definitions and sources: docs/model.md, "Test before you raise".'
        ),
        "test.readout.header": "Read out a running test",
        "test.readout.intro": (
            "Upload the test's customer table (id, start date, end date or empty, optional "
            "segment and test arm) and its price history (id, effective date, monthly price), "
            "as for the price-history calibration. Customers whose price rose are the tested "
            "ones; those who kept the old price are the comparison group. The table should "
            "keep the customers who left, before the test too."
        ),
        "test.readout.customers": "Test customers",
        "test.readout.prices": "Their price history",
        "test.readout.waiting": "Upload both files to read the test out.",
        "test.readout.running": "Reading the test out…",
        "test.readout.failed": "The test could not be read out: {message}",
        "test.readout.segment": "Segment",
        "test.readout.hr": "Churn ratio per +10%",
        "test.readout.interval": "90% interval",
        "test.readout.range": "{low} to {high}",
        "test.readout.elasticity": "Lasting price sensitivity (elasticity)",
        "test.readout.tested": "Tested",
        "test.readout.control": "Comparison group",
        "test.readout.grade": "Evidence",
        "test.readout.grade.randomised_test": "randomised test",
        "test.readout.grade.history_with_control": "price history with a comparison group",
        "test.readout.grade.history_without_control": "price history, no comparison group",
        "test.readout.grade.none": "not measured: assumption kept",
        "test.readout.sentence": (
            "With the test's estimate the rise pays in {after} of futures (before the test: "
            "{before}); its expected value is {value}. "
        ),
        "test.readout.raise": "**Recommendation: raise the price for everyone.**",
        "test.readout.keep": "**Recommendation: keep today's price.**",
        "test.readout.use": "Use the test's estimate",
        "test.readout.use.help": (
            "Every page then uses the price sensitivity the test measured, marked as data from "
            "a randomised test."
        ),
        "test.readout.in_use": (
            "The scenario uses the test's estimate, marked as data from a randomised test."
        ),
        # Compare page and saved scenarios / calibrations (ui.compare, ui.saved)
        "nav.compare": "Compare",
        "nav.compare.help": "Save scenarios, keep a library, and set up to four side by side.",
        "home.link.compare": "Save scenarios and compare them side by side",
        "compare.title": "Compare scenarios",
        "compare.caption": (
            "Up to four scenarios side by side: the one you are working on and any saved one. "
            "Each runs on the business it was saved with."
        ),
        "compare.current": "Current scenario",
        "compare.choose": "Scenarios to compare",
        "compare.choose.help": (
            "Pick up to {count}. The first one is the reference: the other columns show their "
            "difference from it."
        ),
        "compare.empty": "Pick at least one scenario to compare.",
        "compare.currencies": (
            "These scenarios run on businesses with different currencies: money is shown in "
            "each one's own currency, and the charts' money axes have no common unit."
        ),
        "compare.kpi_header": "Side by side",
        "compare.kpi_caption": (
            "In brackets: the difference from the first column ({reference}). Money over each "
            "scenario's own horizon; customers and service figures at its last month."
        ),
        "compare.kpi": "Measure",
        "compare.kpi.business": "Business",
        "compare.kpi.price_change": "Price change",
        "compare.kpi.monthly_fee": "New monthly fee",
        "compare.kpi.service_budget": "Service budget per month",
        "compare.kpi.horizon": "Horizon",
        "compare.kpi.delta_npv": "Value added vs no change (NPV)",
        "compare.kpi.npv": "NPV",
        "compare.kpi.npv_tv": "NPV with terminal value",
        "compare.kpi.payback": "Payback",
        "compare.kpi.roi": "Return on service budget",
        "compare.kpi.revenue": "Revenue over the horizon",
        "compare.kpi.contribution": "Contribution over the horizon",
        "compare.kpi.customers": "Customers at the end",
        "compare.kpi.core_customers": "Core customers at the end",
        "compare.kpi.customers_change": "Customers at the end vs no change",
        "compare.kpi.csat": "CSAT at the end",
        "compare.kpi.fcr": "First-contact resolution at the end",
        "compare.kpi.aht": "Handling time at the end",
        "compare.cell": "{value} ({change})",
        "compare.month": "{value} month",
        "compare.months": "{value} months",
        "compare.no_change": "No change",
        "compare.no_change_of": "No change ({business})",
        "compare.chart.customers.title": "Active customers",
        "compare.chart.customers.subtitle": "All segments; each scenario, and no change dashed",
        "compare.chart.revenue.title": "Revenue per month",
        "compare.chart.revenue.subtitle": "All segments; each scenario, and no change dashed",
        "compare.chart.cash_flow.title": "Cumulative cash flow vs no change",
        "compare.chart.cash_flow.subtitle": "Above zero: the scenario has paid back",
        "compare.save_header": "Save the current scenario",
        "compare.library_header": "Saved scenarios",
        "compare.library_caption": (
            "Shared by everyone using this app; kept in the shared database ({kind})."
        ),
        "saved.unavailable": (
            "Saved scenarios are unavailable: {message}. Everything else works; ask whoever runs "
            "the app to check the server log and the database setting."
        ),
        "saved.name": "Name",
        "saved.notes": "Notes",
        "saved.author": "Your name",
        "saved.author.help": "Shown beside the saved item, so colleagues know whom to ask.",
        "saved.auto_notes": "Saved with a scenario that runs on it.",
        "saved.save_header": "Everyone using this app will see it in the list below.",
        "saved.save": "Save scenario",
        "saved.save_error": "Not saved: {message}",
        "saved.saved": "Saved “{name}”.",
        "saved.sample_business": "Sample business",
        "saved.calibration_gone": "(calibration deleted)",
        "saved.when": "{date}, {time} UTC",
        "saved.label": "{name} · {when}",
        "saved.label_by": "{name} · {author} · {when}",
        "saved.column.name": "Name",
        "saved.column.settings": "Settings",
        "saved.column.business": "Runs on",
        "saved.column.author": "By",
        "saved.column.notes": "Notes",
        "saved.column.created": "Saved",
        "saved.column.updated": "Last changed",
        "saved.column.segments": "Segments",
        "saved.column.customers": "Customers today",
        "saved.none": "No saved scenarios yet: save the current one above.",
        "saved.pick": "Choose one",
        "saved.open": "Open “{name}”",
        "saved.open_gone": (
            "“{name}” ran on a calibration that has since been deleted, so its numbers cannot be "
            "reproduced; it is left out. Recalibrate on the Data page and save it again."
        ),
        "saved.delete": "Delete…",
        "saved.delete_confirm.scenario": (
            "Delete the scenario “{name}” for everyone? This cannot be undone."
        ),
        "saved.delete_confirm.calibration": (
            "Delete the calibration “{name}” for everyone? Saved scenarios that run on it can no "
            "longer be opened. This cannot be undone."
        ),
        "saved.delete_yes": "Yes, delete",
        "saved.delete_no": "Cancel",
        "saved.delete_error": "Not deleted: {message}",
        "saved.deleted": "Deleted “{name}”.",
        "saved.calibration_sample": (
            "The sample business is in use: calibrate from your own table above to save it."
        ),
        "saved.calibration_save_header": (
            "Save **{name}**: its parameters and fit summary, never the uploaded rows."
        ),
        "saved.calibration_save": "Save calibration",
        "saved.calibration_saved": "Saved the calibration “{name}”; it is the one in use.",
        "saved.calibrations_none": "No saved calibrations yet.",
        "share.calibration_missing": (
            "The saved calibration this link names no longer exists (deleted, or saved on "
            "another server), so the sample business is used. Open a saved calibration on the "
            "Data page and copy the link again."
        ),
        "share.calibration_unreadable": (
            "The saved calibration this link names could not be opened ({message}), so the "
            "sample business is used."
        ),
        "share.unsaved_business": (
            "The business in use is not saved, so this link opens the scenario on the sample "
            "business. Save the calibration on the Data page (Saved calibrations) and the link "
            "will carry it."
        ),
        "saved.pick_scenario": "Saved scenario to open or delete",
        "saved.pick_calibration": "Saved calibration to use or delete",
        "export.compare": "Comparison (CSV)",
        "export.compare.file_name": "scenario-comparison",
        "export.compare.help": (
            "One row per measure and scenario, with its difference from the first; money in "
            "each scenario's currency, shares as fractions."
        ),
        "data.tab.upload": "Calibrate from a file",
        "data.tab.saved": "Saved calibrations",
        "data.tab.price": "Learn the price response",
        # Data page: the customers most at risk from the plan's rise (ui.at_risk)
        "data.risk.header": "Customers most at risk from the rise",
        "data.risk.caption": (
            "For the plan on the Scenario page ({scenario}): each active customer's chance of "
            "leaving in the 12 months from the notice (months {first} to {last}), with the rise "
            "and without it, from their own tenure, what they pay against the market and how "
            "the segment responds to price. The download lists every active customer, most "
            "added risk first, for billing and retention teams."
        ),
        "data.risk.no_rise": (
            "The plan on the Scenario page raises no price and adds no fee: set a rise there "
            "to list the customers it puts at risk."
        ),
        "data.risk.summary": (
            "Of **{customers}** active customers, **{count}** are at least {points} points "
            "likelier to leave within 12 months because of the rise; on average it adds {mean} "
            "points."
        ),
        "data.risk.none": "No active customer in this table belongs to the business's segments.",
        "data.risk.unknown": (
            "{count} active customers of segments the business does not have are left out."
        ),
        "data.risk.error": "The customers at risk could not be listed: {message}",
        "data.risk.column.id": "Customer id",
        "data.risk.column.segment": "Segment",
        "data.risk.column.tenure": "Tenure (months)",
        "data.risk.column.price": "Pays ({currency}/month)",
        "data.risk.column.position": "Price vs market",
        "data.risk.column.with": "Leaves within 12 months, with the rise",
        "data.risk.column.without": "Without it",
        "data.risk.column.added": "Added by the rise",
        "data.risk.download": "Customers at risk (CSV)",
        "data.risk.download.help": (
            "Every active customer: segment, tenure in months, monthly price, price against the "
            "market (1 = the market's price), the chance of leaving within the 12 months from "
            "the notice with the rise and without it (0-1) and the difference; most added risk "
            "first. Text a spreadsheet could run as a formula starts with an apostrophe."
        ),
        "data.risk.file_name": "{business}-customers-at-risk",
        # Data page: the price response learnt from the firm's price history (ui.price_history)
        "data.price.intro": (
            "Learn how your customers' churn responded to the price rises you have already "
            "made. Give the customer table (id, start date, end date or empty while active, "
            "optional segment) and the price history (one row per customer and price period: "
            "id, the date the price took effect, the monthly price). Customers whose price did "
            "not change while others were raised serve as the control group. Used, the result "
            "replaces the assumed lasting price response of each segment it names, marked as "
            "measured from your history."
        ),
        "data.price.customers": (
            "Customer table (leave empty to use the one under Calibrate from a file)"
        ),
        "data.price.customers.help": (
            "One row per customer: id, start date, end date (empty while active), optional "
            "segment named as in the business. CSV, TSV, Excel or Parquet, also gzipped or "
            "zipped; files up to {limit} MB."
        ),
        "data.price.upload": (
            "Price history (CSV, TSV, text, Excel or Parquet; also gzipped or zipped)"
        ),
        "data.price.upload.help": (
            "One row per customer and price period: customer id, the date the price took effect "
            "and the monthly price. Files up to {limit} MB."
        ),
        "data.price.from_first": (
            "Customer table: **{name}**, the one uploaded under Calibrate from a file."
        ),
        "data.price.need_customers": (
            "Upload the customer table here, or under Calibrate from a file."
        ),
        "data.price.need_prices": "Upload the price history to learn the price response from it.",
        "data.price.mapping_header": "Which column is which",
        "data.price.mapping_caption": (
            "Proposed from the column names (and from the customer table's mapping under "
            "Calibrate from a file); correct any that is wrong. The first four are columns of "
            "the customer table, the last three of the price history."
        ),
        "data.price.role.id": "Customer id (customer table)",
        "data.price.role.start": "Start date",
        "data.price.role.end": "End date (empty while active)",
        "data.price.role.segment": "Segment",
        "data.price.role.price_id": "Customer id (price history)",
        "data.price.role.price_date": "Date the price took effect",
        "data.price.role.price": "Monthly price",
        "data.price.learn": "Learn the price response",
        "data.price.learn.help": (
            "Fit how churn changed after each customer's own price change, against customers "
            "who kept their price at the same time, allowing for tenure as the simulator does."
        ),
        "data.price.progress": "Reading both tables and fitting the price response per segment…",
        "data.price.error": "The price response could not be learnt: {message}",
        "data.price.result_header": "What your price history says, per segment",
        "data.price.result_caption": (
            "Churn ratio per +10% price: how much likelier a customer is to leave in a month, "
            "lasting, after a 10% rise (1.20 = 20% more), with its 90% interval. First month "
            "ratio: the extra in the first month at a new price. Exposed: customers seen after "
            "their own price change; control: customers who kept the old price while others "
            "were raised. Evidence: the grade the estimate carries once used. As of {as_of}."
        ),
        "data.price.column.segment": "Segment",
        "data.price.column.ratio": "Churn ratio per +10% price",
        "data.price.column.interval": "90% interval",
        "data.price.column.words": "In words",
        "data.price.column.first": "First month ratio",
        "data.price.column.exposed": "Exposed",
        "data.price.column.control": "Control",
        "data.price.column.evidence": "Evidence",
        "data.price.words": "{change} monthly churn per +10% price",
        "data.price.not_estimated": "not estimated",
        "data.price.methods": "How each segment was estimated",
        "data.price.method": "**{segment}**: {message}.",
        "data.price.warning": "**{segment}**: {message}",
        "data.price.file_warning": "{message}",
        "data.price.skipped": "Not used for **{segment}**: {reason}.",
        "data.price.none_applied": (
            "No segment of this price history can be used for the business in use (segments "
            "{segments}): name the segments as the business does, or map no segment column to "
            "learn one response for every segment."
        ),
        "data.price.use": "Use this price response",
        "data.price.use.help": (
            "Every page then uses the lasting price response measured here for each segment "
            "it names, graded as your history (with or without a control group); the "
            "Uncertainty page draws it from its 90% interval. Everything else stays."
        ),
        "data.price.in_use": (
            "Every page now uses the price response learnt from **{name}**: {segments}."
        ),
        "data.price.applied": "{segment}: lasting price sensitivity {value} ({grade})",
        "saved.calibration_use": "Use “{name}”",
        "data.saved_caption": (
            "Shared by everyone using this app, so a calibration is made once and used by all; "
            "kept in the shared database ({kind})."
        ),
        # misc
        "unit.minutes": "{value} min",
        "value.yes": "yes",
        "value.no": "no",
        "value.none": "—",
    },
}


def languages() -> tuple[str, ...]:
    """The languages the interface speaks: English (the source) and every catalog's."""
    return catalog.languages()


def language_name(code: str) -> str:
    """A language's name in that language (CLDR, through Babel): "English", "Italiano"."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def server_language() -> str:
    """The server's default language: :data:`LANGUAGE_VARIABLE` if it names one of
    :func:`languages`, else :data:`DEFAULT_LANGUAGE`."""
    code = os.environ.get(LANGUAGE_VARIABLE, DEFAULT_LANGUAGE).strip().lower()
    return code if code in languages() else DEFAULT_LANGUAGE


_chosen: Callable[[], str | None] | None = None


def follow(chosen: Callable[[], str | None]) -> None:
    """Take the interface language from ``chosen`` (the session's choice, see
    :func:`ui.state.language`), which returns a code or None (no choice: the server's)."""
    global _chosen
    _chosen = chosen


def language() -> str:
    """The language code of the interface: the session's choice (:func:`follow`) when it is one
    of :func:`languages`, else :func:`server_language`. The one place it is read."""
    if _chosen is not None:
        code = _chosen()
        if code is not None and code in languages():
            return code
    return server_language()


def t(key: str, *, markup: str = MARKDOWN, **values: object) -> str:
    """The text with id ``key`` in the current language, with ``{placeholders}`` filled in.

    A placeholder in :data:`USER_TEXT` is filled with its value as literal text in ``markup``
    (:func:`ui.literal.literal`: :data:`MARKDOWN` for the pages, :data:`PLOTLY` for charts,
    :data:`PLAIN` for elements that show text as it is), cut to its length there; the others
    are filled as given (numbers formatted here, other texts of this module). The translation
    comes from the language's catalog (:func:`ui.catalog.translations`) when it was made from the
    English the code holds now; otherwise the English shows. An unknown key raises KeyError.
    """
    template = STRINGS[DEFAULT_LANGUAGE][key]
    code = language()
    if code != DEFAULT_LANGUAGE:
        found = catalog.translations(code).get(key)
        if found is not None and found[0] == template:
            template = found[1]
    if not values:
        return template
    filled = {
        name: literal(value, markup, limit=USER_TEXT[name]) if name in USER_TEXT else value
        for name, value in values.items()
    }
    return template.format(**filled)


def bullets(lines: Sequence[str]) -> str:
    """Plain-text lines, which may quote a link or a file, as a Markdown list, each line
    literal text (:func:`ui.literal.literal`, a sentence's length)."""
    return "\n".join("- " + literal(line, limit=SENTENCE_CHARS) for line in lines)


def has(key: str) -> bool:
    """True if ``key`` is a known text id."""
    return key in STRINGS[DEFAULT_LANGUAGE]


# --- numbers, money and dates: CLDR formats through Babel ---------------------------------------


@functools.cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@functools.cache
def _pattern(code: str, kind: str, decimals: int) -> NumberPattern:
    """The locale's standard ``kind`` pattern ("decimal", "currency" or "percent") with exactly
    ``decimals`` decimals."""
    locale = _locale(code)
    formats = {
        "decimal": locale.decimal_formats,
        "currency": locale.currency_formats,
        "percent": locale.percent_formats,
    }[kind]
    pattern = copy.copy(formats["standard"] if kind == "currency" else formats[None])
    pattern.frac_prec = (decimals, decimals)
    return pattern


WIDE_DIGITS = 1_000
"""Babel rounds in ``decimal``, whose default 28 digits cannot hold 1e300 with two decimals (a
hostile upload's revenue); every float has fewer digits than this."""


def _wide(format_function: Callable) -> Callable:
    """``format_function`` run in a decimal context of :data:`WIDE_DIGITS` digits."""

    @functools.wraps(format_function)
    def wide(*args, **kwargs):
        with decimal.localcontext(prec=WIDE_DIGITS):
            return format_function(*args, **kwargs)

    return wide


def _missing(value: float | None) -> bool:
    return value is None or math.isnan(value)


def _is_zero(value: float, decimals: int) -> bool:
    return round(abs(value), decimals) == 0


def _shown(value: float, decimals: int) -> float:
    """``value``, or 0.0 when it rounds to zero (so that no "-0" is shown)."""
    return 0.0 if _is_zero(value, decimals) else value


def _plus(value: float, formatted: str, plus: bool) -> str:
    """``formatted`` with the locale's plus sign in front for a positive ``value``. Negative
    numbers carry Babel's minus, an ASCII ``-`` in every language here: ``st.metric`` reads
    the colour and arrow of a delta from its first character."""
    if plus and value > 0:
        return babel.numbers.get_plus_sign_symbol(_locale(language())) + formatted
    return formatted


def currency_symbol(currency: str) -> str:
    """The symbol of an ISO 4217 code in the current language (CLDR): ``"EUR"`` -> ``"€"``;
    a code without one stays as it is (``"SEK"``; in Italian, ``"USD"``)."""
    return babel.numbers.get_currency_symbol(currency.upper(), _locale(language()))


def _spaced(formatted: str, symbol: str) -> str:
    """CLDR's currency spacing, which Babel leaves out: a no-break space between a symbol that
    ends (or starts) with a letter and the digits beside it ("CHF 1,000", not "CHF1,000")."""
    if symbol[-1:].isalpha():
        formatted = re.sub(re.escape(symbol) + r"(?=\d)", symbol + NBSP, formatted)
    if symbol[:1].isalpha():
        formatted = re.sub(r"(?<=\d)" + re.escape(symbol), NBSP + symbol, formatted)
    return formatted


@_wide
def _money(value: float, currency: str, decimals: int, *, plus: bool) -> str:
    code, shown = language(), _shown(value, decimals)
    formatted = _pattern(code, "currency", decimals).apply(
        shown, _locale(code), currency=currency.upper(), currency_digits=False
    )
    return _plus(shown, _spaced(formatted, currency_symbol(currency)), plus)


COMPACT_FROM = 1_000
"""Money from this size on is written in the compact form (``compact=True``)."""


@_wide
def _compact_money(value: float, currency: str, *, plus: bool) -> str:
    """The locale's short compact form (CLDR: "€1.2M", "1,2 Mln €", "€850K"): one decimal below
    ten thousand and from a million on, none in between (the small rule Babel leaves to us)."""
    size = round(abs(value))
    if size < COMPACT_FROM:
        return _money(value, currency, 0, plus=plus)
    digits = 0 if 10_000 <= size < 999_500 else 1
    formatted = babel.numbers.format_compact_currency(
        value, currency.upper(), locale=_locale(language()), fraction_digits=digits
    )
    return _plus(value, _spaced(formatted, currency_symbol(currency)), plus)


def money(value: float, currency: str, *, decimals: int = 0, compact: bool = False) -> str:
    """Money in the current language's format: ``money(1234567, "EUR")`` is ``"€1,234,567"``
    in English, ``"1.234.567 €"`` in Italian.

    ``compact=True`` gives the short form for KPI cards: ``"€1.2M"``, ``"€850K"``,
    ``"1,2 Mln €"``.
    """
    if _missing(value):
        return t("value.none")
    if compact:
        return _compact_money(value, currency, plus=False)
    return _money(value, currency, decimals, plus=False)


def signed_money(value: float, currency: str, *, decimals: int = 0, compact: bool = False) -> str:
    """Like :func:`money` with an explicit ``+`` for gains: ``"+€2.7M"``, ``"-€120K"``."""
    if _missing(value):
        return t("value.none")
    if compact:
        return _compact_money(value, currency, plus=True)
    return _money(value, currency, decimals, plus=True)


def money_affixes(currency: str) -> tuple[str, str]:
    """What goes before and after a positive amount of ``currency`` in the current language:
    ``("€", "")`` in English, ``("", " €")`` in Italian (for chart axes and hover formats)."""
    pattern = _pattern(language(), "currency", 0)
    symbol = currency_symbol(currency)
    prefix = pattern.prefix[0].replace("¤", symbol)
    suffix = pattern.suffix[0].replace("¤", symbol)
    if prefix[-1:].isalpha():
        prefix += NBSP
    if suffix[:1].isalpha():
        suffix = NBSP + suffix
    return prefix, suffix


@_wide
def _number(value: float, decimals: int, *, plus: bool) -> str:
    code, shown = language(), _shown(value, decimals)
    formatted = _pattern(code, "decimal", decimals).apply(shown, _locale(code))
    return _plus(shown, formatted, plus)


def number(value: float, *, decimals: int = 0) -> str:
    """A count or quantity: ``number(17355.6)`` is ``"17,356"`` (Italian ``"17.356"``)."""
    if _missing(value):
        return t("value.none")
    return _number(value, decimals, plus=False)


def signed_number(value: float, *, decimals: int = 0) -> str:
    """A change in a count: ``"+534"``, ``"-12"``, ``"0"``."""
    if _missing(value):
        return t("value.none")
    return _number(value, decimals, plus=True)


@_wide
def significant(value: float, digits: int = 6) -> str:
    """A parameter value to ``digits`` significant digits, in the language's separators and
    without trailing zeros: ``0.0125`` is ``"0.0125"`` (Italian ``"0,0125"``)."""
    if _missing(value):
        return t("value.none")
    rounded = float(f"{value:.{digits}g}")
    return babel.numbers.format_decimal(
        rounded, locale=_locale(language()), decimal_quantization=False
    )


@_wide
def _percent(fraction: float, digits: int, *, plus: bool) -> str:
    code, shown = language(), _shown(fraction, digits + 2)
    formatted = _pattern(code, "percent", digits).apply(shown, _locale(code))
    return _plus(shown, formatted, plus)


def percent(fraction: float, digits: int = 1) -> str:
    """A fraction as a percentage: ``percent(0.125)`` is ``"12.5%"`` (Italian ``"12,5%"``)."""
    if _missing(fraction):
        return t("value.none")
    return _percent(fraction, digits, plus=False)


def signed_percent(fraction: float, digits: int = 1) -> str:
    """A relative change: ``signed_percent(0.05)`` is ``"+5.0%"`` (Italian ``"+5,0%"``)."""
    if _missing(fraction):
        return t("value.none")
    return _percent(fraction, digits, plus=True)


def signed_points(fraction_difference: float, digits: int = 1) -> str:
    """A difference of two percentages in points: ``signed_points(0.116)`` is ``"+11.6 pts"``
    (Italian ``"+11,6 p.p."``)."""
    if _missing(fraction_difference):
        return t("value.none")
    return t("unit.points", value=signed_number(100.0 * fraction_difference, decimals=digits))


def date(value: datetime.date) -> str:
    """A calendar date in words (CLDR's long form): ``"September 30, 2026"``,
    ``"30 settembre 2026"``."""
    return babel.dates.format_date(value, "long", locale=_locale(language()))


def time(value: datetime.datetime | datetime.time) -> str:
    """A time of day (CLDR's short form): ``"2:05 PM"``, ``"14:05"``."""
    return babel.dates.format_time(value, "short", locale=_locale(language()))


def plotly_separators() -> str:
    """Decimal and thousands separators for Plotly's ``layout.separators`` (``".,"`` in English,
    ``",."`` in Italian), so axes and hovers write numbers as the pages do."""
    locale = _locale(language())
    return babel.numbers.get_decimal_symbol(locale) + babel.numbers.get_group_symbol(locale)


def plotly_money(currency: str, field: str = "y", fmt: str = ",.0f") -> str:
    """A Plotly hover format of an amount of ``currency``: ``"€%{y:,.0f}"`` in English,
    ``"%{y:,.0f} €"`` in Italian."""
    prefix, suffix = money_affixes(currency)
    return f"{prefix}%{{{field}:{fmt}}}{suffix}"


def plotly_money_axis(currency: str) -> dict[str, str]:
    """``tickprefix`` and ``ticksuffix`` of a money axis, the symbol where the language puts it."""
    prefix, suffix = money_affixes(currency)
    return {"tickprefix": prefix, "ticksuffix": suffix}


def period(months: int) -> str:
    """A horizon in words: 60 -> ``"5 years"``, 12 -> ``"1 year"``, 18 -> ``"18 months"``."""
    if months == 12:
        return t("period.year")
    if months % 12 == 0:
        return t("period.years", years=months // 12)
    return t("period.months", months=months)


def business_name(name: str) -> str:
    """A business's name for display: the bundled sample's in the current language (its name
    in the core is English), any other as it was given."""
    if name == STRINGS[DEFAULT_LANGUAGE]["business.sample_name"]:
        return t("business.sample_name")
    return name


def grade_label(grade: str) -> str:
    """How well a value is known, in words (``"history_with_control"`` -> ``"your history,
    with a control group"``; the grades of :data:`simulator.model.assumptions.GRADES`)."""
    key = f"grade.{grade}"
    return t(key) if has(key) else grade.replace("_", " ")


def source_label(source: str) -> str:
    """Readable label of a parameter source (``"assumption"`` -> ``"Assumption"``)."""
    return t(SOURCE_KEYS[source]) if source in SOURCE_KEYS else source


def parameter_label(name: str) -> str:
    """Readable label of a parameter field name; the field name itself if none is known."""
    key = f"param.{name}"
    return t(key) if has(key) else name.replace("_", " ")


def _slug(words: str) -> str:
    """``"currency per customer-month"`` -> ``"currency_per_customer_month"``."""
    return re.sub(r"[^a-z0-9]+", "_", words.lower().replace("%", "")).strip("_")


def unit_label(unit: str, currency: str) -> str:
    """A unit from :mod:`simulator.model.assumptions` in the current language, the word
    currency as its symbol (``"currency per month"`` -> ``"€ per month"``); an unknown unit as
    it is."""
    key = f"param_unit.{_slug(unit)}"
    symbol = currency_symbol(currency).strip()
    return t(key, currency=symbol) if has(key) else unit.replace("currency", symbol)


@functools.cache
def _reference_keys() -> dict[str, str]:
    """The plain-word references of the core's parameters (English) and their text ids."""
    english = STRINGS[DEFAULT_LANGUAGE]
    return {english[key]: key for key in english if key.startswith("reference.")}


def reference_label(reference: str) -> str:
    """A parameter's reference in the current language: its plain-word parts (``"survey
    data"``) translated, citations (``"Fader & Hardie 2007"``) as they are."""
    if not isinstance(reference, str):
        return reference
    keys = _reference_keys()
    return "; ".join(t(keys[part]) if part in keys else part for part in reference.split("; "))


def describe_scenario(scenario: Scenario, currency: str) -> str:
    """The scenario in one line: price, fee, notice, phase-in, service budget, horizon."""
    parts = []
    if scenario.price_change:
        parts.append(
            t(
                "describe.price",
                change=signed_percent(scenario.price_change),
                month=scenario.price_change_month,
            )
        )
    else:
        parts.append(t("describe.price_none"))
    if scenario.monthly_fee:
        parts.append(t("describe.fee", fee=money(scenario.monthly_fee, currency, decimals=2)))
    if scenario.changes_price and scenario.notice_months:
        key = "describe.notice_one" if scenario.notice_months == 1 else "describe.notice"
        parts.append(t(key, months=scenario.notice_months))
    if scenario.changes_price and scenario.phase_in_months > 1:
        parts.append(t("describe.phase_in", months=scenario.phase_in_months))
    if scenario.changes_price and scenario.grandfather_existing:
        parts.append(t("describe.grandfather"))
    if scenario.service_spend_per_month:
        parts.append(t("describe.service", total=money(scenario.service_spend_per_month, currency)))
    else:
        parts.append(t("describe.service_none"))
    parts.append(
        t(
            "describe.horizon",
            period=period(scenario.horizon_months),
            rate=percent(scenario.annual_discount_rate),
        )
    )
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def path_label(path: str) -> str:
    """Readable label of a dotted parameter path, naming its segment or lever.

    ``"segments.core.arpu_per_month"`` -> ``"Revenue per customer (ARPU) (core)"``.
    """
    parts = path.split(".")
    if parts[0] == "segments" and len(parts) >= 3:
        return f"{parameter_label(parts[-1])} ({'.'.join(parts[1:-1])})"
    if parts[0] == "service" and len(parts) == 3:
        return f"{parameter_label(parts[2])} ({lever_label(parts[1])})"
    return parameter_label(parts[-1])


def lever_label(lever: str) -> str:
    """Readable label of a service lever (``"training"`` -> ``"Authority and training"``)."""
    key = f"lever.{lever}"
    return t(key) if has(key) else lever


def verdict(
    *,
    delta_npv: float,
    baseline_npv: float,
    core_kept: float,
    core_segment: str,
    horizon_months: int,
    currency: str,
) -> str:
    """One plain-language sentence judging the plan against doing nothing.

    ``core_kept`` is how many more core customers are active at the horizon than with no change
    (negative when they are lost). A value change within 0.1 % of the baseline NPV counts as
    "almost no difference"; "but" joins a good and a bad half, "and" two alike.
    """
    if abs(delta_npv) <= FLAT_VALUE_SHARE * abs(baseline_npv) or _is_zero(delta_npv, 0):
        value_key, value_good = "verdict.value.flat", None
    elif delta_npv > 0:
        value_key, value_good = "verdict.value.adds", True
    else:
        value_key, value_good = "verdict.value.costs", False
    if _is_zero(core_kept, 0):
        core_key, core_good = "verdict.core.flat", None
    elif core_kept > 0:
        core_key, core_good = "verdict.core.keeps", True
    else:
        core_key, core_good = "verdict.core.loses", False
    mixed = value_good is not None and core_good is not None and value_good != core_good
    return t(
        "verdict.sentence",
        value=t(value_key, amount=money(abs(delta_npv), currency, compact=True)),
        period=period(horizon_months),
        join=t("verdict.join.but" if mixed else "verdict.join.and"),
        core=t(core_key, count=number(abs(core_kept)), segment=core_segment),
    )


RULE_KEYS: dict[str, str] = {
    "a number": "rule.a_number",
    "a finite number": "rule.a_finite_number",
    "a whole number": "rule.a_whole_number",
    "true or false": "rule.true_or_false",
    "a non-empty label": "rule.non_empty_label",
    "finite counts of at least 0": "rule.finite_counts",
    "empty or (var ln alpha, covariance, var ln beta), a valid covariance": "rule.covariance",
    "at least 0 and keep first-contact resolution below 100 %": "rule.fcr_gain",
    "at least 0 and keep CSAT at most 100 %": "rule.csat_gain",
    "a whole month of at least 1": "rule.whole_month",
    "at least one segment": "rule.one_segment",
    "uniquely named segments": "rule.unique_segments",
    "a three-letter currency code": "rule.currency_code",
    "between 1 and the horizon": "rule.within_horizon",
    "at least 0 and before month 1 (notice_months < price_change_month)": "rule.before_price",
    "at least low": "rule.at_least_low",
    "between 0 and 1 (exclusive)": "rule.open_share",
    "in [0, ln 1.1) so that a +10 % increase is noticed": "rule.price_threshold",
}
"""The core's fixed rule wordings (:class:`simulator.ParameterError`) and their text ids."""
_NUMBER = r"(-?[0-9][0-9,]*(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)"
_RULE_SHAPES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(rf"^above {_NUMBER}$"), "rule.above"),
    (re.compile(rf"^at least {_NUMBER}$"), "rule.at_least"),
    (re.compile(rf"^below {_NUMBER}$"), "rule.below"),
    (re.compile(rf"^at most {_NUMBER}$"), "rule.at_most"),
    (re.compile(rf"^in ([\[(]){_NUMBER}, {_NUMBER}([\])])$"), "rule.interval"),
    (re.compile(rf"^{_NUMBER} to {_NUMBER}$"), "rule.range"),
    (
        re.compile(rf"^from 0 to {_NUMBER} currency units per customer-month$"),
        "rule.amount_per_customer",
    ),
    (re.compile(rf"^from 0 to {_NUMBER} currency units a month$"), "rule.amount_a_month"),
    (
        re.compile(rf"^from {_NUMBER} to 1 a year, as a fraction .*discounted$"),
        "rule.discount_rate",
    ),
    (re.compile(r"^one of the segments (.*)$"), "rule.one_of_segments"),
)
"""The core's rule wordings with numbers in them, and their text ids."""


def _rule_number(raw: str) -> str:
    return significant(float(raw.replace(",", "")))


def rule_words(rule: str) -> str:
    """What a value must be (a :class:`simulator.ParameterError`'s ``rule``, English from the
    core) in the current language, numbers in its format; an unknown wording as it is."""
    if rule in RULE_KEYS:
        return t(RULE_KEYS[rule])
    for pattern, key in _RULE_SHAPES:
        found = pattern.match(rule)
        if found is None:
            continue
        groups = found.groups()
        if key == "rule.interval":
            left, low, high, right = groups
            return t(key, left=left, low=_rule_number(low), high=_rule_number(high), right=right)
        if key == "rule.range":
            return t(key, low=_rule_number(groups[0]), high=_rule_number(groups[1]))
        if key in ("rule.amount_per_customer", "rule.amount_a_month"):
            return t(key, amount=_rule_number(groups[0]))
        if key == "rule.discount_rate":
            return t(key, low=_rule_number(groups[0]))
        if key == "rule.one_of_segments":
            return t(key, markup=PLAIN, segments=groups[0])
        return t(key, value=_rule_number(groups[0]))
    return rule


def validation_message(error: Exception, *, label: str | None = None) -> str:
    """A planner-readable message for an invalid parameter.

    A :class:`simulator.ParameterError` names its field, which is shown by its label here (with
    the segment for segment parameters), and its rule in words (:func:`rule_words`); any other
    error is shown as it is.
    """
    if not isinstance(error, ParameterError):
        return t("error.generic", markup=PLAIN, message=str(error))
    field, value = error.field, repr(error.value)
    if error.owner == "Scenario" and has(f"error.{field}"):
        return t(f"error.{field}", markup=PLAIN, value=value)
    name = label or parameter_label(field)
    segment = error.owner.removeprefix("Segment ").strip("'")
    if error.owner.startswith("Segment ") and label is None:
        name = f"{name} ({segment})"
    return t("error.field", markup=PLAIN, label=name, rule=rule_words(error.rule), given=value)
