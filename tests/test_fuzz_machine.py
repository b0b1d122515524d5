"""Differential fuzzing in CI: the state machine at a modest, reproducible budget, and checks
that the fuzzer itself works (it finds a planted bug, shrinks it, writes and replays it).

`venue fuzz --examples N` runs the same machine at any budget.
"""

from __future__ import annotations

import functools
import json

import pytest
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

from venue.testing import reference as ref
from venue.testing.differential import (
    Differential,
    Divergence,
    load_history,
    random_history,
    replay,
    save_history,
)
from venue.testing.fuzz import replay_file, run_fuzz
from venue.testing.machine import EngineMachine
from venue.testing.reference import ReferenceEngine

core = pytest.importorskip("venue._core")


class CIMachine(EngineMachine):
    """The machine against venue._core.Engine at the CI budget."""


TestEngineAgainstModel = CIMachine.TestCase
TestEngineAgainstModel.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    derandomize=True,  # CI is reproducible
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


class TradesAtTakerPrice(ReferenceEngine):
    """A planted bug: a limit taker's fills report its own price instead of the maker's."""

    def _emit(self, ts, kind, o, **fields):
        if kind == ref.TRADE and o.order_type == ref.LIMIT:
            fields["price"] = o.price
        super()._emit(ts, kind, o, **fields)


def test_fuzzer_finds_a_planted_bug_and_replays_it(tmp_path):
    path = tmp_path / "failure.json"
    result = run_fuzz(
        200, 30, seed=3, engine_factory=TradesAtTakerPrice, failure_file=path, shrink=False
    )
    assert not result.ok
    assert "events differ" in result.failure
    assert result.history and path.exists()
    assert load_history(path) == result.history
    # The file reproduces the divergence on the buggy engine, and passes on a correct one.
    assert not replay_file(path, TradesAtTakerPrice).ok
    assert replay_file(path, ReferenceEngine).ok
    assert replay_file(path, core.Engine).ok


def test_clean_run_counts_examples_and_steps():
    result = run_fuzz(20, 20, seed=5, failure_file=None)
    assert result.ok, result.failure
    assert result.examples >= 20
    assert result.steps >= 20
    assert sum(result.ops.values()) == result.steps
    assert result.events.get("TRADE", 0) > 0


def test_differential_reports_the_first_different_event():
    class ExtraQtyOnAccept(ReferenceEngine):
        def _new(self, msg):
            return super()._new(msg._replace(qty=msg.qty + 1) if msg.qty == 5 else msg)

    diff = Differential(ExtraQtyOnAccept)
    diff.apply({"op": "add_instrument"})
    with pytest.raises(Divergence, match=r"step 1: submit.*event 0 differs \(qty: engine 6"):
        diff.apply(
            {"op": "submit", "ts": 1, "participant": 1, "instrument": 0, "side": 0}
            | {"price": 100, "qty": 5}
        )


def test_invariants_catch_a_broken_fifo():
    class LifoEngine(ReferenceEngine):
        """Agrees with itself but puts new orders at the front of their level."""

        def _rest(self, ts, o):
            super()._rest(ts, o)
            level = self.instruments[o.instrument].side_levels(o.side)[o.price]
            level.insert(0, level.pop())

    diff = Differential(LifoEngine)
    diff.model = LifoEngine()  # so that only the invariants can object
    diff.apply({"op": "add_instrument"})
    order = {"op": "submit", "ts": 1, "instrument": 0, "side": 0, "price": 100, "qty": 5}
    diff.apply(order | {"participant": 1})
    with pytest.raises(Divergence, match="not the FIFO order of the feed"):
        diff.apply(order | {"participant": 2})


def test_random_history_agrees_step_by_step():
    history = random_history(seed=2, n=400)
    diff = replay(history, core.Engine)
    assert diff.invariants.ledgers  # orders were accepted and tracked
    assert any(k == ref.TRADE for k in (e.kind for e in ref.decode_events(diff.event_bytes)))


def test_cli_fuzz_summary_and_replay(tmp_path):
    from venue.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["fuzz", "--examples", "5", "--steps", "10", "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert "examples" in res.output and "no divergence" in res.output
    path = tmp_path / "h.json"
    save_history(path, random_history(seed=4, n=50))
    res = runner.invoke(app, ["fuzz", "--replay", str(path)])
    assert res.exit_code == 0, res.output
    assert "engine and model agree" in " ".join(res.output.split())


def test_cli_reports_a_divergence_and_exits_1(tmp_path, monkeypatch):
    import venue.testing.fuzz as fuzz_mod
    from venue.cli import app

    monkeypatch.setattr(fuzz_mod, "default_engine_factory", TradesAtTakerPrice)
    # Shrinking takes minutes; the CLI's reporting is the same without it.
    monkeypatch.setattr(fuzz_mod, "run_fuzz", functools.partial(fuzz_mod.run_fuzz, shrink=False))
    out = tmp_path / "fail.json"
    runner = CliRunner()
    res = runner.invoke(
        app, ["fuzz", "--examples", "100", "--steps", "20", "--seed", "3", "--out", str(out)]
    )
    assert res.exit_code == 1, res.output
    assert "DIVERGENCE" in res.output and "shrunk operation sequence" in res.output
    assert out.exists()
    res = runner.invoke(app, ["fuzz", "--replay", str(out)])
    assert res.exit_code == 1 and "DIVERGENCE" in res.output


def test_cli_rejects_a_bad_replay_file(tmp_path):
    from venue.cli import app

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "something else"}))
    res = CliRunner().invoke(app, ["fuzz", "--replay", str(bad)])
    assert res.exit_code == 2
    assert "not a fuzz history" in " ".join(res.output.split())
