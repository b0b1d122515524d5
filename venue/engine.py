"""`venue.Engine`: the Rust matching engine with a Python face.

`Engine` subclasses the compiled `venue._core.Engine`. The single-message methods it inherits
(`submit`, `cancel`, `reduce`, `replace`, `mass_cancel`) and the raw queries (`bbo`, `depth`,
`queue`, `order`, `state_hash`, ...) are the compiled ones, untouched and as fast as from
`venue._core`. This class adds what users want around them: instruments by symbol, batches
as numpy arrays (`process`), events as numpy arrays or columns (`events`, `events_table`,
`to_arrow`), book snapshots (`book`, `l3`) and keyword helpers (`buy`, `sell`).

>>> eng = Engine()
>>> xyz = eng.add_instrument("XYZ", tick_size=1)
>>> eng.sell("XYZ", 10, price=101, participant=1, ts=1)
1
>>> eng.buy("XYZ", 4, price=101, participant=2, ts=2)
2
>>> ev = eng.events()
>>> [EventKind(k).name for k in ev["kind"]]
['ACCEPTED', 'BOOK_ADD', 'ACCEPTED', 'TRADE', 'BOOK_MODIFY']
>>> eng.book("XYZ").asks
[Level(price=101, qty=6, orders=1)]
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NamedTuple

import numpy as np

from venue import _core
from venue.dtypes import EVENT_DTYPE, as_order_array
from venue.enums import POST_ONLY, EventKind, OrderType, Reason, Side, Tif
from venue.errors import BatchFormatError, ConfigError, UnknownInstrumentError, VenueError

__all__ = [
    "Book",
    "Engine",
    "Instrument",
    "L3Book",
    "L3Level",
    "Level",
    "QueueEntry",
    "describe_events",
]

_EVENT_SIZE = EVENT_DTYPE.itemsize
# The compiled methods, called directly where this class overrides them or on hot paths.
_base_pending_events = _core.Engine.pending_events
_base_take_events = _core.Engine.take_events
_base_process_buffer = _core.Engine.process_buffer
_EVENT_COLUMNS = tuple(n for n in EVENT_DTYPE.names or () if not n.startswith("_"))


class Instrument(NamedTuple):
    """An instrument's id, symbol and specification (price and quantity units)."""

    id: int
    symbol: str
    tick_size: int
    lot_size: int
    min_qty: int
    max_qty: int


class Level(NamedTuple):
    """One L2 level: price, displayed quantity summed over its orders, number of orders."""

    price: int
    qty: int
    orders: int


class QueueEntry(NamedTuple):
    """One resting order in a level's queue (priority order)."""

    order_id: int
    participant: int
    client_order_id: int
    displayed: int
    leaves: int


class L3Level(NamedTuple):
    """One L3 level: price, displayed quantity, and its orders in priority order."""

    price: int
    qty: int
    queue: list[QueueEntry]


@dataclass(frozen=True)
class Book:
    """An L2 snapshot of one instrument: levels best first on each side."""

    instrument: int
    symbol: str
    bids: list[Level]
    asks: list[Level]


@dataclass(frozen=True)
class L3Book:
    """The full L3 state of one instrument: every level best first, each with its queue."""

    instrument: int
    symbol: str
    bids: list[L3Level]
    asks: list[L3Level]


