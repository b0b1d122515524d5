"""Runs the three paths on one stream, checks that they agree, and builds the report.

`run_bench(stream, rounds=...)` returns the dict `venue bench --json` prints:
`{"stream": {...}, "paths": {"engine": {...}, "batch": {...}, "single": {...}}}`, each path
with `ns_per_msg_median`, `ns_per_msg_min`, `msgs_per_s`, `latency_ns` (`p50`, `p90`, `p99`,
`p999`, `p9999`, `max`) and `summary` (and `open_loop` when a rate is given). The run's
context (expected result, clock, machine, date, agreement, and with `--risk` the cost of the
risk controls under `stream.risk`) is in `stream`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import platform
import statistics
import subprocess
from collections.abc import Callable
from typing import Any

import numpy as np

from venue import _core
from venue.bench.paths import (
    BATCH_SIZE,
    LATENCY_KEYS,
    PATHS,
    PathResult,
    median_and_min,
    run_batch,
    run_engine,
    run_single,
    single_calls,
)
from venue.bench.stream import TYPE_NAMES, Stream

__all__ = ["SUMMARY_KEYS", "RiskNotBuiltError", "compare", "machine_info", "run_bench"]

SUMMARY_KEYS = ("fills", "traded", "chk", "live", "best_bid", "best_ask")


class RiskNotBuiltError(RuntimeError):
    """`--risk` was asked for, but this build of `venue._core` has no risk controls."""


def machine_info() -> dict[str, Any]:
    """CPU model (as lscpu shows it), core count, OS and Python."""
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "venue": _core.VERSION,
    }


def _git_state() -> dict[str, Any] | None:
    """The commit of the checkout the package runs from, and whether it has local changes
    (None outside a git checkout): which engine a dated result belongs to."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        head = subprocess.run(
            ["git", "-C", root, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head, "dirty": bool(status.strip())}


