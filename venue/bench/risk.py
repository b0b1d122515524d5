"""`venue bench --risk`: the cost of the risk controls, measured beside risk off in one run.

Both sides run the same stream through `process_buffer` (the batch path, GIL released) on
fresh engines, rounds interleaved (off, on, off, on, ...) so that drift of the machine hits
both alike. "On" configures every control with permissive limits, so that every check runs
and none rejects: order size and notional, collar, position and credit limits on every
participant (the default limits), a throttle and a loss limit (default controls), a wide
collar and a wide price band on the instrument. Session-unique client order ids are measured
separately (`on_unique_ids`): that check is a hash-set insert per order, a different kind of
cost from the others.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

from venue.bench.paths import BATCH_SIZE, new_engine

__all__ = ["configure_permissive", "measure_risk"]

_BIG = 1 << 62  # below i64::MAX, so every limit is a real comparison


def configure_permissive(eng: Any, unique_ids: bool = False) -> None:
    """Every control on, none able to reject on a sane stream."""
    eng.set_risk_limits(-1, -1, _BIG, _BIG, _BIG, _BIG, False)
    eng.set_risk_controls(-1, 1 << 40, 1 << 20, unique_ids, _BIG, _BIG)
    # Collar: last trade +- 100%; band: +- 10,000% of a fixed reference, pause after ~forever.
    eng.set_collar(0, 0, 0, 1, 10_000)
    eng.set_price_band(0, 2, 1 << 20, 1, 1_000_000, _BIG, 1)


def _round(chunks: list[np.ndarray], mode: str) -> tuple[float, tuple[Any, ...]]:
    eng = new_engine()
    if mode != "off":
        configure_permissive(eng, unique_ids=(mode == "on_unique_ids"))
    busy = 0
    n = 0
    events = 0
    for c in chunks:
        t0 = time.perf_counter_ns()
        eng.process_buffer(c)
        busy += time.perf_counter_ns() - t0
        n += len(c)
        events += len(eng.take_events()) // 80
    summary = (events, eng.live_orders(), eng.bbo(0), eng.state_hash())
    if mode != "off":
        stats = eng.risk_stats()
        rejected = sum(stats["rejections"].values()) + sum(stats["cancels"].values())
        summary += (rejected, stats["halts"])
    return busy / max(1, n), summary


def measure_risk(
    orders: np.ndarray, rounds: int, batch_size: int | None = BATCH_SIZE
) -> dict[str, Any]:
    """Median ns per message with risk off, on, and on with unique ids; the added cost; and
    whether the runs agree (same events, book and state hash; nothing rejected)."""
    n = len(orders)
    size = n if not batch_size else batch_size
    chunks = [orders[i : i + size] for i in range(0, n, max(1, size))]
    modes = ("off", "on", "on_unique_ids")
    ns: dict[str, list[float]] = {m: [] for m in modes}
    sums: dict[str, list[tuple[Any, ...]]] = {m: [] for m in modes}
    for _ in range(rounds):
        for m in modes:
            t, s = _round(chunks, m)
            ns[m].append(t)
            sums[m].append(s)
    problems = []
    base = sums["off"][0]
    for m in modes:
        for s in sums[m]:
            if s[:4] != base:
                problems.append(f"risk {m}: events/book/hash differ from risk off")
            if m != "off" and (s[4] or s[5]):
                problems.append(f"risk {m}: {s[4]} risk rejections or cancels, {s[5]} halts")
    med = {m: statistics.median(v) for m, v in ns.items()}
    return {
        "ns_per_msg_median": {m: round(v, 2) for m, v in med.items()},
        "ns_per_msg_min": {m: round(min(v), 2) for m, v in ns.items()},
        "added_ns_per_msg": round(med["on"] - med["off"], 2),
        "added_ns_per_msg_unique_ids": round(med["on_unique_ids"] - med["off"], 2),
        "target_ns": 15,
        "rounds": rounds,
        "agree": not problems,
        "problems": sorted(set(problems)),
    }
