"""Scenarios as versioned JSON: the format of scenario files, saved scenarios and share links.

A file holds the business (segments, service operations) and the scenario (the decision)::

    {"format": "service-gap-simulator/scenario", "version": 1,
     "business": {...}, "scenario": {...}}

Reading is strict about what it does not know (a misspelt key is an error naming it) and
tolerant about what it can default (scenario settings left out take their defaults; a file
without ``business`` describes the bundled sample business). Every problem is reported with its
JSON path, e.g. ``business.segments[1].arpu_per_month``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from simulator.model.evidence import Evidence
from simulator.model.params import (
    LEVERS,
    PER_CONTACT_LEVERS,
    Business,
    LeverResponse,
    Scenario,
    Segment,
    ServiceOperations,
)
from simulator.model.sample import sample_business
from simulator.model.validators import ParameterError

FORMAT = "service-gap-simulator/scenario"
VERSION = 1


class ScenarioFileError(ValueError):
    """A scenario file that cannot be read; the message names the field and how to fix it."""


def scenario_to_dict(business: Business, scenario: Scenario) -> dict[str, Any]:
    """The JSON-ready form of ``business`` and ``scenario``."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "business": _plain(business),
        "scenario": _plain(scenario),
    }


def scenario_to_json(business: Business, scenario: Scenario) -> str:
    """Serialise to indented JSON text (UTF-8 safe, keys in field order)."""
    return json.dumps(scenario_to_dict(business, scenario), indent=2, ensure_ascii=False) + "\n"


def scenario_from_json(text: str | bytes) -> tuple[Business, Scenario]:
    """Read a scenario file.

    Raises
    ------
    ScenarioFileError
        Not JSON, another format or version, unknown or missing fields, or invalid values; the
        message names the JSON path.
    """
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioFileError(f"not a JSON scenario file: {exc}") from None
    return scenario_from_dict(data)


def scenario_from_dict(data: Any) -> tuple[Business, Scenario]:
    """Read the parsed JSON form (see :func:`scenario_from_json`)."""
    _expect(isinstance(data, dict), "", "a JSON object")
    if data.get("format") != FORMAT:
        raise ScenarioFileError(
            f"format: expected {FORMAT!r}, got {data.get('format')!r}; is this a scenario file?"
        )
    if data.get("version") != VERSION:
        raise ScenarioFileError(
            f"version: this app reads version {VERSION}, the file says {data.get('version')!r}"
        )
    _unknown(data, {"format", "version", "business", "scenario"}, "")
    business = _business(data["business"], "business") if "business" in data else sample_business()
    scenario = _build(Scenario, data.get("scenario", {}), "scenario", required=False)
    return business, scenario


def _business(data: Any, path: str) -> Business:
    _expect(isinstance(data, dict), path, "an object")
    segments = data.get("segments")
    _expect(isinstance(segments, list) and segments, f"{path}.segments", "a non-empty list")
    built = tuple(
        _build(Segment, seg, f"{path}.segments[{i}]", required=True)
        for i, seg in enumerate(segments)
    )
    service = data.get("service")
    _expect(isinstance(service, dict), f"{path}.service", "an object")
    service = _as_cost_shares(service, sum(seg.base_customers for seg in built))
    levers = {
        name: _build(LeverResponse, service.get(name), f"{path}.service.{name}", required=True)
        for name in ("tools", "training", "incentives", "people")
    }
    ops_fields = {k: v for k, v in service.items() if k not in levers}
    ops = _build(ServiceOperations, ops_fields, f"{path}.service", required=True, extra=levers)
    evidence = data.get("evidence", [])
    _expect(isinstance(evidence, list), f"{path}.evidence", "a list")
    measured = tuple(
        _build(Evidence, item, f"{path}.evidence[{i}]", required=True)
        for i, item in enumerate(evidence)
    )
    rest = {k: v for k, v in data.items() if k not in ("segments", "service", "evidence")}
    return _build(
        Business,
        rest,
        path,
        required=True,
        extra={"segments": built, "service": ops, "evidence": measured},
    )


OLD_HALF_EFFECT = "half_effect_spend_per_month"
"""A lever's half effect as an amount a month (files before the response was read per contact or
agent): read as the same share of the lever's unit cost at the file's size of the business."""


