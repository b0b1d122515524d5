"""Adaptive POV market maker: ABIDES' `AdaptiveMarketMakerAgent`.

A ladder of limit orders on both sides, re-quoted on a schedule (Chakraborty-Kearns ladder
with sizes as a share of recent volume):

- at each wake-up (every `wake_up_freq`, exponential gaps when `poisson_arrival`) it cancels
  all its orders, waits `cancel_limit_delay` ns, and asks the exchange for the best bid and
  offer and the volume traded over the last `wake_up_freq` (one round trip here; two
  queries sent together in ABIDES);
- each level's size is `pov` times that volume (at least `min_order_size`); with
  `skew_beta > 0` the sizes lean against its inventory (sigmoid);
- with `window_size: adaptive` the half-width of the quote window follows an exponentially
  weighted average of the spread (weight `spread_alpha` on the newest), and the level
  spacing is `level_spacing` times that window (rounded, at least 1); otherwise both are
  fixed (`window_size` ticks, spacing `ceil(level_spacing * 50)`);
- `num_ticks` levels per side around the mid, shifted by `price_skew` times the buy/sell
  trade imbalance when set; `backstop_quantity` puts a larger order on the outermost levels;
- it subscribes to book-imbalance events (`min_imbalance`) and adds a ladder at the last mid
  when one starts, as ABIDES does.

Deviation: when it has never seen a two-sided book, ABIDES' agent stops waking up (it only
reschedules after quoting); this one keeps its schedule.
"""

from __future__ import annotations

import math

from agents.base import Agent
from venue.scenario.types import (
    REQUIRED,
    Bool,
    Choice,
    Duration,
    Either,
    Field,
    Float,
    Int,
    Record,
    Symbol,
)
from venue.sim.marketdata import BookView, ImbalanceEvent

__all__ = ["AdaptiveMarketMaker"]

_INITIAL_SPREAD = 50


