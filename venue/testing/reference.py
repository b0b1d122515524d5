"""The reference model: a slow, obviously-correct Python implementation of the engine.

It implements exactly `docs/SEMANTICS.md`, section by section, with plain lists and dicts,
and offers the same calls as `venue._core.Engine` (submit, cancel, reduce, replace,
mass_cancel, expire_day_orders, process_buffer, take_events, the queries, state_hash), so that
the differential fuzzer can drive both with the same operations and compare the results.
Clarity over speed: every book walk is a linear scan, every level a Python list in priority
order. The risk controls (SEMANTICS.md "Risk controls") are modelled too, as independently as
possible: open quantities are read from the book itself rather than folded from events.

Events come out of :meth:`ReferenceEngine.take_events` as 80-byte records laid out as the
engine's ``EVENT_LAYOUT``, byte for byte what the engine produces; :meth:`events` gives them
as :class:`Event` tuples.

>>> eng = ReferenceEngine()
>>> xyz = eng.add_instrument()
>>> sell = eng.submit(1, 1, xyz, SELL, 101, 10)
>>> buy = eng.submit(2, 2, xyz, BUY, 101, 4)
>>> [(e.kind, e.price, e.qty) for e in eng.events() if e.kind == TRADE]
[(2, 101, 4)]
>>> eng.bbo(xyz)
(None, 0, 101, 6)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = [
    "ALL_INSTRUMENTS",
    "EVENT_LAYOUT",
    "EVENT_SIZE",
    "ORDER_SIZE",
    "Event",
    "OrderMsg",
    "ReferenceBatchFormatError",
    "ReferenceConfigError",
    "ReferenceEngine",
    "ReferenceError",
    "ReferenceUnknownInstrumentError",
    "decode_events",
    "decode_orders",
    "encode_events",
    "encode_orders",
]

# ---------------------------------------------------------------------------------------------
# Codes (SEMANTICS.md, "Enumerations"). Plain integers: the model has no dependency on the
# public wrapper's enums.
# ---------------------------------------------------------------------------------------------
ALL_INSTRUMENTS = 0xFFFF_FFFF

BUY, SELL = 0, 1
LIMIT, MARKET = 0, 1
GTC, DAY, IOC, FOK = 0, 1, 2, 3
POST_ONLY = 1
# An iceberg holds at most this many display slices (one message never causes unbounded work).
MAX_ICEBERG_SLICES = 10_000
NEW, CANCEL, REDUCE, REPLACE, MASS_CANCEL = 0, 1, 2, 3, 4
STP_NONE, CANCEL_NEWEST, CANCEL_OLDEST, CANCEL_BOTH, DECREMENT_AND_CANCEL = 0, 1, 2, 3, 4
OPEN, HALTED = 0, 1
ACCEPTED, REJECTED, TRADE, CANCELLED, REPLACED, BOOK_ADD, BOOK_MODIFY, BOOK_DELETE = range(8)

R_NONE = 0
UNKNOWN_INSTRUMENT = 1
INVALID_SIDE = 2
INVALID_ORDER_TYPE = 3
INVALID_TIF = 4
INVALID_PRICE = 5
OFF_TICK = 6
INVALID_QTY = 7
OFF_LOT = 8
QTY_BELOW_MIN = 9
QTY_ABOVE_MAX = 10
INVALID_DISPLAY_QTY = 11
DUPLICATE_CLIENT_ORDER_ID = 12
UNKNOWN_ORDER = 13
NOT_OWNER = 14
POST_ONLY_WOULD_CROSS = 15
INVALID_ACTION = 16
INSTRUMENT_HALTED = 17
USER_CANCEL = 32
IOC_REMAINDER = 33
FOK_UNFILLED = 34
SELF_TRADE = 35
MASS_CANCEL_REASON = 36
EXPIRED = 37

EVENT_KIND_NAMES = (
    "ACCEPTED",
    "REJECTED",
    "TRADE",
    "CANCELLED",
    "REPLACED",
    "BOOK_ADD",
    "BOOK_MODIFY",
    "BOOK_DELETE",
    "TRADING_STATE",
)
REASON_NAMES = {
    0: "NONE",
    1: "UNKNOWN_INSTRUMENT",
    2: "INVALID_SIDE",
    3: "INVALID_ORDER_TYPE",
    4: "INVALID_TIF",
    5: "INVALID_PRICE",
    6: "OFF_TICK",
    7: "INVALID_QTY",
    8: "OFF_LOT",
    9: "QTY_BELOW_MIN",
    10: "QTY_ABOVE_MAX",
    11: "INVALID_DISPLAY_QTY",
    12: "DUPLICATE_CLIENT_ORDER_ID",
    13: "UNKNOWN_ORDER",
    14: "NOT_OWNER",
    15: "POST_ONLY_WOULD_CROSS",
    16: "INVALID_ACTION",
    17: "INSTRUMENT_HALTED",
    32: "USER_CANCEL",
    33: "IOC_REMAINDER",
    34: "FOK_UNFILLED",
    35: "SELF_TRADE",
    36: "MASS_CANCEL",
    37: "EXPIRED",
    # Risk controls (SEMANTICS.md "Risk controls").
    64: "RISK_MAX_ORDER_QTY",
    65: "RISK_MAX_ORDER_NOTIONAL",
    66: "RISK_PRICE_COLLAR",
    67: "RISK_MAX_POSITION",
    68: "RISK_CREDIT_LIMIT",
    69: "RISK_THROTTLE",
    70: "RISK_CLIENT_ID_REUSED",
    71: "RISK_RESTRICTED",
    72: "KILL_SWITCH",
    73: "PRICE_BAND",
}

# ---------------------------------------------------------------------------------------------
# Wire records
# ---------------------------------------------------------------------------------------------
_ORDER_STRUCT = struct.Struct("<qQQqqqIIBBBBB3x")
_EVENT_STRUCT = struct.Struct("<QqQQqqqQIIIBBBx")
ORDER_SIZE = _ORDER_STRUCT.size
EVENT_SIZE = _EVENT_STRUCT.size
assert ORDER_SIZE == 64 and EVENT_SIZE == 80

EVENT_LAYOUT = [
    ("seq", 0, "<u8"),
    ("ts", 8, "<i8"),
    ("order_id", 16, "<u8"),
    ("client_order_id", 24, "<u8"),
    ("price", 32, "<i8"),
    ("qty", 40, "<i8"),
    ("leaves", 48, "<i8"),
    ("maker_order_id", 56, "<u8"),
    ("instrument", 64, "<u4"),
    ("participant", 68, "<u4"),
    ("maker_participant", 72, "<u4"),
    ("kind", 76, "u1"),
    ("side", 77, "u1"),
    ("reason", 78, "u1"),
]
"""(field, byte offset, numpy type code) of every event field, as ``_core.EVENT_LAYOUT``."""

_U8, _U32, _U64 = (1 << 8) - 1, (1 << 32) - 1, (1 << 64) - 1
_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1


class OrderMsg(NamedTuple):
    """One input message, the fields of SEMANTICS.md "Input message" in order."""

    ts: int = 0
    order_id: int = 0
    client_order_id: int = 0
    price: int = 0
    qty: int = 0
    display_qty: int = 0
    instrument: int = 0
    participant: int = 0
    action: int = NEW
    side: int = 0
    order_type: int = 0
    tif: int = 0
    flags: int = 0


class Event(NamedTuple):
    """One output event, the fields of SEMANTICS.md "Output event" in order (no padding)."""

    seq: int
    ts: int
    order_id: int
    client_order_id: int
    price: int
    qty: int
    leaves: int
    maker_order_id: int
    instrument: int
    participant: int
    maker_participant: int
    kind: int
    side: int
    reason: int

    def describe(self) -> str:
        """A one-line human-readable form, for divergence reports."""
        kind = EVENT_KIND_NAMES[self.kind] if self.kind < len(EVENT_KIND_NAMES) else self.kind
        parts = [f"#{self.seq} {kind}", f"oid={self.order_id}"]
        for name in ("client_order_id", "price", "qty", "leaves", "instrument", "participant"):
            parts.append(f"{name}={getattr(self, name)}")
        parts.append(f"side={self.side}")
        if self.maker_order_id or self.maker_participant:
            parts.append(f"maker={self.maker_order_id}/p{self.maker_participant}")
        if self.reason:
            parts.append(f"reason={REASON_NAMES.get(self.reason, self.reason)}")
        parts.append(f"ts={self.ts}")
        return " ".join(parts)


_ORDER_RANGES = {
    "ts": (_I64_MIN, _I64_MAX),
    "order_id": (0, _U64),
    "client_order_id": (0, _U64),
    "price": (_I64_MIN, _I64_MAX),
    "qty": (_I64_MIN, _I64_MAX),
    "display_qty": (_I64_MIN, _I64_MAX),
    "instrument": (0, _U32),
    "participant": (0, _U32),
    "action": (0, _U8),
    "side": (0, _U8),
    "order_type": (0, _U8),
    "tif": (0, _U8),
    "flags": (0, _U8),
}


def _check_msg(msg: OrderMsg) -> None:
    for name, (lo, hi) in _ORDER_RANGES.items():
        value = getattr(msg, name)
        if not isinstance(value, int):
            raise TypeError(f"order message field {name!r}: expected an int, got {value!r}")
        if not lo <= value <= hi:
            raise OverflowError(f"order message field {name!r}: {value} is out of [{lo}, {hi}]")


def encode_orders(msgs: list[OrderMsg]) -> bytes:
    """Packs messages into 64-byte records laid out as the engine's ``ORDER_LAYOUT``."""
    for m in msgs:
        _check_msg(m)
    return b"".join(_ORDER_STRUCT.pack(*m) for m in msgs)


