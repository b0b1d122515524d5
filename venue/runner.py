"""`venue.run` (exported lazily by `venue`): run a scenario and get its tables, summary and
(optionally) files.

>>> result = run("scenarios/quickstart.yaml", seed=7)            # doctest: +SKIP
>>> result.summary["trades"], result.state_hash                   # doctest: +SKIP
>>> result.trades.to_pandas()                                     # doctest: +SKIP

`run` validates the scenario first (a `ScenarioError` lists every problem and nothing
runs), builds the simulation, runs it, and returns a `RunResult` whose `tables` are pyarrow
tables (`events`, `trades`, `l1`, `depth`, `agents`) and whose `summary` is what
`summary.json` holds. With `out`, it also writes the Parquet files the scenario's `outputs`
ask for, `summary.json` and `report.png` there. The CLI `venue run` is a thin layer over it.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from venue.dtypes import EVENT_DTYPE
from venue.io import (
    DEPTH_SCHEMA,
    EVENTS_SCHEMA,
    L1_SCHEMA,
    TRADES_SCHEMA,
    RunResult,
    agents_schema,
    run_metadata,
    write_summary,
    write_tables,
)
from venue.scenario import Scenario, load_scenario, scenario_from_dict
from venue.sim.simulation import Simulation

__all__ = ["RunResult", "build_tables", "default_out_dir", "run"]

_TRADE, _CANCELLED, _REJECTED = 2, 3, 1
_USER_CANCEL, _MASS_CANCEL = 32, 36


def default_out_dir(scenario: Scenario, seed: int) -> Path:
    """`runs/<scenario>-<seed>` (relative to the current directory)."""
    return Path("runs") / f"{scenario.name}-{seed}"


def run(
    scenario: str | os.PathLike[str] | Scenario | dict[str, Any],
    seed: int | None = None,
    out: str | os.PathLike[str] | None = None,
    quiet: bool = True,
    *,
    engine: Any = "rust",
) -> RunResult:
    """Runs a scenario (a file path, a `Scenario`, or a dict of the YAML keys).

    `seed` overrides the scenario's seed. `out` is a directory to write the outputs to
    (nothing is written without it). `quiet=False` shows a progress bar over simulated time
    and a summary table on the terminal. `engine` is `"rust"` (default) or `"reference"`
    (the slow Python model of the same semantics, for cross-checks).
    """
    if isinstance(scenario, Scenario):
        sc = scenario
    elif isinstance(scenario, dict):
        sc = scenario_from_dict(scenario)
    else:
        sc = load_scenario(scenario)
    seed = sc.seed if seed is None else int(seed)
    if seed < 0:
        raise ValueError(f"run: seed must be >= 0, got {seed}")

    sim = Simulation(sc, seed=seed, engine=engine)
    if sc.risk is not None:
        from venue.scenario.risk import apply_risk

        apply_risk(sim)
    if quiet:
        sim.run()
    else:
        _run_with_progress(sim)
    t0 = time.perf_counter()
    tables = build_tables(sim)
    tables_seconds = time.perf_counter() - t0
    summary = build_summary(sim, tables)
    del sim  # the tables hold everything now: free the simulation before writing
    summary["timing"]["tables_seconds"] = round(tables_seconds, 4)
    meta = run_metadata(
        scenario=sc.name,
        scenario_yaml=sc.text,
        seed=seed,
        engine_version=summary["engine_version"],
        venue_version=summary["venue_version"],
        state_hash=summary["state_hash"],
        date=sc.market.date,
    )
    result = RunResult(summary=summary, tables=tables, metadata=meta)
    if out is not None:
        t1 = time.perf_counter()
        o = sc.outputs
        enabled = {
            "events": o.events,
            "trades": o.trades,
            "l1": o.l1,
            "depth": o.depth,
            "agents": o.agents,
        }
        out_dir = write_tables(result, out, enabled)
        if o.report:
            from venue.analytics.report import make_report

            make_report(tables, summary, out_dir / "report.png")
        summary["timing"]["write_seconds"] = round(time.perf_counter() - t1, 4)
        summary["peak_rss_mb"] = _peak_rss_mb()
        write_summary(result, out_dir)
    if not quiet:
        _print_summary(summary, result.out_dir)
    return result


# ----------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------


def build_tables(sim: Simulation) -> dict[str, pa.Table]:
    """The run's tables (`events`, `trades`, `l1`, `depth`, `agents`) from a finished
    simulation; columns follow the schemas of `venue.io`."""
    ex = sim.exchange
    symbols = [i.symbol for i in ex.instruments]
    ev = ex.events(copy=False)
    cols = {name: np.ascontiguousarray(ev[name]) for name in EVENT_DTYPE.names or ()}
    del ev
    events = pa.table(cols, schema=EVENTS_SCHEMA)

    m = cols["kind"] == _TRADE
    t_inst = cols["instrument"][m]
    trades = pa.table(
        {
            "seq": cols["seq"][m],
            "ts": cols["ts"][m],
            "instrument": t_inst,
            "symbol": _symbol_column(t_inst, symbols),
            "price": cols["price"][m],
            "qty": cols["qty"][m],
            "side": cols["side"][m],
            "taker_participant": cols["participant"][m],
            "maker_participant": cols["maker_participant"][m],
            "taker_order_id": cols["order_id"][m],
            "maker_order_id": cols["maker_order_id"][m],
        },
        schema=TRADES_SCHEMA,
    )

    q = ex.l1
    ts_a = np.frombuffer(q.ts, dtype=np.int64)
    inst_a = np.frombuffer(q.instrument, dtype=np.int64).astype(np.uint32)
    bid = np.frombuffer(q.bid, dtype=np.int64)
    ask = np.frombuffer(q.ask, dtype=np.int64)
    l1 = pa.table(
        {
            "ts": ts_a.copy(),
            "instrument": inst_a,
            "symbol": _symbol_column(inst_a, symbols),
            "bid": pa.array(bid, type=pa.int64(), mask=bid == 0),
            "bid_qty": np.frombuffer(q.bid_qty, dtype=np.int64).copy(),
            "ask": pa.array(ask, type=pa.int64(), mask=ask == 0),
            "ask_qty": np.frombuffer(q.ask_qty, dtype=np.int64).copy(),
            "fundamental": _fundamental_column(sim, ts_a, inst_a),
        },
        schema=L1_SCHEMA,
    )

    drows = [
        (t, inst, side, level, price, qty, count)
        for t, inst, side, levels in ex.depth_rows
        for level, (price, qty, count) in enumerate(levels)
    ]
    dcols = list(zip(*drows, strict=True)) if drows else [[]] * 7
    depth = pa.table(
        {
            "ts": np.asarray(dcols[0], dtype=np.int64),
            "instrument": np.asarray(dcols[1], dtype=np.uint32),
            "side": np.asarray(dcols[2], dtype=np.uint8),
            "level": np.asarray(dcols[3], dtype=np.uint16),
            "price": np.asarray(dcols[4], dtype=np.int64),
            "qty": np.asarray(dcols[5], dtype=np.int64),
            "orders": np.asarray(dcols[6], dtype=np.uint32),
        },
        schema=DEPTH_SCHEMA,
    )
    return {
        "events": events,
        "trades": trades,
        "l1": l1,
        "depth": depth,
        "agents": _agents_table(sim, symbols),
    }


def _symbol_column(inst: np.ndarray, symbols: list[str]) -> pa.Array:
    indices = pa.array(np.asarray(inst, dtype=np.int32))
    return pa.DictionaryArray.from_arrays(indices, pa.array(symbols, type=pa.string())).cast(
        pa.string()
    )


def _fundamental_column(sim: Simulation, ts: np.ndarray, inst: np.ndarray) -> pa.Array:
    values = np.zeros(len(ts), dtype=np.int64)
    valid = np.zeros(len(ts), dtype=bool)
    for i, f in enumerate(sim.fundamentals):
        if f is None:
            continue
        m = inst == i
        _times, path = f.series()
        idx = np.clip((ts[m] - f.start) // f.resolution, 0, len(path) - 1)
        values[m] = path[idx]
        valid[m] = True
    return pa.array(values, type=pa.int64(), mask=~valid)


def _agents_table(sim: Simulation, symbols: list[str]) -> pa.Table:
    marks = sim.marks()
    data: dict[str, list[Any]] = {name: [] for name in agents_schema(symbols).names}
    for a in sim.agents:
        pnl = a.pnl(marks)
        data["agent_id"].append(a.agent_id)
        data["name"].append(a.name)
        data["group"].append(a.group)
        data["type"].append(a.type_name)
        data["starting_cash"].append(a.starting_cash)
        data["cash"].append(a.cash)
        data["position"].append(sum(a.positions))
        for s, p in zip(symbols, a.positions, strict=True):
            data[f"position_{s}"].append(p)
        data["realized_pnl"].append(float(a.realized_pnl))
        data["unrealized_pnl"].append(pnl - float(a.realized_pnl))
        data["pnl"].append(pnl)
        data["orders"].append(a.orders_sent)
        data["cancels"].append(a.cancels_sent)
        data["fills"].append(a.fills)
        data["volume"].append(a.volume)
        data["rejects"].append(a.rejects)
        data["open_orders"].append(sum(1 for o in a.orders.values() if o.status == "open"))
    return pa.table(data, schema=agents_schema(symbols))


# ----------------------------------------------------------------------------------------
# Summary
# ----------------------------------------------------------------------------------------


def build_summary(sim: Simulation, tables: dict[str, pa.Table]) -> dict[str, Any]:
    """The content of `summary.json` for a finished simulation and its tables."""
    import venue
    from venue.analytics.pnl import pnl_by_type

    ex = sim.exchange
    sc = sim.scenario
    events = tables["events"]
    kind = events.column("kind").to_numpy()
    reason = events.column("reason").to_numpy()
    trades = tables["trades"]
    qty = trades.column("qty").to_numpy()
    price = trades.column("price").to_numpy()
    t_inst = trades.column("instrument").to_numpy()
    marks = sim.marks()
    instruments: dict[str, Any] = {}
    for i, info in enumerate(ex.instruments):
        m = t_inst == i
        vol = int(qty[m].sum())
        instruments[info.symbol] = {
            "trades": int(m.sum()),
            "volume": vol,
            "vwap": round(float((price[m] * qty[m]).sum()) / vol, 4) if vol else None,
            "last_trade": ex.last_trade[i],
            "close_mark": marks[i],
        }
    engine_version = (
        "reference" if type(sim.engine).__name__ == "ReferenceEngine" else venue.__version__
    )
    extra: dict[str, Any] = {}
    if sc.risk is not None:
        from venue.risk import risk_summary

        extra["risk"] = risk_summary(sim.engine, {a.agent_id: a.name for a in sim.agents})
    return {
        "scenario": sc.name,
        "seed": sim.seed,
        "sim_seconds": round((sim.end_ns - sim.start_ns) / 1e9, 6),
        "wall_seconds": round(sim.setup_seconds + sim.run_seconds, 4),
        "messages": ex.messages_in + ex.messages_out,
        "orders": ex.new_orders,
        "cancels": int(
            ((kind == _CANCELLED) & ((reason == _USER_CANCEL) | (reason == _MASS_CANCEL))).sum()
        ),
        "trades": int(trades.num_rows),
        "volume": int(qty.sum()),
        "state_hash": f"0x{sim.engine.state_hash():016x}",
        "agents": pnl_by_type(tables["agents"]),
        "engine_version": engine_version,
        "venue_version": venue.__version__,
        "date": sc.market.date,
        "agent_count": len(sim.agents),
        "events": int(events.num_rows),
        "rejects": int((kind == _REJECTED).sum()),
        "messages_to_exchange": ex.messages_in,
        "messages_to_agents": ex.messages_out,
        "cancel_requests": ex.cancel_requests,
        "queries": ex.queries,
        "engine_batches": ex.batches,
        "largest_batch": ex.max_batch,
        "simpy_events": sim.kernel.events_scheduled,
        "depth_levels": sc.outputs.depth_levels,
        "instruments": instruments,
        "timing": {
            "setup_seconds": round(sim.setup_seconds, 4),
            "run_seconds": round(sim.run_seconds, 4),
        },
        "peak_rss_mb": _peak_rss_mb(),
        **extra,
    }


def _peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# ----------------------------------------------------------------------------------------
# Terminal output
# ----------------------------------------------------------------------------------------


def _run_with_progress(sim: Simulation) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    start, end = sim.start_ns, sim.end_ns
    span = max(1, end - start)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f}%"),
        TextColumn("sim {task.fields[clock]}"),
        TimeElapsedColumn(),
        transient=False,
    ) as progress:
        task = progress.add_task(sim.scenario.name, total=span, clock=_clock(start))

        def update(now: int) -> None:
            progress.update(task, completed=now - start, clock=_clock(now))

        cb: Callable[[int], None] = update
        sim.run(progress=cb)
        progress.update(task, completed=span, clock=_clock(end))


def _clock(ns: int) -> str:
    s = ns // 1_000_000_000
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def _print_summary(summary: dict[str, Any], out_dir: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t = Table(title=f"{summary['scenario']} (seed {summary['seed']})", show_header=False)
    t.add_column("what", style="bold")
    t.add_column("value", justify="right")
    rows = [
        ("simulated", f"{summary['sim_seconds']:,.0f} s"),
        ("wall", f"{summary['wall_seconds']:.2f} s"),
        ("messages", f"{summary['messages']:,}"),
        ("orders", f"{summary['orders']:,}"),
        ("cancels", f"{summary['cancels']:,}"),
        ("trades", f"{summary['trades']:,}"),
        ("volume", f"{summary['volume']:,}"),
        ("state hash", summary["state_hash"]),
        ("peak memory", f"{summary['peak_rss_mb']:.0f} MB"),
    ]
    for k, v in rows:
        t.add_row(k, v)
    console.print(t)
    a = Table(title="PnL by agent type")
    for col in ("type", "count", "mean PnL", "total PnL", "fills", "volume"):
        a.add_column(col, justify="right" if col != "type" else "left")
    for name, s in summary["agents"].items():
        a.add_row(
            name,
            f"{s['count']:,}",
            f"{s['pnl_mean']:,.0f}",
            f"{s['pnl_total']:,.0f}",
            f"{s['fills']:,}",
            f"{s['volume']:,}",
        )
    console.print(a)
    if out_dir is not None:
        console.print(f"outputs in [bold]{out_dir}[/bold]")
