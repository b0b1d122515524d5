"""`Agent`: the base class of every trading agent. Subclass it to write a strategy.

An agent is driven by callbacks that the simulation calls at simulated times:

==========================  ===============================================================
hook                         called
==========================  ===============================================================
``on_start()``               once, at the start of the simulation (schedule wake-ups here)
``on_wakeup()``              at each time asked for with ``wake_at`` / ``wake_in``
``on_book(book)``            when the reply to ``query_book`` arrives (a ``BookView``)
``on_quote(quote)``          best bid/offer changes, if ``subscribe_bbo`` was called
``on_trades(trades)``        trades of the market, if ``subscribe_trades`` was called
``on_depth(book)``           book snapshots, if ``subscribe_depth`` was called
``on_imbalance(event)``      book-imbalance events, if ``subscribe_imbalance`` was called
``on_order_event(o, e)``     each of its own order events, *if overridden* (see below)
``on_fill(fill)``            each of its own fills, *if overridden*
``on_stop()``                once, at the end (all its order events applied)
==========================  ===============================================================

and acts through:

- orders: ``buy``/``sell``/``submit`` (limit, or market when ``price`` is None), ``cancel``,
  ``cancel_all`` (one MASS_CANCEL message), ``replace``, ``reduce``. Orders are named by the
  agent's own client order id, returned by ``submit``; they reach the exchange after the
  agent's compute delay plus its order-entry latency (``delay(ns)`` adds to that for the
  rest of the current callback, as ABIDES' ``delay``).
- ``query_book(instrument, depth=1, volume_lookback=None)``: a round trip to the exchange;
  the reply comes to ``on_book`` (or to the given callback).
- ``observe_fundamental(instrument, sigma_n)``: a noisy look at the fundamental value
  (immediate, like ABIDES' oracle).
- ``self.rng``: the agent's own random stream, derived from the scenario seed and the
  agent's population name and index.

Bookkeeping is automatic: ``cash``, ``positions`` (per instrument id), ``realized_pnl``
(average cost), ``orders`` (open orders by client order id, each an ``Order``),
``orders_sent``, ``cancels_sent``, ``fills``, ``volume``; ``pnl(marks)`` marks to market.
The agent's view of its own orders is updated by the exchange's events, delivered with
its market-data latency. For speed they are applied lazily, in order, just before its next
callback (it could not have seen them earlier), unless the subclass overrides
``on_order_event`` or ``on_fill``: then each event is its own SimPy event and the hook runs
at its arrival time.

SimPy processes. An agent may also be written as a SimPy generator: override ``run()``
and it is started as a process at the start of the simulation. Inside, ``yield
self.sleep(ns)`` waits and ``book = yield self.request_book(instrument)`` waits for a book
reply.

A minimal agent::

    class Buyer(Agent):
        PARAMS = Record("buyer", [Field("symbol", Str()), Field("every", Duration())])

        def on_start(self):
            self.inst = self.instrument(self.params.symbol)
            self.wake_in(self.params.every)

        def on_wakeup(self):
            self.query_book(self.inst)
            self.wake_in(self.params.every)

        def on_book(self, book):
            if book.ask is not None:
                self.buy(self.inst, 100, book.ask)
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from venue.enums import ALL_INSTRUMENTS
from venue.sim.exchange import CANCEL, MASS_CANCEL, NEW, QUERY, REDUCE, REPLACE, SUBSCRIBE
from venue.sim.marketdata import BookView, ImbalanceEvent, Quote, Subscription, Trade
from venue.sim.rng import Rng

if TYPE_CHECKING:
    import simpy

    from venue.scenario.schema import Record
    from venue.sim.simulation import Simulation

__all__ = ["Agent", "Fill", "Order", "Params"]

_ACCEPTED, _REJECTED, _TRADE, _CANCELLED, _REPLACED = range(5)
_LIMIT, _MARKET = 0, 1
_GTC, _DAY, _IOC, _FOK = 0, 1, 2, 3


class Params(SimpleNamespace):
    """An agent's validated parameters, as attributes (``self.params.pov``)."""


class Fill(NamedTuple):
    """One of the agent's own fills: `maker` is True when its resting order was hit."""

    ts: int
    instrument: int
    client_order_id: int
    side: int
    price: int
    qty: int
    maker: bool


