"""A small, seeded synthetic market that writes engine events (`EVENT_DTYPE`) directly: the
test and tutorial source of order flow for the strategy code, independent of the engine.

One instrument, price-time priority, fully displayed limit orders, cancels and market
orders (IOC), with the event sequences of docs/SEMANTICS.md: ACCEPTED then BOOK_ADD for a
resting order; CANCELLED then BOOK_DELETE for a cancel; ACCEPTED, then for each fill a TRADE
(maker price, aggressor side) and the maker's BOOK_MODIFY or BOOK_DELETE, then CANCELLED
(IOC_REMAINDER) for an unfilled rest. A latent fair value drifts as a random walk; market
orders lean towards it, so order-flow features carry information about future mid moves.

>>> ev = simulate_events(200, seed=3)
>>> bool((np.diff(ev["seq"]) == 1).all()), int(ev["seq"][0])
(True, 1)
"""

from __future__ import annotations

import numpy as np

from venue.dtypes import EVENT_DTYPE

__all__ = ["simulate_events"]

_ACCEPTED, _TRADE, _CANCELLED, _BOOK_ADD, _BOOK_MODIFY, _BOOK_DELETE = 0, 2, 3, 5, 6, 7
_USER_CANCEL, _IOC_REMAINDER = 32, 33


def simulate_events(
    n_messages: int,
    *,
    seed: int = 0,
    instrument: int = 0,
    mid0: int = 10_000,
    tick: int = 1,
    vol: float = 0.6,
    p_limit: float = 0.55,
    p_cancel: float = 0.3,
    informed: float = 1.5,
) -> np.ndarray:
    """`n_messages` messages of synthetic flow as engine events (one ts per message).

    `vol` is the fair value's step standard deviation in ticks; `p_limit`, `p_cancel` and
    the rest (market orders) split the message mix; `informed` is how strongly market orders
    follow the gap between fair value and mid.
    """
    rng = np.random.default_rng(seed)
    rows: list[tuple[int, ...]] = []
    # price -> list of [order_id, qty, participant]
    book: list[dict[int, list[list[int]]]] = [{}, {}]
    where: dict[int, tuple[int, int]] = {}  # order id -> (side, price)
    next_id = 1
    fair = float(mid0)

    def emit(ts, oid, price, qty, leaves, kind, side, part, maker=0, maker_part=0, reason=0):
        rows.append(
            (ts, oid, price, qty, leaves, maker, instrument, part, maker_part, kind, side, reason)
        )

    def best(side: int) -> int | None:
        levels = book[side]
        if not levels:
            return None
        return max(levels) if side == 0 else min(levels)

    def rest(ts: int, side: int, price: int, qty: int, part: int) -> None:
        nonlocal next_id
        oid = next_id
        next_id += 1
        emit(ts, oid, price, qty, qty, _ACCEPTED, side, part)
        book[side].setdefault(price, []).append([oid, qty, part])
        where[oid] = (side, price)
        emit(ts, oid, price, qty, qty, _BOOK_ADD, side, part)

    def passive_price(side: int) -> int:
        off = int(rng.geometric(0.35))  # ticks away from the fair value
        if side == 0:
            price = int(np.floor(fair / tick)) * tick - (off - 1) * tick
            ask = best(1)
            if ask is not None and price >= ask:
                price = ask - tick
        else:
            price = int(np.ceil(fair / tick)) * tick + (off - 1) * tick
            bid = best(0)
            if bid is not None and price <= bid:
                price = bid + tick
        return max(price, tick)

    # prefill both sides
    for k in range(20):
        rest(0, k % 2, passive_price(k % 2), int(rng.integers(1, 20)), 1 + k % 5)

    for i in range(n_messages):
        ts = (i + 1) * 1_000
        fair += rng.normal(0.0, vol) * tick
        u = rng.random()
        part = int(rng.integers(1, 21))
        qty = max(1, round(rng.lognormal(1.8, 0.7)))
        if u < p_limit or not where:
            side = int(rng.integers(0, 2))
            rest(ts, side, passive_price(side), qty, part)
        elif u < p_limit + p_cancel:
            ids = list(where)
            oid = ids[int(rng.integers(0, len(ids)))]
            side, price = where.pop(oid)
            level = book[side][price]
            j = next(k for k, o in enumerate(level) if o[0] == oid)
            _, left, owner = level.pop(j)
            if not level:
                del book[side][price]
            emit(ts, oid, price, left, 0, _CANCELLED, side, owner, reason=_USER_CANCEL)
            emit(ts, oid, price, 0, 0, _BOOK_DELETE, side, owner)
        else:
            bid, ask = best(0), best(1)
            mid = fair if bid is None or ask is None else (bid + ask) / 2.0
            p_buy = 1.0 / (1.0 + np.exp(-informed * (fair - mid) / tick))
            side = 0 if rng.random() < p_buy else 1
            oid = next_id
            next_id += 1
            emit(ts, oid, 0, qty, qty, _ACCEPTED, side, part)
            leaves = qty
            opp = 1 - side
            while leaves > 0 and book[opp]:
                price = best(opp)
                assert price is not None
                level = book[opp][price]
                maker = level[0]
                fill = min(leaves, maker[1])
                leaves -= fill
                maker[1] -= fill
                emit(ts, oid, price, fill, leaves, _TRADE, side, part, maker[0], maker[2])
                if maker[1] == 0:
                    level.pop(0)
                    where.pop(maker[0])
                    if not level:
                        del book[opp][price]
                    emit(ts, maker[0], price, 0, 0, _BOOK_DELETE, opp, maker[2])
                else:
                    emit(ts, maker[0], price, maker[1], maker[1], _BOOK_MODIFY, opp, maker[2])
            if leaves > 0:
                emit(ts, oid, 0, leaves, 0, _CANCELLED, side, part, reason=_IOC_REMAINDER)

    out = np.zeros(len(rows), dtype=EVENT_DTYPE)
    if rows:
        cols = list(zip(*rows, strict=True))
        names = (
            "ts",
            "order_id",
            "price",
            "qty",
            "leaves",
            "maker_order_id",
            "instrument",
            "participant",
            "maker_participant",
            "kind",
            "side",
            "reason",
        )
        for name, col in zip(names, cols, strict=True):
            out[name] = col
    out["seq"] = np.arange(1, len(out) + 1)
    out["client_order_id"] = out["order_id"]
    return out
