"""The three paths `venue bench` measures, each over `rounds` fresh engines.

- **engine**: in-process Rust, no Python in the loop (`venue._core.run_stream`).
- **batch**: from Python, `Engine.process_buffer` with a numpy array of ORDER_DTYPE, one
  call per `batch_size` messages (default `BATCH_SIZE` = 4,096, the interval at which the
  engine path clears its event buffer, so both paths keep the same event working set; 0 or
  None: the whole stream in one call), the events taken after each call.
- **single**: from Python, one `submit`/`cancel`/`reduce`/`replace` call per message (the
  compiled `_core.Engine` methods, positional ints).

Every round of every path is two passes on fresh engines: a *throughput* pass with no
per-message timer (its processing time gives ns per message), and a *latency* pass with the
per-message timer on (its histogram gives the percentiles). Taking the events out of the
engine and summarising them happens between chunks and is not counted in ns per message; its
cost is reported apart as `drain_ns_per_msg`. Stream records are converted to engine messages
before any timing (see `venue._core.stream_to_order_bytes`).

With an open-loop rate, each round adds an open-loop pass: message `i` is due at
`start + i / rate`; response time runs from that moment to the end of the message's
processing (so waiting behind earlier messages counts), service time covers the processing
alone. The engine path measures both in Rust; the batch path hands over everything that has
arrived in one call and times the call's end in Python; the single path spins until each
message is due and times the call in Python (`time.perf_counter_ns`).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from venue import _core

__all__ = [
    "BATCH_SIZE",
    "MAX_QTY",
    "PATHS",
    "PathResult",
    "new_engine",
    "run_batch",
    "run_engine",
    "run_single",
    "single_calls",
]

PATHS = ("engine", "batch", "single")
MAX_QTY = (1 << 63) - 1
"""The stream instrument accepts any positive quantity (as the Rust runner's)."""
PARTICIPANT = 1
BATCH_SIZE = 4_096
"""Default messages per batch call, and how often the single path takes the events out:
the interval at which the engine path clears its event buffer (`CLEAR_EVERY` in Rust)."""
DRAIN_EVERY_ONE_WINDOW = 65_536
"""How often the single path's latency pass takes the events out when one timing window must
span the pass (`timing_stop()` without buckets): rarely, so that the few intervals holding a
drain stay above p99.99."""
LATENCY_KEYS = ("p50", "p90", "p99", "p999", "p9999", "max")
ORDER_SIZE = 64

_perf_ns = time.perf_counter_ns


@dataclass
class PathResult:
    """What one path measured over its rounds."""

    name: str
    ns_per_msg: list[float]
    """Processing ns per message of each round's throughput pass."""
    latency: dict[str, Any]
    """Per-message latency percentiles (ns) of the latency passes, pooled when possible."""
    latency_pooled: bool
    """Whether `latency` pools every round (else it is the median round's)."""
    summaries: list[dict[str, Any]]
    """The result summary of every pass, in run order."""
    events_per_msg: float
    drain_ns_per_msg: float | None = None
    open_loop: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, Any]:
        """The result (of the first pass; `consistent` says whether every pass agrees)."""
        return self.summaries[0]

    @property
    def consistent(self) -> bool:
        """Whether every pass gave the same result."""
        return all(s == self.summaries[0] for s in self.summaries)


def new_engine(event_capacity: int = 1 << 16) -> _core.Engine:
    """A fresh engine with the stream's instrument 0 (tick 1, lot 1, any quantity)."""
    eng = _core.Engine(1 << 16, event_capacity)
    _core.Engine.add_instrument(eng, 1, 1, 1, MAX_QTY)
    return eng


class _Acc:
    """Accumulates the result summary from drained event buffers."""

    __slots__ = ("chk", "events", "fills", "traded")

    def __init__(self) -> None:
        self.fills = self.traded = self.chk = self.events = 0

    def add(self, events: bytes) -> None:
        f, t, c = _core.summarize_events(events)
        self.fills += f
        self.traded += t
        self.chk = (self.chk + c) % (1 << 64)
        self.events += len(events) // _core.EVENT_SIZE

    def finish(self, eng: _core.Engine) -> dict[str, Any]:
        bid, _, ask, _ = eng.bbo(0)
        return {
            "fills": self.fills,
            "traded": self.traded,
            "chk": self.chk,
            "live": eng.live_orders(),
            "best_bid": bid,
            "best_ask": ask,
        }