def decode_orders(buf: bytes | bytearray | memoryview) -> list[OrderMsg]:
    """Unpacks 64-byte records (``ORDER_LAYOUT``) into messages."""
    raw = bytes(buf)
    if len(raw) % ORDER_SIZE:
        raise ReferenceBatchFormatError(
            f"order buffer: {len(raw)} bytes is not a multiple of {ORDER_SIZE}"
        )
    return [OrderMsg(*t) for t in _ORDER_STRUCT.iter_unpack(raw)]


def encode_events(events: list[Event]) -> bytes:
    """Packs events into 80-byte records laid out as the engine's ``EVENT_LAYOUT``."""
    return b"".join(_EVENT_STRUCT.pack(*e) for e in events)


def decode_events(buf: bytes | bytearray | memoryview) -> list[Event]:
    """Unpacks 80-byte records (``EVENT_LAYOUT``) into events."""
    raw = bytes(buf)
    if len(raw) % EVENT_SIZE:
        raise ValueError(f"event buffer: {len(raw)} bytes is not a multiple of {EVENT_SIZE}")
    return [Event(*t) for t in _EVENT_STRUCT.iter_unpack(raw)]


# ---------------------------------------------------------------------------------------------
# Errors (misuse only; order problems are REJECTED events)
# ---------------------------------------------------------------------------------------------
class ReferenceError(Exception):
    """Base class of the model's misuse errors (mirrors ``venue.VenueError``)."""


class ReferenceConfigError(ReferenceError, ValueError):
    """An invalid instrument specification or configuration value (``ConfigError``)."""


class ReferenceUnknownInstrumentError(ReferenceError, LookupError):
    """A query or configuration call named an unknown instrument (``UnknownInstrumentError``)."""


class ReferenceBatchFormatError(ReferenceError, ValueError):
    """A batch buffer is malformed: its size is not a multiple of 64 (``BatchFormatError``)."""


# ---------------------------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------------------------
@dataclass
class Order:
    """An order: resting in a book (live), or the taker being matched."""

    order_id: int
    instrument: int
    participant: int
    client_order_id: int
    side: int
    price: int  # limit price; 0 for MARKET
    leaves: int
    displayed: int
    display_qty: int
    order_type: int
    tif: int
    flags: int


@dataclass
class Instrument:
    """One instrument: its specification, trading state and two books of FIFO levels."""

    id: int
    tick_size: int
    lot_size: int
    min_qty: int
    max_qty: int
    state: int = OPEN
    # price -> orders of the level in priority order (front = first to trade)
    bids: dict[int, list[Order]] = field(default_factory=dict)
    asks: dict[int, list[Order]] = field(default_factory=dict)

    def side_levels(self, side: int) -> dict[int, list[Order]]:
        """The levels of one side."""
        return self.bids if side == BUY else self.asks

    def prices(self, side: int) -> list[int]:
        """The level prices of one side, best first (highest bid, lowest ask)."""
        return sorted(self.side_levels(side), reverse=(side == BUY))

    def best(self, side: int) -> int | None:
        """The best price of one side, or None."""
        prices = self.prices(side)
        return prices[0] if prices else None


# ---------------------------------------------------------------------------------------------
# Risk controls (SEMANTICS.md, "Risk controls"): codes, configuration, state
# ---------------------------------------------------------------------------------------------
TRADING_STATE = 8
RISK_MAX_ORDER_QTY = 64
RISK_MAX_ORDER_NOTIONAL = 65
RISK_PRICE_COLLAR = 66
RISK_MAX_POSITION = 67
RISK_CREDIT_LIMIT = 68
RISK_THROTTLE = 69
RISK_CLIENT_ID_REUSED = 70
RISK_RESTRICTED = 71
KILL_SWITCH = 72
PRICE_BAND = 73
NO_LIMIT = _I64_MAX
REF_LAST_TRADE, REF_MID, REF_FIXED = 0, 1, 2
UNIT_TICKS, UNIT_BPS = 0, 1
_NS = 1_000_000_000


@dataclass
class RiskLimits:
    """Per-account limits (participant x instrument)."""

    max_order_qty: int = NO_LIMIT
    max_order_notional: int = NO_LIMIT
    max_position: int = NO_LIMIT
    credit_limit: int = NO_LIMIT
    restricted: bool = False


@dataclass
class RiskControls:
    """Per-participant controls; `throttle` is (rate per second, burst) or None."""

    throttle: tuple[int, int] | None = None
    unique_client_ids: bool = False
    loss_limit: int = NO_LIMIT
    max_breaches: int = NO_LIMIT


@dataclass
class Bucket:
    """The token bucket, in token-nanoseconds."""

    rate: int
    burst: int
    level: int
    last: int | None = None

    def available(self, ts: int) -> bool:
        if self.last is None:
            self.last = ts
        elif ts > self.last:
            self.level = min(self.burst * _NS, self.level + (ts - self.last) * self.rate)
            self.last = ts
        return self.level >= _NS