def _load_avg() -> list[float] | None:
    """The 1, 5 and 15-minute load averages: how busy the machine was (None if unknown)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _order_array(order_bytes: bytes) -> np.ndarray:
    """The messages as an aligned, writable ORDER_DTYPE array (what a user would pass)."""
    try:
        from venue.dtypes import ORDER_DTYPE
    except ImportError:  # pragma: no cover - the public dtypes are part of the package
        return np.frombuffer(order_bytes, dtype=np.uint8).copy()
    return np.frombuffer(order_bytes, dtype=ORDER_DTYPE).copy()


def compare(
    results: dict[str, PathResult], expected: dict[str, Any] | None, expected_source: str
) -> list[str]:
    """Every disagreement: between passes of one path, between paths, with the expected."""
    problems: list[str] = []
    for r in results.values():
        for i, s in enumerate(r.summaries):
            if s != r.summary:
                diff = _diff(s, r.summary)
                problems.append(f"{r.name}: pass {i} differs from pass 0 ({diff})")
    names = list(results)
    if names:
        base = results[names[0]]
        for other in names[1:]:
            d = _diff(results[other].summary, base.summary)
            if d:
                problems.append(f"{other} disagrees with {base.name}: {d}")
    if expected is not None:
        for name in names:
            d = _diff(results[name].summary, expected)
            if d:
                problems.append(f"{name} disagrees with {expected_source}: {d}")
    return problems


def _diff(a: dict[str, Any], b: dict[str, Any]) -> str:
    return ", ".join(f"{k} {a.get(k)} != {b.get(k)}" for k in SUMMARY_KEYS if a.get(k) != b.get(k))


def _path_json(r: PathResult) -> dict[str, Any]:
    med, low = median_and_min(r.ns_per_msg)
    out: dict[str, Any] = {
        "ns_per_msg_median": round(med, 2),
        "ns_per_msg_min": round(low, 2),
        "msgs_per_s": round(1e9 / med) if med > 0 else None,
        "latency_ns": {k: int(r.latency[k]) for k in LATENCY_KEYS},
        "summary": {k: r.summary.get(k) for k in SUMMARY_KEYS},
    }
    if r.open_loop is not None:
        o = r.open_loop
        out["open_loop"] = {
            "rate_per_s": o["rate"],
            "achieved_per_s": round(o["achieved_per_s"]),
            "response_ns": {k: int(o["response_ns"][k]) for k in LATENCY_KEYS},
            "service_ns": {k: int(o["service_ns"][k]) for k in LATENCY_KEYS},
        }
    return out


def run_bench(
    stream: Stream,
    *,
    rounds: int = 5,
    open_loop_rate: float | None = None,
    batch_size: int | None = BATCH_SIZE,
    risk: bool = False,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], dict[str, PathResult], list[str]]:
    """Runs the three paths on `stream`; returns the report, the raw results and every
    disagreement (empty when all paths agree with each other and with the expected result).

    The expected result is meta.json's (beside a stream file, or the generator's); a stream
    without one is checked against the reference book (a port of pybook.py).
    """
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")
    if open_loop_rate is not None and not open_loop_rate > 0:
        raise ValueError(f"the open-loop rate must be positive, got {open_loop_rate}")
    if stream.n_msgs == 0:
        raise ValueError(f"the order stream ({stream.source}) is empty: nothing to measure")
    if risk and not hasattr(_core.Engine, "set_risk_limits"):
        raise RiskNotBuiltError(
            "this build of venue._core has no risk controls: rebuild it (make develop)"
        )
    say = progress or (lambda _msg: None)
    load_start = _load_avg()

    say("converting the stream to engine messages (dry run, untimed)")
    order_bytes, actions = _core.stream_to_order_bytes(stream.data)
    orders = _order_array(order_bytes)
    if stream.expected is not None:
        expected = {k: stream.expected.get(k) for k in SUMMARY_KEYS}
        expected_source = "meta.json" if stream.source != "generated" else "the generator"
    else:
        say("computing the expected result with the reference book")
        expected = dict(_core.stream_reference(stream.data))
        expected_source = "the reference book"

    results: dict[str, PathResult] = {}
    say(f"engine path: {rounds} rounds")
    results["engine"] = run_engine(stream.data, rounds, open_loop_rate)
    say(f"batch path: {rounds} rounds")
    results["batch"] = run_batch(orders, rounds, batch_size, open_loop_rate)
    say("single path: preparing the calls (untimed)")
    calls = single_calls(orders)
    say(f"single path: {rounds} rounds")
    results["single"] = run_single(calls, rounds, open_loop_rate)
    problems = compare(results, expected, expected_source)
    risk_json: dict[str, Any] = {"on": False}
    if risk:
        from venue.bench.risk import measure_risk

        say(f"risk: off / on / on with unique ids, {rounds} interleaved rounds (batch path)")
        risk_json = {"on": True, **measure_risk(orders, rounds, batch_size)}
        problems += risk_json["problems"]
        say(f"risk: on / off, {rounds} interleaved rounds (engine path)")
        risk_json["engine"] = _engine_risk(stream.data, rounds, expected, problems)

    recs = stream.records
    counts = np.bincount(recs["typ"], minlength=4)[:4].tolist()
    stream_json: dict[str, Any] = {
        "source": stream.source,
        "n_msgs": stream.n_msgs,
        "sha256": hashlib.sha256(stream.data).hexdigest(),
        "types": dict(zip(TYPE_NAMES, counts, strict=True)),
        "engine_actions": dict(actions),
        "events_per_msg": round(results["engine"].events_per_msg, 4),
        "expected": expected,
        "expected_source": expected_source,
        "agree": not problems,
        "problems": problems,
        "rounds": rounds,
        "batch_size": batch_size or stream.n_msgs,
        "open_loop_rate": open_loop_rate,
        "risk": risk_json,
        "clock": dict(_core.clock_info()),
        "machine": machine_info(),
        "git": _git_state(),
        "load_avg": {"start": load_start, "end": _load_avg()},
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    if stream.meta is not None:
        for k in ("seed", "prefill_adds", "mix_after_prefill"):
            if k in stream.meta:
                stream_json[k] = stream.meta[k]
    report: dict[str, Any] = {
        "stream": stream_json,
        "paths": {name: _path_json(results[name]) for name in PATHS},
    }
    return report, results, problems


def _engine_risk(
    data: bytes, rounds: int, expected: dict[str, Any], problems: list[str]
) -> dict[str, Any]:
    """The engine path (Rust only) with every risk control on, permissive limits (session-
    unique ids off, as the batch path's `on`), beside risk off in each round: the checks'
    cost without Python. Adds to `problems` any risk intervention or changed result."""
    r = _core.run_stream(data, rounds, None, True)
    on = [p["ns_per_msg"] for p in r["throughput"]]
    off = [p["ns_per_msg"] for p in r["baseline"]]
    for label, passes in (("on", r["throughput"] + r["latency_passes"]), ("off", r["baseline"])):
        for p in passes:
            if p["risk_interventions"]:
                problems.append(
                    f"engine risk {label}: {p['risk_interventions']} risk rejections, "
                    "cancels or halts under permissive limits"
                )
            d = _diff(p["summary"], expected)
            if d:
                problems.append(f"engine risk {label} disagrees with the expected result: {d}")
    med_on, med_off = statistics.median(on), statistics.median(off)
    return {
        "ns_per_msg_median": {"off": round(med_off, 2), "on": round(med_on, 2)},
        "ns_per_msg_min": {"off": round(min(off), 2), "on": round(min(on), 2)},
        "added_ns_per_msg": round(med_on - med_off, 2),
        "latency_ns_on": {k: int(r["latency"][k]) for k in LATENCY_KEYS},
    }