class Engine(_core.Engine):
    """The matching engine (see docs/SEMANTICS.md): many instruments, integer prices and
    quantities, every outcome an event.

    `order_capacity` and `event_capacity` size the engine's buffers before it allocates.
    Misuse raises a `venue.VenueError`; an order the engine cannot accept is a REJECTED event.
    Events accumulate until taken with `events()` (or returned by `process`).
    """

    def __init__(self, order_capacity: int = 65536, event_capacity: int = 65536) -> None:
        # The compiled base is built by its __new__ with the same arguments.
        super().__init__()
        self._instruments: dict[int, Instrument] = {}
        self._by_symbol: dict[str, int] = {}
        self._stash: list[bytes] = []
        self._client_ids: dict[int, int] = {}  # participant -> largest id the helpers used

    def __repr__(self) -> str:
        symbols = ", ".join(i.symbol for i in self._instruments.values())
        try:
            live = str(self.live_orders())
        except VenueError:  # a poisoned engine still has a repr
            live = "?"
        return f"<venue.Engine instruments=[{symbols}] live_orders={live}>"

    # ----------------------------------------------------------------------------------------
    # Instruments
    # ----------------------------------------------------------------------------------------

    def add_instrument(  # type: ignore[override]
        self,
        symbol: str,
        *,
        tick_size: int = 1,
        lot_size: int = 1,
        min_qty: int = 1,
        max_qty: int = 1_000_000_000,
    ) -> int:
        """Adds an instrument and returns its id (0, 1, 2, ... in order of addition).

        All sizes are in integer units and must be > 0, with `min_qty <= max_qty` and both
        multiples of `lot_size`; the symbol must be a non-empty string not used yet. Anything
        else raises ConfigError and adds nothing.

        >>> eng = Engine()
        >>> eng.add_instrument("XYZ", tick_size=5, lot_size=10, min_qty=10, max_qty=10_000)
        0
        >>> eng.add_instrument("ABC")
        1
        >>> eng.instrument_id("ABC")
        1
        """
        if not isinstance(symbol, str) or not symbol.strip():
            raise ConfigError(f"add_instrument: symbol must be a non-empty str, got {symbol!r}")
        if symbol in self._by_symbol:
            raise ConfigError(
                f"add_instrument: symbol {symbol!r} is already instrument {self._by_symbol[symbol]}"
            )
        iid = super().add_instrument(tick_size, lot_size, min_qty, max_qty)
        self._instruments[iid] = Instrument(iid, symbol, tick_size, lot_size, min_qty, max_qty)
        self._by_symbol[symbol] = iid
        return iid

    def instrument_id(self, symbol: str) -> int:
        """The id of the instrument called `symbol`; UnknownInstrumentError if there is none."""
        try:
            return self._by_symbol[symbol]
        except (KeyError, TypeError):
            known = ", ".join(self._by_symbol) or "none"
            raise UnknownInstrumentError(
                f"unknown instrument symbol {symbol!r} (known: {known})"
            ) from None

    def symbol(self, instrument: int) -> str:
        """The symbol of an instrument id; UnknownInstrumentError if there is none."""
        return self.instrument(instrument).symbol

    def instrument(self, instrument: int | str) -> Instrument:
        """An instrument's id, symbol and specification, by id or symbol.

        >>> eng = Engine()
        >>> _ = eng.add_instrument("XYZ", tick_size=5)
        >>> eng.instrument("XYZ")
        Instrument(id=0, symbol='XYZ', tick_size=5, lot_size=1, min_qty=1, max_qty=1000000000)
        """
        iid = self._resolve(instrument)
        try:
            return self._instruments[iid]
        except KeyError:
            # Added through the compiled base class, bypassing symbols.
            raise UnknownInstrumentError(f"instrument {iid} has no symbol") from None

    def instruments(self) -> list[Instrument]:
        """Every instrument added with a symbol, in id order."""
        return [self._instruments[i] for i in sorted(self._instruments)]

    def _resolve(self, instrument: int | str) -> int:
        """An existing instrument's id from its id or symbol, else UnknownInstrumentError."""
        if isinstance(instrument, str):
            return self.instrument_id(instrument)
        try:
            iid = operator.index(instrument)
        except TypeError:
            raise UnknownInstrumentError(
                f"instrument must be an id (int) or a symbol (str), got {instrument!r}"
            ) from None
        if not 0 <= iid < self.instrument_count():
            raise UnknownInstrumentError(
                f"unknown instrument {iid} (ids are 0 to {self.instrument_count() - 1})"
            )
        return iid

    # ----------------------------------------------------------------------------------------
    # Orders
    # ----------------------------------------------------------------------------------------

    def buy(
        self,
        instrument: int | str,
        qty: int,
        price: int | None = None,
        *,
        participant: int = 0,
        ts: int = 0,
        tif: Tif | int | None = None,
        order_type: OrderType | int | None = None,
        post_only: bool = False,
        display_qty: int = 0,
        client_order_id: int | None = None,
    ) -> int:
        """Sends a NEW buy order; returns its order id, or 0 if it was rejected.

        With a `price`, a LIMIT order (tif GTC unless given); without, a MARKET order (tif
        IOC unless given). `display_qty > 0` makes an iceberg. `post_only` sets the POST_ONLY
        flag. An order the engine cannot accept is a REJECTED event with its reason, not an
        exception (an unknown instrument *id* too; an unknown *symbol* raises
        UnknownInstrumentError, as it has no id to send). A value the message cannot carry
        (a float price, a negative participant, a tif above 255) raises ConfigError naming
        the argument.

        Client order ids must be unique among a participant's live orders. Without
        `client_order_id`, the helper picks one more than the largest this engine's helpers
        have used for that participant (1, 2, 3, ...); ids sent through `submit` or `process`
        are not seen, so do not mix those with automatic ids for the same participant.

        >>> eng = Engine()
        >>> _ = eng.add_instrument("XYZ", tick_size=5)
        >>> eng.buy("XYZ", 10, price=100, participant=7, tif=Tif.DAY, client_order_id=42)
        1
        >>> eng.buy("XYZ", 10, price=103, participant=7)  # off tick: rejected
        0
        >>> [Reason(r).name for r in eng.events()["reason"]]
        ['NONE', 'NONE', 'OFF_TICK']
        """
        return self._new(
            Side.BUY,
            instrument,
            qty,
            price,
            participant,
            ts,
            tif,
            order_type,
            post_only,
            display_qty,
            client_order_id,
        )

    def sell(
        self,
        instrument: int | str,
        qty: int,
        price: int | None = None,
        *,
        participant: int = 0,
        ts: int = 0,
        tif: Tif | int | None = None,
        order_type: OrderType | int | None = None,
        post_only: bool = False,
        display_qty: int = 0,
        client_order_id: int | None = None,
    ) -> int:
        """Sends a NEW sell order; returns its order id, or 0 if it was rejected.

        The arguments are those of `buy`.

        >>> eng = Engine()
        >>> _ = eng.add_instrument("XYZ")
        >>> eng.sell("XYZ", 30, price=105, participant=1, display_qty=10)  # an iceberg
        1
        >>> eng.book("XYZ").asks  # shows one slice
        [Level(price=105, qty=10, orders=1)]
        """
        return self._new(
            Side.SELL,
            instrument,
            qty,
            price,
            participant,
            ts,
            tif,
            order_type,
            post_only,
            display_qty,
            client_order_id,
        )

    def _new(
        self,
        side: Side,
        instrument: int | str,
        qty: int,
        price: int | None,
        participant: int,
        ts: int,
        tif: Tif | int | None,
        order_type: OrderType | int | None,
        post_only: bool,
        display_qty: int,
        client_order_id: int | None,
    ) -> int:
        what = "buy" if side == Side.BUY else "sell"
        iid = self.instrument_id(instrument) if isinstance(instrument, str) else instrument
        if order_type is None:
            order_type = OrderType.MARKET if price is None else OrderType.LIMIT
        if tif is None:
            tif = Tif.IOC if order_type == OrderType.MARKET else Tif.GTC
        fields = {
            "ts": ts,
            "participant": participant,
            "instrument": iid,
            "price": 0 if price is None else price,
            "qty": qty,
            "order_type": order_type,
            "tif": tif,
            "display_qty": display_qty,
        }
        if client_order_id is not None:
            fields["client_order_id"] = client_order_id
        for name, value in fields.items():
            fields[name] = _message_int(what, name, value)
        participant = fields["participant"]
        last = self._client_ids.get(participant, 0)
        coid = fields.get("client_order_id", last + 1)
        self._client_ids[participant] = max(last, coid)
        return self.submit(
            fields["ts"],
            participant,
            fields["instrument"],
            side,
            fields["price"],
            fields["qty"],
            fields["order_type"],
            fields["tif"],
            POST_ONLY if post_only else 0,
            fields["display_qty"],
            coid,
        )

    def process(self, orders: Any) -> np.ndarray:
        """Processes a batch of messages in order and returns the events it produced.

        `orders` is an `ORDER_DTYPE` array (see `venue.dtypes.orders`) or any structured
        array `venue.dtypes.as_order_array` accepts; a malformed one raises BatchFormatError
        naming the field, before anything is processed. The batch runs in Rust with the GIL
        released. The returned `EVENT_DTYPE` array holds exactly this batch's events (a
        read-only view, no copy); events pending from earlier calls stay pending for
        `events()`.

        >>> from venue.dtypes import orders
        >>> eng = Engine()
        >>> _ = eng.add_instrument("XYZ")
        >>> batch = orders(2)
        >>> batch["participant"] = [1, 2]
        >>> batch["side"] = [Side.SELL, Side.BUY]
        >>> batch["price"] = [101, 101]
        >>> batch["qty"] = [10, 4]
        >>> ev = eng.process(batch)
        >>> trades = ev[ev["kind"] == EventKind.TRADE]
        >>> trades[["price", "qty", "maker_participant"]].tolist()
        [(101, 4, 1)]
        """
        batch = as_order_array(orders)
        if len(batch) == 0:
            return np.empty(0, dtype=EVENT_DTYPE)
        if _base_pending_events(self):
            self._stash.append(_base_take_events(self))
        _base_process_buffer(self, batch)
        # The engine writes whole 80-byte records: no need to validate the length.
        return np.frombuffer(_base_take_events(self), EVENT_DTYPE)

    # ----------------------------------------------------------------------------------------
    # Events
    # ----------------------------------------------------------------------------------------

    def take_events(self) -> bytes:
        """Drains every pending event as raw 80-byte records (see `events` for an array)."""
        data = _base_take_events(self)
        if self._stash:
            self._stash.append(data)
            data = b"".join(self._stash)
            self._stash.clear()
        return data

    def pending_events(self) -> int:
        """Number of events waiting to be taken."""
        pending = _base_pending_events(self)
        if self._stash:
            pending += sum(len(b) for b in self._stash) // _EVENT_SIZE
        return pending

    def events(self) -> np.ndarray:
        """Drains every pending event as an `EVENT_DTYPE` array, in sequence order.

        The array is a read-only view of the engine's output (no copy); `.copy()` it to
        modify it.

        >>> eng = Engine()
        >>> _ = eng.add_instrument("XYZ")
        >>> _ = eng.buy("XYZ", 5, price=99, participant=1)
        >>> eng.events()[["seq", "kind", "price", "qty"]].tolist()
        [(1, 0, 99, 5), (2, 5, 99, 5)]
        >>> len(eng.events())  # drained
        0
        """
        return np.frombuffer(self.take_events(), EVENT_DTYPE)

    def events_table(self, events: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Events as columns: field name -> contiguous numpy array (a copy), in dtype order
        (without the padding).

        `events` defaults to draining the pending ones (`events()`).

        >>> eng = Engine()
        >>> _ = eng.add_instrument("XYZ")
        >>> _ = eng.sell("XYZ", 5, price=99, participant=1)
        >>> table = eng.events_table()
        >>> table["kind"].tolist(), table["qty"].tolist()
        ([0, 5], [5, 5])
        """
        if events is None:
            events = self.events()
        _check_events(events)
        return {name: np.ascontiguousarray(events[name]) for name in _EVENT_COLUMNS}

    def to_arrow(self, events: np.ndarray | None = None) -> Any:
        """Events as a `pyarrow.Table` (one column per field); needs pyarrow installed.

        `events` defaults to draining the pending ones (`events()`).
        """
        try:
            import pyarrow as pa
        except ImportError as err:
            raise ImportError(
                "Engine.to_arrow needs pyarrow: pip install pyarrow "
                "(or use Engine.events_table for numpy columns)"
            ) from err
        return pa.table(self.events_table(events))

    # ----------------------------------------------------------------------------------------
    # Book snapshots
    # ----------------------------------------------------------------------------------------

    def book(self, instrument: int | str, levels: int | None = 10) -> Book:
        """An L2 snapshot: up to `levels` levels per side (all if None), best first.

        Each level is `(price, qty, orders)` with the displayed quantity (iceberg reserves
        are hidden). An unknown instrument raises UnknownInstrumentError.

        >>> eng = Engine()
        >>> _ = eng.add_instrument("XYZ")
        >>> for px in (99, 98, 99):
        ...     _ = eng.buy("XYZ", 10, price=px, participant=1)
        >>> eng.book("XYZ").bids
        [Level(price=99, qty=20, orders=2), Level(price=98, qty=10, orders=1)]
        >>> eng.book("XYZ", levels=1).bids
        [Level(price=99, qty=20, orders=2)]
        """
        iid = self._resolve(instrument)
        # A side has at most as many levels as there are live orders.
        n = self.live_orders()
        if levels is not None:
            wanted = operator.index(levels)
            if wanted < 0:
                raise ConfigError(f"book: levels must be >= 0 or None, got {wanted}")
            n = min(n, wanted)
        bids = [Level(*lv) for lv in self.depth(iid, Side.BUY, n)]
        asks = [Level(*lv) for lv in self.depth(iid, Side.SELL, n)]
        return Book(iid, self._symbol_or_empty(iid), bids, asks)

    def l3(self, instrument: int | str) -> L3Book:
        """The full L3 state of an instrument: every level per side, best first, each with
        its orders in priority order (order id, participant, client order id, displayed,
        leaves). An unknown instrument raises UnknownInstrumentError.

        >>> eng = Engine()
        >>> _ = eng.add_instrument("XYZ")
        >>> _ = eng.sell("XYZ", 10, price=101, participant=1, client_order_id=7)
        >>> _ = eng.sell("XYZ", 30, price=101, participant=2, display_qty=5)
        >>> level = eng.l3("XYZ").asks[0]
        >>> level.price, level.qty
        (101, 15)
        >>> level.queue[1]
        QueueEntry(order_id=2, participant=2, client_order_id=1, displayed=5, leaves=30)
        """
        iid = self._resolve(instrument)
        n = self.live_orders()
        sides = []
        for side in (Side.BUY, Side.SELL):
            sides.append(
                [
                    L3Level(price, qty, [QueueEntry(*o) for o in self.queue(iid, side, price)])
                    for price, qty, _count in self.depth(iid, side, n)
                ]
            )
        return L3Book(iid, self._symbol_or_empty(iid), sides[0], sides[1])

    def _symbol_or_empty(self, iid: int) -> str:
        inst = self._instruments.get(iid)
        return inst.symbol if inst is not None else ""


_I64 = (-(1 << 63), (1 << 63) - 1)
_U32 = (0, (1 << 32) - 1)
_MESSAGE_RANGES = {
    "ts": _I64,
    "participant": _U32,
    "instrument": _U32,
    "client_order_id": (0, (1 << 64) - 1),
    "price": _I64,
    "qty": _I64,
    "display_qty": _I64,
    "order_type": (0, 255),
    "tif": (0, 255),
}


def _message_int(what: str, name: str, value: Any) -> int:
    """`value` as an int that fits the message field `name`, else ConfigError naming it.

    Only the encoding is checked here: whether the engine accepts the value (a tif of 9,
    a negative quantity) is the engine's to decide, as a REJECTED event."""
    try:
        number = operator.index(value)
    except TypeError:
        raise ConfigError(
            f"{what}: {name} must be an integer (integer units), got {value!r}"
        ) from None
    lo, hi = _MESSAGE_RANGES[name]
    if not lo <= number <= hi:
        raise ConfigError(f"{what}: {name}={number} does not fit the message field ({lo}..{hi})")
    return number


def _check_events(events: Any) -> None:
    if not isinstance(events, np.ndarray) or events.dtype != EVENT_DTYPE:
        got = events.dtype if isinstance(events, np.ndarray) else type(events).__name__
        raise BatchFormatError(f"events: expected an array of EVENT_DTYPE, got {got}")


def _name(enum: type[IntEnum], code: int) -> str:
    """The member name of `code`, or the number itself if it is not a member (a rejected
    message echoes whatever was sent)."""
    try:
        return enum(code).name
    except ValueError:
        return str(code)


def describe_events(events: np.ndarray) -> list[str]:
    """One readable line per event (for logs, demos and doctests).

    >>> eng = Engine()
    >>> _ = eng.add_instrument("XYZ")
    >>> _ = eng.sell("XYZ", 10, price=101, participant=1)
    >>> _ = eng.buy("XYZ", 0, price=101, participant=2)
    >>> for line in describe_events(eng.events()):
    ...     print(line)
    #1 ACCEPTED order 1 p1 SELL 10@101 leaves 10
    #2 BOOK_ADD order 1 p1 SELL 10@101 leaves 10
    #3 REJECTED order 0 p2 BUY 0@101 leaves 0 INVALID_QTY
    """
    _check_events(events)
    lines = []
    for e in events.tolist():
        (seq, _ts, oid, _coid, price, qty, leaves, maker, _inst, part, maker_part) = e[:11]
        kind, side, reason = e[11], _name(Side, e[12]), e[13]
        text = f"#{seq} {_name(EventKind, kind)} order {oid} p{part} {side} {qty}@{price}"
        text += f" leaves {leaves}"
        if kind == EventKind.TRADE:
            text += f" maker {maker} p{maker_part}"
        if reason:
            text += f" {_name(Reason, reason)}"
        lines.append(text)
    return lines
