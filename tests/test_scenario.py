"""Scenario files: the shipped ones load; every kind of mistake is reported with its file,
line, field and expectation, all at once, and nothing runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from venue.scenario import ScenarioError, load_scenario, parse_scenario, scenario_from_dict
from venue.scenario.schema import (
    AGENT_GROUP,
    FUNDAMENTAL,
    INSTRUMENT,
    JITTER,
    LATENCY,
    LATENCY_OVERRIDE,
    MARKET,
    OUTPUTS,
    PAIR,
    SCENARIO,
)

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

GOOD = """\
name: tiny
seed: 3
market:
  open: "09:30:00"
  close: "09:40:00"
instruments:
  - symbol: XYZ
    fundamental: {r_bar: 10000}
agents:
  - name: noise
    type: noise
    count: 10
    params: {symbol: XYZ}
  - name: value
    type: value
    count: 2
    params: {symbol: XYZ, r_bar: 10000}
"""


def issues_of(text: str, file: str = "s.yaml") -> list:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, file=file)
    return exc.value.issues


def only(issues: list, path: str):
    found = [i for i in issues if i.path == path]
    assert len(found) == 1, f"expected one issue at {path}, got {[str(i) for i in issues]}"
    return found[0]


def line_of(text: str, needle: str) -> int:
    for n, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in text")


# ---------------------------------------------------------------------------------------
# The shipped scenarios
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["quickstart", "rmsc04", "two_symbols"])
def test_shipped_scenarios_load(name: str) -> None:
    sc = load_scenario(SCENARIOS / f"{name}.yaml")
    assert sc.name == name
    assert sc.agent_count() > 0
    assert sc.market.open < sc.market.close


def test_rmsc04_is_abides_rmsc04() -> None:
    sc = load_scenario(SCENARIOS / "rmsc04.yaml")
    counts = {g.type: g.count for g in sc.agents}
    assert counts == {"noise": 1000, "value": 102, "adaptive_market_maker": 2, "momentum": 12}
    assert len(sc.instruments) == 1
    assert (sc.market.open, sc.market.close) == (34_200 * 10**9, 57_600 * 10**9)
    assert sc.latency.model == "line" and sc.latency.compute_delay == 50
    value = next(g for g in sc.agents if g.type == "value")
    assert value.params["lambda_a"] == pytest.approx(5.7e-12)
    assert value.params["sigma_n"] == pytest.approx(1000)
    mm = next(g for g in sc.agents if g.type == "adaptive_market_maker")
    assert (mm.params["pov"], mm.params["num_ticks"], mm.params["wake_up_freq"]) == (
        0.025,
        10,
        60 * 10**9,
    )
    assert all(g.starting_cash == 10_000_000 for g in sc.agents)


def test_two_symbol_scenario_has_two_symbols() -> None:
    sc = load_scenario(SCENARIOS / "two_symbols.yaml")
    assert [i.symbol for i in sc.instruments] == ["AAA", "BBB"]
    assert {g.params["symbol"] for g in sc.agents} == {"AAA", "BBB"}


def test_defaults_are_filled() -> None:
    sc = parse_scenario(GOOD, file="tiny.yaml")
    assert sc.market.start == sc.market.open
    assert sc.market.drain == 10**9
    assert sc.instruments[0].tick_size == 1
    noise = sc.agents[0]
    assert noise.params["order_size"] == "abides"
    value = sc.agents[1]
    assert value.params["sigma_n"] == pytest.approx(100.0)  # r_bar / 100
    assert sc.outputs.events and sc.outputs.report


def test_unquoted_times_are_times_not_base60_integers() -> None:
    # YAML 1.1 reads 9:30:00 as the integer 34200; the loader must read it as 09:30.
    sc = parse_scenario(GOOD.replace('"09:30:00"', "9:30:00").replace('"09:40:00"', "09:40:00"))
    assert sc.market.open == 34_200 * 10**9
    assert sc.market.close == 34_800 * 10**9


def test_scenario_from_dict() -> None:
    import yaml

    sc = scenario_from_dict(yaml.safe_load(GOOD), name="fromdict")
    assert sc.name == "tiny" and sc.agent_count() == 12


# ---------------------------------------------------------------------------------------
# Errors: file, line, field, expectation
# ---------------------------------------------------------------------------------------


def test_unknown_key_is_reported_with_its_line_and_the_allowed_keys() -> None:
    text = GOOD.replace("    tick_size_typo: 1\n", "").replace(
        "  - symbol: XYZ\n", "  - symbol: XYZ\n    tickk_size: 5\n"
    )
    issue = only(issues_of(text, "market.yaml"), "instruments[0].tickk_size")
    assert issue.file == "market.yaml"
    assert issue.line == line_of(text, "tickk_size")
    assert "unknown key" in issue.message and "tick_size" in issue.message


def test_wrong_type_is_reported() -> None:
    text = GOOD.replace("count: 10", "count: ten")
    issue = only(issues_of(text), "agents[0].count")
    assert issue.line == line_of(text, "count: ten")
    assert "expected an integer >= 0" in issue.message and "'ten'" in issue.message


def test_negative_count_is_reported() -> None:
    text = GOOD.replace("count: 10", "count: -5")
    issue = only(issues_of(text), "agents[0].count")
    assert issue.line == line_of(text, "count: -5")
    assert "expected an integer >= 0, got -5" in issue.message


def test_missing_field_is_reported_at_its_parent() -> None:
    text = GOOD.replace("    params: {symbol: XYZ, r_bar: 10000}", "    params: {symbol: XYZ}")
    issue = only(issues_of(text), "agents[1].params.r_bar")
    assert "missing required field" in issue.message
    params_lines = [
        n for n, line in enumerate(text.splitlines(), 1) if "params: {symbol: XYZ}" in line
    ]
    assert issue.line == params_lines[-1]  # the value agent's params mapping


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    text = (
        GOOD.replace("count: 10", "count: -1")
        .replace("seed: 3", "seed: x")
        .replace("symbol: XYZ}", "symbol: NOPE}", 1)
    )
    issues = issues_of(text)
    paths = {i.path for i in issues}
    assert {"seed", "agents[0].count", "agents[0].params.symbol"} <= paths
    lines = [i.line for i in issues]
    assert lines == sorted(lines)
    message = str(ScenarioError(issues))
    assert f"s.yaml:{line_of(text, 'seed: x')}: seed:" in message


def test_unknown_symbol_in_agent_params() -> None:
    text = GOOD.replace("params: {symbol: XYZ}", "params: {symbol: ABC}")
    issue = only(issues_of(text), "agents[0].params.symbol")
    assert "unknown instrument 'ABC'" in issue.message and "XYZ" in issue.message


def test_unknown_agent_type() -> None:
    text = GOOD.replace("type: noise", "type: martian")
    issue = only(issues_of(text), "agents[0].type")
    assert "unknown agent type 'martian'" in issue.message
    assert issue.line == line_of(text, "type: martian")


def test_agent_type_from_a_module() -> None:
    text = GOOD.replace("type: noise", "type: agents.noise:NoiseAgent")
    assert parse_scenario(text).agents[0].cls.__name__ == "NoiseAgent"
    bad = issues_of(GOOD.replace("type: noise", "type: json:dumps"))
    assert "not a subclass of agents.Agent" in only(bad, "agents[0].type").message


def test_duplicate_population_names_and_symbols() -> None:
    text = GOOD.replace("name: value", "name: noise")
    assert "duplicate population name 'noise'" in only(issues_of(text), "agents[1].name").message
    text = GOOD.replace(
        "    fundamental: {r_bar: 10000}\n", "    fundamental: {r_bar: 10000}\n  - symbol: XYZ\n"
    )
    assert "duplicate symbol" in only(issues_of(text), "instruments[1].symbol").message


def test_duplicate_yaml_keys() -> None:
    text = GOOD.replace("seed: 3\n", "seed: 3\nseed: 4\n")
    issue = only(issues_of(text), "seed")
    assert "duplicate key" in issue.message and issue.line == 3


def test_market_hours_must_make_sense() -> None:
    text = GOOD.replace('close: "09:40:00"', 'close: "09:00:00"')
    assert "after market.open" in only(issues_of(text), "market.close").message


def test_value_agents_need_a_fundamental() -> None:
    text = GOOD.replace("    fundamental: {r_bar: 10000}\n", "")
    assert "no 'fundamental'" in only(issues_of(text), "agents[1].params.symbol").message


def test_latency_overrides_must_name_populations() -> None:
    text = (
        GOOD
        + "latency:\n  agents:\n    nobody: {order_entry: 1ms}\n"
        + "  pairs:\n    - {from: ghost, to: exchange, latency: 1ms}\n"
    )
    issues = issues_of(text)
    assert "unknown population or agent 'nobody'" in only(issues, "latency.agents.nobody").message
    assert "ghost" in only(issues, "latency.pairs[0]").message
    ok = (
        GOOD
        + "latency:\n  agents:\n    value_1: {order_entry: 1ms}\n    noise: {market_data: 2ms}\n"
    )
    sc = parse_scenario(ok)
    assert sc.latency.agents["value_1"].order_entry == 10**6


def test_pairs_must_involve_the_exchange() -> None:
    text = GOOD + "latency:\n  pairs:\n    - {from: noise, to: value, latency: 1ms}\n"
    assert "exactly one of 'from' and 'to'" in only(issues_of(text), "latency.pairs[0]").message


def test_durations_and_numbers() -> None:
    text = GOOD + "latency: {order_entry: 1.5ms, market_data: 250us, compute_delay: 50ns}\n"
    lat = parse_scenario(text).latency
    assert (lat.order_entry, lat.market_data, lat.compute_delay) == (1_500_000, 250_000, 50)
    bad = issues_of(GOOD + "latency: {order_entry: fast}\n")
    assert "expected a duration" in only(bad, "latency.order_entry").message
    # YAML 1.1 reads 5e-5 as text; numbers like it are accepted where a number is expected.
    text = GOOD.replace("{r_bar: 10000}", "{r_bar: 10000, sigma: 5e-5}")
    assert parse_scenario(text).instruments[0].fundamental.sigma == pytest.approx(5e-5)


def test_yaml_syntax_error_has_a_line() -> None:
    issues = issues_of("market: {open: [\n", "broken.yaml")
    assert issues[0].file == "broken.yaml" and issues[0].line is not None
    assert "not valid YAML" in issues[0].message


def test_invalid_scenario_runs_nothing(tmp_path: Path) -> None:
    import venue.runner as vr

    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("count: 10", "count: -1"))
    out = tmp_path / "out"
    with pytest.raises(ScenarioError) as exc:
        vr.run(bad, out=out)
    assert f"{bad}:" in str(exc.value)
    assert not out.exists()


# ---------------------------------------------------------------------------------------
# docs/SCENARIOS.md documents every key
# ---------------------------------------------------------------------------------------


def test_scenarios_doc_documents_every_key() -> None:
    from agents import REGISTRY

    doc = (ROOT / "docs" / "SCENARIOS.md").read_text()
    records = [
        SCENARIO,
        MARKET,
        INSTRUMENT,
        FUNDAMENTAL,
        LATENCY,
        JITTER,
        LATENCY_OVERRIDE,
        PAIR,
        AGENT_GROUP,
        OUTPUTS,
    ]
    records += [cls.PARAMS for cls in REGISTRY.values() if cls.PARAMS is not None]
    missing = []
    for rec in records:
        for f in rec.fields:
            if not re.search(rf"\| `{re.escape(f.name)}` \|", doc):
                missing.append(f"{rec.name}.{f.name}")
    assert not missing, f"keys missing from docs/SCENARIOS.md: {missing}"
    for name in REGISTRY:
        assert f"`type: {name}`" in doc


def test_scenarios_doc_reference_is_current() -> None:
    from venue.scenario import markdown_reference

    doc = (ROOT / "docs" / "SCENARIOS.md").read_text()
    assert markdown_reference().strip() in doc, (
        "regenerate the reference section of docs/SCENARIOS.md"
    )
