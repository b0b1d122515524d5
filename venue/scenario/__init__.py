"""Scenario files: load, validate, and describe a simulated market.

A scenario is a YAML file (see docs/SCENARIOS.md): instruments, trading hours, the
fundamental process, agent populations and their parameters, the latency model, the seed,
the outputs. `load_scenario` validates the whole file before anything runs; every problem
(an unknown key, a wrong type, a negative count, a missing field, a reference to an unknown
instrument or population) is reported at once, each with the file, the line, the field and
what was expected, in a `ScenarioError`.

>>> sc = parse_scenario('''
... market: {open: "09:30:00", close: "10:00:00"}
... instruments: [{symbol: XYZ}]
... agents: [{type: noise, count: 5, params: {symbol: XYZ}}]
... ''', file="inline.yaml")
>>> sc.name, sc.agent_count(), sc.market.open
('inline', 5, 34200000000000)
>>> parse_scenario("market: {open: 9am}\\n", file="bad.yaml")
Traceback (most recent call last):
...
venue.scenario.errors.ScenarioError: scenario is invalid (4 problems):
  bad.yaml:1: market.open: expected a time of day like '09:30:00' (or ns since midnight), got '9am' (a string)
  bad.yaml:1: market.close: missing required field (a time of day like '09:30:00' (or ns since midnight))
  bad.yaml:1: instruments: missing required field (a list of at least 1 items (a mapping (instrument)))
  bad.yaml:1: agents: missing required field (a list of at least 1 agent population)
"""  # noqa: E501

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from venue.scenario.errors import Issue, ScenarioError
from venue.scenario.schema import (
    SCENARIO,
    AgentGroup,
    InstrumentSpec,
    Market,
    Outputs,
    Scenario,
    markdown_reference,
    resolve_agent_class,
)
from venue.scenario.types import INVALID, Ctx
from venue.scenario.yamlnodes import parse

__all__ = [
    "AgentGroup",
    "InstrumentSpec",
    "Issue",
    "Market",
    "Outputs",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "markdown_reference",
    "parse_scenario",
    "resolve_agent_class",
    "scenario_from_dict",
]


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Reads and validates a scenario file. Raises ScenarioError (every problem, with
    file and line) or FileNotFoundError."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"scenario file not found: {p}") from None
    except UnicodeDecodeError as err:
        raise ScenarioError([Issue(str(p), None, "", f"not UTF-8 text: {err}")]) from None
    return parse_scenario(text, file=str(p))


def parse_scenario(text: str, file: str = "<string>") -> Scenario:
    """Validates scenario YAML text; `file` names it in messages and gives the default
    scenario name (its stem)."""
    root = parse(text, file)
    ctx = Ctx(file)
    values = SCENARIO.convert(root, "", ctx)
    if ctx.issues or values is INVALID:
        issues = sorted(ctx.issues, key=lambda i: i.line if i.line is not None else 0)
        raise ScenarioError(issues or [Issue(file, root.line, "", "invalid scenario")])
    name = values["name"] or (Path(file).stem if file != "<string>" else "scenario")
    return Scenario(
        name=name,
        description=values["description"],
        seed=values["seed"],
        market=values["market"],
        instruments=tuple(values["instruments"]),
        latency=values["latency"],
        agents=tuple(values["agents"]),
        outputs=values["outputs"],
        risk=values["risk"],
        source=file,
        text=text,
    )


def scenario_from_dict(data: dict[str, Any], name: str = "scenario") -> Scenario:
    """Validates a scenario given as a Python dict (the same keys as the YAML file)."""
    text = yaml.safe_dump(data, sort_keys=False)
    return parse_scenario(text, file=f"{name}.yaml")
