"""Noise trader: ABIDES' `NoiseAgent`.

Each noise agent wakes once, at a time drawn from a U-quadratic distribution over
[`wake_start`, `wake_end`] (mass near both ends of the day; a time before the open becomes
the open plus 0 to 99 ns, as ABIDES' market-hours handshake does), asks the exchange for the
best bid and offer, then sends one limit order at the opposite best price, buying or selling
with equal probability: a buy at the best ask, a sell at the best bid. If that side of the
book is empty it does nothing. Its size comes from the order size model (0 means no order).
"""

from __future__ import annotations

from agents.base import Agent
from agents.order_size import ORDER_SIZE, OrderSizeModel
from venue.scenario.types import REQUIRED, Field, Record, Symbol, TimeOfDay
from venue.sim.marketdata import BookView

__all__ = ["NoiseAgent"]

_HALF_HOUR = 1_800 * 10**9


class NoiseAgent(Agent):
    """Noise trader (ABIDES `NoiseAgent`): one wake-up at a U-quadratic time, one limit order
    at the opposite best price, random side."""

    type_name = "noise"
    tracks_orders = False  # never looks at its own orders: books settled at the end
    PARAMS = Record(
        "noise",
        [
            Field("symbol", Symbol(), REQUIRED, "Instrument traded."),
            Field(
                "wake_start",
                TimeOfDay(),
                None,
                "Start of the wake-up window (default: open - 30 min, ABIDES' NOISE_MKT_OPEN).",
            ),
            Field(
                "wake_end",
                TimeOfDay(),
                None,
                "End of the wake-up window (default: close, ABIDES' NOISE_MKT_CLOSE is 16:00).",
            ),
            Field(
                "order_size",
                ORDER_SIZE,
                "abides",
                "Order size model: `abides`, an integer, or a model mapping.",
            ),
        ],
    )

    def on_start(self) -> None:
        p = self.params
        self.inst = self.instrument(p.symbol)
        self.sizes = OrderSizeModel.from_spec(p.order_size)
        start = self.market_open - _HALF_HOUR if p.wake_start is None else p.wake_start
        end = self.market_close if p.wake_end is None else p.wake_end
        self.wakeup_time = int(self.rng.u_quadratic(start, end))
        first = self.market_open + self.rng.integers(0, 100)
        self.wake_at(max(self.wakeup_time, first))

    def on_wakeup(self) -> None:
        if self.is_open:
            self.query_book(self.inst)

    def on_book(self, book: BookView) -> None:
        if not self.is_open:
            return
        buy = self.rng.coin()
        size = self.to_lot(self.inst, self.sizes.sample(self.rng))
        if size <= 0:
            return
        if buy and book.ask is not None:
            self.buy(self.inst, size, book.ask)
        elif not buy and book.bid is not None:
            self.sell(self.inst, size, book.bid)
