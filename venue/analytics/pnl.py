"""Profit and loss: per agent from its own bookkeeping, per type for the summary, and an
independent recomputation from the trades table (an oracle for the agents' accounting).

>>> import pyarrow as pa
>>> trades = pa.table({"instrument": [0, 0], "price": [100, 102], "qty": [5, 5],
...                    "side": [0, 1], "taker_participant": [1, 1], "maker_participant": [2, 2]})
>>> books = positions_from_trades(trades, n_instruments=1)
>>> books[1], books[2]   # participant -> (cash change, positions)
((10, [0]), (-10, [0]))
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["pnl_by_type", "positions_from_trades"]


def positions_from_trades(trades: pa.Table, n_instruments: int) -> dict[int, tuple[int, list[int]]]:
    """Each participant's cash change and positions, recomputed from the trades alone.

    For each fill, the taker's side is the trade's `side` and the maker takes the other:
    the buyer pays `price * qty` and gains `qty`. Returns participant -> (cash change,
    position per instrument). A self-trade nets to zero for its participant.
    """
    cash: dict[int, int] = defaultdict(int)
    pos: dict[int, list[int]] = defaultdict(lambda: [0] * n_instruments)
    cols = {
        name: trades.column(name).to_pylist()
        for name in ("instrument", "price", "qty", "side", "taker_participant", "maker_participant")
    }
    for inst, price, qty, side, taker, maker in zip(
        cols["instrument"],
        cols["price"],
        cols["qty"],
        cols["side"],
        cols["taker_participant"],
        cols["maker_participant"],
        strict=True,
    ):
        buyer, seller = (taker, maker) if side == 0 else (maker, taker)
        cash[buyer] -= price * qty
        cash[seller] += price * qty
        pos[buyer][inst] += qty
        pos[seller][inst] -= qty
    return {p: (cash[p], pos[p]) for p in sorted(set(cash) | set(pos))}


def pnl_by_type(agents: pa.Table) -> dict[str, dict[str, Any]]:
    """Per agent type: count, total / mean / min / max mark-to-market PnL, realised PnL,
    fills and volume (from an `agents` table)."""
    types = agents.column("type").to_pylist()
    pnl = np.asarray(agents.column("pnl").to_pylist(), dtype=float)
    realized = np.asarray(agents.column("realized_pnl").to_pylist(), dtype=float)
    fills = np.asarray(agents.column("fills").to_pylist(), dtype=np.int64)
    volume = np.asarray(agents.column("volume").to_pylist(), dtype=np.int64)
    orders = np.asarray(agents.column("orders").to_pylist(), dtype=np.int64)
    out: dict[str, dict[str, Any]] = {}
    for t in dict.fromkeys(types):
        m = np.asarray([x == t for x in types])
        p = pnl[m]
        out[t] = {
            "count": int(m.sum()),
            "pnl_total": _num(p.sum()),
            "pnl_mean": _num(p.mean()) if len(p) else 0.0,
            "pnl_min": _num(p.min()) if len(p) else 0.0,
            "pnl_max": _num(p.max()) if len(p) else 0.0,
            "realized_pnl_total": _num(realized[m].sum()),
            "orders": int(orders[m].sum()),
            "fills": int(fills[m].sum()),
            "volume": int(volume[m].sum()),
        }
    return out


def _num(x: float) -> float:
    """A JSON-friendly float (rounded to 1e-6; never NaN)."""
    v = float(x)
    return 0.0 if math.isnan(v) else round(v, 6)
