"""The examples in the simulation's docstrings run."""

from __future__ import annotations

import doctest
import io
import os
from pathlib import Path
from types import ModuleType

import pytest

import agents.order_size
import venue.analytics.pnl
import venue.scenario
import venue.scenario.errors
import venue.scenario.types
import venue.scenario.yamlnodes
import venue.sim.fundamental
import venue.sim.kernel
import venue.sim.latency
import venue.sim.rng
import venue.sim.simulation

MODULES = [
    venue.sim.rng,
    venue.sim.kernel,
    venue.sim.latency,
    venue.sim.fundamental,
    venue.sim.simulation,
    venue.scenario,
    venue.scenario.errors,
    venue.scenario.types,
    venue.scenario.yamlnodes,
    venue.analytics.pnl,
    agents.order_size,
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module: ModuleType) -> None:
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(Path(__file__).resolve().parent.parent)
    try:
        for test in finder.find(module, module.__name__):
            runner.run(test, out=out.write)
    finally:
        os.chdir(cwd)
    assert runner.tries > 0, f"{module.__name__} has no examples"
    assert runner.failures == 0, out.getvalue()