def _pool(parts: list[dict[str, Any]], ns_per_msg: list[float]) -> tuple[dict[str, Any], bool]:
    """Pools latency histograms exactly when they carry their buckets; else the median round's."""
    if all("buckets" in p for p in parts):
        return dict(_core.merge_latency(parts)), True
    order = sorted(range(len(parts)), key=lambda i: ns_per_msg[i])
    return dict(parts[order[len(order) // 2]]), False


def timing_exports_buckets() -> bool:
    """Whether `Engine.timing_stop()` returns its histogram's buckets (so rounds pool)."""
    eng = new_engine()
    eng.timing_start()
    return "buckets" in eng.timing_stop()


# ---- engine -------------------------------------------------------------------------------


def run_engine(stream: bytes, rounds: int, open_loop_rate: float | None = None) -> PathResult:
    """The engine path: everything in Rust with the GIL released."""
    r = _core.run_stream(stream, rounds, open_loop_rate)
    passes = r["throughput"] + r["latency_passes"]
    out = PathResult(
        name="engine",
        ns_per_msg=[p["ns_per_msg"] for p in r["throughput"]],
        latency=dict(r["latency"]),
        latency_pooled=True,
        summaries=[p["summary"] for p in passes],
        events_per_msg=r["throughput"][0]["events"] / max(1, r["throughput"][0]["messages"]),
        drain_ns_per_msg=statistics.median(
            (p["wall_ns"] - p["busy_ns"]) / max(1, p["messages"]) for p in r["throughput"]
        ),
    )
    if "open_loop" in r:
        o = r["open_loop"]
        out.summaries += [p["summary"] for p in o["passes"]]
        walls = [p["wall_ns"] for p in o["passes"]]
        out.open_loop = {
            "rate": open_loop_rate,
            "achieved_per_s": o["passes"][0]["messages"] * 1e9 / statistics.median(walls),
            "response_ns": dict(o["response"]),
            "service_ns": dict(o["service"]),
        }
    return out


# ---- batch --------------------------------------------------------------------------------


def run_batch(
    orders: np.ndarray,
    rounds: int,
    batch_size: int | None = BATCH_SIZE,
    open_loop_rate: float | None = None,
) -> PathResult:
    """The batch path: `process_buffer` on ORDER_DTYPE chunks of `batch_size` (0: all)."""
    n = len(orders)
    size = n if not batch_size else batch_size
    chunks = [orders[i : i + size] for i in range(0, n, max(1, size))]
    ns, lat_parts, summaries, drains = [], [], [], []
    events = 0
    for _ in range(rounds):
        # Throughput: no per-message timer; only the process_buffer calls are counted.
        eng, acc = new_engine(), _Acc()
        busy = drain = 0
        for c in chunks:
            t0 = _perf_ns()
            eng.process_buffer(c)
            t1 = _perf_ns()
            acc.add(eng.take_events())
            busy += t1 - t0
            drain += _perf_ns() - t1
        ns.append(busy / max(1, n))
        drains.append(drain / max(1, n))
        summaries.append(acc.finish(eng))
        events = acc.events
        # Latency: each message's processing timed inside process_buffer.
        eng, acc = new_engine(), _Acc()
        eng.timing_start()
        for c in chunks:
            eng.process_buffer(c)
            acc.add(eng.take_events())
        lat_parts.append(dict(eng.timing_stop()))
        summaries.append(acc.finish(eng))
    latency, pooled = _pool(lat_parts, ns)
    out = PathResult(
        name="batch",
        ns_per_msg=ns,
        latency=latency,
        latency_pooled=pooled,
        summaries=summaries,
        events_per_msg=events / max(1, n),
        drain_ns_per_msg=statistics.median(drains),
    )
    if open_loop_rate:
        out.open_loop = _batch_open_loop(orders, rounds, open_loop_rate, summaries)
    return out


def _batch_open_loop(
    orders: np.ndarray, rounds: int, rate: float, summaries: list[dict[str, Any]]
) -> dict[str, Any]:
    """Open loop for the batch path: each call takes every message that has arrived."""
    n = len(orders)
    period = 1e9 / rate
    responses, services, walls = [], [], []
    for _ in range(rounds):
        eng, acc = new_engine(), _Acc()
        ends = np.empty(n, dtype=np.int64)
        eng.timing_start()
        done = since_drain = 0
        start = _perf_ns()
        while done < n:
            arrived = min(n, int((_perf_ns() - start) / period) + 1)
            if arrived <= done:
                continue
            eng.process_buffer(orders[done:arrived])
            ends[done:arrived] = _perf_ns()
            since_drain += arrived - done
            done = arrived
            if since_drain >= 4096:
                acc.add(eng.take_events())
                since_drain = 0
        walls.append(_perf_ns() - start)
        acc.add(eng.take_events())
        services.append(dict(eng.timing_stop()))
        due = start + (np.arange(n, dtype=np.float64) * period).astype(np.int64)
        responses.append(dict(_core.latency_from_values(ends - due)))
        summaries.append(acc.finish(eng))
    service, _ = _pool(services, [0.0] * len(services))
    return {
        "rate": rate,
        "achieved_per_s": n * 1e9 / statistics.median(walls),
        "response_ns": dict(_core.merge_latency(responses)),
        "service_ns": service,
    }


# ---- single -------------------------------------------------------------------------------

_Call = tuple[int, tuple[int, ...]]


def single_calls(orders: np.ndarray) -> list[_Call]:
    """Each message as `(method index, positional args)`: 0 submit, 1 cancel, 2 reduce,
    3 replace. Built once, before any timing."""
    cols = {k: orders[k].tolist() for k in ("ts", "order_id", "client_order_id", "price", "qty")}
    acts, sides = orders["action"].tolist(), orders["side"].tolist()
    out: list[_Call] = []
    append = out.append
    p = PARTICIPANT
    for i, a in enumerate(acts):
        ts = cols["ts"][i]
        if a == 0:
            args = (ts, p, 0, sides[i], cols["price"][i], cols["qty"][i])
            append((0, (*args, 0, 0, 0, 0, cols["client_order_id"][i])))
        elif a == 1:
            append((1, (ts, p, cols["order_id"][i])))
        elif a == 2:
            append((2, (ts, p, cols["order_id"][i], cols["qty"][i])))
        elif a == 3:
            append((3, (ts, p, cols["order_id"][i], cols["price"][i], cols["qty"][i])))
        else:
            raise ValueError(f"message {i}: action {a} is not NEW, CANCEL, REDUCE or REPLACE")
    return out


def _bind(eng: _core.Engine, calls: list[_Call], size: int) -> list[list[tuple[Callable, tuple]]]:
    meths = (eng.submit, eng.cancel, eng.reduce, eng.replace)
    bound = [(meths[k], a) for k, a in calls]
    return [bound[i : i + size] for i in range(0, len(bound), size)]


def run_single(calls: list[_Call], rounds: int, open_loop_rate: float | None = None) -> PathResult:
    """The single path: one compiled-method call per message from a Python loop."""
    n = len(calls)
    ns, lat_parts, summaries, drains = [], [], [], []
    events = 0
    by_chunk = timing_exports_buckets()
    for _ in range(rounds):
        # Throughput: the loop over each chunk is timed; draining between chunks is not.
        eng, acc = new_engine(), _Acc()
        busy = drain = 0
        chunks = _bind(eng, calls, BATCH_SIZE)
        for chunk in chunks:
            t0 = _perf_ns()
            for f, a in chunk:
                f(*a)
            t1 = _perf_ns()
            acc.add(eng.take_events())
            busy += t1 - t0
            drain += _perf_ns() - t1
        ns.append(busy / max(1, n))
        drains.append(drain / max(1, n))
        summaries.append(acc.finish(eng))
        events = acc.events
        # Latency: the engine times each call-to-call interval. When timing_stop() exports
        # its buckets, timing stops around each drain and the chunks are pooled exactly;
        # otherwise one window spans the pass, and the intervals that contain a drain (one
        # per DRAIN_EVERY_ONE_WINDOW messages, above p99.99) are in it.
        eng, acc = new_engine(), _Acc()
        parts = []
        chunks = _bind(eng, calls, BATCH_SIZE if by_chunk else DRAIN_EVERY_ONE_WINDOW)
        eng.timing_start()
        for chunk in chunks:
            for f, a in chunk:
                f(*a)
            if by_chunk:
                parts.append(dict(eng.timing_stop()))
            acc.add(eng.take_events())
            if by_chunk:
                eng.timing_start()
        last = dict(eng.timing_stop())
        lat_parts.append(dict(_core.merge_latency(parts)) if by_chunk else last)
        summaries.append(acc.finish(eng))
    latency, pooled = _pool(lat_parts, ns)
    out = PathResult(
        name="single",
        ns_per_msg=ns,
        latency=latency,
        latency_pooled=pooled,
        summaries=summaries,
        events_per_msg=events / max(1, n),
        drain_ns_per_msg=statistics.median(drains),
    )
    if not by_chunk:
        out.notes.append(
            "single-path max includes an event drain (timing_stop() exports no buckets)"
        )
    if open_loop_rate:
        out.open_loop = _single_open_loop(calls, rounds, open_loop_rate, summaries)
    return out


def _single_open_loop(
    calls: list[_Call], rounds: int, rate: float, summaries: list[dict[str, Any]]
) -> dict[str, Any]:
    """Open loop for the single path: spin until each message is due, then call."""
    n = len(calls)
    period = 1e9 / rate
    responses, services, walls = [], [], []
    for _ in range(rounds):
        eng, acc = new_engine(), _Acc()
        dues = [0] * n
        begins = [0] * n
        ends = [0] * n
        i = 0
        chunks = _bind(eng, calls, BATCH_SIZE)
        start = _perf_ns()
        for chunk in chunks:
            for f, a in chunk:
                due = start + int(i * period)
                t = _perf_ns()
                while t < due:
                    t = _perf_ns()
                f(*a)
                ends[i] = _perf_ns()
                begins[i] = t
                dues[i] = due
                i += 1
            acc.add(eng.take_events())
        walls.append(_perf_ns() - start)
        e = np.array(ends, dtype=np.int64)
        responses.append(dict(_core.latency_from_values(e - np.array(dues, dtype=np.int64))))
        services.append(dict(_core.latency_from_values(e - np.array(begins, dtype=np.int64))))
        summaries.append(acc.finish(eng))
    return {
        "rate": rate,
        "achieved_per_s": n * 1e9 / statistics.median(walls),
        "response_ns": dict(_core.merge_latency(responses)),
        "service_ns": dict(_core.merge_latency(services)),
    }


def median_and_min(xs: list[float]) -> tuple[float, float]:
    """Median and minimum of per-round values."""
    return statistics.median(xs), min(xs)
