"""Order sizes: ABIDES' mixture model, a constant, a uniform range, or your own mixture.

ABIDES' `OrderSizeModel` (used by RMSC04's noise, value and momentum agents) is a mixture:
20% log-normal(mu=2.9, sigma=1.2), 70% around 100 shares, 6% around 200, then small weights
around 300 to 1,000 (each normal with standard deviation 0.15), rounded to an integer. A
draw of 0 means "no order", as in ABIDES.

In a scenario, `order_size` is `abides`, an integer (always that size), or a mapping::

    order_size: {model: uniform, low: 20, high: 50}        # integers in [low, high)
    order_size:
      model: mixture
      components:
        - {dist: lognormal, weight: 0.2, mu: 2.9, sigma: 1.2}
        - {dist: normal, weight: 0.8, mean: 100, std: 0.15}

>>> from venue.sim.rng import Rng
>>> model = OrderSizeModel.abides()
>>> sizes = [model.sample(Rng(3)) for _ in range(1)]
>>> all(isinstance(s, int) and s >= 0 for s in sizes)
True
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from venue.scenario.types import Choice, Either, Field, Float, Int, ListOf, Record
from venue.sim.rng import Rng

__all__ = ["ORDER_SIZE", "OrderSizeModel"]


@dataclass(frozen=True)
class _Component:
    dist: str
    weight: float
    a: float  # lognormal mu / normal mean / constant value
    b: float  # lognormal sigma / normal std


_ABIDES: OrderSizeModel | None = None


class OrderSizeModel:
    """Draws order sizes (non-negative integers) from a mixture of components."""

    def __init__(self, components: list[_Component], low: int = 0, high: int = 0) -> None:
        self.components = components
        self.low, self.high = low, high
        total = 0.0
        self._cum: list[float] = []
        for c in components:
            total += c.weight
            self._cum.append(total)

    @classmethod
    def abides(cls) -> OrderSizeModel:
        """ABIDES' RMSC04 mixture (`abides_markets.models.OrderSizeModel`); models are
        immutable, so one instance is shared."""
        global _ABIDES
        if _ABIDES is None:
            _ABIDES = cls._abides()
        return _ABIDES

    @classmethod
    def _abides(cls) -> OrderSizeModel:
        weights = [0.2, 0.7, 0.06, 0.004, 0.0329, 0.001, 0.0006, 0.0004, 0.0005, 0.0003, 0.0003]
        comps = [_Component("lognormal", weights[0], 2.9, 1.2)]
        comps += [_Component("normal", w, 100.0 * (i + 1), 0.15) for i, w in enumerate(weights[1:])]
        return cls(comps)

    @classmethod
    def constant(cls, size: int) -> OrderSizeModel:
        """Always `size`."""
        return cls([_Component("constant", 1.0, float(size), 0.0)])

    @classmethod
    def uniform(cls, low: int, high: int) -> OrderSizeModel:
        """Integers uniformly in [low, high) (ABIDES' `randint(20, 50)` default)."""
        return cls([], low, high)

    @classmethod
    def from_spec(cls, spec: Any) -> OrderSizeModel:
        """From a validated scenario value (`"abides"`, an int, or a mapping)."""
        if isinstance(spec, OrderSizeModel):
            return spec
        if spec == "abides":
            return cls.abides()
        if isinstance(spec, int):
            return cls.constant(spec)
        if spec["model"] == "uniform":
            return cls.uniform(spec["low"], spec["high"])
        comps = []
        for c in spec["components"]:
            if c["dist"] == "lognormal":
                comps.append(_Component("lognormal", c["weight"], c["mu"], c["sigma"]))
            elif c["dist"] == "normal":
                comps.append(_Component("normal", c["weight"], c["mean"], c["std"]))
            else:
                comps.append(_Component("constant", c["weight"], c["value"], 0.0))
        return cls(comps)

    def sample(self, rng: Rng) -> int:
        """One size, rounded to the nearest integer, never negative."""
        if not self.components:
            return rng.integers(self.low, self.high)
        comps = self.components
        c = (
            comps[bisect_right(self._cum, rng.random() * self._cum[-1])]
            if len(comps) > 1
            else comps[0]
        )
        if c.dist == "lognormal":
            v = rng.lognormal(c.a, c.b)
        elif c.dist == "normal":
            v = rng.normal(c.a, c.b)
        else:
            v = c.a
        return max(0, round(v))


def _check_uniform(v: dict[str, Any], node: Any, path: str, ctx: Any) -> None:
    if v["model"] == "uniform" and not 0 <= v["low"] < v["high"]:
        ctx.error(node.line, path, "uniform order sizes need 0 <= low < high")
    if v["model"] == "mixture" and not v["components"]:
        ctx.error(node.line, path, "a mixture needs at least one component")


_COMPONENT = Record(
    "order size component",
    [
        Field(
            "dist", Choice("lognormal", "normal", "constant"), "normal", "Component distribution."
        ),
        Field("weight", Float(min=0, min_open=True), 1.0, "Relative weight."),
        Field("mu", Float(), 0.0, "lognormal: mean of the log."),
        Field("sigma", Float(min=0), 1.0, "lognormal: standard deviation of the log."),
        Field("mean", Float(), 100.0, "normal: mean."),
        Field("std", Float(min=0), 0.0, "normal: standard deviation."),
        Field("value", Float(min=0), 100.0, "constant: the size."),
    ],
)

ORDER_SIZE = Either(
    Choice("abides"),
    Int(min=1),
    Record(
        "order size model",
        [
            Field(
                "model",
                Choice("uniform", "mixture"),
                "mixture",
                "uniform integers in [low, high), or a mixture.",
            ),
            Field("low", Int(min=0), 0, "uniform: smallest size."),
            Field("high", Int(min=1), 1, "uniform: one more than the largest size."),
            Field("components", ListOf(_COMPONENT), [], "mixture: the components."),
        ],
        check=_check_uniform,
    ),
)
"""Schema of an `order_size` parameter."""