def _as_cost_shares(service: dict, customers: float) -> dict:
    """``service`` with every lever's old absolute half effect turned into a cost share (the
    same response at today's size; :data:`OLD_HALF_EFFECT`)."""
    if not any(isinstance(service.get(k), dict) and OLD_HALF_EFFECT in service[k] for k in LEVERS):
        return service
    defaults = {f.name: f.default for f in dataclasses.fields(ServiceOperations)}

    def get(name: str) -> float:
        value = service.get(name, defaults[name])
        return float(value) if isinstance(value, int | float) and value else float(defaults[name])

    contacts = customers * get("issues_per_customer_month") / get("first_contact_resolution")
    minutes = contacts * get("handling_time_minutes")
    agents = service.get("agents") or minutes / get("handling_minutes_per_agent_month")
    cost = get("cost_per_handling_minute")
    converted = dict(service)
    for lever in LEVERS:
        old = service.get(lever)
        if not isinstance(old, dict) or OLD_HALF_EFFECT not in old:
            continue
        lever_data = {k: v for k, v in old.items() if k != OLD_HALF_EFFECT}
        amount = old[OLD_HALF_EFFECT]
        if isinstance(amount, int | float) and "half_effect_cost_share" not in lever_data:
            per_contact = lever in PER_CONTACT_LEVERS
            units = contacts if per_contact else agents
            unit_cost = (
                get("handling_time_minutes") * cost
                if per_contact
                else minutes / max(agents, 1e-12) * cost
            )
            lever_data["half_effect_cost_share"] = (
                float(amount) / (units * unit_cost) if units * unit_cost > 0 else 1.0
            )
        converted[lever] = lever_data
    return converted


def _build(cls, data: Any, path: str, *, required: bool, extra: dict | None = None):
    _expect(isinstance(data, dict), path or "(top level)", "an object")
    extra = extra or {}
    known = {f.name: f for f in dataclasses.fields(cls)}
    _unknown(data, set(known), path)
    kwargs: dict[str, Any] = dict(extra)
    for name, f in known.items():
        if name in extra:
            continue
        where = f"{path}.{name}" if path else name
        if name not in data:
            has_default = f.default is not dataclasses.MISSING
            if required and not has_default:
                raise ScenarioFileError(f"{where}: missing; add this field")
            continue
        kwargs[name] = _value(data[name], f.type, where)
    try:
        return cls(**kwargs)
    except ParameterError as exc:
        where = f"{path}.{exc.field}" if path else exc.field
        raise ScenarioFileError(f"{where}: must be {exc.rule}; got {exc.value!r}") from None
    except (TypeError, ValueError) as exc:
        raise ScenarioFileError(f"{path or '(top level)'}: {exc}") from None


def _value(value: Any, annotation: Any, where: str) -> Any:
    kind = str(annotation)
    if kind.startswith("tuple[str"):
        _expect(
            isinstance(value, list) and all(isinstance(v, str) for v in value),
            where,
            "a list of text",
        )
        return tuple(value)
    if "tuple" in kind:
        _expect(isinstance(value, list), where, "a list of numbers")
        return tuple(_number(v, f"{where}[{i}]") for i, v in enumerate(value))
    if kind == "bool":
        _expect(isinstance(value, bool), where, "true or false")
        return value
    if kind == "int":
        _expect(isinstance(value, int) and not isinstance(value, bool), where, "a whole number")
        return value
    if "None" in kind and value is None:
        return None
    if kind.startswith("str"):
        _expect(isinstance(value, str), where, "text")
        return value
    return _number(value, where)


def _number(value: Any, where: str) -> float:
    _expect(
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value),
        where,
        "a finite number",
    )
    return float(value)


