"""The discrete-event simulation: agents trading through the Rust engine in SimPy time.

- `kernel`: the scheduler, a `simpy.Environment` in integer nanoseconds; ties broken by
  (time, scheduling order).
- `exchange`: the exchange process: per-instant batches into the engine, the client order id
  gateway, market hours, routing of order events, queries and market-data fan-out.
- `latency`: order-entry and market-data delays per agent (constant, ABIDES' line model,
  per-agent and per-pair overrides, seeded jitter).
- `marketdata`: what agents receive (quotes, trades, book views, imbalance events).
- `fundamental`: the mean-reverting fundamental value with jumps.
- `rng`: named random streams derived from the scenario seed.
- `simulation`: a scenario wired into all of the above (`Simulation(scenario).run()`).

Most users call `venue.run(scenario)` or `venue run SCENARIO`; agents subclass
`agents.Agent`.
"""

from venue.sim.exchange import Exchange, InstrumentInfo
from venue.sim.fundamental import Fundamental, FundamentalSpec
from venue.sim.kernel import Kernel
from venue.sim.latency import Jitter, LatencyOverride, LatencySpec, PairOverride
from venue.sim.marketdata import BookView, ImbalanceEvent, Quote, Trade
from venue.sim.rng import Rng, derive_seed
from venue.sim.simulation import Simulation

__all__ = [
    "BookView",
    "Exchange",
    "Fundamental",
    "FundamentalSpec",
    "ImbalanceEvent",
    "InstrumentInfo",
    "Jitter",
    "Kernel",
    "LatencyOverride",
    "LatencySpec",
    "PairOverride",
    "Quote",
    "Rng",
    "Simulation",
    "Trade",
    "derive_seed",
]
