"""A misbehaving algorithm, to show the risk controls containing it (scenarios/runaway_algo.yaml).

It does three bad things, each at its own time of day:

1. **fat finger** (`fat_finger_at`): a buy of `fat_finger_qty` at the best ask, then a buy of a
   normal size at `fat_finger_price_factor` times the best ask;
2. **order storm** (`storm_at`, for `storm_duration`): an IOC buy 20 ticks under the ask every
   `storm_interval`, far faster than any throttle allows;
3. **runaway buyer** (`runaway_at`, until the close): every `runaway_interval`, a buy of
   `runaway_qty` at `runaway_ticks` above the best ask, lifting offers whatever the price.

Without risk controls the runaway buyer's position grows without bound and it drags the price
up with it; with them its orders are rejected by reason, its position stops at its limit,
trades stop at the price band (which pauses the instrument), and its kill switch trips.
"""

from __future__ import annotations

from agents.base import Agent
from venue.scenario.types import REQUIRED, Duration, Field, Float, Int, Record, Symbol, TimeOfDay
from venue.sim.marketdata import BookView

__all__ = ["RunawayAgent"]

_MS = 1_000_000


class RunawayAgent(Agent):
    """Fat finger, order storm, then a runaway buyer (see the module docstring)."""

    type_name = "runaway"
    tracks_orders = False
    PARAMS = Record(
        "runaway",
        [
            Field("symbol", Symbol(), REQUIRED, "Instrument traded."),
            Field("fat_finger_at", TimeOfDay(), REQUIRED, "When the fat-finger orders go out."),
            Field("fat_finger_qty", Int(min=1), 1_000_000, "Size of the fat-finger order."),
            Field(
                "fat_finger_price_factor",
                Float(min=1.0),
                3.0,
                "Price of the mispriced order, as a multiple of the best ask.",
            ),
            Field("storm_at", TimeOfDay(), REQUIRED, "When the order storm starts."),
            Field("storm_duration", Duration(min=1), 1_000 * _MS, "How long it lasts."),
            Field("storm_interval", Duration(min=1), _MS // 10, "Time between storm orders."),
            Field("runaway_at", TimeOfDay(), REQUIRED, "When the runaway buying starts."),
            Field("runaway_interval", Duration(min=1), 50 * _MS, "Time between runaway buys."),
            Field("runaway_qty", Int(min=1), 100, "Size of each runaway buy."),
            Field("runaway_ticks", Int(min=0), 10, "How far above the best ask it bids."),
        ],
    )

    def on_start(self) -> None:
        p = self.params
        self.inst = self.instrument(p.symbol)
        self.tick = self.tick_size(self.inst)
        self.phase = "fat_finger"
        self.last_ask: int | None = None
        self.storm_orders = 0
        self.runaway_orders = 0
        self.wake_at(max(p.fat_finger_at, self.market_open))

    def on_wakeup(self) -> None:
        if not self.is_open:
            return
        p = self.params
        if self.phase == "storm":
            if self.now >= p.storm_at + p.storm_duration:
                self.phase = "runaway"
                self.wake_at(max(p.runaway_at, self.now))
                return
            # An IOC buy 20 ticks under the last ask seen: within any sane collar, rarely
            # fills; pure message load.
            price = max(self.tick, (self.last_ask or self.tick * 21) - 20 * self.tick)
            self.buy(self.inst, 1, price, tif=2)
            self.storm_orders += 1
            self.wake_in(p.storm_interval)
            return
        self.query_book(self.inst)

    def on_book(self, book: BookView) -> None:
        if not self.is_open:
            return
        p = self.params
        if book.ask is not None:
            self.last_ask = book.ask
        if self.phase == "fat_finger":
            if book.ask is not None:
                self.buy(self.inst, p.fat_finger_qty, book.ask)
                wild = int(book.ask * p.fat_finger_price_factor) // self.tick * self.tick
                self.buy(self.inst, p.runaway_qty, wild)
            self.phase = "storm"
            self.wake_at(max(p.storm_at, self.now + 1))
        elif self.phase == "runaway":
            if book.ask is not None:
                self.buy(self.inst, p.runaway_qty, book.ask + p.runaway_ticks * self.tick)
                self.runaway_orders += 1
            self.wake_in(p.runaway_interval)
