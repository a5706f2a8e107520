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
from typing import Any

from simulator.params import (
    Business,
    LeverResponse,
    ParameterError,
    Scenario,
    Segment,
    ServiceOperations,
)
from simulator.sample import sample_business

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
    levers = {
        name: _build(LeverResponse, service.get(name), f"{path}.service.{name}", required=True)
        for name in ("tools", "training", "incentives", "people")
    }
    ops_fields = {k: v for k, v in service.items() if k not in levers}
    ops = _build(ServiceOperations, ops_fields, f"{path}.service", required=True, extra=levers)
    rest = {k: v for k, v in data.items() if k not in ("segments", "service")}
    return _build(Business, rest, path, required=True, extra={"segments": built, "service": ops})


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
