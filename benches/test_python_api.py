"""pytest-benchmark benches of the Python API on the default-mix stream (50,000 messages
after the prefill, seed 42): the batch path against the single-message path, and what the
public `venue.Engine` layer costs over `venue._core`.

Run: `.venv/bin/pytest benches --benchmark-only` (add `--benchmark-json=out.json` to keep
the numbers). Each round runs the whole stream on a fresh engine; the engine is made in the
untimed setup. Speed lives here, never in the unit tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import venue
from venue import _core
from venue.bench.paths import new_engine, single_calls
from venue.bench.stream import generate_stream
from venue.dtypes import ORDER_DTYPE

N = 50_000
ROUNDS = 10


@pytest.fixture(scope="module")
def orders() -> np.ndarray:
    """The stream as ORDER_DTYPE messages (converted once, untimed)."""
    data, _ = _core.stream_to_order_bytes(generate_stream(N, 42).data)
    return np.frombuffer(data, ORDER_DTYPE).copy()


@pytest.fixture(scope="module")
def calls(orders: np.ndarray) -> list[tuple[int, tuple[int, ...]]]:
    return single_calls(orders)


def _per_message(benchmark: Any, n: int) -> None:
    benchmark.extra_info["messages"] = n
    benchmark.extra_info["unit"] = "one round = the whole stream"


def test_batch_core_process_buffer(benchmark: Any, orders: np.ndarray) -> None:
    """One `_core.Engine.process_buffer` call for the whole stream, then `take_events`."""

    def run(eng: _core.Engine) -> int:
        eng.process_buffer(orders)
        return len(eng.take_events())

    out = benchmark.pedantic(run, setup=lambda: ((new_engine(),), {}), rounds=ROUNDS)
    assert out > len(orders) * 80
    _per_message(benchmark, len(orders))


def test_batch_public_engine_process(benchmark: Any, orders: np.ndarray) -> None:
    """`venue.Engine.process` (validation and the events as a numpy array) on the whole stream."""

    def setup() -> tuple[tuple[venue.Engine], dict[str, Any]]:
        eng = venue.Engine()
        eng.add_instrument("S", tick_size=1, lot_size=1, min_qty=1, max_qty=(1 << 63) - 1)
        return (eng,), {}

    def run(eng: venue.Engine) -> int:
        return len(eng.process(orders))

    out = benchmark.pedantic(run, setup=setup, rounds=ROUNDS)
    assert out > len(orders)
    _per_message(benchmark, len(orders))


def test_single_calls(benchmark: Any, calls: list[tuple[int, tuple[int, ...]]]) -> None:
    """One compiled-method call per message from a Python loop (submit/cancel/reduce/replace)."""

    def setup() -> tuple[tuple[list], dict[str, Any]]:
        eng = new_engine(event_capacity=4 * len(calls))
        meths = (eng.submit, eng.cancel, eng.reduce, eng.replace)
        return ([(meths[k], a) for k, a in calls], eng), {}

    def run(bound: list, eng: _core.Engine) -> int:
        for f, a in bound:
            f(*a)
        return eng.pending_events()

    out = benchmark.pedantic(run, setup=setup, rounds=ROUNDS)
    assert out > len(calls)
    _per_message(benchmark, len(calls))


def test_take_events(benchmark: Any, orders: np.ndarray) -> None:
    """Draining the stream's events out of the engine as bytes."""

    def setup() -> tuple[tuple[_core.Engine], dict[str, Any]]:
        eng = new_engine()
        eng.process_buffer(orders)
        return (eng,), {}

    out = benchmark.pedantic(lambda eng: len(eng.take_events()), setup=setup, rounds=ROUNDS)
    assert out > 0
    _per_message(benchmark, len(orders))


def test_engine_path_in_rust(benchmark: Any) -> None:
    """The engine path (`_core.run_stream`, one throughput and one latency pass) for scale."""
    data = generate_stream(N, 42).data
    out = benchmark.pedantic(lambda: _core.run_stream(data, 1), rounds=ROUNDS)
    assert out["throughput"][0]["messages"] == len(data) // 32
    _per_message(benchmark, 2 * len(data) // 32)