class Order:
    """The agent's view of one of its orders.

    `status` is ``pending`` (sent, not yet acknowledged), ``open`` (accepted, resting or
    being matched), ``filled``, ``cancelled`` or ``rejected`` (then `reason` is the engine's
    reason code). `order_id` is the engine's id, known once accepted.
    """

    __slots__ = (
        "client_order_id",
        "filled",
        "instrument",
        "leaves",
        "order_id",
        "price",
        "qty",
        "reason",
        "sent_at",
        "side",
        "status",
    )

    def __init__(
        self, client_order_id: int, instrument: int, side: int, price: int, qty: int, sent_at: int
    ) -> None:
        self.client_order_id = client_order_id
        self.order_id = 0
        self.instrument = instrument
        self.side = side
        self.price = price
        self.qty = qty
        self.leaves = qty
        self.filled = 0
        self.status = "pending"
        self.reason = 0
        self.sent_at = sent_at

    def __repr__(self) -> str:
        side = "BUY" if self.side == 0 else "SELL"
        return (
            f"Order(coid={self.client_order_id}, id={self.order_id}, {side} {self.leaves}/"
            f"{self.qty}@{self.price}, {self.status})"
        )


class Agent:
    """Base class of trading agents (see the module docstring for the hooks and actions).

    The simulation builds agents as ``cls(agent_id, name, group, index, params, rng,
    starting_cash)``; ``agent_id`` is also the agent's participant id at the exchange.
    Subclasses declare their parameters in ``PARAMS`` (a ``venue.scenario.schema.Record``),
    which the scenario loader validates before anything runs.
    """

    PARAMS: ClassVar[Record | None] = None
    """Schema of the agent's `params` in a scenario file (None: no parameters)."""

    type_name: ClassVar[str] = "agent"
    """The name of the agent's type in outputs (``agents.parquet``, ``summary.json``)."""

    tracks_orders: bool = True
    """Keep ``orders``, ``cash``, ``positions`` and the fill counts up to date during the
    run (the default). An agent that never reads them while it trades may set this to False
    (in the class, or in ``on_start``): its order events are then not routed to it one by
    one; its books are settled once at the end of the run from the exchange's events,
    through the same accounting code and in the same order, so the final state is
    identical. Ignored (always on) for agents that override ``on_order_event``/``on_fill``.
"""

    def __init__(
        self,
        agent_id: int,
        name: str,
        group: str,
        index: int,
        params: Params | None = None,
        rng: Rng | None = None,
        starting_cash: int = 0,
    ) -> None:
        self.agent_id = agent_id
        self.name = name
        self.group = group
        self.index = index
        self.params = params if params is not None else Params()
        self.rng = rng if rng is not None else Rng(agent_id)
        self.starting_cash = starting_cash
        self.cash = starting_cash
        self.positions: list[int] = []
        self.realized_pnl = 0.0
        self.orders: dict[int, Order] = {}
        self.orders_sent = 0
        self.cancels_sent = 0
        self.fills = 0
        self.volume = 0
        self.rejects = 0
        self._cost: list[float] = []
        self._by_oid: dict[int, int] = {}
        self._next_coid = 1
        # Wired by `_attach`.
        self.sim: Simulation | None = None
        self._kernel: Any = None
        self._env: Any = None
        self._exchange: Any = None
        self._open_ns = 0
        self._close_ns = 0
        self._inbox: list[tuple[int, int, tuple[Any, ...]]] = []
        self._md_lat = 0
        self._md_jit: Callable[[], int] | None = None
        self._md_last = 0
        self._oe_lat = 0
        self._oe_jit: Callable[[], int] | None = None
        self._oe_last = 0
        self._compute = 0
        self._offset = 0
        cls = type(self)
        self._eager = (
            cls.on_order_event is not Agent.on_order_event or cls.on_fill is not Agent.on_fill
        )
        if self._eager:
            self.tracks_orders = True

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} id={self.agent_id}>"

    # ------------------------------------------------------------------------------------
    # Hooks (override)
    # ------------------------------------------------------------------------------------

    def on_start(self) -> None:
        """Called once at the start of the simulation; schedule wake-ups here."""

    def on_wakeup(self) -> None:
        """Called at each scheduled wake-up."""

    def on_book(self, book: BookView) -> None:
        """Called with the reply to `query_book`."""

    def on_quote(self, quote: Quote) -> None:
        """Called when the best bid or offer changes (after `subscribe_bbo`)."""

    def on_trades(self, trades: list[Trade]) -> None:
        """Called with the market's trades of one exchange batch (after
        `subscribe_trades`)."""

    def on_depth(self, book: BookView) -> None:
        """Called with a book snapshot (after `subscribe_depth`)."""

    def on_imbalance(self, event: ImbalanceEvent) -> None:
        """Called on a book-imbalance event (after `subscribe_imbalance`)."""

    def on_order_event(self, order: Order | None, event: tuple[Any, ...]) -> None:
        """Called for each own order event when overridden (the raw event tuple, fields in
        `EVENT_DTYPE` order; `order` is the agent's updated `Order`, None if unknown)."""

    def on_fill(self, fill: Fill) -> None:
        """Called for each own fill when overridden."""

    def on_stop(self) -> None:
        """Called once at the end of the simulation."""

    def run(self) -> Generator[Any, Any, Any] | None:
        """Override as a generator to write the agent as a SimPy process."""
        return None

    # ------------------------------------------------------------------------------------
    # Environment
    # ------------------------------------------------------------------------------------

    @property
    def now(self) -> int:
        """Current simulation time (ns)."""
        return self._env._now  # type: ignore[no-any-return]

    @property
    def market_open(self) -> int:
        """Session open time (ns)."""
        return self.sim.open_ns  # type: ignore[union-attr]

    @property
    def market_close(self) -> int:
        """Session close time (ns)."""
        return self.sim.close_ns  # type: ignore[union-attr]

    @property
    def is_open(self) -> bool:
        """True during the session [open, close)."""
        return self._open_ns <= self._env._now < self._close_ns  # type: ignore[no-any-return]

    def instrument(self, symbol: str | int) -> int:
        """The id of an instrument, by symbol (or id, checked)."""
        return self.sim.instrument_id(symbol)  # type: ignore[union-attr]

    def tick_size(self, instrument: int) -> int:
        """Tick size of an instrument."""
        return self.sim.exchange.instruments[instrument].tick_size  # type: ignore[union-attr]

    def to_tick(self, instrument: int, price: float, up: bool = False) -> int:
        """`price` rounded to the instrument's tick: down (for bids), or up (for asks)."""
        tick = self.sim.exchange.instruments[instrument].tick_size  # type: ignore[union-attr]
        q = -(-price // tick) if up else price // tick
        return int(q) * tick

    def to_lot(self, instrument: int, qty: int) -> int:
        """`qty` rounded down to the instrument's lot size (0 if below one lot)."""
        lot = self.sim.exchange.instruments[instrument].lot_size  # type: ignore[union-attr]
        return qty - qty % lot if lot > 1 else qty

    def observe_fundamental(self, instrument: int, sigma_n: float = 0.0) -> int:
        """The instrument's fundamental value now, plus normal noise of *variance*
        `sigma_n` drawn from this agent's stream (ABIDES' `observe_price`)."""
        return self.sim.fundamentals[instrument].observe(self.now, sigma_n, self.rng)  # type: ignore[union-attr]

    def position(self, instrument: int) -> int:
        """Current position in an instrument (as known from delivered fills)."""
        return self.positions[instrument]

    # ------------------------------------------------------------------------------------
    # Time
    # ------------------------------------------------------------------------------------

    def wake_at(self, t: int) -> None:
        """Asks for `on_wakeup` at time `t` (now, if `t` is in the past)."""
        self._kernel.call_at(t, self._on_wake)

    def wake_in(self, delay: int) -> None:
        """Asks for `on_wakeup` after `delay` ns."""
        kernel = self._kernel
        kernel.call_at(kernel.env._now + delay, self._on_wake)

    def delay(self, ns: int) -> None:
        """Delays the messages sent in the rest of this callback by `ns` more (ABIDES'
        `delay`, used e.g. between a market maker's cancels and its new quotes)."""
        self._offset += ns

    def sleep(self, ns: int) -> simpy.Event:
        """For SimPy processes: an event `ns` from now (`yield self.sleep(ns)`)."""
        ev = self.sim.kernel.timeout(ns)  # type: ignore[union-attr]
        ev.callbacks.append(self._enter_cb)
        return ev

    # ------------------------------------------------------------------------------------
    # Orders
    # ------------------------------------------------------------------------------------

    def submit(
        self,
        instrument: int,
        side: int,
        qty: int,
        price: int | None = None,
        *,
        tif: int | None = None,
        post_only: bool = False,
        display_qty: int = 0,
    ) -> int:
        """Sends a NEW order; returns its client order id.

        A limit order (GTC unless `tif` says otherwise) with a `price`; a market order
        (IOC) without. The order is recorded as `pending` in `self.orders` until the
        exchange's answer is delivered.
        """
        coid = self._next_coid
        self._next_coid = coid + 1
        if price is None:
            order_type, px = _MARKET, 0
            if tif is None:
                tif = _IOC
        else:
            order_type, px = _LIMIT, price
            if tif is None:
                tif = _GTC
        if self.tracks_orders:
            self.orders[coid] = Order(coid, instrument, side, px, qty, self.sim.kernel.env._now)  # type: ignore[union-attr]
        self.orders_sent += 1
        self._send(
            (
                self,
                NEW,
                instrument,
                side,
                px,
                qty,
                coid,
                order_type,
                tif,
                1 if post_only else 0,
                display_qty,
            )
        )
        return coid

    def buy(self, instrument: int, qty: int, price: int | None = None, **kw: Any) -> int:
        """`submit` a buy order."""
        return self.submit(instrument, 0, qty, price, **kw)

    def sell(self, instrument: int, qty: int, price: int | None = None, **kw: Any) -> int:
        """`submit` a sell order."""
        return self.submit(instrument, 1, qty, price, **kw)

    def cancel(self, client_order_id: int) -> None:
        """Cancels one of the agent's orders by client order id."""
        o = self.orders.get(client_order_id)
        inst = o.instrument if o is not None else 0
        self.cancels_sent += 1
        self._send((self, CANCEL, inst, client_order_id))

    def cancel_all(self, instrument: int = ALL_INSTRUMENTS) -> None:
        """Cancels every live order of the agent (on one instrument, or all) with one
        MASS_CANCEL message. Orders sent earlier arrive earlier, so they are included."""
        self.cancels_sent += 1
        self._send((self, MASS_CANCEL, instrument))

    def replace(self, client_order_id: int, price: int, qty: int) -> None:
        """Replaces an order's price and open quantity (SEMANTICS.md REPLACE)."""
        o = self.orders.get(client_order_id)
        self._send((self, REPLACE, o.instrument if o else 0, client_order_id, price, qty))

    def reduce(self, client_order_id: int, qty: int) -> None:
        """Reduces an order's open quantity to `qty`, keeping its queue position."""
        o = self.orders.get(client_order_id)
        self._send((self, REDUCE, o.instrument if o else 0, client_order_id, qty))

    # ------------------------------------------------------------------------------------
    # Market data
    # ------------------------------------------------------------------------------------

    def query_book(
        self,
        instrument: int,
        depth: int = 1,
        volume_lookback: int | None = None,
        callback: Callable[[BookView], None] | None = None,
    ) -> None:
        """Asks the exchange for its book (best `depth` levels, the last trade, and with
        `volume_lookback` ns the buy and sell volume traded in that window). The reply
        arrives after the round trip at `callback` (default `on_book`)."""
        self._check_instrument(instrument)
        self._send((self, QUERY, instrument, depth, volume_lookback, callback or self.on_book))

    def request_book(
        self, instrument: int, depth: int = 1, volume_lookback: int | None = None
    ) -> simpy.Event:
        """For SimPy processes: `book = yield self.request_book(instrument)`."""
        ev = self.sim.kernel.event()  # type: ignore[union-attr]
        self.query_book(instrument, depth, volume_lookback, callback=ev.succeed)
        return ev

    def subscribe_bbo(
        self, instrument: int, callback: Callable[[Quote], None] | None = None
    ) -> None:
        """Subscribes to best bid/offer changes (to `on_quote`)."""
        self._subscribe("bbo", instrument, callback or self.on_quote)

    def subscribe_trades(
        self, instrument: int, callback: Callable[[list[Trade]], None] | None = None
    ) -> None:
        """Subscribes to the market's trades (to `on_trades`)."""
        self._subscribe("trades", instrument, callback or self.on_trades)

    def subscribe_depth(
        self,
        instrument: int,
        depth: int = 10,
        min_interval: int = 0,
        callback: Callable[[BookView], None] | None = None,
    ) -> None:
        """Subscribes to book snapshots of `depth` levels after book changes, at most one
        per `min_interval` ns (to `on_depth`)."""
        self._subscribe(
            "depth", instrument, callback or self.on_depth, depth=depth, min_interval=min_interval
        )

    def subscribe_imbalance(
        self,
        instrument: int,
        threshold: float = 0.9,
        callback: Callable[[ImbalanceEvent], None] | None = None,
    ) -> None:
        """Subscribes to book-imbalance events above `threshold` (to `on_imbalance`)."""
        self._subscribe("imbalance", instrument, callback or self.on_imbalance, threshold=threshold)

    def _subscribe(
        self, kind: str, instrument: int, callback: Callable[[Any], None], **kw: Any
    ) -> None:
        self._check_instrument(instrument)
        self._send((self, SUBSCRIBE, Subscription(self, kind, instrument, callback, **kw)))

    # ------------------------------------------------------------------------------------
    # Accounting
    # ------------------------------------------------------------------------------------

    def pnl(self, marks: list[int | None]) -> float:
        """Mark-to-market profit: cash change plus positions valued at `marks` (one price
        per instrument id; a None mark values that position at 0)."""
        value = float(self.cash - self.starting_cash)
        for inst, pos in enumerate(self.positions):
            mark = marks[inst]
            if pos and mark is not None:
                value += pos * mark
        return value

    def _fill(self, inst: int, side: int, price: int, qty: int) -> None:
        signed = qty if side == 0 else -qty
        self.cash -= signed * price
        pos = self.positions[inst]
        new = pos + signed
        if pos == 0 or (pos > 0) == (signed > 0):
            self._cost[inst] += signed * price
        else:
            avg = self._cost[inst] / pos
            closed = min(qty, abs(pos))
            self.realized_pnl += closed * (price - avg) * (1 if pos > 0 else -1)
            self._cost[inst] = new * price if abs(signed) > abs(pos) else avg * new
        self.positions[inst] = new
        self.fills += 1
        self.volume += qty

    def _apply(self, role: int, e: tuple[Any, ...]) -> Order | None:
        """Applies one own order event to the agent's state; returns the order."""
        kind = e[11]
        if role == 1:  # our resting order was hit (e is the TRADE; we are the maker)
            coid = self._by_oid.get(e[7])
            side = 1 - e[12]
            self._fill(e[8], side, e[4], e[5])
            if coid is None:
                return None
            o = self.orders.get(coid)
            if o is not None:
                o.leaves -= e[5]
                o.filled += e[5]
                if o.leaves <= 0:
                    o.status = "filled"
                    del self.orders[coid]
                    self._by_oid.pop(o.order_id, None)
            return o
        coid = e[3]
        o = self.orders.get(coid)
        if kind == _ACCEPTED:
            if o is not None:
                o.order_id = e[2]
                o.status = "open"
                self._by_oid[e[2]] = coid
        elif kind == _TRADE:
            self._fill(e[8], e[12], e[4], e[5])
            if o is not None:
                o.filled += e[5]
                o.leaves = e[6]
                if e[6] == 0:
                    o.status = "filled"
                    del self.orders[coid]
                    self._by_oid.pop(o.order_id, None)
        elif kind == _CANCELLED:
            if o is not None:
                o.leaves = e[6]
                if e[6] == 0:
                    o.status = "cancelled"
                    o.reason = e[13]
                    del self.orders[coid]
                    self._by_oid.pop(o.order_id, None)
        elif kind == _REPLACED:
            if o is not None:
                o.price = e[4]
                o.leaves = e[6]
        elif kind == _REJECTED:
            self.rejects += 1
            # A NEW is answered before anything else about it (FIFO paths), so a reject of
            # a still-pending order is the reject of its NEW; otherwise it answers a
            # cancel/replace/reduce and the order stays as it is.
            if o is not None and o.status == "pending":
                o.status = "rejected"
                o.reason = e[13]
                del self.orders[coid]
        return o

    # ------------------------------------------------------------------------------------
    # Plumbing (called by the simulation and the exchange)
    # ------------------------------------------------------------------------------------

    def _attach(self, sim: Simulation, latency: Any) -> None:
        """Wires the agent to a simulation and its resolved latency (`AgentLatency`)."""
        self.sim = sim
        self._kernel = sim.kernel
        self._env = sim.kernel.env
        self._exchange = sim.exchange
        self._open_ns = sim.open_ns
        self._close_ns = sim.close_ns
        n = len(sim.exchange.instruments)
        self.positions = [0] * n
        self._cost = [0.0] * n
        self._oe_lat = latency.order_entry
        self._oe_jit = latency.order_entry_jitter
        self._md_lat = latency.market_data
        self._md_jit = latency.market_data_jitter
        self._compute = latency.compute_delay

    def _check_instrument(self, instrument: int) -> None:
        if not 0 <= instrument < len(self.positions):
            raise ValueError(
                f"{self.name}: unknown instrument id {instrument!r} "
                f"(ids 0 to {len(self.positions) - 1}; use self.instrument(symbol))"
            )

    def _send(self, msg: tuple[Any, ...]) -> None:
        """Sends a message on the order-entry path: it arrives after the compute delay (and
        any `delay`), the order-entry latency and jitter, never before an earlier one."""
        jit = self._oe_jit
        t = self._env._now + self._offset + self._oe_lat
        if jit is not None:
            t += jit()
        if t < self._oe_last:
            t = self._oe_last
        self._oe_last = t
        # Exchange.enqueue, inlined (one call less on the busiest path).
        ex = self._exchange
        bucket = ex._pending.get(t)
        if bucket is None:
            ex._pending[t] = [msg]
            self._kernel.call_at(t, ex._arrive, t)
        else:
            bucket.append(msg)
        ex.messages_in += 1

    def _enter(self) -> None:
        """Start of every callback: apply the own events delivered by now; reset the send
        offset to the compute delay."""
        inbox = self._inbox
        if inbox:
            now = self._kernel.env._now
            if inbox[0][0] <= now:
                i, n = 0, len(inbox)
                apply = self._apply
                while i < n and inbox[i][0] <= now:
                    _d, role, e = inbox[i]
                    apply(role, e)
                    i += 1
                del inbox[:i]
        self._offset = self._compute

    def _enter_cb(self, _ev: Any) -> None:
        self._enter()

    def _drain(self) -> None:
        """Applies every own event still in the inbox (end of the simulation)."""
        for _d, role, e in self._inbox:
            self._apply(role, e)
        self._inbox.clear()

    def _settle(
        self, fills: list[tuple[int, int, int, int]], rejects: int, live: list[Order]
    ) -> None:
        """End-of-run books of an agent that did not track its orders: its fills (instrument,
        side, price, qty) in sequence order, its reject count, its orders still live."""
        fill = self._fill
        for inst, side, price, qty in fills:
            fill(inst, side, price, qty)
        self.rejects = rejects
        self.orders = {o.client_order_id: o for o in live}

    def _on_wake(self, _ev: Any) -> None:
        if self._inbox:
            self._enter()
        else:
            self._offset = self._compute
        self.on_wakeup()

    def _on_reply(self, ev: Any) -> None:
        callback, view = ev._value
        if self._inbox:
            self._enter()
        else:
            self._offset = self._compute
        callback(view)

    def _on_market_data(self, ev: Any) -> None:
        callback, payload = ev._value
        self._enter()
        callback(payload)

    def _on_own_event(self, ev: Any) -> None:
        role, e = ev._value
        self._enter()
        o = self._apply(role, e)
        self.on_order_event(o, e)
        if e[11] == _TRADE:
            maker = role == 1
            side = 1 - e[12] if maker else e[12]
            coid = o.client_order_id if o is not None else (0 if maker else e[3])
            self.on_fill(Fill(self.now, e[8], coid, side, e[4], e[5], maker))
