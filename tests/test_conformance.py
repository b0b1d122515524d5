"""Conformance: the engine reproduces the expected results of generated order streams.

The streams in tests/data/conformance were written by ../shared/bench/gen_stream.py at
several seeds and sizes (tests/data/conformance/generate.py); expected.json holds the
generator's `expected` block for each. The mapping of stream records to engine messages is in
venue.testing.conformance.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from venue.testing.conformance import load_stream, run_stream
from venue.testing.reference import ReferenceEngine

core = pytest.importorskip("venue._core")

DATA = Path(__file__).parent / "data" / "conformance"
EXPECTED = json.loads((DATA / "expected.json").read_text())
GEN_STREAM = Path(__file__).resolve().parents[2] / "shared" / "bench" / "gen_stream.py"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_engine_reproduces_expected_result(name):
    records = load_stream(DATA / f"{name}.orders.bin.gz")
    assert len(records) == EXPECTED[name]["n_msgs"]
    result = run_stream(core.Engine(), records, core.EVENT_LAYOUT)
    assert result.summary() == EXPECTED[name]["expected"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_one_batch_gives_the_same_events(name):
    """The mapped messages as one process_buffer batch: the same events, byte for byte."""
    records = load_stream(DATA / f"{name}.orders.bin.gz")
    single = run_stream(core.Engine(), records, core.EVENT_LAYOUT)
    eng = core.Engine()
    eng.add_instrument()
    n = eng.process_buffer(single.messages)
    batch = eng.take_events()
    assert n * core.EVENT_SIZE == len(batch)
    assert batch == single.events
    assert eng.live_orders() == EXPECTED[name]["expected"]["live"]


def test_model_reproduces_expected_result_and_the_engine_events():
    name = "n500-s3"
    records = load_stream(DATA / f"{name}.orders.bin.gz")
    model = run_stream(ReferenceEngine(), records, core.EVENT_LAYOUT)
    assert model.summary() == EXPECTED[name]["expected"]
    engine = run_stream(core.Engine(), records, core.EVENT_LAYOUT)
    assert model.events == engine.events


@pytest.mark.skipif(not GEN_STREAM.exists(), reason="../shared/bench/gen_stream.py not present")
def test_stored_stream_is_what_the_generator_writes(tmp_path):
    subprocess.run(
        [sys.executable, GEN_STREAM.name, "500", "3", str(tmp_path)],
        cwd=GEN_STREAM.parent,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    fresh = load_stream(tmp_path / "orders.bin")
    stored = load_stream(DATA / "n500-s3.orders.bin.gz")
    assert fresh.tobytes() == stored.tobytes()
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["expected"] == EXPECTED["n500-s3"]["expected"]
