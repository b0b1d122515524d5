"""Avellaneda-Stoikov market maker (Avellaneda and Stoikov, "High-frequency trading in a
limit order book", Quantitative Finance, 2008).

At each wake-up it cancels its quotes and asks for the best bid and offer. With mid price
`s`, inventory `q`, time left to `horizon` `tau` (seconds), volatility `sigma` (price units
per sqrt(second)), risk aversion `gamma` and order-book liquidity `k`:

    reservation price   r     = s - q * gamma * sigma**2 * tau
    optimal spread      delta = gamma * sigma**2 * tau + (2 / gamma) * ln(1 + gamma / k)

and it quotes one bid at `r - delta/2` (rounded down to the tick) and one ask at
`r + delta/2` (rounded up), `order_size` each, at least `min_spread` apart. With
`sigma: 0` the volatility is estimated from the mid prices it observes (an exponentially
weighted average of squared mid changes per second, `sigma_halflife` observations; books
with a spread wider than `max_distance` are too thin to say anything and are skipped).
Beyond `max_inventory` (if > 0) it stops quoting the side that would add to its position.

Guard rail (not in the paper): the reservation price and both quotes stay within
`max_distance` (a fraction of the mid) of the mid, so that a bad volatility estimate or a
large inventory cannot send quotes to absurd prices.
"""

from __future__ import annotations

import math
from typing import Any

from agents.base import Agent
from venue.scenario.types import (
    REQUIRED,
    Bool,
    Duration,
    Field,
    Float,
    Int,
    Record,
    Symbol,
    TimeOfDay,
)
from venue.sim.marketdata import BookView

__all__ = ["AvellanedaStoikov"]

_SECOND = 1e9


def _check(v: dict[str, Any], node: Any, path: str, ctx: Any) -> None:
    if v["gamma"] <= 0:
        ctx.error(node.line, f"{path}.gamma", "expected a risk aversion > 0")
    if v["k"] <= 0:
        ctx.error(node.line, f"{path}.k", "expected a liquidity parameter k > 0")


class AvellanedaStoikov(Agent):
    """Avellaneda-Stoikov market maker: one bid and one ask around an inventory-adjusted
    reservation price, with the model's optimal spread, re-quoted on a schedule."""

    type_name = "avellaneda_stoikov"
    PARAMS = Record(
        "avellaneda_stoikov",
        [
            Field("symbol", Symbol(), REQUIRED, "Instrument traded."),
            Field("gamma", Float(min=0), 1e-4, "Risk aversion, per price unit."),
            Field(
                "k",
                Float(min=0),
                0.5,
                "Order book liquidity (decay of fill intensity with distance), per price unit.",
            ),
            Field(
                "sigma",
                Float(min=0),
                0.0,
                "Volatility, price units per sqrt(second); 0 estimates it from observed mids.",
            ),
            Field(
                "sigma_halflife",
                Int(min=1),
                50,
                "Half-life, in observations, of the volatility estimate.",
            ),
            Field("horizon", TimeOfDay(), None, "End of the trading horizon T (default: close)."),
            Field("order_size", Int(min=1), 100, "Size of each quote."),
            Field(
                "min_spread",
                Int(min=1),
                1,
                "Smallest distance between its bid and ask, price units.",
            ),
            Field(
                "max_inventory",
                Int(min=0),
                0,
                "Stop adding to a position beyond this size (0: no limit).",
            ),
            Field(
                "wake_up_freq",
                Duration(min=0, min_open=True),
                10 * 10**9,
                "Mean time between re-quotes.",
            ),
            Field("poisson_arrival", Bool(), False, "Exponential gaps (true) or fixed ones."),
            Field("cancel_limit_delay", Duration(), 50, "Delay between the cancels and the query."),
            Field(
                "max_distance",
                Float(min=0, max=1, min_open=True),
                0.01,
                "Quotes stay within this fraction of the mid.",
            ),
        ],
        check=_check,
    )

    def on_start(self) -> None:
        p = self.params
        self.inst = self.instrument(p.symbol)
        self.horizon = self.market_close if p.horizon is None else p.horizon
        self.var_per_s = p.sigma * p.sigma
        self._last_mid: float | None = None
        self._last_t = 0
        self._decay = 0.5 ** (1.0 / p.sigma_halflife)
        self.quotes: tuple[int, int] | None = None
        self.wake_at(self.market_open + self._gap())

    def _gap(self) -> int:
        p = self.params
        return round(self.rng.exponential(p.wake_up_freq)) if p.poisson_arrival else p.wake_up_freq

    def on_wakeup(self) -> None:
        if not self.is_open:
            return
        self.cancel_all(self.inst)
        self.delay(self.params.cancel_limit_delay)
        self.query_book(self.inst)

    def _observe(self, mid: float, spread: float) -> None:
        if self.params.sigma > 0 or spread > self.params.max_distance * mid:
            return
        now = self.now
        if self._last_mid is not None and now > self._last_t:
            dt = (now - self._last_t) / _SECOND
            sample = (mid - self._last_mid) ** 2 / dt
            d = self._decay
            self.var_per_s = (
                sample if self.var_per_s == 0 else d * self.var_per_s + (1 - d) * sample
            )
        self._last_mid, self._last_t = mid, now

    def quote(self, mid: float, inventory: int) -> tuple[float, float]:
        """(reservation price, optimal spread) for the current time."""
        p = self.params
        tau = max(0.0, (self.horizon - self.now) / _SECOND)
        risk = p.gamma * self.var_per_s * tau
        reservation = mid - inventory * risk
        spread = risk + (2.0 / p.gamma) * math.log1p(p.gamma / p.k)
        return reservation, spread

    def on_book(self, book: BookView) -> None:
        if not self.is_open:
            return
        if book.bid is not None and book.ask is not None:
            mid = (book.bid + book.ask) / 2
            self._observe(mid, book.ask - book.bid)
        elif book.last_trade is not None:
            mid = float(book.last_trade)
        else:
            self.wake_in(self._gap())
            return
        p = self.params
        q = self.position(self.inst)
        r, spread = self.quote(mid, q)
        reach = p.max_distance * mid
        r = min(max(r, mid - reach), mid + reach)
        bid = self.to_tick(self.inst, max(r - spread / 2, mid - reach))
        ask = self.to_tick(self.inst, min(r + spread / 2, mid + reach), up=True)
        if ask - bid < p.min_spread:
            ask = bid + self.to_tick(self.inst, p.min_spread, up=True)
        self.quotes = (bid, ask)
        size = self.to_lot(self.inst, p.order_size)
        limit = p.max_inventory
        if size > 0 and bid > 0 and (limit == 0 or q < limit):
            self.buy(self.inst, size, bid)
        if size > 0 and (limit == 0 or q > -limit):
            self.sell(self.inst, size, ask)
        self.wake_in(self._gap())
