"""`venue bench`'s order streams: the reader's errors, the generator against gen_stream.py,
the cache, the conversion to engine messages and the summary tools."""

from __future__ import annotations

import doctest
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import venue.bench.stream
from venue import _core
from venue.bench.stream import STREAM_DTYPE, generate_stream, load_stream
from venue.dtypes import EVENT_DTYPE, ORDER_DTYPE
from venue.errors import BatchFormatError

SHARED_BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"


def records(*rows: tuple[int, int, int, int, int]) -> np.ndarray:
    """Stream records from (typ, side, id, px, qty) rows."""
    out = np.zeros(len(rows), STREAM_DTYPE)
    for r, (typ, side, oid, px, qty) in zip(out, rows, strict=True):
        r["typ"], r["side"], r["id"], r["px"], r["qty"] = typ, side, oid, px, qty
    return out


GOOD = records((0, 0, 1, 100, 5), (0, 1, 2, 101, 5), (2, 0, 1, 99, 5), (1, 1, 2, 0, 0))


def test_a_valid_stream_is_counted_by_type() -> None:
    assert _core.stream_info(GOOD.tobytes()) == {
        "messages": 4,
        "add": 2,
        "cancel": 1,
        "modify": 1,
        "mkt": 0,
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (GOOD.tobytes()[:100], "truncated: 100 bytes is not a multiple of 32; record 3 has only 4"),
        (records((0, 0, 1, 100, 5), (7, 0, 2, 100, 5)).tobytes(), "record 1: unknown type 7"),
        (records((0, 0, 1, 100, 5), (3, 2, 2, 100, 5)).tobytes(), "record 1: invalid side 2"),
        (records((0, 0, 1, 100, 0)).tobytes(), "record 0: qty must be positive, got 0"),
        (records((0, 0, 1, -5, 3)).tobytes(), "record 0: px must be positive, got -5"),
        (records((0, 0, 1, 10, 3), (2, 0, 1, 10, -1)).tobytes(), "record 1: qty must be positive"),
        (
            records((0, 0, 1, 100, 5), (3, 0, 3, 100, 5)).tobytes(),
            "record 1: new order id 3, expected 2",
        ),
    ],
    ids=["truncated", "unknown-type", "side", "qty", "px", "modify-qty", "id-order"],
)
def test_bad_streams_raise_naming_the_record(data: bytes, message: str, tmp_path: Path) -> None:
    for fn in (_core.stream_info, _core.stream_to_order_bytes, _core.run_stream):
        with pytest.raises(BatchFormatError, match=re.escape(message)):
            fn(data)
    path = tmp_path / "orders.bin"
    path.write_bytes(data)
    with pytest.raises(BatchFormatError, match=re.escape(message)):
        load_stream(path)


