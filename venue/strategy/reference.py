"""The indicators' oracle: a slow, plain Python book rebuild and plain numpy formulas, written
from the definitions in docs/STRATEGY.md independently of the Rust code. Tests hold the Rust
indicators to it, column by column.

>>> from venue.strategy.synth import simulate_events
>>> ev = simulate_events(100, seed=2)
>>> tops, trades = reference_steps(ev)
>>> X = reference_features(tops, trades)
>>> X.shape[1]
16
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from venue.strategy.features import IndicatorConfig

__all__ = ["reference_features", "reference_steps"]

_TRADE, _BOOK_ADD, _BOOK_MODIFY, _BOOK_DELETE = 2, 5, 6, 7


def reference_steps(
    events: np.ndarray, config: IndicatorConfig | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Rebuilds the book event by event and samples it at each step.

    Returns `tops`, an int64 array (steps x 6: bid_px, bid_qty, ask_px, ask_qty, bid_depth,
    ask_depth; an empty side is 0, 0), and `trades`, a dict of arrays `step` (the step whose
    close first includes the fill), `price`, `qty`, `sign`.
    """
    cfg = config or IndicatorConfig()
    orders: dict[int, tuple[int, int, int]] = {}  # id -> (side, price, qty)
    levels: list[dict[int, int]] = [defaultdict(int), defaultdict(int)]
    counts: list[dict[int, int]] = [defaultdict(int), defaultdict(int)]
    tops: list[list[int]] = []
    trades: list[tuple[int, int, int, int]] = []
    dirty = False

    def remove(oid: int) -> None:
        side, price, qty = orders.pop(oid)
        levels[side][price] -= qty
        counts[side][price] -= 1
        if counts[side][price] == 0:
            del levels[side][price]
            del counts[side][price]

    n = len(events)
    for i in range(n):
        e = events[i]
        if int(e["instrument"]) == cfg.instrument:
            kind, oid = int(e["kind"]), int(e["order_id"])
            side, price, qty = int(e["side"]), int(e["price"]), int(e["qty"])
            if kind == _TRADE:
                trades.append((len(tops), price, qty, 1 if side == 0 else -1))
                dirty = True
            elif kind in (_BOOK_ADD, _BOOK_MODIFY, _BOOK_DELETE):
                if oid in orders:
                    remove(oid)
                if kind != _BOOK_DELETE:
                    orders[oid] = (side, price, qty)
                    levels[side][price] += qty
                    counts[side][price] += 1
                dirty = True
        boundary = i == n - 1 or int(events[i + 1]["ts"]) != int(e["ts"])
        if boundary and dirty:
            bids = sorted(levels[0].items(), reverse=True)
            asks = sorted(levels[1].items())
            top = [
                bids[0][0] if bids else 0,
                bids[0][1] if bids else 0,
                asks[0][0] if asks else 0,
                asks[0][1] if asks else 0,
                sum(q for _, q in bids[: cfg.depth_levels]),
                sum(q for _, q in asks[: cfg.depth_levels]),
            ]
            tops.append(top)
            dirty = False
    t = np.array(trades, dtype=np.int64).reshape(-1, 4)
    return (
        np.array(tops, dtype=np.int64).reshape(-1, 6),
        {"step": t[:, 0], "price": t[:, 1], "qty": t[:, 2], "sign": t[:, 3]},
    )


def _rolling_sum(x: np.ndarray, k: int) -> np.ndarray:
    """Sum of the last `k` values at each position (fewer at the start)."""
    c = np.concatenate([[0], np.cumsum(x)])
    idx = np.arange(1, len(x) + 1)
    return c[idx] - c[np.maximum(idx - k, 0)]


