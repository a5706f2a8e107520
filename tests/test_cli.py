"""The command line, ``python -m simulator``: real subprocesses for the documented commands, and
in-process calls of :func:`simulator.cli.main` for the many kinds of bad input (same code path,
no interpreter start-up each)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulator import example_scenario, scenario_from_json, scenario_to_json
from simulator.cli import main
from simulator.cli.example import sample_business_from_file
from simulator.cli.simulate import PROJECTION_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
PYTHON = shlex.quote(sys.executable)


def run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a shell command line with ``python`` meaning this interpreter, from ``cwd``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        command.replace("python ", f"{PYTHON} "),
        shell=True,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def example_json() -> str:
    return scenario_to_json(sample_business_from_file(), example_scenario())


# Subprocess: the documented commands ------------------------------------------------------------


@pytest.mark.slow
def test_help_lists_the_commands(tmp_path):
    result = run("python -m simulator --help", tmp_path)
    assert result.returncode == 0
    assert "simulate" in result.stdout
    assert "example-scenario" in result.stdout


@pytest.mark.slow
def test_acceptance_line_writes_one_row_per_month_and_segment(tmp_path):
    result = run(
        "python -m simulator example-scenario > s.json && "
        "python -m simulator simulate s.json --out p.csv",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    business, scenario = scenario_from_json((tmp_path / "s.json").read_bytes())
    projection = pd.read_csv(tmp_path / "p.csv")
    assert {"month", "segment", "customers", "revenue", "contribution", "cash_flow"} <= set(
        projection.columns
    )
    assert len(projection) == scenario.horizon_months * len(business.segments)
    assert not projection.duplicated(["month", "segment"]).any()
    assert set(projection["month"]) == set(range(1, scenario.horizon_months + 1))
    assert set(projection["segment"]) == {s.name for s in business.segments}
    assert projection[["customers", "revenue", "contribution", "cash_flow"]].notna().all().all()
    assert "NPV" in result.stderr and "customers at month 60" in result.stderr


@pytest.mark.slow
def test_no_change_has_zero_price_change_and_zero_spend(tmp_path):
    result = run("python -m simulator example-scenario --no-change", tmp_path)
    assert result.returncode == 0, result.stderr
    business, scenario = scenario_from_json(result.stdout)
    assert scenario.price_change == 0.0
    assert scenario.monthly_fee == 0.0
    assert scenario.service_spend_per_month == 0.0
    assert scenario.horizon_months == example_scenario().horizon_months
    assert business == sample_business_from_file()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "missing.json: cannot read the scenario file"),
        ("{not json", "bad.json: not a JSON scenario file"),
    ],
)
def test_bad_file_exits_non_zero_with_a_one_line_message(tmp_path, content, expected):
    name = expected.split(":")[0]
    if content is not None:
        (tmp_path / name).write_text(content)
    result = run(f"python -m simulator simulate {name} --out p.csv", tmp_path)
    assert result.returncode == 1
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "p.csv").exists()


# In process: the same entry point ---------------------------------------------------------------


def test_example_scenario_is_the_app_scenario_on_the_measured_sample(capsys):
    assert main(["example-scenario"]) == 0
    business, scenario = scenario_from_json(capsys.readouterr().out)
    assert scenario == example_scenario()
    assert business == sample_business_from_file()
    assert "segments.core.base_customers_by_tenure" in business.data_fields


def test_simulate_to_stdout_writes_the_same_csv_as_to_a_file(tmp_path, capsys, example_json):
    (tmp_path / "s.json").write_text(example_json)
    assert main(["simulate", str(tmp_path / "s.json")]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert main(["simulate", str(tmp_path / "s.json"), "--out", str(tmp_path / "p.csv")]) == 0
    assert (tmp_path / "p.csv").read_text() == captured.out
    header = captured.out.splitlines()[0].split(",")
    assert tuple(header) == PROJECTION_COLUMNS


def _edit(example_json: str, path: list[str | int], value: object) -> str:
    data = json.loads(example_json)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return json.dumps(data)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["scenario", "horizon_months"], 5, "horizon_months"),
        (["scenario", "price_change"], "ten", "scenario.price_change"),
        (["scenario", "pricechange"], 0.1, "pricechange"),
        (["business", "segments", 1, "arpu_per_month"], -3.0, "arpu_per_month"),
        (["business", "service", "tools", "weight"], 2.0, "weight"),
        (["version"], 99, "version"),
    ],
)
def test_invalid_scenario_names_file_and_field(tmp_path, capsys, example_json, path, value, field):
    scenario = tmp_path / "bad.json"
    scenario.write_text(_edit(example_json, path, value))
    assert main(["simulate", str(scenario)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {scenario}: ")
    assert field in lines[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a JSON scenario file"),
        (b"\xff\xfe\x00", "not a JSON scenario file"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"format": "something-else", "version": 1}', "format"),
    ],
)
def test_files_that_are_not_scenarios_are_rejected(tmp_path, capsys, content, message):
    scenario = tmp_path / "other.json"
    scenario.write_bytes(content)
    assert main(["simulate", str(scenario)]) == 1
    err = capsys.readouterr().err
    assert str(scenario) in err and message in err
    assert len(err.strip().splitlines()) == 1


def test_directory_and_unwritable_output_are_reported(tmp_path, capsys, example_json):
    assert main(["simulate", str(tmp_path)]) == 1
    assert "cannot read the scenario file" in capsys.readouterr().err
    (tmp_path / "s.json").write_text(example_json)
    out = tmp_path / "no-such-dir" / "p.csv"
    assert main(["simulate", str(tmp_path / "s.json"), "--out", str(out)]) == 1
    assert f"{out}: cannot write the projection" in capsys.readouterr().err


def test_no_command_prints_usage_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage:" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["calibrat"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_scenario_file_without_business_runs_the_template_sample(tmp_path, capsys):
    scenario = tmp_path / "s.json"
    scenario.write_text(
        json.dumps(
            {
                "format": "service-gap-simulator/scenario",
                "version": 1,
                "scenario": {"price_change": 0.05, "horizon_months": 24},
            }
        )
    )
    assert main(["simulate", str(scenario)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 + 24 * 2
