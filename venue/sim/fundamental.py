"""The fundamental value of an instrument: a mean-reverting process with rare jumps.

ABIDES' `SparseMeanRevertingOracle`: an Ornstein-Uhlenbeck process around `r_bar`

    dX = kappa * (r_bar - X) dt + sigma dW        (t in ns)

plus "megashocks" arriving as a Poisson process of rate `megashock_rate` per ns, each a jump
of size N(megashock_mean, megashock_var) with a random sign (a bimodal, mean-zero jump).
The value is never negative and is read in whole price units.

Differences from ABIDES, on purpose:
- The whole path is drawn up front on a fixed grid (`resolution`, 1 s by default) from the
  instrument's own stream, with the exact OU transition between grid points; `value_at(t)`
  reads the grid point at or before `t`. In ABIDES the path is drawn lazily at the times
  agents ask, so adding an agent changes the path; here the path depends only on the seed
  and the parameters, and the same path is written to the outputs.
- `sigma` is the standard deviation rate (price units per sqrt(ns)), as ABIDES documents
  `fund_vol` ("volatility of fundamental time series (std)"). ABIDES' code passes the OU
  variance where numpy expects a standard deviation (abides-jpmc-public issue #10); with
  RMSC04's values that would mean moves of hundreds of dollars per second.

>>> spec = FundamentalSpec(r_bar=100_000, kappa=1.67e-16, sigma=5e-5)
>>> f = Fundamental(spec, start=0, end=3_600 * 10**9, seed=1, symbol="ABM")
>>> f.value_at(0)
100000
>>> abs(f.value_at(3_599 * 10**9) - 100_000) < 2_000
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from venue.sim.rng import Rng

__all__ = ["Fundamental", "FundamentalSpec"]

_SECOND = 1_000_000_000


@dataclass(frozen=True)
class FundamentalSpec:
    """Parameters of one instrument's fundamental (see the module docstring).

    `model` is `mean_reverting` (OU plus megashocks) or `constant` (always `r_bar`).
    Rates are per ns; `sigma` in price units per sqrt(ns); `megashock_var` is a variance.
    `initial` defaults to `r_bar`.
    """

    model: str = "mean_reverting"
    r_bar: int = 100_000
    kappa: float = 1.67e-16
    sigma: float = 5e-5
    megashock_rate: float = 2.77778e-18
    megashock_mean: float = 1_000.0
    megashock_var: float = 50_000.0
    resolution: int = _SECOND
    initial: int | None = None


class Fundamental:
    """One instrument's fundamental path from `start` to `end` (ns), drawn up front from the
    stream `("fundamental", symbol)` of the scenario seed."""

    def __init__(self, spec: FundamentalSpec, start: int, end: int, seed: int, symbol: str):
        if spec.resolution <= 0:
            raise ValueError(f"fundamental: resolution must be > 0 ns, got {spec.resolution}")
        if end < start:
            raise ValueError(f"fundamental: end {end} is before start {start}")
        self.spec = spec
        self.start = start
        self.resolution = spec.resolution
        n = (end - start) // spec.resolution + 2
        x0 = float(spec.r_bar if spec.initial is None else spec.initial)
        values = [x0] * n
        shocks: list[tuple[int, float]] = []
        if spec.model == "mean_reverting":
            values, shocks = _mean_reverting_path(
                spec, start, n, x0, Rng.derive(seed, "fundamental", symbol)
            )
        elif spec.model != "constant":
            raise ValueError(f"fundamental: unknown model {spec.model!r}")
        self.shocks = shocks
        self._values = [round(v) for v in values]

    def value_at(self, t: int) -> int:
        """The fundamental at time `t` (the grid point at or before `t`, clamped to the
        path's span)."""
        i = (t - self.start) // self.resolution
        values = self._values
        if i < 0:
            i = 0
        elif i >= len(values):
            i = len(values) - 1
        return values[i]

    def observe(self, t: int, sigma_n: float, rng: Rng) -> int:
        """A noisy observation: the value plus a normal noise of *variance* `sigma_n`
        (ABIDES' `observe_price`), rounded to a whole price unit."""
        v = self.value_at(t)
        if sigma_n <= 0:
            return v
        return round(rng.normal(v, math.sqrt(sigma_n)))

    def series(self) -> tuple[np.ndarray, np.ndarray]:
        """The whole path as (times in ns, values) arrays."""
        n = len(self._values)
        times = self.start + np.arange(n, dtype=np.int64) * self.resolution
        return times, np.asarray(self._values, dtype=np.int64)


def _mean_reverting_path(
    spec: FundamentalSpec, start: int, n: int, x0: float, rng: Rng
) -> tuple[list[float], list[tuple[int, float]]]:
    """The OU path on the grid with megashocks applied at the first grid point at or after
    each shock time."""
    dt = spec.resolution
    kappa, sigma, mu = spec.kappa, spec.sigma, float(spec.r_bar)
    if kappa > 0:
        decay = math.exp(-kappa * dt)
        sd = sigma * math.sqrt((1.0 - math.exp(-2.0 * kappa * dt)) / (2.0 * kappa))
    else:
        decay, sd = 1.0, sigma * math.sqrt(dt)
    # Megashock times first (their own stream draws come first, so the OU noise that follows
    # does not depend on how many shocks there are).
    shock_rng = Rng(rng.getrandbits(64))
    shocks: list[tuple[int, float]] = []
    if spec.megashock_rate > 0:
        end = start + (n - 1) * dt
        t = float(start)
        while True:
            t += shock_rng.exponential(1.0 / spec.megashock_rate)
            if t > end:
                break
            size = shock_rng.normal(spec.megashock_mean, math.sqrt(max(spec.megashock_var, 0)))
            if shock_rng.coin():
                size = -size
            shocks.append((int(t), size))
    jumps = [0.0] * n
    for t_shock, size in shocks:
        k = -(-(t_shock - start) // dt)  # ceil: first grid point at or after the shock
        if 0 <= k < n:
            jumps[k] += size
    values = [x0] * n
    x = x0
    normal = rng.normal
    for k in range(1, n):
        x = mu + (x - mu) * decay + sd * normal()
        x += jumps[k]
        if x < 0.0:
            x = 0.0
        values[k] = x
    return values, shocks
