"""A simulation built from a scenario: kernel, exchange, fundamentals and agents, wired.

>>> from venue.scenario import parse_scenario
>>> sc = parse_scenario('''
... market: {open: "09:30:00", close: "09:35:00"}
... instruments: [{symbol: XYZ, fundamental: {r_bar: 10000}}]
... agents:
...   - {type: value, count: 5, params: {symbol: XYZ, r_bar: 10000, lambda_a: 1e-10}}
...   - {type: noise, count: 20,
...      params: {symbol: XYZ, wake_start: "09:30:00", wake_end: "09:35:00"}}
... ''')
>>> sim = Simulation(sc, seed=3, engine="reference")
>>> sim.run()
>>> sim.exchange.new_orders > 0
True
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from venue.sim.exchange import Exchange, InstrumentInfo
from venue.sim.fundamental import Fundamental
from venue.sim.kernel import Kernel
from venue.sim.latency import AgentKey, resolve_latency
from venue.sim.rng import Rng

if TYPE_CHECKING:
    from venue.scenario.schema import Scenario

__all__ = ["Simulation", "make_engine"]


def make_engine(engine: Any = "rust") -> Any:
    """An engine: `"rust"` (the default, `venue.Engine`), `"reference"` (the Python
    reference model, slow, for cross-checks), an engine object, or a factory."""
    if engine == "rust":
        from venue.engine import Engine

        return Engine()
    if engine == "reference":
        from venue.testing.reference import ReferenceEngine

        return ReferenceEngine()
    if callable(engine) and not hasattr(engine, "process_buffer"):
        return engine()
    if hasattr(engine, "process_buffer"):
        return engine
    raise ValueError(f"engine must be 'rust', 'reference', an engine or a factory; got {engine!r}")


class Simulation:
    """Everything a run needs, built from a validated `Scenario`.

    `seed` overrides the scenario's seed. `record` keeps the book data for the outputs
    (the best bid/offer changes and depth samples; engine events are always kept).
    `track_all` makes every agent track its orders during the run, whatever its
    `tracks_orders` says (a check of the end-of-run settlement: the results are the same).
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        engine: Any = "rust",
        record: bool = True,
        track_all: bool = False,
    ) -> None:
        t0 = time.perf_counter()
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else int(seed)
        m = scenario.market
        self.open_ns, self.close_ns, self.start_ns, self.end_ns = m.open, m.close, m.start, m.end
        self.kernel = Kernel(start=m.start)
        self.engine = make_engine(engine)
        infos = [
            InstrumentInfo(i, s.symbol, s.tick_size, s.lot_size, s.min_qty, s.max_qty)
            for i, s in enumerate(scenario.instruments)
        ]
        out = scenario.outputs
        self.exchange = Exchange(
            self.kernel,
            self.engine,
            infos,
            m.open,
            m.close,
            record=record,
            depth_interval=out.depth_interval if (record and out.depth) else 0,
            depth_levels=out.depth_levels,
        )
        self._symbols = {s.symbol: i for i, s in enumerate(scenario.instruments)}
        self.fundamentals: list[Fundamental | None] = [
            None
            if s.fundamental is None
            else Fundamental(s.fundamental, m.start, m.end, self.seed, s.symbol)
            for s in scenario.instruments
        ]
        self.agents: list[Any] = []
        keys: list[AgentKey] = []
        agent_id = 1
        for group in scenario.agents:
            for i in range(group.count):
                from agents.base import Params

                agent = group.cls(
                    agent_id,
                    f"{group.name}_{i}",
                    group.name,
                    i,
                    Params(**group.params),
                    Rng.derive(self.seed, "agent", group.name, i),
                    group.starting_cash,
                )
                self.agents.append(agent)
                keys.append(AgentKey(agent_id, group.name, agent.name, i))
                agent_id += 1
        self.latency = resolve_latency(scenario.latency, keys, self.seed)
        for agent in self.agents:
            self.exchange.register(agent)
            agent._attach(self, self.latency[agent.agent_id])
        self.track_all = track_all
        self.setup_seconds = time.perf_counter() - t0
        self.run_seconds = 0.0
        self.finished = False

    def instrument_id(self, symbol: str | int) -> int:
        """An instrument id from its symbol (or id, checked)."""
        if isinstance(symbol, str):
            try:
                return self._symbols[symbol]
            except KeyError:
                raise ValueError(
                    f"unknown instrument {symbol!r} (known: {', '.join(self._symbols)})"
                ) from None
        if isinstance(symbol, int) and 0 <= symbol < len(self._symbols):
            return symbol
        raise ValueError(f"unknown instrument {symbol!r}")

    def run(self, progress: Callable[[int], None] | None = None) -> None:
        """Starts every agent (in id order), runs to the end of the scenario, then applies
        every agent's outstanding order events and calls `on_stop`."""
        if self.finished:
            raise RuntimeError("this simulation has already run; build a new one")
        from agents.base import Agent

        t0 = time.perf_counter()
        for agent in self.agents:
            agent._enter()
            agent.on_start()
            if type(agent).run is not Agent.run:
                gen = agent.run()
                if gen is not None:
                    self.kernel.process(gen)
        if self.track_all:
            for agent in self.agents:
                agent.tracks_orders = True
        self.exchange.refresh_routes()
        # The run allocates ~100,000 short-lived events, all freed by reference counting:
        # the cyclic collector would only scan them again and again, so it is paused.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            self.kernel.run(self.end_ns, progress)
        finally:
            if gc_was_on:
                gc.enable()
        self._settle()
        for agent in self.agents:
            agent._drain()
            agent.on_stop()
        self.finished = True
        self.run_seconds = time.perf_counter() - t0

    def _settle(self) -> None:
        """Books of the agents that did not track their orders during the run, from the
        exchange's events: their fills in sequence order (maker before taker within a
        trade, as they are routed to tracking agents), reject counts and live orders."""
        import numpy as np

        from agents.base import Order

        untracked = [a for a in self.agents if not a.tracks_orders]
        if not untracked:
            return
        flags = [False] * (len(self.agents) + 1)
        fills: dict[int, list[tuple[int, int, int, int]]] = {}
        for a in untracked:
            flags[a.agent_id] = True
            fills[a.agent_id] = []
        ev = self.exchange.events(copy=False)
        kind = ev["kind"]
        tr = ev[kind == 2]
        for inst, price, qty, side, taker, maker in zip(
            tr["instrument"].tolist(),
            tr["price"].tolist(),
            tr["qty"].tolist(),
            tr["side"].tolist(),
            tr["participant"].tolist(),
            tr["maker_participant"].tolist(),
            strict=True,
        ):
            if flags[maker]:
                fills[maker].append((inst, 1 - side, price, qty))
            if flags[taker]:
                fills[taker].append((inst, side, price, qty))
        rejects = np.bincount(ev["participant"][kind == 1], minlength=len(self.agents) + 1)
        del ev, kind
        live: dict[int, list[Order]] = {a.agent_id: [] for a in untracked}
        for inst, side, price, oid, pid, coid, leaves in self.exchange.live_orders():
            if pid < len(flags) and flags[pid]:
                o = Order(coid, inst, side, price, leaves, 0)
                o.order_id, o.status = oid, "open"
                live[pid].append(o)
        for a in untracked:
            a._settle(fills[a.agent_id], int(rejects[a.agent_id]), live[a.agent_id])

    def marks(self) -> list[int | None]:
        """Closing mark of each instrument: the mid of the final best bid and offer, else
        the last trade, else the fundamental, else None."""
        out: list[int | None] = []
        for inst in range(len(self.exchange.instruments)):
            bid, _bq, ask, _aq = self.exchange._bbo(inst)
            if bid is not None and ask is not None:
                out.append((bid + ask) // 2)
            elif self.exchange.last_trade[inst] is not None:
                out.append(self.exchange.last_trade[inst])
            elif self.fundamentals[inst] is not None:
                out.append(self.fundamentals[inst].value_at(self.kernel.now))  # type: ignore[union-attr]
            else:
                out.append(None)
        return out