def test_load_stream_reads_the_meta_json_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "orders.bin"
    path.write_bytes(GOOD.tobytes())
    assert load_stream(path).meta is None
    (tmp_path / "meta.json").write_text(json.dumps({"expected": {"fills": 0}}))
    s = load_stream(path)
    assert s.expected == {"fills": 0}
    assert s.source == str(path)
    assert s.n_msgs == 4
    (tmp_path / "meta.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"meta\.json: not valid JSON"):
        load_stream(path)
    (tmp_path / "meta.json").write_text("{}")
    with pytest.raises(ValueError, match="no 'expected' block"):
        load_stream(path)
    with pytest.raises(OSError):
        load_stream(tmp_path / "missing.bin")


def test_modify_becomes_reduce_only_when_same_price_and_smaller() -> None:
    stream = records(
        (0, 0, 1, 100, 10),  # buy 10 @ 100
        (2, 0, 1, 100, 4),  # same price, smaller: REDUCE
        (2, 0, 1, 100, 4),  # same price, same qty: REPLACE (in place)
        (2, 0, 1, 100, 9),  # more qty: REPLACE
        (2, 0, 1, 98, 9),  # new price: REPLACE
        (2, 0, 77, 98, 1),  # not live: REPLACE (rejected by the engine, no effect)
        (1, 0, 1, 0, 0),  # CANCEL
    )
    data, counts = _core.stream_to_order_bytes(stream.tobytes())
    msgs = np.frombuffer(data, ORDER_DTYPE)
    assert msgs["action"].tolist() == [0, 2, 3, 3, 3, 3, 1]
    assert msgs["order_id"].tolist() == [0, 1, 1, 1, 1, 77, 1]
    assert msgs["qty"].tolist()[1:5] == [4, 4, 9, 9]
    assert msgs["price"].tolist()[3:5] == [100, 98]
    assert msgs["ts"].tolist() == list(range(7))
    assert msgs["client_order_id"][0] == 1
    assert (msgs["participant"] == 1).all() and (msgs["instrument"] == 0).all()
    assert counts == {"new": 1, "cancel": 1, "reduce": 1, "replace": 4}


def test_generated_stream_is_byte_identical_to_gen_stream_py(tmp_path: Path) -> None:
    if not (SHARED_BENCH / "gen_stream.py").is_file():
        pytest.skip(f"the shared generator is not at {SHARED_BENCH} (needed to compare)")
    pytest.importorskip("sortedcontainers", reason="gen_stream.py needs sortedcontainers")
    for n, seed in ((3_000, 7), (12_000, 2024)):
        out = tmp_path / f"gs-{seed}"
        subprocess.run(
            [sys.executable, str(SHARED_BENCH / "gen_stream.py"), str(n), str(seed), str(out)],
            check=True,
            capture_output=True,
            cwd=tmp_path,
        )
        ours = generate_stream(n, seed, cache=False)
        assert ours.data == (out / "orders.bin").read_bytes()
        theirs = json.loads((out / "meta.json").read_text())
        assert ours.meta is not None
        assert ours.meta["expected"] == theirs["expected"]
        for key in ("n_msgs", "mix_after_prefill", "max_id", "px_min", "px_max", "levels_mean"):
            assert ours.meta[key] == theirs[key], key
        # The reference book agrees with gen_stream.py's book on its own stream too.
        assert _core.stream_reference(ours.data) == theirs["expected"]


def test_different_seeds_give_different_streams() -> None:
    a, b = generate_stream(500, 1, cache=False), generate_stream(500, 2, cache=False)
    assert a.data != b.data
    assert generate_stream(500, 1, cache=False).data == a.data


def test_the_cache_is_written_reused_and_rebuilt_when_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VENUE_CACHE", str(tmp_path / "cache"))
    first = generate_stream(1_000, 5)
    d = tmp_path / "cache" / "stream-n1000-seed5"
    assert (d / "orders.bin").read_bytes() == first.data
    assert json.loads((d / "meta.json").read_text())["expected"] == first.expected
    # A cached stream is read back, not regenerated: damage the meta's timing to tell.
    meta = json.loads((d / "meta.json").read_text())
    meta["gen_seconds"] = -1
    (d / "meta.json").write_text(json.dumps(meta))
    assert generate_stream(1_000, 5).meta["gen_seconds"] == -1
    # A truncated stream file is regenerated.
    (d / "orders.bin").write_bytes(first.data[:64])
    again = generate_stream(1_000, 5)
    assert again.data == first.data
    assert again.meta["gen_seconds"] >= 0
    shutil.rmtree(d)


def test_the_reference_book_follows_price_time_priority() -> None:
    stream = records(
        (0, 1, 1, 101, 5),  # sell 5 @ 101
        (0, 1, 2, 101, 5),  # sell 5 @ 101, behind 1
        (0, 1, 3, 100, 2),  # sell 2 @ 100
        (3, 0, 4, 101, 9),  # buy 9 @ 101: 2 from 3, 5 from 1, 2 from 2
        (0, 0, 5, 99, 1),
    )
    assert _core.stream_reference(stream.tobytes()) == {
        "fills": 3,
        "traded": 9,
        "chk": 3 * 2 + 1 * 5 + 2 * 2,
        "live": 2,
        "best_bid": 99,
        "best_ask": 101,
    }


def test_summarize_events_counts_trades_with_the_maker_checksum() -> None:
    ev = np.zeros(5, EVENT_DTYPE)
    ev["kind"] = [0, 2, 5, 2, 2]
    ev["qty"] = [9, 3, 7, 4, 1]
    ev["maker_order_id"] = [0, 10, 0, 2**63, 5]
    fills, traded, chk = _core.summarize_events(ev.tobytes())
    assert (fills, traded) == (3, 8)
    assert chk == (10 * 3 + 2**63 * 4 + 5) % 2**64
    with pytest.raises(BatchFormatError, match="not a whole number of 80-byte events"):
        _core.summarize_events(b"x" * 81)


def test_latency_histograms_are_within_one_percent_and_pool_exactly() -> None:
    rng = np.random.default_rng(3)
    a = rng.lognormal(6, 1.5, 50_000).astype(np.int64)
    b = rng.integers(0, 300, 20_000).astype(np.int64)
    ha, hb = _core.latency_from_values(a), _core.latency_from_values(b)
    both = np.concatenate([a, b])
    for key, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)):
        exact = int(np.sort(a)[int(np.ceil(q * len(a))) - 1])
        assert exact <= ha[key] <= exact * 1.01, (key, exact, ha[key])
    assert ha["max"] == a.max() and ha["count"] == len(a)
    pooled = _core.merge_latency([ha, hb])
    direct = _core.latency_from_values(both)
    for key in ("count", "p50", "p90", "p99", "p999", "p9999", "max", "min"):
        assert pooled[key] == direct[key], key


def test_module_examples_run() -> None:
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    for t in finder.find(venue.bench.stream, "venue.bench.stream"):
        runner.run(t)
    assert runner.tries > 0 and runner.failures == 0
