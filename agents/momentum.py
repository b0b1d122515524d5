"""Momentum trader: ABIDES' `MomentumAgent` (moving-average crossover).

Wakes every `wake_up_freq` (exponentially distributed gaps when `poisson_arrival`), asks
for the best bid and offer and records the mid price. Once it has more than `long_window`
observations it compares the averages of the last `short_window` and `long_window` mids
(rounded to 2 decimals, as ABIDES): short >= long buys at the best ask, otherwise it sells
at the best bid; both cross the spread. With `subscribe`, it takes a depth-1 subscription
(one update at most every 10 s) instead of polling.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from agents.base import Agent
from agents.order_size import ORDER_SIZE, OrderSizeModel
from venue.scenario.types import (
    REQUIRED,
    Bool,
    Choice,
    Duration,
    Either,
    Field,
    Int,
    Record,
    Symbol,
)
from venue.sim.marketdata import BookView

__all__ = ["MomentumAgent"]


def _check(v: dict[str, Any], node: Any, path: str, ctx: Any) -> None:
    if v["short_window"] >= v["long_window"]:
        ctx.error(node.line, f"{path}.short_window", "expected short_window < long_window")
    if v["min_size"] >= v["max_size"]:
        ctx.error(node.line, f"{path}.min_size", "expected min_size < max_size")


class MomentumAgent(Agent):
    """Momentum trader (ABIDES `MomentumAgent`): crosses the spread in the direction of a
    short/long moving-average crossover of the mid price."""

    type_name = "momentum"
    tracks_orders = False  # never reads its own orders or position
    PARAMS = Record(
        "momentum",
        [
            Field("symbol", Symbol(), REQUIRED, "Instrument traded."),
            Field(
                "wake_up_freq",
                Duration(min=0, min_open=True),
                60 * 10**9,
                "Mean time between wake-ups (ABIDES `wake_up_freq`).",
            ),
            Field(
                "poisson_arrival",
                Bool(),
                True,
                "Exponential gaps (true) or fixed ones (ABIDES `poisson_arrival`).",
            ),
            Field("short_window", Int(min=1), 20, "Observations in the short average."),
            Field("long_window", Int(min=2), 50, "Observations in the long average."),
            Field(
                "min_size",
                Int(min=1),
                20,
                "Smallest fixed size, without an order size model (ABIDES `min_size`).",
            ),
            Field("max_size", Int(min=2), 50, "Largest fixed size + 1 (ABIDES `max_size`)."),
            Field(
                "order_size",
                Either(Choice("fixed"), ORDER_SIZE),
                "fixed",
                "Order size model, or `fixed`: one size drawn in [min_size, max_size) at the "
                "start.",
            ),
            Field(
                "subscribe",
                Bool(),
                False,
                "Use a market-data subscription instead of polling (ABIDES `subscribe`).",
            ),
        ],
        check=_check,
    )

    def on_start(self) -> None:
        p = self.params
        self.inst = self.instrument(p.symbol)
        self.sizes = None if p.order_size == "fixed" else OrderSizeModel.from_spec(p.order_size)
        self.size = self.rng.integers(p.min_size, p.max_size) if self.sizes is None else 0
        self.mids: deque[float] = deque()  # the last `long_window` mids
        self.count = 0
        # Running sums of the last short/long mids. Mids of integer prices are multiples of
        # 0.5, so these float sums are exact: the same averages as summing each time.
        self._sum_short = 0.0
        self._sum_long = 0.0
        self.avg_short: float | None = None
        self.avg_long: float | None = None
        self.subscribed = False
        self.wake_at(self.market_open + self._gap())

    def _gap(self) -> int:
        p = self.params
        return round(self.rng.exponential(p.wake_up_freq)) if p.poisson_arrival else p.wake_up_freq

    def on_wakeup(self) -> None:
        if self.params.subscribe:
            if not self.subscribed:
                self.subscribe_depth(self.inst, depth=1, min_interval=10 * 10**9)
                self.subscribed = True
        elif self.is_open:
            self.query_book(self.inst)

    def on_book(self, book: BookView) -> None:
        if self.is_open:
            self.trade(book.bid, book.ask)
            self.wake_in(self._gap())

    def on_depth(self, book: BookView) -> None:
        if self.is_open:
            self.trade(book.bid, book.ask)

    def trade(self, bid: int | None, ask: int | None) -> None:
        """Records the mid and, once both averages exist, crosses the spread."""
        if bid is None or ask is None:
            return
        p = self.params
        mids = self.mids
        mid = (bid + ask) / 2
        mids.append(mid)
        self.count += 1
        self._sum_short += mid
        if len(mids) > p.short_window:
            self._sum_short -= mids[-1 - p.short_window]
        self._sum_long += mid
        if len(mids) > p.long_window:
            self._sum_long -= mids.popleft()
        if self.count > p.short_window:
            self.avg_short = round(self._sum_short / p.short_window, 2)
        if self.count > p.long_window:
            self.avg_long = round(self._sum_long / p.long_window, 2)
        if self.avg_short is None or self.avg_long is None:
            return
        size = self.to_lot(
            self.inst, self.size if self.sizes is None else self.sizes.sample(self.rng)
        )
        if size <= 0:
            return
        if self.avg_short >= self.avg_long:
            self.buy(self.inst, size, ask)
        else:
            self.sell(self.inst, size, bid)
