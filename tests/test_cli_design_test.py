"""``python -m simulator design-test``: price-test designs of a scenario file, as JSON."""

from __future__ import annotations

import json

import pytest

from simulator import example_scenario, scenario_to_json
from simulator.cli import main
from simulator.cli.example import sample_business_from_file
from simulator.decisions.price_test import design_test

from .conftest import APP_BUSINESS
from .test_cli import run

DESIGN_KEYS = {"share", "months", "power", "evsi", "cost", "net_value", "interval_width_hr10"}
"""Keys the issue requires per design (written out here, not imported from the code)."""


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(scenario_to_json(sample_business_from_file(), example_scenario()))
    return path


@pytest.mark.slow
def test_acceptance_line_writes_the_designs_and_the_same_seed_repeats_them(tmp_path):
    result = run(
        "python -m simulator example-scenario > s.json && "
        "python -m simulator design-test s.json --shares 0.05,0.1,0.2 --months 3,6 --draws 1000 "
        "--seed 0 --out a.json && "
        "python -m simulator design-test s.json --draws 1000 --seed 0 > b.json",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    a = json.loads((tmp_path / "a.json").read_text())
    b = json.loads((tmp_path / "b.json").read_text())
    assert a == b  # the defaults are those shares and months
    assert a["currency"] == "EUR" and a["evpi"] > 0
    assert [(d["share"], d["months"]) for d in a["designs"]] == [
        (s, m) for m in (3, 6) for s in (0.05, 0.1, 0.2)
    ]
    for d in a["designs"]:
        assert set(d) >= DESIGN_KEYS
        assert 0 <= d["evsi"] <= a["evpi"]
        assert d["net_value"] == pytest.approx(d["evsi"] - d["cost"])
    assert "wrote 6 designs" in result.stderr and "a.json" in result.stderr


def test_the_numbers_are_those_of_design_test_for_the_same_business_and_seed(scenario_file, capsys):
    argv = ["design-test", str(scenario_file), "--shares", "0.1", "--months", "4"]
    assert main([*argv, "--draws", "300", "--seed", "2", "--segments", "price-sensitive"]) == 0
    printed = json.loads(capsys.readouterr().out)
    expected = design_test(
        APP_BUSINESS,
        example_scenario(),
        shares=(0.1,),
        months=(4,),
        segments=("price-sensitive",),
        draws=300,
        seed=2,
    ).to_dict()
    assert printed == json.loads(json.dumps(expected))
    assert printed["segments"] == ["price-sensitive"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--shares", "a,b"], "--shares takes numbers separated by commas"),
        (["--shares", "0.1,1.5"], "strictly between 0 and 1"),
        (["--months", "1"], "at least 2 whole months"),
        (["--months", "80"], "beyond the 60-month horizon"),
        (["--segments", "gold"], "no segment named 'gold'"),
        (["--draws", "0"], "--draws must be at least 1"),
        (["--seed", "-1"], "--seed must be 0 or more"),
    ],
)
def test_bad_options_exit_1_with_one_line_naming_the_problem(
    scenario_file, capsys, options, message
):
    assert main(["design-test", str(scenario_file), "--draws", "50", *options]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert len(err.strip().splitlines()) == 1


def test_a_scenario_without_a_rise_is_refused_naming_the_file(tmp_path, capsys):
    path = tmp_path / "cut.json"
    path.write_text(
        scenario_to_json(
            sample_business_from_file(), example_scenario().with_changes(price_change=0.0)
        )
    )
    assert main(["design-test", str(path), "--draws", "50"]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and "does not raise" in err