@dataclass
class Account:
    """Fill-driven state of one participant on one instrument (open orders are read from the
    book itself)."""

    position: int = 0
    cash: int = 0
    max_abs_position: int = 0


@dataclass
class InstrumentRisk:
    """Collar, band, mark and timers of one instrument."""

    collar: tuple[int, int, int, int] | None = None  # (reference, price, unit, width)
    band: tuple[int, int, int, int, int, int] | None = None  # + (limit_ns, pause_ns)
    mark: int = 0
    anchor: int = 0
    limit_since: int | None = None
    halted_until: int | None = None
    paused: bool = False


def _distance(unit: int, width: int, reference: int, tick: int) -> int:
    return width * tick if unit == UNIT_TICKS else reference * width // 10_000


def band_edges(reference: int, unit: int, width: int, tick: int) -> tuple[int, int]:
    """The band around `reference`, edges rounded inward to the tick, `lo >= tick`."""
    d = _distance(unit, width, reference, tick)
    hi = (reference + d) // tick * tick
    lo = -((-(reference - d)) // tick) * tick
    hi = min(max(hi, tick), _I64_MAX)
    lo = min(max(lo, tick), _I64_MAX)
    return lo, max(hi, lo)


def _level_qty(level: list[Order]) -> int:
    """A level's displayed quantity as the queries report it: the sum, saturating at the
    largest i64 (the engine's documented reading; SEMANTICS.md does not say)."""
    return min(sum(o.displayed for o in level), _I64_MAX)


def _crosses(taker: Order, level_price: int) -> bool:
    """SEMANTICS.md "Matching": does the taker cross a level of the opposite side?"""
    if taker.order_type == MARKET:
        return True
    if taker.side == BUY:
        return level_price <= taker.price
    return level_price >= taker.price


def fnv1a64(data: bytes) -> int:
    """FNV-1a 64: offset basis 0xcbf29ce484222325, prime 0x100000001b3."""
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & _U64
    return h


# ---------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------
class ReferenceEngine:
    """The reference model of the matching engine, with the calls of ``venue._core.Engine``.

    The constructor's capacity arguments are accepted for symmetry and ignored.
    """

    EVENT_LAYOUT = EVENT_LAYOUT

    def __init__(self, order_capacity: int = 65536, event_capacity: int = 65536) -> None:
        del order_capacity, event_capacity
        self.instruments: list[Instrument] = []
        self.live: dict[int, Order] = {}  # order id -> resting order
        self.stp_modes: dict[int, int] = {}  # participant -> mode (NONE is not stored)
        self.seq = 1  # next sequence number
        self.next_id = 1  # next order id
        self.pending: list[Event] = []
        self._risk_init()

    # ---- configuration -----------------------------------------------------------------------
    def add_instrument(
        self,
        tick_size: int = 1,
        lot_size: int = 1,
        min_qty: int = 1,
        max_qty: int = 1_000_000_000,
    ) -> int:
        """SEMANTICS.md "Instruments": validates the specification and returns the new id."""
        for name, value in (
            ("tick_size", tick_size),
            ("lot_size", lot_size),
            ("min_qty", min_qty),
            ("max_qty", max_qty),
        ):
            if not _I64_MIN <= value <= _I64_MAX:
                raise OverflowError(f"add_instrument: {name}={value} does not fit in an i64")
            if value <= 0:
                raise ReferenceConfigError(f"add_instrument: {name} must be > 0, got {value}")
        if min_qty > max_qty:
            raise ReferenceConfigError(
                f"add_instrument: min_qty {min_qty} is greater than max_qty {max_qty}"
            )
        if min_qty % lot_size or max_qty % lot_size:
            raise ReferenceConfigError(
                f"add_instrument: min_qty {min_qty} and max_qty {max_qty} must be multiples "
                f"of lot_size {lot_size}"
            )
        inst = Instrument(len(self.instruments), tick_size, lot_size, min_qty, max_qty)
        self.instruments.append(inst)
        return inst.id

    def instrument_count(self) -> int:
        """Number of instruments."""
        return len(self.instruments)

    def _instrument(self, instrument: int) -> Instrument:
        if not 0 <= instrument <= _U32:
            raise ReferenceConfigError(f"instrument={instrument} is not a valid instrument id")
        if instrument < len(self.instruments):
            return self.instruments[instrument]
        raise ReferenceUnknownInstrumentError(f"unknown instrument {instrument}")

    def set_stp_mode(self, participant: int, mode: int) -> None:
        """Sets a participant's self-trade prevention mode (0 NONE .. 4)."""
        if not 0 <= participant <= _U32:
            raise ReferenceConfigError(f"set_stp_mode: participant={participant} is not a u32")
        if mode not in (STP_NONE, CANCEL_NEWEST, CANCEL_OLDEST, CANCEL_BOTH, DECREMENT_AND_CANCEL):
            raise ReferenceConfigError(f"set_stp_mode: unknown STP mode {mode}")
        if mode == STP_NONE:
            self.stp_modes.pop(participant, None)
        else:
            self.stp_modes[participant] = mode

    def stp_mode(self, participant: int) -> int:
        """A participant's self-trade prevention mode."""
        return self.stp_modes.get(participant, STP_NONE)

    def set_trading_state(self, instrument: int, state: int) -> None:
        """Halts (1) or reopens (0) an instrument."""
        inst = self._instrument(instrument)
        if state not in (OPEN, HALTED):
            raise ReferenceConfigError(f"set_trading_state: unknown trading state {state}")
        inst.state = state
        if self.risk_on:  # a direct state change forgets the instrument's timers
            ir = self._ir(instrument)
            ir.limit_since = None
            ir.halted_until = None
            ir.paused = False

    def trading_state(self, instrument: int) -> int:
        """An instrument's trading state."""
        return self._instrument(instrument).state

    # ---- messages ----------------------------------------------------------------------------
    def submit(
        self,
        ts: int,
        participant: int,
        instrument: int,
        side: int,
        price: int,
        qty: int,
        order_type: int = LIMIT,
        tif: int = GTC,
        flags: int = 0,
        display_qty: int = 0,
        client_order_id: int = 0,
    ) -> int:
        """A NEW message; returns the new order id, or 0 if rejected."""
        return self.process(
            OrderMsg(
                ts=ts,
                client_order_id=client_order_id,
                price=price,
                qty=qty,
                display_qty=display_qty,
                instrument=instrument,
                participant=participant,
                action=NEW,
                side=side,
                order_type=order_type,
                tif=tif,
                flags=flags,
            )
        )

    def cancel(self, ts: int, participant: int, order_id: int) -> None:
        """A CANCEL message."""
        self.process(OrderMsg(ts=ts, order_id=order_id, participant=participant, action=CANCEL))

    def reduce(self, ts: int, participant: int, order_id: int, qty: int) -> None:
        """A REDUCE message (new open quantity)."""
        self.process(
            OrderMsg(ts=ts, order_id=order_id, qty=qty, participant=participant, action=REDUCE)
        )

    def replace(self, ts: int, participant: int, order_id: int, price: int, qty: int) -> None:
        """A REPLACE message (new price, new open quantity)."""
        self.process(
            OrderMsg(
                ts=ts,
                order_id=order_id,
                price=price,
                qty=qty,
                participant=participant,
                action=REPLACE,
            )
        )

    def mass_cancel(self, ts: int, participant: int, instrument: int = ALL_INSTRUMENTS) -> None:
        """A MASS_CANCEL message."""
        self.process(
            OrderMsg(ts=ts, instrument=instrument, participant=participant, action=MASS_CANCEL)
        )

    def process_buffer(self, orders: bytes | bytearray | memoryview) -> int:
        """Processes 64-byte records in order; returns the number of events they produced."""
        before = len(self.pending)
        for msg in decode_orders(orders):
            self.process(msg)
        return len(self.pending) - before

    def process(self, msg: OrderMsg) -> int:
        """Processes one message. Returns the order id of an accepted NEW order, else 0."""
        _check_msg(msg)
        if self.risk_on:
            return self._process_with_risk(msg)
        return self._dispatch(msg)

    def _dispatch(self, msg: OrderMsg) -> int:
        """The message handlers (without the risk bookkeeping around them)."""
        if msg.action == NEW:
            return self._new(msg)
        if msg.action == CANCEL:
            self._cancel(msg)
        elif msg.action == REDUCE:
            self._reduce(msg)
        elif msg.action == REPLACE:
            self._replace(msg)
        elif msg.action == MASS_CANCEL:
            self._mass_cancel(msg)
        else:
            self._reject(msg, INVALID_ACTION)
        return 0

    def expire_day_orders(self, ts: int, instrument: int = ALL_INSTRUMENTS) -> None:
        """Cancels every live DAY order (of one instrument, or all) with reason EXPIRED."""
        if instrument != ALL_INSTRUMENTS:
            self._instrument(instrument)
        for oid in sorted(self.live):
            o = self.live[oid]
            if o.tif == DAY and instrument in (ALL_INSTRUMENTS, o.instrument):
                self._cancel_resting(ts, o, EXPIRED)

    # ---- events ------------------------------------------------------------------------------
    def _emit(
        self,
        ts: int,
        kind: int,
        o: Order,
        *,
        price: int = 0,
        qty: int = 0,
        leaves: int = 0,
        reason: int = R_NONE,
        maker: Order | None = None,
    ) -> None:
        self.pending.append(
            Event(
                seq=self.seq,
                ts=ts,
                order_id=o.order_id,
                client_order_id=o.client_order_id,
                price=price,
                qty=qty,
                leaves=leaves,
                maker_order_id=maker.order_id if maker else 0,
                instrument=o.instrument,
                participant=o.participant,
                maker_participant=maker.participant if maker else 0,
                kind=kind,
                side=o.side,
                reason=reason,
            )
        )
        self.seq += 1

    def _reject(self, msg: OrderMsg, reason: int) -> None:
        """REJECTED: echoes the message's fields exactly as sent."""
        self.pending.append(
            Event(
                seq=self.seq,
                ts=msg.ts,
                order_id=msg.order_id,
                client_order_id=msg.client_order_id,
                price=msg.price,
                qty=msg.qty,
                leaves=0,
                maker_order_id=0,
                instrument=msg.instrument,
                participant=msg.participant,
                maker_participant=0,
                kind=REJECTED,
                side=msg.side,
                reason=reason,
            )
        )
        self.seq += 1

    def take_events(self) -> bytes:
        """Drains the event buffer as 80-byte records (``EVENT_LAYOUT``)."""
        return encode_events(self.events())

    def events(self) -> list[Event]:
        """Drains the event buffer as :class:`Event` tuples."""
        out, self.pending = self.pending, []
        return out

    def pending_events(self) -> int:
        """Number of buffered events."""
        return len(self.pending)

    # ---- book primitives ---------------------------------------------------------------------
    def _rest(self, ts: int, o: Order) -> None:
        """Puts an order at the back of its level; BOOK_ADD."""
        o.displayed = min(o.display_qty, o.leaves) if o.display_qty else o.leaves
        inst = self.instruments[o.instrument]
        inst.side_levels(o.side).setdefault(o.price, []).append(o)
        self.live[o.order_id] = o
        self._emit(ts, BOOK_ADD, o, price=o.price, qty=o.displayed, leaves=o.leaves)

    def _unlink(self, o: Order) -> None:
        """Takes a resting order out of its level (and the level out of the book if emptied)."""
        levels = self.instruments[o.instrument].side_levels(o.side)
        level = levels[o.price]
        level.remove(o)
        if not level:
            del levels[o.price]
        del self.live[o.order_id]

    def _cancel_resting(self, ts: int, o: Order, reason: int) -> None:
        """CANCELLED(reason, qty = leaves, leaves = 0), BOOK_DELETE."""
        qty = o.leaves
        o.leaves = 0
        o.displayed = 0
        self._unlink(o)
        self._emit(ts, CANCELLED, o, price=o.price, qty=qty, leaves=0, reason=reason)
        self._emit(ts, BOOK_DELETE, o, price=o.price, leaves=0)

    # ---- NEW ---------------------------------------------------------------------------------
    def _validate_qty(self, inst: Instrument, qty: int) -> int:
        """NEW step 6 (also used by REPLACE); the reason, or NONE."""
        if qty <= 0:
            return INVALID_QTY
        if qty % inst.lot_size:
            return OFF_LOT
        if qty < inst.min_qty:
            return QTY_BELOW_MIN
        if qty > inst.max_qty:
            return QTY_ABOVE_MAX
        return R_NONE

    def _validate_price(self, inst: Instrument, price: int) -> int:
        """NEW step 7 (also used by REPLACE); the reason, or NONE."""
        if price <= 0:
            return INVALID_PRICE
        if price % inst.tick_size:
            return OFF_TICK
        return R_NONE

    def _would_cross(self, inst: Instrument, side: int, price: int) -> bool:
        """POST_ONLY check: a buy at or above the best ask, a sell at or below the best bid."""
        if side == BUY:
            ask = inst.best(SELL)
            return ask is not None and price >= ask
        bid = inst.best(BUY)
        return bid is not None and price <= bid

    def _new_reason(self, msg: OrderMsg) -> int:
        """The checks of SEMANTICS.md "NEW", in order; the first failure's reason, or NONE."""
        if not 0 <= msg.instrument < len(self.instruments):  # 1
            return UNKNOWN_INSTRUMENT
        inst = self.instruments[msg.instrument]
        if msg.side not in (BUY, SELL):  # 2
            return INVALID_SIDE
        if msg.order_type not in (LIMIT, MARKET) or msg.flags & ~POST_ONLY:  # 3
            return INVALID_ORDER_TYPE
        if msg.tif not in (GTC, DAY, IOC, FOK):  # 4
            return INVALID_TIF
        if msg.order_type == MARKET and msg.tif not in (IOC, FOK):
            return INVALID_TIF
        if msg.flags & POST_ONLY and not (msg.order_type == LIMIT and msg.tif in (GTC, DAY)):
            return INVALID_TIF
        if inst.state != OPEN:  # 5
            return INSTRUMENT_HALTED
        reason = self._validate_qty(inst, msg.qty)  # 6
        if reason:
            return reason
        if msg.order_type == LIMIT:  # 7
            reason = self._validate_price(inst, msg.price)
            if reason:
                return reason
        if msg.display_qty != 0:  # 8
            if not (
                msg.order_type == LIMIT
                and msg.tif in (GTC, DAY)
                and 0 < msg.display_qty < msg.qty
                and msg.display_qty % inst.lot_size == 0
                and msg.qty <= msg.display_qty * MAX_ICEBERG_SLICES
            ):
                return INVALID_DISPLAY_QTY
        for o in self.live.values():  # 9
            if o.participant == msg.participant and o.client_order_id == msg.client_order_id:
                return DUPLICATE_CLIENT_ORDER_ID
        if msg.flags & POST_ONLY and self._would_cross(inst, msg.side, msg.price):  # 10
            return POST_ONLY_WOULD_CROSS
        return R_NONE

    def _new(self, msg: OrderMsg) -> int:
        reason = self._new_reason(msg)
        if not reason and self.risk_on:
            reason = self._risk_new_reason(msg)
        if reason:
            self._reject(msg, reason)
            return 0
        taker = Order(
            order_id=self.next_id,
            instrument=msg.instrument,
            participant=msg.participant,
            client_order_id=msg.client_order_id,
            side=msg.side,
            price=msg.price if msg.order_type == LIMIT else 0,
            leaves=msg.qty,
            displayed=0,
            display_qty=msg.display_qty,
            order_type=msg.order_type,
            tif=msg.tif,
            flags=msg.flags,
        )
        self.next_id += 1
        self._emit(msg.ts, ACCEPTED, taker, price=taker.price, qty=msg.qty, leaves=msg.qty)
        self._band = self._band_of(taker.instrument) if self.risk_on else None
        try:
            self._new_taker(msg, taker)
        finally:
            self._band = None
        return taker.order_id

    def _new_taker(self, msg: OrderMsg, taker: Order) -> None:
        """NEW after acceptance: the FOK dry run, matching, the remainder."""
        if taker.tif == FOK and not self._fok_fills(taker):
            self._emit(
                msg.ts,
                CANCELLED,
                taker,
                price=taker.price,
                qty=taker.leaves,
                leaves=0,
                reason=FOK_UNFILLED,
            )
            return
        self._match_and_finish(msg.ts, taker)

    def _fok_fills(self, taker: Order) -> bool:
        """The FOK dry run of SEMANTICS.md "NEW", walked literally."""
        inst = self.instruments[taker.instrument]
        opposite = 1 - taker.side
        mode = self.stp_mode(taker.participant)
        accumulated = 0
        for price in inst.prices(opposite):
            if not _crosses(taker, price) or not self._in_band(price):
                break
            in_level_displayed = 0
            for o in inst.side_levels(opposite)[price]:
                if o.participant == taker.participant and mode != STP_NONE:
                    if mode == CANCEL_OLDEST:
                        continue  # will be cancelled: contributes nothing
                    return accumulated + in_level_displayed >= taker.leaves
                in_level_displayed += o.displayed
            # No blocking order in this level: all of its orders' leaves, reserve included.
            accumulated += sum(
                o.leaves
                for o in inst.side_levels(opposite)[price]
                if not (o.participant == taker.participant and mode == CANCEL_OLDEST)
            )
            if accumulated >= taker.leaves:
                return True
        return accumulated >= taker.leaves

    def _match_and_finish(self, ts: int, taker: Order) -> None:
        """Matching, then "After matching": the remainder is cancelled or rests."""
        ended_by_stp = self._match(ts, taker)
        if ended_by_stp or taker.leaves == 0:
            return
        best = self.instruments[taker.instrument].best(1 - taker.side)
        if self._band is not None and best is not None and _crosses(taker, best):
            # Stopped at the price band with the limit still crossing.
            qty = taker.leaves
            taker.leaves = 0
            self._emit(
                ts, CANCELLED, taker, price=taker.price, qty=qty, leaves=0, reason=PRICE_BAND
            )
            self._band_stop = (taker.instrument, ts)
            return
        if taker.order_type == MARKET or taker.tif == IOC:
            qty = taker.leaves
            taker.leaves = 0
            self._emit(
                ts, CANCELLED, taker, price=taker.price, qty=qty, leaves=0, reason=IOC_REMAINDER
            )
        elif taker.tif in (GTC, DAY):
            self._rest(ts, taker)
        else:  # a FOK whose dry run said it fills always fills entirely
            raise AssertionError(f"reference model: FOK order {taker.order_id} left {taker}")

    def _match(self, ts: int, taker: Order) -> bool:
        """SEMANTICS.md "Matching". Returns True if self-trade prevention ended the taker."""
        inst = self.instruments[taker.instrument]
        opposite = 1 - taker.side
        mode = self.stp_mode(taker.participant)
        while taker.leaves > 0:
            best = inst.best(opposite)
            if best is None or not _crosses(taker, best) or not self._in_band(best):
                return False
            maker = inst.side_levels(opposite)[best][0]
            if maker.participant == taker.participant and mode != STP_NONE:
                if self._self_trade(ts, taker, maker, mode):
                    return True
                continue
            self._fill(ts, taker, maker)
        return False

    def _self_trade(self, ts: int, taker: Order, maker: Order, mode: int) -> bool:
        """One self-trade prevention step. Returns True if the taker is done."""
        if mode == CANCEL_NEWEST:
            self._cancel_taker(ts, taker, taker.leaves)
            return True
        if mode == CANCEL_OLDEST:
            self._cancel_resting(ts, maker, SELF_TRADE)
            return False
        if mode == CANCEL_BOTH:
            self._cancel_resting(ts, maker, SELF_TRADE)
            self._cancel_taker(ts, taker, taker.leaves)
            return True
        assert mode == DECREMENT_AND_CANCEL
        d = min(taker.leaves, maker.leaves)
        if maker.leaves == d:
            self._cancel_resting(ts, maker, SELF_TRADE)
        else:
            maker.leaves -= d
            maker.displayed = min(maker.displayed, maker.leaves)
            self._emit(
                ts,
                CANCELLED,
                maker,
                price=maker.price,
                qty=d,
                leaves=maker.leaves,
                reason=SELF_TRADE,
            )
            self._emit(
                ts, BOOK_MODIFY, maker, price=maker.price, qty=maker.displayed, leaves=maker.leaves
            )
        done = taker.leaves == d
        self._cancel_taker(ts, taker, d)
        return done

    def _cancel_taker(self, ts: int, taker: Order, qty: int) -> None:
        taker.leaves -= qty
        self._emit(
            ts,
            CANCELLED,
            taker,
            price=taker.price,
            qty=qty,
            leaves=taker.leaves,
            reason=SELF_TRADE,
        )

    def _fill(self, ts: int, taker: Order, maker: Order) -> None:
        """A fill against the first order of the best level, then the maker's book event."""
        f = min(taker.leaves, maker.displayed)
        taker.leaves -= f
        maker.leaves -= f
        maker.displayed -= f
        self._emit(ts, TRADE, taker, price=maker.price, qty=f, leaves=taker.leaves, maker=maker)
        if maker.displayed > 0:
            self._emit(
                ts, BOOK_MODIFY, maker, price=maker.price, qty=maker.displayed, leaves=maker.leaves
            )
        elif maker.leaves == 0:
            self._unlink(maker)
            self._emit(ts, BOOK_DELETE, maker, price=maker.price, leaves=0)
        else:  # iceberg refresh: to the back of its level with a new slice
            self._unlink(maker)
            self._emit(ts, BOOK_DELETE, maker, price=maker.price, leaves=maker.leaves)
            self._rest(ts, maker)

    # ---- CANCEL, REDUCE, REPLACE, MASS_CANCEL --------------------------------------------------
    def _target(self, msg: OrderMsg) -> Order | None:
        """UNKNOWN_ORDER and NOT_OWNER checks; rejects and returns None on failure."""
        o = self.live.get(msg.order_id)
        if o is None:
            self._reject(msg, UNKNOWN_ORDER)
            return None
        if o.participant != msg.participant:
            self._reject(msg, NOT_OWNER)
            return None
        return o

    def _cancel(self, msg: OrderMsg) -> None:
        o = self._target(msg)
        if o is not None:
            self._cancel_resting(msg.ts, o, USER_CANCEL)

    def _reduce(self, msg: OrderMsg) -> None:
        o = self._target(msg)
        if o is None:
            return
        if not 0 < msg.qty < o.leaves:
            self._reject(msg, INVALID_QTY)
            return
        if msg.qty % self.instruments[o.instrument].lot_size:
            self._reject(msg, OFF_LOT)
            return
        o.leaves = msg.qty
        o.displayed = min(o.displayed, msg.qty)
        self._emit(msg.ts, REPLACED, o, price=o.price, qty=o.leaves, leaves=o.leaves)
        self._emit(msg.ts, BOOK_MODIFY, o, price=o.price, qty=o.displayed, leaves=o.leaves)

    def _replace(self, msg: OrderMsg) -> None:
        o = self._target(msg)
        if o is None:
            return
        inst = self.instruments[o.instrument]
        reason = R_NONE
        if inst.state != OPEN:
            reason = INSTRUMENT_HALTED
        reason = (
            reason or self._validate_qty(inst, msg.qty) or self._validate_price(inst, msg.price)
        )
        if not reason and o.display_qty and msg.qty > o.display_qty * MAX_ICEBERG_SLICES:
            reason = INVALID_DISPLAY_QTY
        if not reason and o.flags & POST_ONLY and self._would_cross(inst, o.side, msg.price):
            reason = POST_ONLY_WOULD_CROSS
        if not reason and self.risk_on:
            reason = self._risk_replace_reason(msg, o)
        if reason:
            self._reject(msg, reason)
            return
        if msg.price == o.price and msg.qty <= o.leaves:
            # In place: keeps its position.
            changed = msg.qty != o.leaves
            o.leaves = msg.qty
            o.displayed = min(o.displayed, msg.qty)
            self._emit(msg.ts, REPLACED, o, price=o.price, qty=o.leaves, leaves=o.leaves)
            if changed:
                self._emit(msg.ts, BOOK_MODIFY, o, price=o.price, qty=o.displayed, leaves=o.leaves)
            return
        # Loses its position: out of the book, then matched as a taker at the new price.
        old_price = o.price
        self._unlink(o)
        o.price = msg.price
        o.leaves = msg.qty
        o.displayed = 0
        self._emit(msg.ts, REPLACED, o, price=o.price, qty=o.leaves, leaves=o.leaves)
        self._emit(msg.ts, BOOK_DELETE, o, price=old_price, leaves=o.leaves)
        self._band = self._band_of(o.instrument) if self.risk_on else None
        try:
            self._match_and_finish(msg.ts, o)
        finally:
            self._band = None

    def _mass_cancel(self, msg: OrderMsg) -> None:
        if msg.instrument != ALL_INSTRUMENTS and not 0 <= msg.instrument < len(self.instruments):
            self._reject(msg, UNKNOWN_INSTRUMENT)
            return
        for oid in sorted(self.live):
            o = self.live[oid]
            if o.participant == msg.participant and msg.instrument in (
                ALL_INSTRUMENTS,
                o.instrument,
            ):
                self._cancel_resting(msg.ts, o, MASS_CANCEL_REASON)

    # ---- risk controls (SEMANTICS.md "Risk controls") -----------------------------------------
    def _risk_init(self) -> None:
        self.risk_on = False
        self.default_limits = RiskLimits()
        self.limit_rules: dict[tuple[int, int], RiskLimits] = {}
        self.default_controls = RiskControls()
        self.control_rules: dict[int, RiskControls] = {}
        self.accounts: dict[tuple[int, int], Account] = {}
        self.killed: set[int] = set()
        self.breaches: dict[int, int] = {}
        self.buckets: dict[int, Bucket] = {}
        self.used_ids: dict[int, set[int]] = {}
        self.irisk: dict[int, InstrumentRisk] = {}
        self.risk_rejections: dict[int, int] = {}
        self.risk_cancels: dict[int, int] = {}
        self.kill_switch_trips = 0
        self.halts = 0
        self._band: tuple[int, int] | None = None  # the band of the taker being matched
        self._band_stop: tuple[int, int] | None = None  # (instrument, ts) of this message
        self._kills: list[int] = []

    def _limits(self, p: int, i: int) -> RiskLimits:
        return self.limit_rules.get(
            (p, i), self.limit_rules.get((p, ALL_INSTRUMENTS), self.default_limits)
        )

    def _controls(self, p: int) -> RiskControls:
        return self.control_rules.get(p, self.default_controls)

    def _ir(self, i: int) -> InstrumentRisk:
        return self.irisk.setdefault(i, InstrumentRisk())

    def _account(self, p: int, i: int) -> Account:
        return self.accounts.setdefault((p, i), Account())

    def _bucket(self, p: int) -> Bucket | None:
        t = self._controls(p).throttle
        if t is None:
            return None
        b = self.buckets.get(p)
        if b is None:
            b = self.buckets[p] = Bucket(t[0], t[1], t[1] * _NS)
        return b

    def set_risk_limits(
        self,
        participant: int,
        instrument: int,
        max_order_qty: int,
        max_order_notional: int,
        max_position: int,
        credit_limit: int,
        restricted: bool,
    ) -> None:
        """Limits of a participant (-1: the default) on an instrument (-1: all)."""
        lim = RiskLimits(max_order_qty, max_order_notional, max_position, credit_limit, restricted)
        if participant == -1:
            self.default_limits = lim
        else:
            i = ALL_INSTRUMENTS if instrument == -1 else self._instrument(instrument).id
            self.limit_rules[(participant, i)] = lim
        self.risk_on = True

    def set_risk_controls(
        self,
        participant: int,
        throttle_rate: int,
        throttle_burst: int,
        unique_client_ids: bool,
        loss_limit: int,
        max_breaches: int,
    ) -> None:
        """Controls of a participant (-1: the default); a changed throttle starts full."""
        throttle = None if throttle_rate == 0 else (throttle_rate, throttle_burst)
        c = RiskControls(throttle, unique_client_ids, loss_limit, max_breaches)
        before = {p: self._controls(p).throttle for p in self.buckets}
        if participant == -1:
            self.default_controls = c
        else:
            self.control_rules[participant] = c
        for p, t in before.items():
            if self._controls(p).throttle != t:
                del self.buckets[p]
        self.risk_on = True

    def set_collar(
        self, instrument: int, reference: int, reference_price: int, unit: int, width: int
    ) -> None:
        """Collar of an instrument; reference -1 removes it."""
        self._instrument(instrument)
        self._ir(instrument).collar = (
            None if reference == -1 else (reference, reference_price, unit, width)
        )
        self.risk_on = True

    def set_price_band(
        self,
        instrument: int,
        reference: int,
        reference_price: int,
        unit: int,
        width: int,
        limit_ns: int,
        pause_ns: int,
    ) -> None:
        """Price band of an instrument; reference -1 removes it."""
        self._instrument(instrument)
        ir = self._ir(instrument)
        if reference == -1:
            ir.band = None
        else:
            ir.band = (reference, reference_price, unit, width, limit_ns, pause_ns)
        ir.anchor = reference_price if reference == REF_FIXED else 0
        ir.limit_since = None
        self.risk_on = True

    def kill(self, ts: int, participant: int) -> None:
        """Trips a participant's kill switch."""
        self.risk_on = True
        self._trip(ts, participant)

    def reset_kill(self, participant: int) -> None:
        self.killed.discard(participant)
        self.breaches[participant] = 0

    def is_killed(self, participant: int) -> bool:
        return participant in self.killed

    def halt(self, ts: int, instrument: int, until: int = 0) -> None:
        """Halts an instrument until `until` (0: until resume)."""
        self._instrument(instrument)
        self.risk_on = True
        self._ir(instrument).paused = False
        self._set_state(ts, instrument, HALTED, until, R_NONE)

    def resume(self, ts: int, instrument: int) -> None:
        self._instrument(instrument)
        self._ir(instrument).paused = False
        self._set_state(ts, instrument, OPEN, 0, R_NONE)

    def advance_time(self, ts: int) -> None:
        if self.risk_on:
            self._run_timers(ts)

    def _open(self, p: int, i: int) -> tuple[int, int, int]:
        """(open buy qty, open sell qty, open notional) of live orders, read from the book."""
        ob = os_ = notional = 0
        for o in self.live.values():
            if o.participant == p and o.instrument == i:
                if o.side == BUY:
                    ob += o.leaves
                else:
                    os_ += o.leaves
                notional += o.leaves * o.price
        return ob, os_, notional

    def risk_position(self, participant: int, instrument: int) -> tuple[int, ...]:
        """(position, open buy, open sell, open notional, cash, largest |position|)."""
        self._instrument(instrument)
        a = self.accounts.get((participant, instrument), Account())
        ob, os_, notional = self._open(participant, instrument)
        return (a.position, ob, os_, notional, a.cash, a.max_abs_position)

    def risk_pnl(self, participant: int) -> int:
        return sum(
            a.cash + a.position * self._ir(i).mark
            for (p, i), a in self.accounts.items()
            if p == participant
        )

    def _band_of(self, i: int) -> tuple[int, int] | None:
        ir = self.irisk.get(i)
        if ir is None or ir.band is None:
            return None
        ref = ir.anchor if ir.band[0] == REF_FIXED else ir.mark
        if ref <= 0:
            return None
        return band_edges(ref, ir.band[2], ir.band[3], self.instruments[i].tick_size)

    def price_band(self, instrument: int) -> tuple[int, int] | None:
        self._instrument(instrument)
        return self._band_of(instrument)

    def risk_enabled(self) -> bool:
        return self.risk_on

    def risk_stats(self) -> dict[str, object]:
        largest: dict[int, int] = {}
        for (p, _), a in sorted(self.accounts.items()):
            if a.max_abs_position > 0:
                largest[p] = max(largest.get(p, 0), a.max_abs_position)
        return {
            "rejections": dict(sorted(self.risk_rejections.items())),
            "cancels": dict(sorted(self.risk_cancels.items())),
            "kill_switch_trips": self.kill_switch_trips,
            "halts": self.halts,
            "max_position": dict(sorted(largest.items())),
        }

    def _breach(self, p: int, reason: int) -> int:
        """Counts a risk rejection; every one but KILL_SWITCH is a breach and may trip."""
        self.risk_rejections[reason] = self.risk_rejections.get(reason, 0) + 1
        if reason != KILL_SWITCH:
            self.breaches[p] = self.breaches.get(p, 0) + 1
            if self.breaches[p] >= self._controls(p).max_breaches and p not in self.killed:
                self._kills.append(p)
        return reason

    def _exposure_reason(
        self, p: int, i: int, side: int, price: int | None, qty: int, old: Order | None
    ) -> int:
        """NEW risk checks 5-9 (price None for MARKET); `old` is a replaced order."""
        lim = self._limits(p, i)
        ir = self.irisk.get(i, InstrumentRisk())
        inst = self.instruments[i]
        if qty > lim.max_order_qty:
            return RISK_MAX_ORDER_QTY
        value = ir.mark if price is None else price
        if value * qty > lim.max_order_notional:
            return RISK_MAX_ORDER_NOTIONAL
        if ir.collar is not None and price is not None:
            kind, fixed, unit, width = ir.collar
            ref: int | None
            if kind == REF_FIXED:
                ref = fixed
            elif kind == REF_LAST_TRADE:
                ref = ir.mark if ir.mark > 0 else None
            else:
                bid, ask = inst.best(BUY), inst.best(SELL)
                ref = (bid + ask) // 2 if bid is not None and ask is not None else None
            if ref is not None and abs(price - ref) > _distance(unit, width, ref, inst.tick_size):
                return RISK_PRICE_COLLAR
        a = self.accounts.get((p, i), Account())
        ob, os_, notional = self._open(p, i)
        old_leaves = old.leaves if old else 0
        old_notional = old.leaves * old.price if old else 0
        if side == BUY:
            worst = a.position + ob - old_leaves + qty
        else:
            worst = os_ - old_leaves + qty - a.position
        if worst > lim.max_position:
            return RISK_MAX_POSITION
        used = notional - old_notional + value * qty + abs(a.position) * ir.mark
        if used > lim.credit_limit:
            return RISK_CREDIT_LIMIT
        return R_NONE

    def _risk_new_reason(self, msg: OrderMsg) -> int:
        """NEW risk checks 1-9 in order; on success the token is taken and the id recorded."""
        p, i = msg.participant, msg.instrument
        if p in self.killed:
            return self._breach(p, KILL_SWITCH)
        if self._limits(p, i).restricted:
            return self._breach(p, RISK_RESTRICTED)
        bucket = self._bucket(p)
        if bucket is not None and not bucket.available(msg.ts):
            return self._breach(p, RISK_THROTTLE)
        unique = self._controls(p).unique_client_ids
        if unique and msg.client_order_id in self.used_ids.get(p, set()):
            return self._breach(p, RISK_CLIENT_ID_REUSED)
        price = msg.price if msg.order_type == LIMIT else None
        reason = self._exposure_reason(p, i, msg.side, price, msg.qty, None)
        if reason:
            return self._breach(p, reason)
        if bucket is not None:
            bucket.level -= _NS
        if unique:
            self.used_ids.setdefault(p, set()).add(msg.client_order_id)
        return R_NONE

    def _risk_replace_reason(self, msg: OrderMsg, o: Order) -> int:
        """REPLACE risk checks: kill switch, throttle, then 5-9 without the old exposure."""
        p = msg.participant
        if p in self.killed:
            return self._breach(p, KILL_SWITCH)
        bucket = self._bucket(p)
        if bucket is not None and not bucket.available(msg.ts):
            return self._breach(p, RISK_THROTTLE)
        reason = self._exposure_reason(p, o.instrument, o.side, msg.price, msg.qty, o)
        if reason:
            return self._breach(p, reason)
        if bucket is not None:
            bucket.level -= _NS
        return R_NONE

    def _in_band(self, price: int) -> bool:
        return self._band is None or self._band[0] <= price <= self._band[1]

    def _observe(self, events: list[Event]) -> None:
        """Fills move positions, cash and the mark, may end the limit state and trip loss
        limits; risk cancels are counted."""
        for e in events:
            if e.kind == CANCELLED and e.reason >= 64:
                self.risk_cancels[e.reason] = self.risk_cancels.get(e.reason, 0) + 1
            if e.kind != TRADE:
                continue
            for p, signed in (
                (e.participant, e.qty if e.side == BUY else -e.qty),
                (e.maker_participant, -e.qty if e.side == BUY else e.qty),
            ):
                a = self._account(p, e.instrument)
                a.position += signed
                a.cash -= signed * e.price
                a.max_abs_position = max(a.max_abs_position, abs(a.position))
            ir = self._ir(e.instrument)
            if ir.limit_since is not None:
                band = self._band_of(e.instrument)
                if band is not None and band[0] < e.price < band[1]:
                    ir.limit_since = None
            ir.mark = e.price
            for p in (e.participant, e.maker_participant):
                loss = self._controls(p).loss_limit
                if loss != NO_LIMIT and p not in self.killed and p not in self._kills:
                    if self.risk_pnl(p) < -loss:
                        self._kills.append(p)

    def _trip(self, ts: int, p: int) -> None:
        if p in self.killed:
            return
        self.killed.add(p)
        self.kill_switch_trips += 1
        start = len(self.pending)
        for oid in sorted(self.live):
            if self.live[oid].participant == p:
                self._cancel_resting(ts, self.live[oid], KILL_SWITCH)
        self._observe(self.pending[start:])

    def _set_state(self, ts: int, i: int, state: int, until: int, why: int) -> None:
        """A trading state change with its TRADING_STATE event (none if unchanged)."""
        ir = self._ir(i)
        ir.halted_until = until if state == HALTED and until > 0 else None
        if state == OPEN:
            ir.limit_since = None
            if ir.band is not None and ir.band[0] == REF_FIXED and ir.mark > 0:
                ir.anchor = ir.mark
        inst = self.instruments[i]
        if inst.state == state:
            return
        inst.state = state
        if state == HALTED:
            self.halts += 1
        nobody = Order(0, i, 0, 0, BUY, 0, 0, 0, 0, LIMIT, GTC, 0)
        leaves = until if state == HALTED else 0
        self._emit(ts, TRADING_STATE, nobody, qty=state, leaves=leaves, reason=why)

    def _run_timers(self, ts: int) -> None:
        """Pauses and halts that are due at `ts` begin or end, instrument by instrument."""
        for i in range(len(self.instruments)):
            ir = self.irisk.get(i)
            if ir is None:
                continue
            if ir.halted_until is not None:
                if ts >= ir.halted_until:
                    why = PRICE_BAND if ir.paused else R_NONE
                    ir.paused = False
                    self._set_state(ts, i, OPEN, 0, why)
                continue
            if ir.limit_since is not None and ir.band is not None:
                limit_ns, pause_ns = ir.band[4], ir.band[5]
                if ts >= ir.limit_since + limit_ns and self.instruments[i].state == OPEN:
                    ir.paused = True
                    ir.limit_since = None
                    self._set_state(ts, i, HALTED, ts + max(pause_ns, 1), PRICE_BAND)

    def _process_with_risk(self, msg: OrderMsg) -> int:
        self._run_timers(msg.ts)
        start = len(self.pending)
        self._band_stop = None
        oid = self._dispatch(msg)
        self._observe(self.pending[start:])
        if self._band_stop is not None:
            i, ts = self._band_stop
            ir = self._ir(i)
            if ir.limit_since is None:
                ir.limit_since = ts
        kills, self._kills = self._kills, []
        for p in kills:
            self._trip(msg.ts, p)
        return oid

    # ---- queries -----------------------------------------------------------------------------
    def bbo(self, instrument: int) -> tuple[int | None, int, int | None, int]:
        """(bid price or None, bid displayed qty, ask price or None, ask displayed qty)."""
        inst = self._instrument(instrument)
        out: list[int | None] = []
        for side in (BUY, SELL):
            best = inst.best(side)
            if best is None:
                out += [None, 0]
            else:
                out += [best, _level_qty(inst.side_levels(side)[best])]
        return (out[0], out[1] or 0, out[2], out[3] or 0)  # type: ignore[return-value]

    def depth(self, instrument: int, side: int, n: int) -> list[tuple[int, int, int]]:
        """Up to n levels, best first: (price, displayed qty sum, order count)."""
        inst = self._instrument(instrument)
        if side not in (BUY, SELL):
            raise ReferenceConfigError(f"depth: side must be 0 or 1, got {side}")
        levels = inst.side_levels(side)
        return [(p, _level_qty(levels[p]), len(levels[p])) for p in inst.prices(side)[: max(n, 0)]]

    def queue(self, instrument: int, side: int, price: int) -> list[tuple[int, int, int, int, int]]:
        """The level's orders in priority order: (order id, participant, client order id,
        displayed, leaves)."""
        inst = self._instrument(instrument)
        if side not in (BUY, SELL):
            raise ReferenceConfigError(f"queue: side must be 0 or 1, got {side}")
        return [
            (o.order_id, o.participant, o.client_order_id, o.displayed, o.leaves)
            for o in inst.side_levels(side).get(price, [])
        ]

    def order(self, order_id: int) -> dict[str, int] | None:
        """A live order's fields, or None when it is not live."""
        o = self.live.get(order_id)
        if o is None:
            return None
        return {
            "order_id": o.order_id,
            "instrument": o.instrument,
            "participant": o.participant,
            "client_order_id": o.client_order_id,
            "side": o.side,
            "price": o.price,
            "leaves": o.leaves,
            "displayed": o.displayed,
            "display_qty": o.display_qty,
            "tif": o.tif,
            "flags": o.flags,
        }

    def live_orders(self) -> int:
        """Number of live orders in all books."""
        return len(self.live)

    def next_seq(self) -> int:
        """The sequence number the next event will get."""
        return self.seq

    def next_order_id(self) -> int:
        """The order id the next accepted order will get."""
        return self.next_id

    def state_bytes(self) -> bytes:
        """The canonical state as the byte string SEMANTICS.md "State hash" defines."""
        out = [struct.pack("<QQ", self.seq, self.next_id)]
        for inst in self.instruments:
            out.append(
                struct.pack(
                    "<IqqqqB",
                    inst.id,
                    inst.tick_size,
                    inst.lot_size,
                    inst.min_qty,
                    inst.max_qty,
                    inst.state,
                )
            )
            for side in (BUY, SELL):
                levels = inst.side_levels(side)
                for price in inst.prices(side):
                    out.append(struct.pack("<qI", price, len(levels[price])))
                    for o in levels[price]:
                        out.append(
                            struct.pack(
                                "<QQIqqqBB",
                                o.order_id,
                                o.client_order_id,
                                o.participant,
                                o.leaves,
                                o.displayed,
                                o.display_qty,
                                o.tif,
                                o.flags,
                            )
                        )
                out.append(struct.pack("<I", 0xFFFF_FFFF))
        for participant in sorted(self.stp_modes):
            out.append(struct.pack("<IB", participant, self.stp_modes[participant]))
        return b"".join(out)

    def state_hash(self) -> int:
        """FNV-1a 64 over :meth:`state_bytes` (SEMANTICS.md "State hash")."""
        return fnv1a64(self.state_bytes())
