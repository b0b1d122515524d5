"""The examples in the API's docstrings run, and the demo does what it says, identically on
every run."""

from __future__ import annotations

import doctest
import io
import subprocess
import sys
from types import ModuleType

import numpy as np
import pytest
from rich.console import Console

import venue
import venue.demo
import venue.dtypes
import venue.engine
import venue.enums
import venue.errors
from venue import EventKind, Reason


@pytest.mark.parametrize(
    "module",
    [venue, venue.enums, venue.errors, venue.dtypes, venue.engine],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module: ModuleType) -> None:
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    out = io.StringIO()
    for test in finder.find(module, module.__name__):
        runner.run(test, out=out.write)
    assert runner.tries > 0, f"{module.__name__} has no examples"
    assert runner.failures == 0, out.getvalue()


def _demo_output() -> str:
    buffer = io.StringIO()
    venue.demo.main(Console(file=buffer, width=100, color_system=None))
    return buffer.getvalue()


def test_demo_scenario_shows_what_it_promises() -> None:
    eng, steps = venue.demo.run_scenario()
    ladder, sweep, iceberg, stp, reject = (s.events for s in steps)
    assert set(ladder["kind"].tolist()) == {EventKind.ACCEPTED, EventKind.BOOK_ADD}
    # A market order (accepted at price 0) trades at two price levels.
    assert sweep["kind"][0] == EventKind.ACCEPTED and sweep["price"][0] == 0
    sweep_trades = sweep[sweep["kind"] == EventKind.TRADE]
    assert len(set(sweep_trades["price"].tolist())) == 2
    assert eng.book("XYZ").asks[0].price > sweep_trades["price"].min()  # level 1 swept
    # An iceberg refresh: BOOK_DELETE with leaves left, then BOOK_ADD of the same order.
    kinds, oids = iceberg["kind"].tolist(), iceberg["order_id"].tolist()
    refresh = [
        i
        for i in range(len(iceberg) - 1)
        if kinds[i] == EventKind.BOOK_DELETE
        and iceberg["leaves"][i] > 0
        and kinds[i + 1] == EventKind.BOOK_ADD
        and oids[i + 1] == oids[i]
    ]
    assert refresh
    # Self-trade prevention cancels instead of trading.
    assert EventKind.TRADE not in stp["kind"].tolist()
    assert Reason.SELF_TRADE in stp["reason"].tolist()
    # A reject with its reason.
    assert reject[["kind", "reason"]].tolist() == [(EventKind.REJECTED, Reason.OFF_TICK)]
    # Sequence numbers run through the whole scenario.
    seqs = np.concatenate([s.events["seq"] for s in steps])
    assert seqs.tolist() == list(range(1, len(seqs) + 1))


def test_demo_output_is_deterministic() -> None:
    first = _demo_output()
    assert first == _demo_output()
    for text in ("Trades", "XYZ book", "OFF_TICK", "SELF_TRADE", "REJECTED", "state hash"):
        assert text in first


def test_demo_runs_as_a_module() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "venue.demo"], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert "OFF_TICK" in run.stdout and "Trades" in run.stdout