class AdaptiveMarketMaker(Agent):
    """Adaptive POV market maker (ABIDES `AdaptiveMarketMakerAgent`): a ladder of quotes on
    each side sized as a share of recent volume, cancelled and re-quoted on a schedule."""

    type_name = "adaptive_market_maker"
    PARAMS = Record(
        "adaptive_market_maker",
        [
            Field("symbol", Symbol(), REQUIRED, "Instrument traded."),
            Field(
                "pov",
                Float(min=0),
                0.05,
                "Share of recent traded volume placed at each level (ABIDES `pov`).",
            ),
            Field(
                "min_order_size",
                Int(min=1),
                20,
                "Smallest size per level (ABIDES `min_order_size`).",
            ),
            Field(
                "window_size",
                Either(Choice("adaptive"), Int(min=0)),
                5,
                "Quote window in price units, or `adaptive` (ABIDES `window_size`).",
            ),
            Field(
                "anchor",
                Choice("middle", "top", "bottom"),
                "middle",
                "Where the window sits around the mid (ABIDES `anchor`; adaptive forces middle).",
            ),
            Field("num_ticks", Int(min=1), 20, "Levels per side (ABIDES `num_ticks`)."),
            Field(
                "level_spacing",
                Float(min=0, min_open=True),
                0.5,
                "Level spacing as a fraction of the window (ABIDES `level_spacing`).",
            ),
            Field(
                "wake_up_freq",
                Duration(min=0, min_open=True),
                10**9,
                "Mean time between re-quotes (ABIDES `wake_up_freq`).",
            ),
            Field("poisson_arrival", Bool(), True, "Exponential gaps (true) or fixed ones."),
            Field(
                "cancel_limit_delay",
                Duration(),
                50,
                "Delay between the cancels and the queries (ABIDES `cancel_limit_delay`).",
            ),
            Field(
                "skew_beta",
                Float(min=0),
                0.0,
                "Inventory skew of the sizes; 0 ignores inventory (ABIDES `skew_beta`).",
            ),
            Field(
                "price_skew",
                Float(min=0),
                None,
                "Shift of the ladder per unit of trade imbalance, price units "
                "(ABIDES `price_skew_param`).",
            ),
            Field(
                "spread_alpha",
                Float(min=0, max=1),
                0.85,
                "Weight of the newest spread in its moving average (ABIDES `spread_alpha`).",
            ),
            Field(
                "backstop_quantity",
                Int(min=0),
                0,
                "Size at the outermost level of each side; 0: none (ABIDES `backstop_quantity`).",
            ),
            Field(
                "min_imbalance",
                Float(min=0, max=1),
                0.9,
                "Book imbalance that triggers an extra ladder (ABIDES `min_imbalance`).",
            ),
        ],
    )

    def on_start(self) -> None:
        p = self.params
        self.inst = self.instrument(p.symbol)
        self.tracks_orders = p.skew_beta != 0  # its inventory matters only with a skew
        self.adaptive = p.window_size == "adaptive"
        self.anchor = "middle" if self.adaptive else p.anchor
        self.window: float = 0.0 if self.adaptive else float(p.window_size)
        self.last_spread: float = _INITIAL_SPREAD
        self.level_tick: int = 0 if self.adaptive else math.ceil(self.last_spread * p.level_spacing)
        self.buy_size = self.sell_size = p.min_order_size
        self.buy_volume = self.sell_volume = 0
        self.last_mid: int | None = None
        self.subscribed = False
        self.wake_at(self.market_open + self._gap())

    def _gap(self) -> int:
        p = self.params
        return round(self.rng.exponential(p.wake_up_freq)) if p.poisson_arrival else p.wake_up_freq

    def on_wakeup(self) -> None:
        if not self.subscribed:
            self.subscribe_imbalance(self.inst, self.params.min_imbalance)
            self.subscribed = True
        if not self.is_open:
            return
        self.cancel_all(self.inst)
        self.delay(self.params.cancel_limit_delay)
        self.query_book(self.inst, depth=1, volume_lookback=self.params.wake_up_freq)

    def on_book(self, book: BookView) -> None:
        if not self.is_open:
            return
        if book.bid is not None and book.ask is not None:
            self.last_mid = (book.bid + book.ask) // 2
            if self.adaptive:
                a = self.params.spread_alpha
                self.last_spread = a * (book.ask - book.bid) + (1 - a) * self.last_spread
        self._update_window()
        self._update_sizes(book.buy_volume, book.sell_volume)
        if self.last_mid is not None:
            self.place_ladder(self.last_mid)
        self.wake_in(self._gap())

    def on_imbalance(self, event: ImbalanceEvent) -> None:
        self._update_window()
        if event.stage == "start" and self.last_mid is not None and self.is_open:
            self.place_ladder(self.last_mid)

    def _update_window(self) -> None:
        if self.adaptive:
            self.window = self.last_spread
            self.level_tick = max(1, round(self.params.level_spacing * self.window))

    def _update_sizes(self, buy_volume: int, sell_volume: int) -> None:
        p = self.params
        self.buy_volume, self.sell_volume = buy_volume, sell_volume
        qty = round(p.pov * (buy_volume + sell_volume))
        if p.skew_beta == 0:
            self.buy_size = self.sell_size = self.to_lot(self.inst, max(qty, p.min_order_size))
            return
        share_sell = _sigmoid(self.position(self.inst), p.skew_beta)
        self.sell_size = self.to_lot(self.inst, max(math.ceil(share_sell * qty), p.min_order_size))
        self.buy_size = self.to_lot(
            self.inst, max(math.floor((1 - share_sell) * qty), p.min_order_size)
        )

    def ladder(self, mid: int) -> tuple[list[int], list[int]]:
        """Bid and ask prices of the ladder around `mid` (ABIDES'
        `compute_orders_to_place`)."""
        p = self.params
        mid_point: float = mid
        volume = self.buy_volume + self.sell_volume
        if p.price_skew is not None and volume > 0:
            imbalance = 2 * self.buy_volume / volume - 1
            mid_point = int(mid + imbalance * p.price_skew)
        w = self.window
        if self.anchor == "middle":
            highest_bid = int(mid_point) - math.floor(0.5 * w)
            lowest_ask = int(mid_point) + math.ceil(0.5 * w)
        elif self.anchor == "bottom":
            highest_bid = int(mid_point - 1)
            lowest_ask = int(mid_point + w)
        else:
            highest_bid = int(mid_point - w)
            lowest_ask = int(mid_point + 1)
        step = self.level_tick
        bids = [highest_bid - i * step for i in range(p.num_ticks - 1, -1, -1)]
        asks = [lowest_ask + i * step for i in range(p.num_ticks)]
        return bids, asks

    def place_ladder(self, mid: int) -> None:
        """Sends the ladder (lowest bid first, then asks upward; the backstop first)."""
        p = self.params
        bids, asks = self.ladder(mid)
        inst = self.inst
        tick = self.tick_size(inst)
        if tick > 1:
            bids = [self.to_tick(inst, b) for b in bids]
            asks = [self.to_tick(inst, a, up=True) for a in asks]
        if p.backstop_quantity:
            self.buy(inst, p.backstop_quantity, bids[0])
            self.sell(inst, p.backstop_quantity, asks[-1])
            bids, asks = bids[1:], asks[:-1]
        if self.buy_size > 0:
            for price in bids:
                if price > 0:
                    self.buy(inst, self.buy_size, price)
        if self.sell_size > 0:
            for price in asks:
                if price > 0:
                    self.sell(inst, self.sell_size, price)


def _sigmoid(x: float, beta: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-beta * x))
    z = math.exp(beta * x)
    return z / (1.0 + z)