def _unknown(data: dict, known: set[str], path: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        where = f"{path}: " if path else ""
        raise ScenarioFileError(
            f"{where}unknown field(s) {', '.join(unknown)}; "
            f"known fields are {', '.join(sorted(known))}"
        )


def _expect(condition: bool, where: str, what: str) -> None:
    if not condition:
        raise ScenarioFileError(f"{where or '(top level)'}: must be {what}")


def _plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [_plain(v) for v in obj]
    return obj


# --- share links: the scenario (never the business or any customer data) as URL parameters ---

QUERY_KEYS: dict[str, str] = {
    "price_change": "price",
    "monthly_fee": "fee",
    "price_change_month": "month",
    "notice_months": "notice",
    "phase_in_months": "phase",
    "grandfather_existing": "grandfather",
    "tools_spend_per_month": "tools",
    "training_spend_per_month": "training",
    "incentives_spend_per_month": "incentives",
    "people_spend_per_month": "people",
    "horizon_months": "horizon",
    "annual_discount_rate": "rate",
}
"""Scenario field -> its short URL parameter in a share link."""

_QUERY_LABELS: dict[str, str] = {
    "price_change": "price change as a fraction, 0.05 = +5 %",
    "monthly_fee": "new monthly fee",
    "price_change_month": "month the new price applies",
    "notice_months": "months of notice",
    "phase_in_months": "phase-in months",
    "grandfather_existing": "keep existing customers on today's price",
    "tools_spend_per_month": "tools budget a month",
    "training_spend_per_month": "training budget a month",
    "incentives_spend_per_month": "incentives budget a month",
    "people_spend_per_month": "people budget a month",
    "horizon_months": "horizon in months",
    "annual_discount_rate": "annual discount rate as a fraction",
}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def scenario_to_query(scenario: Scenario) -> dict[str, str]:
    """The URL parameters of a share link: every scenario setting under a short key.

    Numbers are written in Python's shortest round-trip form, so
    ``scenario_from_query(scenario_to_query(s)) == (s, ())``. Nothing but the scenario goes in:
    no business parameters, no customer data.
    """
    return {key: _query_value(getattr(scenario, name)) for name, key in QUERY_KEYS.items()}


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    shown = repr(float(value))
    return shown.removesuffix(".0") if shown.endswith(".0") else shown


def scenario_from_query(
    params: Mapping[str, str | Sequence[str]], *, default: Scenario | None = None
) -> tuple[Scenario, tuple[str, ...]]:
    """Read a share link's parameters; never raises.

    Parameters
    ----------
    params
        URL parameters, a value or a list of values per key (repeated keys). Keys that are not
        scenario settings are ignored.
    default
        Where missing or bad values come from; :class:`Scenario` ``()`` (no change) if None.

    Returns
    -------
    (scenario, notices)
        Always a valid Scenario. ``notices`` has one planner-readable line for every value that
        was missing (when other settings are present), malformed, out of range or inconsistent
        with the others, naming the URL parameter and the value used instead. Empty for a link
        written by :func:`scenario_to_query`, and for a URL without scenario parameters.
    """
    default = default or Scenario()
    if not any(key in params for key in QUERY_KEYS.values()):
        return default, ()
    types = {f.name: str(f.type) for f in dataclasses.fields(Scenario)}
    values: dict[str, Any] = {}
    notices: list[str] = []
    missing: list[str] = []
    for name, key in QUERY_KEYS.items():
        fallback = getattr(default, name)
        if key not in params:
            missing.append(f"{key} {_query_value(fallback)}")
            values[name] = fallback
            continue
        raw = params[key]
        given = [raw] if isinstance(raw, str) else [str(v) for v in raw]
        if len(set(given)) != 1:
            notices.append(_notice(name, f"given {len(given)} different values", fallback))
            values[name] = fallback
            continue
        parsed, problem = _parse(given[0], types[name])
        if problem:
            notices.append(_notice(name, f"{_quoted(given[0])} is not {problem}", fallback))
            values[name] = fallback
            continue
        try:  # each value on its own, against the default's other settings
            Scenario(**{**_fields(default), name: parsed})
        except ParameterError as exc:
            if exc.field == name and name not in ("price_change_month", "notice_months"):
                notices.append(_notice(name, f"{_quoted(given[0])} must be {exc.rule}", fallback))
                values[name] = fallback
                continue
        values[name] = parsed
    if missing:
        notices.insert(0, f"not in the link, so the defaults were used: {', '.join(missing)}")
    for _ in QUERY_KEYS:  # combinations: fall back field by field until valid
        try:
            return Scenario(**values), tuple(notices)
        except ParameterError as exc:
            fallback = getattr(default, exc.field)
            shown = _query_value(values[exc.field])
            rule = exc.rule
            if exc.field == "notice_months":
                rule = f"below the month the new price applies ({values['price_change_month']})"
            notices.append(_notice(exc.field, f"{shown!r} must be {rule}", fallback))
            if values[exc.field] == fallback:
                break
            values[exc.field] = fallback
    notices.append("the settings did not fit together; used the default scenario")
    return default, tuple(notices)


def _fields(scenario: Scenario) -> dict[str, Any]:
    return {f.name: getattr(scenario, f.name) for f in dataclasses.fields(scenario)}


def _parse(raw: str, kind: str) -> tuple[Any, str | None]:
    text = raw.strip()
    if kind == "bool":
        if text.lower() in _TRUE:
            return True, None
        if text.lower() in _FALSE:
            return False, None
        return None, "true or false"
    try:
        number = float(text)
    except ValueError:
        return None, "a number"
    if not math.isfinite(number):
        return None, "a finite number"
    if kind == "int":
        if not number.is_integer():
            return None, "a whole number"
        return int(number), None
    return number, None


QUOTED_CHARS = 40
"""A link value longer than this is quoted in a notice cut, with an ellipsis: no setting needs
more, and a link may carry thousands of characters."""


def _quoted(raw: str) -> str:
    """A link value as a notice quotes it: in quotes, cut to :data:`QUOTED_CHARS`."""
    return repr(raw if len(raw) <= QUOTED_CHARS else raw[: QUOTED_CHARS - 1] + "…")


def _notice(name: str, problem: str, used: Any) -> str:
    key = QUERY_KEYS[name]
    shown = _query_value(used)
    return f"{key} ({_QUERY_LABELS[name]}): {problem}; used {shown} instead"
