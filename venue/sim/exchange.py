"""The exchange process: the Rust engine inside the SimPy scheduler.

Agents send messages (orders, cancels, queries, subscriptions) that arrive after their
order-entry latency. The exchange keeps one bucket per arrival instant: the first message
due at time `t` schedules one SimPy event at `t`; later messages due at `t` join the bucket.
When the event fires, the bucket is processed in arrival order (ties between messages
arriving at the same ns are broken by the order in which they were sent): consecutive order
messages go to the engine as **one batch** (64-byte `ORDER_DTYPE` records, processed in Rust
with the GIL released); a query in between is answered from the book as it is at that point
of the batch.

Engine output is read as raw 80-byte event records: the bytes are kept as they are for the
run's `events.parquet` (no Python object per event), and only the order-level events an
agent must hear about (ACCEPTED, REJECTED, TRADE, CANCELLED, REPLACED) are routed to their
owner (and, for a TRADE, to the maker), delayed by the owner's market-data latency. An
agent that does not react to its own order events individually gets them in an inbox that
is applied, in order, just before its next callback runs (what it could have seen by
then); one that overrides `on_order_event`/`on_fill` gets one SimPy event each; one that
does not track its orders at all (`Agent.tracks_orders = False`) gets its books settled
from the recorded events at the end of the run.

Market hours. The engine's instruments are HALTED before `open` and from `close` on, so
orders that arrive outside the session are REJECTED(INSTRUMENT_HALTED) events, recorded
like any other; cancels still work.

Client order ids. Agents name their orders by their own client order id; the exchange
gateway translates a cancel, reduce or replace of `(participant, client order id)` into the
engine's order id (learned from the ACCEPTED event), as a FIX gateway does with OrigClOrdID.
A request for an order the gateway does not know goes to the engine with order id 0 and
comes back REJECTED(UNKNOWN_ORDER), echoing the client order id.
"""

from __future__ import annotations

import struct
from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple

import numpy as np

from venue import _core
from venue.dtypes import EVENT_DTYPE
from venue.sim.kernel import Kernel
from venue.sim.marketdata import BookView, ImbalanceEvent, Quote, Subscription, Trade

__all__ = [
    "CANCEL",
    "MASS_CANCEL",
    "NEW",
    "QUERY",
    "REDUCE",
    "REPLACE",
    "SUBSCRIBE",
    "Exchange",
    "InstrumentInfo",
]

# Message actions (0-4 are the engine's `Action` codes).
NEW, CANCEL, REDUCE, REPLACE, MASS_CANCEL = 0, 1, 2, 3, 4
QUERY = 16
SUBSCRIBE = 17

# Event kinds (SEMANTICS.md).
_ACCEPTED, _REJECTED, _TRADE, _CANCELLED, _REPLACED, _BOOK_ADD, _BOOK_MODIFY, _BOOK_DELETE = range(
    8
)
_HALTED, _OPEN = 1, 0

_ORDER = struct.Struct("<qQQqqqIIBBBBB3x")  # OrderMsg, 64 bytes
_EVENT = struct.Struct("<QqQQqqqQIIIBBBx")  # Event, 80 bytes
assert _ORDER.size == 64 and _EVENT.size == 80


class InstrumentInfo(NamedTuple):
    """An instrument of the simulated exchange."""

    id: int
    symbol: str
    tick_size: int
    lot_size: int
    min_qty: int
    max_qty: int


class L1Columns:
    """The best bid and offer after each change, column by column (8 bytes a value)."""

    __slots__ = ("ask", "ask_qty", "bid", "bid_qty", "instrument", "ts")

    def __init__(self) -> None:
        self.ts = array("q")
        self.instrument = array("q")
        self.bid = array("q")
        self.bid_qty = array("q")
        self.ask = array("q")
        self.ask_qty = array("q")

    def __len__(self) -> int:
        return len(self.ts)


