"""`venue bench`: the three paths agree, the report has exactly its keys, `--risk` measures
the risk controls, and the command fails when it should (a disagreement, bad input)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from venue import _core
from venue.bench import paths
from venue.bench.paths import PathResult
from venue.bench.run import SUMMARY_KEYS, _engine_risk, compare, run_bench
from venue.bench.stream import STREAM_DTYPE, Stream, generate_stream
from venue.cli import app
from venue.dtypes import ORDER_DTYPE

PATH_KEYS = {"ns_per_msg_median", "ns_per_msg_min", "msgs_per_s", "latency_ns", "summary"}
LATENCY_KEYS = {"p50", "p90", "p99", "p999", "p9999", "max"}


@pytest.fixture(scope="module")
def small() -> Stream:
    return generate_stream(3_000, 11, cache=False)


@pytest.fixture(scope="module")
def report(small: Stream) -> tuple[dict, dict, list]:
    return run_bench(small, rounds=2)


def test_the_three_paths_agree_with_each_other_and_the_generator(report, small) -> None:
    rep, results, problems = report
    assert problems == []
    assert rep["stream"]["agree"] is True
    for name in ("engine", "batch", "single"):
        r = results[name]
        assert len(r.summaries) == 4  # a throughput and a latency pass per round
        assert r.consistent
        assert r.summary == small.expected
        assert rep["paths"][name]["summary"] == small.expected
        # Every message timed: pooled over both rounds, or (without pooling) one round's.
        # A single-path interval runs from one call to the next: the last call of each
        # timing window (one per 4,096 calls at most) has none.
        rounds = 2 if r.latency_pooled else 1
        windows = rounds * (small.n_msgs // 4096 + 1)
        assert small.n_msgs * rounds - windows <= r.latency["count"] <= small.n_msgs * rounds
    assert small.expected["fills"] > 100


def test_the_json_report_has_exactly_the_keys(report) -> None:
    rep, _, _ = report
    assert set(rep) == {"stream", "paths"}
    assert set(rep["paths"]) == {"engine", "batch", "single"}
    for p in rep["paths"].values():
        assert set(p) == PATH_KEYS
        assert set(p["latency_ns"]) == LATENCY_KEYS
        assert set(p["summary"]) == set(SUMMARY_KEYS)
        lat = p["latency_ns"]
        assert 0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p999"] <= lat["p9999"]
        assert lat["p9999"] <= lat["max"]
        assert p["ns_per_msg_min"] <= p["ns_per_msg_median"]
        assert p["msgs_per_s"] == pytest.approx(1e9 / p["ns_per_msg_median"], rel=1e-3)
    json.dumps(rep)  # serialisable as is


def test_open_loop_reports_response_and_service_time(small: Stream) -> None:
    short = Stream(small.data[: 32 * 6_000], "generated", None)
    rep, results, problems = run_bench(short, rounds=1, open_loop_rate=2_000_000)
    assert problems == []
    for name, p in rep["paths"].items():
        ol = p["open_loop"]
        assert ol["rate_per_s"] == 2_000_000
        assert set(ol["response_ns"]) == set(ol["service_ns"]) == LATENCY_KEYS
        # Response time runs from the scheduled arrival, so it is never below service time.
        assert ol["response_ns"]["p50"] >= ol["service_ns"]["p50"] * 0.99, name
        assert 0 < ol["achieved_per_s"] <= 2_000_000 * 1.01
        assert results[name].consistent


def test_compare_reports_every_kind_of_disagreement() -> None:
    good = {"fills": 3, "traded": 9, "chk": 12, "live": 2, "best_bid": 99, "best_ask": 101}
    bad = {**good, "chk": 13}

    def result(name: str, *summaries: dict) -> PathResult:
        return PathResult(name, [1.0], {}, True, list(summaries), 1.0)

    ok = {"engine": result("engine", good, good), "batch": result("batch", good)}
    assert compare(ok, good, "meta.json") == []
    problems = compare(
        {"engine": result("engine", good, bad), "batch": result("batch", bad)},
        {**good, "live": 5},
        "meta.json",
    )
    assert problems == [
        "engine: pass 1 differs from pass 0 (chk 13 != 12)",
        "batch disagrees with engine: chk 13 != 12",
        "engine disagrees with meta.json: live 2 != 5",
        "batch disagrees with meta.json: chk 13 != 12, live 2 != 5",
    ]


def test_risk_flag_measures_the_controls_beside_risk_off(small: Stream) -> None:
    rep, _, problems = run_bench(small, rounds=1, risk=True)
    assert problems == []
    assert set(rep) == {"stream", "paths"}  # the risk report lives in stream.risk
    rk = rep["stream"]["risk"]
    assert rk["on"] is True and rk["agree"] is True and rk["problems"] == []
    med = rk["ns_per_msg_median"]
    assert all(med[m] > 0 for m in ("off", "on", "on_unique_ids"))
    assert rk["added_ns_per_msg"] == pytest.approx(med["on"] - med["off"], abs=0.02)
    eng = rk["engine"]
    assert eng["ns_per_msg_median"]["on"] > 0 and eng["ns_per_msg_median"]["off"] > 0
    assert eng["added_ns_per_msg"] == pytest.approx(
        eng["ns_per_msg_median"]["on"] - eng["ns_per_msg_median"]["off"], abs=0.02
    )
    assert set(eng["latency_ns_on"]) == LATENCY_KEYS
    plain, _, _ = run_bench(small, rounds=1)
    assert plain["stream"]["risk"] == {"on": False}


def test_a_risk_control_that_intervenes_is_a_disagreement() -> None:
    # 2**41 lots is above the permissive order-size limit of the engine path (2**40).
    stream = np.zeros(2, STREAM_DTYPE)
    stream["typ"], stream["side"], stream["id"] = 0, [0, 1], [1, 2]
    stream["px"], stream["qty"] = [100, 101], [2**41, 5]
    data = stream.tobytes()
    expected = dict(_core.stream_reference(data))
    problems: list[str] = []
    _engine_risk(data, 1, expected, problems)
    assert any("engine risk on: 1 risk rejections" in p for p in problems), problems
    assert any(
        "engine risk on disagrees with the expected result: live 1 != 2" in p for p in problems
    )
    assert not any("risk off" in p for p in problems)


def test_the_command_runs_with_risk(tmp_path: Path, small: Stream) -> None:
    path = _write(tmp_path, small, small.expected)
    args = ["bench", "--stream", str(path), "--rounds", "1", "--risk"]
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert set(rep) == {"stream", "paths"}
    assert rep["stream"]["risk"]["on"] is True
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "risk controls (engine path, Rust only)" in res.output


def _write(tmp_path: Path, s: Stream, expected: dict | None) -> Path:
    path = tmp_path / "orders.bin"
    path.write_bytes(s.data)
    if expected is not None:
        (tmp_path / "meta.json").write_text(json.dumps({"expected": expected}))
    return path


def test_the_command_prints_json_and_exits_zero_when_all_agree(tmp_path, small) -> None:
    path = _write(tmp_path, small, small.expected)
    res = CliRunner().invoke(app, ["bench", "--stream", str(path), "--rounds", "1", "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert set(rep) == {"stream", "paths"}
    assert rep["stream"]["expected_source"] == "meta.json"
    assert rep["stream"]["n_msgs"] == small.n_msgs
    assert rep["paths"]["single"]["summary"] == small.expected


def test_the_command_exits_nonzero_when_meta_json_disagrees(tmp_path, small) -> None:
    wrong = {**small.expected, "chk": small.expected["chk"] + 1}
    path = _write(tmp_path, small, wrong)
    res = CliRunner().invoke(app, ["bench", "--stream", str(path), "--rounds", "1"])
    assert res.exit_code == 1
    assert "engine disagrees with meta.json: chk" in res.output


def test_without_meta_json_the_reference_book_is_the_expected_result(tmp_path, small) -> None:
    path = _write(tmp_path, small, None)
    res = CliRunner().invoke(app, ["bench", "--stream", str(path), "--rounds", "1", "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert rep["stream"]["expected_source"] == "the reference book"
    assert rep["stream"]["expected"] == small.expected


def test_the_command_rejects_a_malformed_stream(tmp_path: Path) -> None:
    path = tmp_path / "bad.bin"
    path.write_bytes(np.zeros(3, "u1").tobytes())
    res = CliRunner().invoke(app, ["bench", "--stream", str(path)])
    assert res.exit_code == 2
    assert "record 0 has only 3 of its 32 bytes" in res.output
    res = CliRunner().invoke(app, ["bench", "--stream", str(tmp_path / "none.bin")])
    assert res.exit_code == 2
    path.write_bytes(b"")
    res = CliRunner().invoke(app, ["bench", "--stream", str(path)])
    assert res.exit_code == 2
    assert "is empty: nothing to measure" in res.output


def test_the_text_report_shows_every_path_and_the_verdict(tmp_path, small) -> None:
    path = _write(tmp_path, small, small.expected)
    res = CliRunner().invoke(app, ["bench", "--stream", str(path), "--rounds", "1"])
    assert res.exit_code == 0, res.output
    for word in ("engine", "batch", "single", "p9999", "all paths agree", "targets:"):
        assert word in res.output


class _BucketTimingEngine(_core.Engine):
    """An engine whose timing_stop() exports buckets (as the bench asks of the binding):
    each call while timing is on counts as one 100 ns value."""

    def __init__(self, *args: int) -> None:  # the compiled __new__ takes the capacities
        self.calls = 0

    def timing_start(self) -> None:
        self.calls = 0

    def timing_stop(self) -> dict:
        return dict(_core.latency_from_values(np.full(self.calls, 100, dtype=np.int64)))

    def submit(self, *a: int) -> int:
        self.calls += 1
        return super().submit(*a)

    def cancel(self, *a: int) -> None:
        self.calls += 1
        super().cancel(*a)

    def reduce(self, *a: int) -> None:
        self.calls += 1
        super().reduce(*a)

    def replace(self, *a: int) -> None:
        self.calls += 1
        super().replace(*a)


def test_with_bucket_export_the_single_path_pools_every_window(
    small: Stream, monkeypatch: pytest.MonkeyPatch
) -> None:
    def engine(event_capacity: int = 1 << 16) -> _core.Engine:
        eng = _BucketTimingEngine(1 << 16, event_capacity)
        _core.Engine.add_instrument(eng, 1, 1, 1, paths.MAX_QTY)
        return eng

    monkeypatch.setattr(paths, "new_engine", engine)
    assert paths.timing_exports_buckets()
    data, _ = _core.stream_to_order_bytes(small.data)
    calls = paths.single_calls(np.frombuffer(data, ORDER_DTYPE))
    r = paths.run_single(calls, rounds=3)
    assert r.latency_pooled and r.notes == []
    # Timing stops around every drain and every window's values are pooled, over all rounds.
    assert r.latency["count"] == 3 * len(calls)
    assert r.latency["p50"] == r.latency["max"] == 100
    assert r.consistent and r.summary == small.expected
