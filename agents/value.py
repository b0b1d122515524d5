"""Value trader: ABIDES' `ValueAgent`.

Wakes as a Poisson process (rate `lambda_a` per ns). At each wake-up it cancels its orders
and asks for the best bid and offer; on the reply it observes the fundamental with normal
noise of variance `sigma_n`, updates a Bayesian estimate of the current value (a
mean-reverting prior with reversion `kappa` and shock variance `sigma_s`), projects it to the
close, and trades toward it:

- belief below the mid price: sell, at the bid plus an adjustment; otherwise buy, at the ask
  minus an adjustment;
- the adjustment is 0 with probability `percent_aggr` (the order crosses the spread), else
  uniform in [0, `depth_spread` x spread): the order rests inside the spread or deeper;
- with one side of the book empty, it buys or sells at random at its estimate.

Sizes are rounded down to the instrument's lot; an order whose price would not be positive
(a very wide spread) is not sent.

The estimate update is ABIDES' `updateEstimates`, computed with `log1p`/`expm1` for
accuracy (ABIDES' plain `(1 - kappa) ** delta` loses digits when kappa is 1e-15).
"""

from __future__ import annotations

import math
from typing import Any

from agents.base import Agent
from agents.order_size import ORDER_SIZE, OrderSizeModel
from venue.scenario.types import REQUIRED, Field, Float, Int, Record, Symbol
from venue.sim.marketdata import BookView

__all__ = ["ValueAgent"]


def _check(v: dict[str, Any], node: Any, path: str, ctx: Any) -> None:
    if v["lambda_a"] <= 0:
        ctx.error(node.line, f"{path}.lambda_a", "expected an arrival rate > 0")


class ValueAgent(Agent):
    """Value trader (ABIDES `ValueAgent`): Poisson wake-ups, noisy observations of the
    fundamental, a Bayesian estimate of the closing value, and limit orders toward it."""

    type_name = "value"
    tracks_orders = False  # cancels with one mass cancel, never reads its own orders
    NEEDS_FUNDAMENTAL = True
    PARAMS = Record(
        "value",
        [
            Field("symbol", Symbol(), REQUIRED, "Instrument traded (it needs a `fundamental`)."),
            Field(
                "r_bar",
                Int(min=1),
                REQUIRED,
                "Belief of the long-run mean, price units (ABIDES `r_bar`).",
            ),
            Field(
                "kappa",
                Float(min=0),
                1.67e-15,
                "Belief of the mean reversion per ns (ABIDES `kappa`).",
            ),
            Field(
                "sigma_n",
                Float(min=0),
                lambda v: v["r_bar"] / 100,
                "Observation noise *variance* (ABIDES `sigma_n`, default r_bar / 100).",
            ),
            Field(
                "sigma_s",
                Float(min=0),
                100_000.0,
                "Belief of the shock variance (ABIDES `sigma_s`).",
            ),
            Field(
                "lambda_a",
                Float(min=0),
                5.7e-12,
                "Wake-up rate per ns (ABIDES `lambda_a`; 5.7e-12 is a mean gap of 175 s).",
            ),
            Field(
                "percent_aggr",
                Float(min=0, max=1),
                0.1,
                "Probability that an order crosses the spread (ABIDES `percent_aggr`).",
            ),
            Field(
                "depth_spread",
                Int(min=1),
                2,
                "Passive orders rest up to this many spreads deep (ABIDES `depth_spread`).",
            ),
            Field("order_size", ORDER_SIZE, "abides", "Order size model."),
        ],
        check=_check,
    )

    def on_start(self) -> None:
        p = self.params
        self.inst = self.instrument(p.symbol)
        self.sizes = OrderSizeModel.from_spec(p.order_size)
        self.r_t = float(p.r_bar)
        self.sigma_t = 0.0
        self.prev_wake: int | None = None
        self._log_keep = math.log1p(-p.kappa)  # log(1 - kappa)
        # -(1 - (1-kappa)^2), the denominator of the variance growth
        self._denom = -math.expm1(2.0 * self._log_keep)
        self._fundamental = self.sim.fundamentals[self.inst]  # type: ignore[union-attr]
        self._tick = self.tick_size(self.inst)
        self.wake_at(self.market_open + self._gap())

    def _gap(self) -> int:
        return round(self.rng.exponential(1.0 / self.params.lambda_a))

    def on_wakeup(self) -> None:
        if not self.is_open:
            return
        self.wake_in(self._gap())
        self.cancel_all(self.inst)
        self.query_book(self.inst)

    def estimate(self) -> int:
        """ABIDES' `updateEstimates`: a new noisy observation folded into the belief, then
        projected to the close. Returns the estimated closing value (rounded)."""
        p = self.params
        now = self.now
        obs = self._fundamental.observe(now, p.sigma_n, self.rng)
        prev = self.market_open if self.prev_wake is None else self.prev_wake
        delta = now - prev
        log_keep = self._log_keep
        keep = math.exp(log_keep * delta)  # (1 - kappa) ** delta
        keep2 = keep * keep
        r_tp = (1.0 - keep) * p.r_bar + keep * self.r_t
        # (1 - (1-k)^(2d)) / (1 - (1-k)^2), both terms via expm1 for accuracy.
        denom = self._denom
        growth = (-math.expm1(2.0 * log_keep * delta) / denom) if denom > 0 else 2.0 * delta
        sigma_tp = keep2 * self.sigma_t + growth * p.sigma_s
        sn = p.sigma_n
        total = sn + sigma_tp
        if total > 0:
            self.r_t = (sn / total) * r_tp + (sigma_tp / total) * obs
        if sn + self.sigma_t > 0:
            self.sigma_t = (sn * self.sigma_t) / (sn + self.sigma_t)
        ahead = max(0, self.market_close - now)
        keep_t = math.exp(self._log_keep * ahead)
        r_T = (1.0 - keep_t) * p.r_bar + keep_t * self.r_t
        self.prev_wake = now
        return round(r_T)

    def on_book(self, book: BookView) -> None:
        if not self.is_open:
            return
        p = self.params
        r_T = self.estimate()
        bid, ask = book.bid, book.ask
        tick = self._tick
        if bid is not None and ask is not None:
            mid = (bid + ask) // 2
            spread = abs(ask - bid)
            if self.rng.random() < p.percent_aggr:
                adjust = 0
            else:
                adjust = tick * self.rng.integers(0, max(1, p.depth_spread * spread // tick))
            if r_T < mid:
                side, price = 1, bid + adjust
            else:
                side, price = 0, ask - adjust
        else:
            side = 1 - self.rng.coin()
            price = self.to_tick(self.inst, r_T, up=side == 1)
        size = self.to_lot(self.inst, self.sizes.sample(self.rng))
        if size > 0 and price > 0:
            self.submit(self.inst, side, size, price)
