"""Latency between each agent and the exchange: an order-entry path and a market-data path.

Every message an agent sends (an order, a cancel, a query) reaches the exchange after

    compute_delay + order_entry_base + order_entry_jitter

and everything the exchange sends to an agent (its own order events, market data, query
replies) arrives after `market_data_base + market_data_jitter`. Each path is a FIFO channel,
like a TCP connection: a message never overtakes an earlier one on the same path, so a
jittered delay is raised, if needed, to the previous message's arrival time.

Base delays come from a model, then per-agent and per-pair overrides:

- `constant`: the same order-entry and market-data delay for everyone.
- `line`: ABIDES' model. The exchange and every agent get a position drawn uniformly on a
  line of `length_m` metres (New York to Seattle by default); the delay both ways is the
  distance divided by the speed of light, in whole ns.
- per-agent overrides (by population name, or by one agent's name like `value_3`) replace
  the base delays, compute delay or jitter of those agents;
- per-pair overrides give one direction between a population and the exchange
  (`{from: value, to: exchange}` is order entry, `{from: exchange, to: value}` market data).

Jitter, drawn per message from the agent's own seeded stream: `none`, `uniform(low, high)`,
`exponential(mean)`, `lognormal(median, sigma)`, or `cubic(a, clip, unit)`, ABIDES' cubic
model: `base * (a / x**3) / unit` with `x` uniform in `(clip, 1]`.

>>> spec = LatencySpec(model="constant", order_entry=1_000, market_data=2_000)
>>> lat = resolve_latency(spec, [AgentKey(1, "noise", "noise_0", 0)], seed=7)
>>> (lat[1].order_entry, lat[1].market_data, lat[1].compute_delay)
(1000, 2000, 0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from venue.sim.rng import Rng

__all__ = [
    "LIGHT_SPEED_M_PER_S",
    "NYC_TO_SEATTLE_M",
    "AgentKey",
    "AgentLatency",
    "Jitter",
    "LatencyOverride",
    "LatencySpec",
    "PairOverride",
    "resolve_latency",
]

LIGHT_SPEED_M_PER_S = 299_792_458.0
"""Speed of light in vacuum, m/s (ABIDES' `meters_to_light_ns` uses the same)."""

NYC_TO_SEATTLE_M = 3_866_660.0
"""ABIDES' line length: New York to Seattle, in metres."""

JITTER_DISTRIBUTIONS = ("none", "uniform", "exponential", "lognormal", "cubic")


@dataclass(frozen=True)
class Jitter:
    """A per-message random delay added to a base delay (all times in ns).

    - `none`: no jitter.
    - `uniform`: integer ns uniform in [low, high).
    - `exponential`: mean `mean`.
    - `lognormal`: median `median`, log-space standard deviation `sigma`.
    - `cubic`: ABIDES' model, `base * (a / x**3) / unit`, x uniform in (clip, 1].
    """

    dist: str = "none"
    low: int = 0
    high: int = 0
    mean: float = 0.0
    median: float = 0.0
    sigma: float = 0.0
    a: float = 0.5
    clip: float = 0.1
    unit: float = 10.0

    def __post_init__(self) -> None:
        if self.dist not in JITTER_DISTRIBUTIONS:
            raise ValueError(
                f"jitter: unknown distribution {self.dist!r} "
                f"(expected one of {', '.join(JITTER_DISTRIBUTIONS)})"
            )

    def sampler(self, rng: Rng, base: int) -> Callable[[], int] | None:
        """A function drawing one jitter value in ns, or None when there is no jitter."""
        dist = self.dist
        if dist == "none":
            return None
        rand = rng.random
        if dist == "uniform":
            low, span = self.low, self.high - self.low
            if span <= 0:
                return (lambda: low) if low else None
            return lambda: low + int(rand() * span)
        if dist == "exponential":
            mean = self.mean
            if mean <= 0:
                return None
            return lambda: int(-mean * math.log(1.0 - rand()))
        if dist == "lognormal":
            mu, sigma, normal = math.log(max(self.median, 1e-300)), self.sigma, rng.normal
            if self.median <= 0:
                return None
            return lambda: int(math.exp(normal(mu, sigma)))
        # cubic
        a, clip, scale = self.a, self.clip, base / self.unit
        if scale <= 0 or a <= 0:
            return None

        def cubic() -> int:
            x = 1.0 - (1.0 - clip) * rand()  # (clip, 1]
            return int(scale * a / (x * x * x))

        return cubic


@dataclass(frozen=True)
class LatencyOverride:
    """Per-agent (or per-population) replacement of some latency settings; None keeps the
    model's value."""

    order_entry: int | None = None
    market_data: int | None = None
    compute_delay: int | None = None
    jitter: Jitter | None = None


@dataclass(frozen=True)
class PairOverride:
    """One direction between a population (or agent) and the exchange: `source` and
    `target`, one of them `"exchange"`, and the base delay in ns."""

    source: str
    target: str
    latency: int


@dataclass(frozen=True)
class LatencySpec:
    """The latency section of a scenario (see the module docstring)."""

    model: str = "constant"
    order_entry: int = 0
    market_data: int = 0
    length_m: float = NYC_TO_SEATTLE_M
    speed_m_per_s: float = LIGHT_SPEED_M_PER_S
    compute_delay: int = 0
    jitter: Jitter = field(default_factory=Jitter)
    agents: dict[str, LatencyOverride] = field(default_factory=dict)
    pairs: tuple[PairOverride, ...] = ()

    def __post_init__(self) -> None:
        if self.model not in ("constant", "line"):
            raise ValueError(f"latency: unknown model {self.model!r} (constant or line)")


class AgentKey(NamedTuple):
    """What the latency model needs to know about an agent."""

    agent_id: int
    group: str
    name: str
    index: int


@dataclass
class AgentLatency:
    """An agent's resolved delays: bases (ns), jitter samplers, compute delay, and for the
    line model its position (metres)."""

    order_entry: int
    market_data: int
    compute_delay: int
    order_entry_jitter: Callable[[], int] | None = None
    market_data_jitter: Callable[[], int] | None = None
    position_m: float | None = None


def resolve_latency(
    spec: LatencySpec, agents: list[AgentKey], seed: int
) -> dict[int, AgentLatency]:
    """Resolves the delays of every agent: model, then per-agent overrides (population name
    first, then the agent's own name), then per-pair overrides; jitter samplers get the
    agent's own streams, so adding agents never changes another agent's draws."""
    exchange_pos = 0.0
    if spec.model == "line":
        exchange_pos = Rng.derive(seed, "latency-position", "exchange").uniform_float(
            0.0, spec.length_m
        )
    out: dict[int, AgentLatency] = {}
    for key in agents:
        oe, md, pos = spec.order_entry, spec.market_data, None
        if spec.model == "line":
            pos = Rng.derive(seed, "latency-position", key.group, key.index).uniform_float(
                0.0, spec.length_m
            )
            oe = md = int(abs(pos - exchange_pos) / spec.speed_m_per_s * 1e9)
        compute, jitter = spec.compute_delay, spec.jitter
        for name in (key.group, key.name):
            o = spec.agents.get(name)
            if o is None:
                continue
            oe = oe if o.order_entry is None else o.order_entry
            md = md if o.market_data is None else o.market_data
            compute = compute if o.compute_delay is None else o.compute_delay
            jitter = jitter if o.jitter is None else o.jitter
        for p in spec.pairs:
            if p.target == "exchange" and p.source in (key.group, key.name):
                oe = p.latency
            elif p.source == "exchange" and p.target in (key.group, key.name):
                md = p.latency
        out[key.agent_id] = AgentLatency(
            order_entry=oe,
            market_data=md,
            compute_delay=compute,
            order_entry_jitter=_sampler(jitter, seed, "order_entry", key, oe),
            market_data_jitter=_sampler(jitter, seed, "market_data", key, md),
            position_m=pos,
        )
    return out


def _sampler(
    jitter: Jitter, seed: int, path: str, key: AgentKey, base: int
) -> Callable[[], int] | None:
    """The jitter sampler of one path of one agent, on its own stream (seeding a stream
    costs about 10 us, so none is made when there is no jitter)."""
    if jitter.dist == "none":
        return None
    return jitter.sampler(Rng.derive(seed, "latency-jitter", path, key.group, key.index), base)


def with_overrides(spec: LatencySpec, **changes: object) -> LatencySpec:
    """A copy of `spec` with some fields changed (a convenience for tests and notebooks)."""
    return replace(spec, **changes)  # type: ignore[arg-type]