def reference_features(
    tops: np.ndarray, trades: dict[str, np.ndarray], config: IndicatorConfig | None = None
) -> np.ndarray:
    """The 16 features at each step, in the order of `IndicatorConfig.feature_names()`,
    from the sampled tops and the fills (as `reference_steps` returns them)."""
    cfg = config or IndicatorConfig()
    bp, bq, ap, aq, bd, ad = (tops[:, j].astype(np.int64) for j in range(6))
    s = len(tops)
    two = (bq > 0) & (aq > 0)
    mid = np.where(two, (bp + ap) / 2.0, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.where(two, (ap - bp).astype(float), np.nan)
        micro = np.where(two, (bp * aq.astype(float) + ap * bq.astype(float)) / (bq + aq), np.nan)
        qimb = np.where(bq + aq > 0, (bq - aq) / (bq + aq), np.nan)
        dimb = np.where(bd + ad > 0, (bd - ad) / (bd + ad), np.nan)

    # OFI (Cont, Kukanov, Stoikov): empty bid = -inf, empty ask = +inf, quantity 0
    lo, hi = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    pb = np.where(bq > 0, bp, lo)
    pa = np.where(aq > 0, ap, hi)
    pb0 = np.concatenate([[lo], pb[:-1]])
    pa0 = np.concatenate([[hi], pa[:-1]])
    bq0 = np.concatenate([[0], bq[:-1]])
    aq0 = np.concatenate([[0], aq[:-1]])
    e = (pb >= pb0) * bq - (pb <= pb0) * bq0 - (pa <= pa0) * aq + (pa >= pa0) * aq0
    ofi_s = _rolling_sum(e, cfg.ofi_short)
    ofi_l = _rolling_sum(e, cfg.ofi_long)

    # trade windows: the fills included by step i are those with step <= i
    tq = trades["qty"].astype(np.int64)
    c_signed = np.concatenate([[0], np.cumsum(trades["sign"] * tq)])
    c_vol = np.concatenate([[0], np.cumsum(tq)])
    c_notional = np.concatenate([[0], np.cumsum(trades["price"].astype(np.int64) * tq)])
    n_tr = np.searchsorted(trades["step"], np.arange(s), side="right")
    first = np.maximum(n_tr - cfg.trade_window, 0)
    vol = c_vol[n_tr] - c_vol[first]
    with np.errstate(invalid="ignore", divide="ignore"):
        timb = np.where(vol > 0, (c_signed[n_tr] - c_signed[first]) / vol, np.nan)
        vwap = np.where(vol > 0, (c_notional[n_tr] - c_notional[first]) / vol, np.nan)

    # the mid series of the two-sided steps
    m2 = (bp + ap)[two]
    n_mid = np.cumsum(two)  # mids seen by step i

    def ema(span: int) -> np.ndarray:
        alpha = 2.0 / (span + 1.0)
        out = np.empty(len(m2))
        value = np.nan
        for j, m in enumerate(m2 / 2.0):
            value = m if j == 0 else value + alpha * (m - value)
            out[j] = value
        return np.concatenate([[np.nan], out])[n_mid]

    sq = np.diff(m2).astype(np.float64) ** 2
    rv_changes = np.concatenate([[0.0], np.sqrt(_rolling_sum(sq, cfg.vol_window)) / 2.0])
    rv = np.where(n_mid >= 2, rv_changes[np.maximum(n_mid - 1, 0)], np.nan)

    def ret(k: int) -> np.ndarray:
        out = np.full(s, np.nan)
        ok = n_mid >= k + 1
        last = n_mid[ok] - 1
        out[ok] = (m2[last] - m2[last - k]) / 2.0
        return out

    cols = [
        spread,
        micro - mid,
        qimb,
        dimb,
        ofi_s.astype(float),
        ofi_l.astype(float),
        timb,
        vwap - mid,
        mid - ema(cfg.ema_fast),
        mid - ema(cfg.ema_slow),
        rv,
        ret(cfg.ret_short),
        ret(cfg.ret_long),
        bq.astype(float),
        aq.astype(float),
        (bd + ad).astype(float),
    ]
    return np.column_stack(cols) if s else np.zeros((0, 16))
