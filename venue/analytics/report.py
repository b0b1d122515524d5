"""`report.png`: one picture of a run, made with matplotlib (Agg, no display needed).

Panels: mid price with the fundamental value; bid-ask spread; displayed depth of the top
levels on each side; traded volume per minute; mark-to-market PnL by agent type; the run's
key numbers. One line per instrument where a panel is per instrument.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["make_report"]

_HOUR = 3_600e9
_MINUTE = 60_000_000_000
_MAX_POINTS = 20_000


def _col(table: pa.Table, name: str, dtype: Any = np.float64) -> np.ndarray:
    col = table.column(name)
    if col.null_count:
        return np.asarray(col.to_pylist(), dtype=object).astype(np.float64)  # None -> nan
    return col.to_numpy().astype(dtype)


def _thin(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    n = len(arrays[0])
    if n <= _MAX_POINTS:
        return arrays
    step = -(-n // _MAX_POINTS)
    return tuple(a[::step] for a in arrays)


def make_report(tables: dict[str, pa.Table], summary: dict[str, Any], path: str | Path) -> Path:
    """Draws the report of a run (its tables and summary) into `path` (PNG)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    # Fixed margins: constrained layout would double the drawing time.
    fig, axes = plt.subplots(
        3,
        2,
        figsize=(14, 11),
        gridspec_kw={
            "left": 0.07,
            "right": 0.98,
            "top": 0.93,
            "bottom": 0.06,
            "hspace": 0.38,
            "wspace": 0.2,
        },
    )
    (ax_px, ax_spread), (ax_depth, ax_vol), (ax_pnl, ax_text) = axes
    symbols = _symbols(tables)
    l1 = tables.get("l1")
    trades = tables.get("trades")
    depth = tables.get("depth")

    if l1 is not None and l1.num_rows:
        inst = l1.column("instrument").to_numpy()
        ts_all = l1.column("ts").to_numpy() / _HOUR
        bid_all, ask_all, fund_all = _col(l1, "bid"), _col(l1, "ask"), _col(l1, "fundamental")
        for i, sym in symbols.items():
            m = inst == i
            ts, bid, ask, fund = _thin(ts_all[m], bid_all[m], ask_all[m], fund_all[m])
            mid = (bid + ask) / 2
            ax_px.step(ts, mid, where="post", lw=0.8, label=f"{sym} mid")
            if not np.all(np.isnan(fund)):
                ax_px.step(ts, fund, where="post", lw=1.2, ls="--", label=f"{sym} fundamental")
            ax_spread.step(ts, ask - bid, where="post", lw=0.6, label=sym)
    ax_px.set(title="Mid price and fundamental", xlabel="hour", ylabel="price (price units)")
    ax_spread.set(title="Bid-ask spread", xlabel="hour", ylabel="price units")
    if symbols:
        ax_px.legend(fontsize=8, loc="best")
        ax_spread.legend(fontsize=8, loc="best")

    if depth is not None and depth.num_rows:
        d_inst = depth.column("instrument").to_numpy()
        d_side = depth.column("side").to_numpy()
        d_ts = depth.column("ts").to_numpy()
        d_qty = depth.column("qty").to_numpy()
        for i, sym in symbols.items():
            for side, name in ((0, "bid"), (1, "ask")):
                m = (d_inst == i) & (d_side == side)
                if not m.any():
                    continue
                times, idx = np.unique(d_ts[m], return_inverse=True)
                total = np.bincount(idx, weights=d_qty[m])
                ax_depth.plot(times / _HOUR, total, lw=0.8, label=f"{sym} {name}")
        ax_depth.legend(fontsize=8, loc="best")
    levels = summary.get("depth_levels", "")
    ax_depth.set(title=f"Displayed depth, top {levels} levels", xlabel="hour", ylabel="quantity")

    if trades is not None and trades.num_rows:
        t_inst = trades.column("instrument").to_numpy()
        t_ts = trades.column("ts").to_numpy()
        t_qty = trades.column("qty").to_numpy()
        for i, sym in symbols.items():
            m = t_inst == i
            if not m.any():
                continue
            minute = t_ts[m] // _MINUTE
            first = int(minute.min())
            vol = np.bincount(minute - first, weights=t_qty[m])
            edges = (first + np.arange(len(vol) + 1)) * _MINUTE / _HOUR
            ax_vol.stairs(vol, edges, fill=True, alpha=0.6, label=sym)
        ax_vol.legend(fontsize=8, loc="best")
    ax_vol.set(title="Traded volume per minute", xlabel="hour", ylabel="quantity")

    by_type = summary.get("agents", {})
    if by_type:
        names = list(by_type)
        means = [by_type[n]["pnl_mean"] for n in names]
        lows = [by_type[n]["pnl_min"] for n in names]
        highs = [by_type[n]["pnl_max"] for n in names]
        x = np.arange(len(names))
        colors = ["tab:green" if m >= 0 else "tab:red" for m in means]
        ax_pnl.bar(x, means, color=colors, alpha=0.8)
        ax_pnl.errorbar(
            x,
            means,
            yerr=[np.subtract(means, lows), np.subtract(highs, means)],
            fmt="none",
            ecolor="k",
            lw=0.8,
            capsize=3,
        )
        labels = [f"{n.replace('_', ' ')}\n(n={by_type[n]['count']})" for n in names]
        ax_pnl.set_xticks(x, labels, fontsize=8, rotation=15)
        ax_pnl.axhline(0, color="k", lw=0.5)
    ax_pnl.set(title="PnL per agent by type (mean, min-max)", ylabel="price units x qty")

    def hhmm(hours: float, _pos: int) -> str:
        minutes = round(hours * 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    clock = FuncFormatter(hhmm)
    for ax in (ax_px, ax_spread, ax_depth, ax_vol):
        ax.xaxis.set_major_formatter(clock)
        ax.set_xlabel("time")
    ax_text.axis("off")
    lines = [
        f"scenario   {summary.get('scenario')}   seed {summary.get('seed')}",
        f"simulated  {summary.get('sim_seconds', 0):,.0f} s   "
        f"wall {summary.get('wall_seconds', 0):.2f} s",
        f"messages   {summary.get('messages', 0):,}",
        f"orders     {summary.get('orders', 0):,}   cancels {summary.get('cancels', 0):,}",
        f"trades     {summary.get('trades', 0):,}   volume {summary.get('volume', 0):,}",
        f"state hash {summary.get('state_hash')}",
    ]
    ax_text.text(0.0, 1.0, "\n".join(lines), va="top", family="monospace", fontsize=10)
    fig.suptitle(f"venue run: {summary.get('scenario')} (seed {summary.get('seed')})")
    out = Path(path)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out


def _symbols(tables: dict[str, pa.Table]) -> dict[int, str]:
    for name in ("l1", "trades"):
        t = tables.get(name)
        if t is not None and t.num_rows:
            ids = t.column("instrument").to_pylist()
            syms = t.column("symbol").to_pylist()
            return dict(sorted(dict(zip(ids, syms, strict=True)).items()))
    return {}