class Exchange:
    """The exchange: one engine, its instruments, market hours, gateway and market data.

    `engine` is a `venue.Engine` (or anything with the raw `venue._core.Engine` calls, such
    as the reference model). `instruments` are added to it in order, so their ids are
    0, 1, 2, ... The exchange keeps every engine event (as raw bytes); with `record` it also
    keeps the best bid and offer after every change, and with `depth_interval > 0` it
    samples the top `depth_levels` levels of each book every `depth_interval` ns during
    the session.
    """

    def __init__(
        self,
        kernel: Kernel,
        engine: Any,
        instruments: Sequence[InstrumentInfo],
        open_ns: int,
        close_ns: int,
        *,
        record: bool = True,
        depth_interval: int = 0,
        depth_levels: int = 10,
    ) -> None:
        self.kernel = kernel
        self.engine = engine
        self.open_ns = open_ns
        self.close_ns = close_ns
        self.record = record
        self.instruments: list[InstrumentInfo] = []
        for spec in instruments:
            iid = _add_instrument(engine, spec)
            if iid != len(self.instruments):
                raise RuntimeError(
                    f"exchange: engine gave instrument id {iid}, expected {len(self.instruments)}"
                )
            self.instruments.append(spec._replace(id=iid))
        n = len(self.instruments)
        # The compiled base's methods, bound directly: the Python wrapper's overrides add
        # work this loop does not need.
        base = _core.Engine if isinstance(engine, _core.Engine) else type(engine)
        self._process_buffer: Callable[[bytes], int] = partial(base.process_buffer, engine)
        self._take_events: Callable[[], bytes] = partial(base.take_events, engine)
        self._bbo: Callable[[int], tuple[Any, int, Any, int]] = partial(base.bbo, engine)
        self._depth: Callable[[int, int, int], list[tuple[int, int, int]]] = partial(
            base.depth, engine
        )

        self._agents: list[Any] = [None]  # index = participant id
        self._routes: list[Any] = [None]  # the agent if it tracks its orders, else None
        self._pending: dict[int, list[tuple[Any, ...]]] = {}
        self._oid: dict[int, int] = {}  # (client order id << 32 | participant) -> order id
        self._oid_scanned = 0  # bytes of `_events` whose ACCEPTED events are in `_oid`
        self._events = bytearray()  # every engine event, as the engine wrote them

        self.last_trade: list[int | None] = [None] * n
        self._quote: list[tuple[Any, int, Any, int] | None] = [None] * n
        self._trade_times: list[list[int]] = [[] for _ in range(n)]
        self._cum_buy: list[list[int]] = [[0] for _ in range(n)]
        self._cum_sell: list[list[int]] = [[0] for _ in range(n)]
        self._subs: dict[str, list[list[Subscription]]] = {
            kind: [[] for _ in range(n)] for kind in ("bbo", "trades", "depth", "imbalance")
        }
        self._has_trade_subs = False
        self._track_volume = [False] * n
        self._side_volume = [[0, 0] for _ in range(n)]
        self._displayed: dict[int, int] = {}

        # Best bid and offer after each change, as columns (ts, instrument, bid, bid qty,
        # ask, ask qty); a price of 0 is an empty side (prices are > 0).
        self.l1 = L1Columns()
        # (time, instrument, side, [(price, qty, orders), ...] best first)
        self.depth_rows: list[tuple[int, int, int, list[tuple[int, int, int]]]] = []
        self.depth_levels = depth_levels

        # Counters for the run summary.
        self.messages_in = 0  # agent -> exchange messages
        self.messages_out = 0  # exchange -> agent messages (own order events, replies, data)
        self.new_orders = 0
        self.cancel_requests = 0
        self.queries = 0
        self.batches = 0
        self.max_batch = 0

        for iid in range(n):
            engine.set_trading_state(iid, _HALTED)
        kernel.call_at(open_ns, self._set_session, _OPEN)
        kernel.call_at(close_ns, self._set_session, _HALTED)
        self._depth_interval = depth_interval
        if depth_interval > 0:
            kernel.call_at(open_ns, self._sample_depth)

    # ------------------------------------------------------------------------------------
    # Setup
    # ------------------------------------------------------------------------------------

    def register(self, agent: Any) -> None:
        """Registers an agent; its `agent_id` must be the next participant id (1, 2, ...)."""
        if agent.agent_id != len(self._agents):
            raise ValueError(
                f"exchange: agent ids must be registered in order 1, 2, ...; got "
                f"{agent.agent_id}, expected {len(self._agents)}"
            )
        self._agents.append(agent)
        self._routes.append(agent)

    def refresh_routes(self) -> None:
        """Re-reads which agents track their orders (`Agent.tracks_orders`); the simulation
        calls it after the agents' `on_start`."""
        self._routes = [a if a is not None and a.tracks_orders else None for a in self._agents]

    def _set_session(self, ev: Any) -> None:
        for iid in range(len(self.instruments)):
            self.engine.set_trading_state(iid, ev._value)

    # ------------------------------------------------------------------------------------
    # Arrivals
    # ------------------------------------------------------------------------------------

    def enqueue(self, t: int, msg: tuple[Any, ...]) -> None:
        """Queues a message `(agent, action, ...)` arriving at time `t` (see the module
        docstring; `Agent` builds these)."""
        bucket = self._pending.get(t)
        if bucket is None:
            self._pending[t] = [msg]
            self.kernel.call_at(t, self._arrive, t)
        else:
            bucket.append(msg)
        self.messages_in += 1

    def _arrive(self, ev: Any) -> None:
        t: int = ev._value
        msgs = self._pending.pop(t)
        pack = _ORDER.pack
        oid_map = self._oid
        buf: list[bytes] = []
        fresh: list[tuple[Any, ...]] = []  # NEW orders in `buf`, not yet known to the gateway
        for m in msgs:
            action = m[1]
            if action == NEW:
                # (agent, NEW, inst, side, price, qty, coid, order_type, tif, flags, display)
                pid = m[0].agent_id
                buf.append(
                    pack(t, 0, m[6], m[4], m[5], m[10], m[2], pid, 0, m[3], m[7], m[8], m[9])
                )
                fresh.append(m)
                self.new_orders += 1
            elif action <= MASS_CANCEL:
                pid = m[0].agent_id
                if action == MASS_CANCEL:
                    buf.append(pack(t, 0, 0, 0, 0, 0, m[2], pid, MASS_CANCEL, 0, 0, 0, 0))
                    self.cancel_requests += 1
                    continue
                if fresh and any(n[6] == m[3] and n[0] is m[0] for n in fresh):
                    # Its NEW is in this batch: run that first to learn the order id.
                    self._process(t, buf)
                    buf = []
                    fresh = []
                if self._oid_scanned < len(self._events):
                    self._learn_order_ids()
                oid = oid_map.get((m[3] << 32) | pid, 0)
                if action == CANCEL:
                    buf.append(pack(t, oid, m[3], 0, 0, 0, m[2], pid, CANCEL, 0, 0, 0, 0))
                    self.cancel_requests += 1
                elif action == REDUCE:
                    buf.append(pack(t, oid, m[3], 0, m[4], 0, m[2], pid, REDUCE, 0, 0, 0, 0))
                else:
                    buf.append(pack(t, oid, m[3], m[4], m[5], 0, m[2], pid, REPLACE, 0, 0, 0, 0))
            else:
                if buf:
                    self._process(t, buf)
                    buf = []
                    fresh = []
                if action == QUERY:
                    self._answer(t, m)
                elif action == SUBSCRIBE:
                    self._subscribe(m[2])
                else:
                    raise ValueError(f"exchange: unknown message action {action} from {m[0]!r}")
        if buf:
            self._process(t, buf)

    # ------------------------------------------------------------------------------------
    # The engine batch and the routing of its events
    # ------------------------------------------------------------------------------------

    def _process(self, t: int, buf: list[bytes]) -> None:
        self._process_buffer(b"".join(buf))
        self.batches += 1
        if len(buf) > self.max_batch:
            self.max_batch = len(buf)
        raw = self._take_events()
        if not raw:
            return
        self._events += raw
        routes = self._routes
        call_at = self.kernel.call_at
        track = self._track_volume
        side_volume = self._side_volume
        displayed = self._displayed
        last_trade = self.last_trade
        touched: set[int] = set()
        trades: list[Trade] | None = [] if self._has_trade_subs else None
        out = 0
        for e in _EVENT.iter_unpack(raw):
            kind = e[11]
            if kind >= _BOOK_ADD:
                inst = e[8]
                touched.add(inst)
                if track[inst]:
                    # Each side's total displayed quantity (for the imbalance subscription):
                    # exact, since every change of a resting order's displayed quantity is
                    # a BOOK_* event carrying its new displayed quantity.
                    vol = side_volume[inst]
                    oid = e[2]
                    if kind == _BOOK_ADD:
                        vol[e[12]] += e[5]
                        displayed[oid] = e[5]
                    elif kind == _BOOK_MODIFY:
                        vol[e[12]] += e[5] - displayed.get(oid, 0)
                        displayed[oid] = e[5]
                    else:
                        vol[e[12]] -= displayed.pop(oid, 0)
                continue
            out += 1
            if kind == _TRADE:
                out += 1
                inst = e[8]
                qty = e[5]
                last_trade[inst] = e[4]
                self._trade_times[inst].append(t)
                cb, cs = self._cum_buy[inst], self._cum_sell[inst]
                if e[12] == 0:
                    cb.append(cb[-1] + qty)
                    cs.append(cs[-1])
                else:
                    cb.append(cb[-1])
                    cs.append(cs[-1] + qty)
                if trades is not None:
                    trades.append(Trade(t, inst, e[4], qty, e[12]))
                # The maker hears of its fill too (before the taker, always).
                a = routes[e[10]]
                if a is not None:
                    jit = a._md_jit
                    if jit is None:
                        d = t + a._md_lat
                    else:
                        d = t + a._md_lat + jit()
                        if d < a._md_last:
                            d = a._md_last
                        a._md_last = d
                    if a._eager:
                        call_at(d, a._on_own_event, (1, e))
                    else:
                        a._inbox.append((d, 1, e))
            a = routes[e[9]]
            if a is not None:
                jit = a._md_jit
                if jit is None:
                    d = t + a._md_lat
                else:
                    d = t + a._md_lat + jit()
                    if d < a._md_last:
                        d = a._md_last
                    a._md_last = d
                if a._eager:
                    call_at(d, a._on_own_event, (0, e))
                else:
                    a._inbox.append((d, 0, e))
        self.messages_out += out
        if trades:
            self._publish_trades(t, trades)
        for inst in touched:
            self._book_changed(t, inst)

    def _learn_order_ids(self) -> None:
        """Reads the order ids of the orders accepted since the last call, for the gateway
        (only needed when an agent names an order by client order id; most never do)."""
        oid_map = self._oid
        new = bytes(self._events[self._oid_scanned :])
        for e in _EVENT.iter_unpack(new):
            if e[11] == _ACCEPTED:
                oid_map[(e[3] << 32) | e[9]] = e[2]
        self._oid_scanned = len(self._events)

    def _deliver(self, agent: Any, t: int, fn: Callable[[Any], None], value: Any) -> None:
        """Schedules `fn(event)` on `agent`'s market-data path (latency, jitter, FIFO)."""
        jit = agent._md_jit
        if jit is None:
            d = t + agent._md_lat
        else:
            d = t + agent._md_lat + jit()
            if d < agent._md_last:
                d = agent._md_last
            agent._md_last = d
        self.kernel.call_at(d, fn, value)
        self.messages_out += 1

    def _book_changed(self, t: int, inst: int) -> None:
        q = self._bbo(inst)
        subs_of = self._subs
        if q != self._quote[inst]:
            self._quote[inst] = q
            if self.record:
                l1 = self.l1
                l1.ts.append(t)
                l1.instrument.append(inst)
                l1.bid.append(q[0] or 0)
                l1.bid_qty.append(q[1])
                l1.ask.append(q[2] or 0)
                l1.ask_qty.append(q[3])
            subs = subs_of["bbo"][inst]
            if subs:
                quote = Quote(t, inst, q[0], q[1], q[2], q[3])
                for s in subs:
                    self._deliver(s.agent, t, s.agent._on_market_data, (s.callback, quote))
        for s in subs_of["depth"][inst]:
            if s.last_sent is None or t - s.last_sent >= s.min_interval:
                s.last_sent = t
                view = self.snapshot(t, inst, s.depth)
                self._deliver(s.agent, t, s.agent._on_market_data, (s.callback, view))
        subs = subs_of["imbalance"][inst]
        if subs:
            self._imbalance(t, inst, subs)

    def _imbalance(self, t: int, inst: int, subs: list[Subscription]) -> None:
        bid, ask = self._side_volume[inst]
        if bid == ask:
            imb, side = 0.0, None
        elif bid == 0:
            imb, side = 1.0, 1
        elif ask == 0:
            imb, side = 1.0, 0
        elif bid < ask:
            imb, side = 1.0 - bid / ask, 1
        else:
            imb, side = 1.0 - ask / bid, 0
        for s in subs:
            active = imb > s.threshold
            if active == s.in_event and (not active or side == s.side):
                continue  # no change: the common case
            events: list[ImbalanceEvent] = []
            if s.in_event and active and side != s.side:
                events.append(ImbalanceEvent(t, inst, "finish", imb, s.side))
                events.append(ImbalanceEvent(t, inst, "start", imb, side))
                s.side = side
            elif s.in_event and not active:
                events.append(ImbalanceEvent(t, inst, "finish", imb, side))
                s.in_event, s.side = False, None
            elif not s.in_event and active:
                events.append(ImbalanceEvent(t, inst, "start", imb, side))
                s.in_event, s.side = True, side
            for ev in events:
                self._deliver(s.agent, t, s.agent._on_market_data, (s.callback, ev))

    def _publish_trades(self, t: int, trades: list[Trade]) -> None:
        by_inst: dict[int, list[Trade]] = {}
        for tr in trades:
            by_inst.setdefault(tr.instrument, []).append(tr)
        for inst, items in by_inst.items():
            for s in self._subs["trades"][inst]:
                self._deliver(s.agent, t, s.agent._on_market_data, (s.callback, items))

    # ------------------------------------------------------------------------------------
    # Queries and subscriptions
    # ------------------------------------------------------------------------------------

    def snapshot(self, t: int, inst: int, depth: int = 1, lookback: int | None = None) -> BookView:
        """The book of `inst` now: best levels (`depth` of them), last trade, and with a
        `lookback` (ns) the volume traded by buyers and sellers (aggressor side) in
        `[t - lookback, t]`."""
        bid, bq, ask, aq = self._bbo(inst)
        bids = asks = None
        if depth > 1:
            bids = self._depth(inst, 0, depth)
            asks = self._depth(inst, 1, depth)
        buy = sell = 0
        if lookback is not None:
            buy, sell = self.traded_volume(inst, t - lookback)
        return BookView(t, inst, bid, bq, ask, aq, self.last_trade[inst], bids, asks, buy, sell)

    def traded_volume(self, inst: int, since: int) -> tuple[int, int]:
        """(buy, sell) aggressor volume of `inst` traded at or after time `since`."""
        i = bisect_left(self._trade_times[inst], since)
        cb, cs = self._cum_buy[inst], self._cum_sell[inst]
        return cb[-1] - cb[i], cs[-1] - cs[i]

    def _answer(self, t: int, m: tuple[Any, ...]) -> None:
        # (agent, QUERY, inst, depth, lookback, callback)
        agent = m[0]
        self.queries += 1
        inst, depth, lookback = m[2], m[3], m[4]
        if depth <= 1 and lookback is None:
            bid, bq, ask, aq = self._bbo(inst)
            view = BookView(t, inst, bid, bq, ask, aq, self.last_trade[inst])
        else:
            view = self.snapshot(t, inst, depth, lookback)
        # The reply goes back on the agent's market-data path (`_deliver`, inlined).
        jit = agent._md_jit
        if jit is None:
            d = t + agent._md_lat
        else:
            d = t + agent._md_lat + jit()
            if d < agent._md_last:
                d = agent._md_last
            agent._md_last = d
        self.kernel.call_at(d, agent._on_reply, (m[5], view))
        self.messages_out += 1

    def _subscribe(self, sub: Subscription) -> None:
        self._subs[sub.kind][sub.instrument].append(sub)
        if sub.kind == "trades":
            self._has_trade_subs = True
        elif sub.kind == "imbalance" and not self._track_volume[sub.instrument]:
            # Start from the book as it is (orders may rest before the subscription).
            self._track_volume[sub.instrument] = True
            vol = self._side_volume[sub.instrument]
            for _inst, side, _price, oid, _pid, _coid, displayed in self._live(
                sub.instrument, displayed=True
            ):
                vol[side] += displayed
                self._displayed[oid] = displayed

    # ------------------------------------------------------------------------------------
    # Recording
    # ------------------------------------------------------------------------------------

    def _sample_depth(self, ev: Any) -> None:
        t = self.kernel.now
        if t >= self.close_ns:
            return
        n = self.depth_levels
        rows = self.depth_rows
        depth = self._depth
        for inst in range(len(self.instruments)):
            rows.append((t, inst, 0, depth(inst, 0, n)))
            rows.append((t, inst, 1, depth(inst, 1, n)))
        self.kernel.call_at(t + self._depth_interval, self._sample_depth)

    def _live(
        self, inst: int, displayed: bool = False
    ) -> list[tuple[int, int, int, int, int, int, int]]:
        """Resting orders of one instrument, each `(inst, side, price, order id, participant,
        client order id, leaves or displayed)`, best level first, in priority order."""
        queue = self.engine.queue
        out = []
        for side in (0, 1):
            for price, _qty, _n in self._depth(inst, side, 1 << 30):
                for oid, pid, coid, shown, leaves in queue(inst, side, price):
                    out.append((inst, side, price, oid, pid, coid, shown if displayed else leaves))
        return out

    def live_orders(self) -> list[tuple[int, int, int, int, int, int, int]]:
        """Every resting order: (instrument, side, price, order id, participant, client
        order id, leaves), by instrument, side, price level (best first) and priority."""
        out = []
        for inst in range(len(self.instruments)):
            out += self._live(inst)
        return out

    def events(self, copy: bool = True) -> np.ndarray:
        """Every engine event of the run so far, as an `EVENT_DTYPE` array: a copy, or with
        `copy=False` a read-only view of the exchange's buffer, to be dropped before the
        exchange processes anything more (for reading a finished run without a copy)."""
        if copy:
            return np.frombuffer(bytes(self._events), dtype=EVENT_DTYPE)
        view = np.frombuffer(self._events, dtype=EVENT_DTYPE)
        view.flags.writeable = False
        return view

    def event_count(self) -> int:
        """Number of engine events recorded."""
        return len(self._events) // _EVENT.size


def _add_instrument(engine: Any, spec: InstrumentInfo) -> int:
    """Adds `spec` to `engine` through whichever `add_instrument` signature it has: the
    public `venue.Engine` (symbol first) or the raw one (sizes only)."""
    from venue.engine import Engine

    if isinstance(engine, Engine):
        return engine.add_instrument(
            spec.symbol,
            tick_size=spec.tick_size,
            lot_size=spec.lot_size,
            min_qty=spec.min_qty,
            max_qty=spec.max_qty,
        )
    return engine.add_instrument(spec.tick_size, spec.lot_size, spec.min_qty, spec.max_qty)
