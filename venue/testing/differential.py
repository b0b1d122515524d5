"""Differential checking: one operation on the engine and on the reference model, compared.

An *operation* is a plain JSON-able dict, ``{"op": NAME, ...arguments}``, where NAME is a
call of ``venue._core.Engine`` (``add_instrument``, ``set_stp_mode``, ``set_trading_state``,
``submit``, ``cancel``, ``reduce``, ``replace``, ``mass_cancel``, ``expire_day_orders``,
``process_buffer``). A ``process_buffer`` operation carries its messages as a list of dicts
with the fields of :class:`~venue.testing.reference.OrderMsg` (and ``misaligned: true`` to
pass them in a buffer that does not start on an 8-byte boundary). A list of operations is a
*history*; histories are what the fuzzer generates, shrinks, writes and replays.

:class:`Differential` applies operations to both implementations and, after each, checks:

- the call's result (or the kind of error it raised) is the same;
- the events are byte-identical (on a difference, the first differing event is described);
- the full L3 state is the same: BBO, every level of ``depth``, every level's ``queue``,
  ``order`` of every live order, ``live_orders``, ``next_seq``, ``next_order_id``,
  ``trading_state``, and the state hash;
- invariants of the engine alone, from its own events and queries
  (:class:`EngineInvariants`): no crossed book, no empty level, FIFO within a level (each
  level's queue is the order in which the market-by-order feed added its orders), quantity
  conservation per order, strictly increasing contiguous sequence numbers, events that agree
  with each other (``leaves`` fields, fills of live orders).

Any failure raises :class:`Divergence` with a message naming the step and the difference.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from venue.testing import reference as ref
from venue.testing.reference import Event, OrderMsg, ReferenceEngine

Op = dict[str, Any]

OP_NAMES = (
    "add_instrument",
    "set_stp_mode",
    "set_trading_state",
    "submit",
    "cancel",
    "reduce",
    "replace",
    "mass_cancel",
    "expire_day_orders",
    "process_buffer",
)

HISTORY_FORMAT = "venue-fuzz-history/1"


class Divergence(AssertionError):
    """The engine and the model disagree, or the engine broke an invariant."""


# ---------------------------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------------------------
def _args(op: Op) -> dict[str, Any]:
    return {k: v for k, v in op.items() if k != "op"}


def call(target: Any, op: Op) -> Any:
    """Performs one operation on an engine-like object (the engine or the model)."""
    name = op["op"]
    if name not in OP_NAMES:
        raise ValueError(f"operation {name!r} is not one of {', '.join(OP_NAMES)}")
    args = _args(op)
    if name == "process_buffer":
        data = ref.encode_orders([OrderMsg(**m) for m in args["orders"]])
        if args.get("misaligned"):  # a buffer that does not start on an 8-byte boundary
            return target.process_buffer(memoryview(bytearray(1) + data)[1:])
        return target.process_buffer(data)
    return getattr(target, name)(**args)


def format_op(op: Op) -> str:
    """One operation as a Python-like call, for reports."""
    args = _args(op)
    if op["op"] == "process_buffer":
        inner = "; ".join(
            ", ".join(f"{k}={v}" for k, v in m.items() if v or k in ("action",))
            for m in args["orders"]
        )
        where = ", misaligned" if args.get("misaligned") else ""
        return f"process_buffer([{inner}]{where})"
    return f"{op['op']}({', '.join(f'{k}={v}' for k, v in args.items())})"


def save_history(path: str | Path, history: list[Op], note: str = "") -> None:
    """Writes a history to a JSON file that :func:`load_history` (and ``venue fuzz
    --replay``) reads back."""
    doc = {"format": HISTORY_FORMAT, "note": note, "operations": history}
    Path(path).write_text(json.dumps(doc, indent=1) + "\n")


def load_history(path: str | Path) -> list[Op]:
    """Reads a history written by :func:`save_history`; a clear error on a bad file."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: cannot read a fuzz history: {err}") from err
    if not isinstance(doc, dict) or doc.get("format") != HISTORY_FORMAT:
        raise ValueError(f"{path}: not a fuzz history (expected format {HISTORY_FORMAT!r})")
    ops = doc.get("operations")
    if not isinstance(ops, list):
        raise ValueError(f"{path}: 'operations' must be a list")
    for i, op in enumerate(ops):
        if not isinstance(op, dict) or op.get("op") not in OP_NAMES:
            raise ValueError(f"{path}: operation {i} is not one of {', '.join(OP_NAMES)}: {op!r}")
    return ops


# ---------------------------------------------------------------------------------------------
# Errors and events
# ---------------------------------------------------------------------------------------------
_MODEL_ERROR_NAMES = {
    "ReferenceConfigError": "ConfigError",
    "ReferenceUnknownInstrumentError": "UnknownInstrumentError",
    "ReferenceBatchFormatError": "BatchFormatError",
}


def error_kind(err: BaseException) -> str:
    """The comparable name of an error: the model's classes map onto the engine's."""
    name = type(err).__name__
    return _MODEL_ERROR_NAMES.get(name, name)


def _outcome(target: Any, op: Op) -> tuple[str, Any]:
    try:
        return ("ok", call(target, op))
    except Exception as err:
        if type(err).__name__ in ("InternalError", "PanicException", "AssertionError"):
            raise Divergence(f"{type(err).__name__} (a panic or model bug): {err}") from err
        return ("error", error_kind(err))


def check_event_layout(layout: Iterable[tuple[str, int, str]]) -> None:
    """Checks that an ``EVENT_LAYOUT`` is the one :func:`reference.decode_events` reads."""
    expected = [
        ("seq", 0, "u8"),
        ("ts", 8, "i8"),
        ("order_id", 16, "u8"),
        ("client_order_id", 24, "u8"),
        ("price", 32, "i8"),
        ("qty", 40, "i8"),
        ("leaves", 48, "i8"),
        ("maker_order_id", 56, "u8"),
        ("instrument", 64, "u4"),
        ("participant", 68, "u4"),
        ("maker_participant", 72, "u4"),
        ("kind", 76, "u1"),
        ("side", 77, "u1"),
        ("reason", 78, "u1"),
    ]
    got = [(n, int(o), t.lstrip("<|=")) for n, o, t in layout if not n.startswith("_")]
    if got != expected:
        raise Divergence(f"EVENT_LAYOUT differs from the reference layout: {got} != {expected}")


def diff_events(engine_events: list[Event], model_events: list[Event]) -> str:
    """A description of the first difference between two event lists ('' if equal)."""
    for i, (a, b) in enumerate(zip(engine_events, model_events, strict=False)):
        if a != b:
            fields = [
                f"{f}: engine {getattr(a, f)} model {getattr(b, f)}"
                for f in a._fields
                if getattr(a, f) != getattr(b, f)
            ]
            return (
                f"event {i} differs ({'; '.join(fields)})\n"
                f"  engine: {a.describe()}\n  model:  {b.describe()}"
            )
    if len(engine_events) != len(model_events):
        n = min(len(engine_events), len(model_events))
        extra_e = "\n".join("  engine: " + e.describe() for e in engine_events[n:])
        extra_m = "\n".join("  model:  " + e.describe() for e in model_events[n:])
        return (
            f"engine gave {len(engine_events)} events, model {len(model_events)}; "
            f"after the common {n}:\n{extra_e}{extra_m}"
        )
    return ""


def format_events(events: list[Event]) -> str:
    """Events, one per line."""
    return "\n".join("    " + e.describe() for e in events)


# ---------------------------------------------------------------------------------------------
# Invariants of the engine alone
# ---------------------------------------------------------------------------------------------
@dataclass
class _Ledger:
    """What the event stream says about one order's quantity."""

    accepted: int
    increased: int = 0
    decreased: int = 0
    filled: int = 0
    cancelled: int = 0
    leaves: int = 0
    resting: bool = False  # per the market-by-order feed


@dataclass
class EngineInvariants:
    """Invariants checked on the engine's own events and queries, independent of the model.

    It keeps the market-by-order book that the BOOK_* events describe, and a ledger per order.
    """

    next_seq: int = 1
    ledgers: dict[int, _Ledger] = field(default_factory=dict)
    # (instrument, side, price) -> order ids in feed order
    feed: dict[tuple[int, int, int], list[int]] = field(default_factory=dict)
    feed_side: dict[int, tuple[int, int, int]] = field(default_factory=dict)

    def on_events(self, events: list[Event]) -> None:
        """Applies one step's events; raises :class:`Divergence` on an inconsistency."""
        for e in events:
            self._on_event(e)

    def _fail(self, e: Event, why: str) -> None:
        raise Divergence(f"invariant broken at {e.describe()}: {why}")

    def _ledger(self, e: Event, oid: int) -> _Ledger:
        led = self.ledgers.get(oid)
        if led is None:
            self._fail(e, f"order {oid} was never accepted")
        assert led is not None
        return led

    def _on_event(self, e: Event) -> None:
        if e.seq != self.next_seq:
            self._fail(e, f"sequence number {e.seq}, expected {self.next_seq}")
        self.next_seq += 1
        if e.kind == ref.ACCEPTED:
            if e.order_id in self.ledgers or e.order_id == 0:
                self._fail(e, "order id reused or 0")
            if e.qty <= 0 or e.leaves != e.qty:
                self._fail(e, "accepted qty must be > 0 and equal to leaves")
            self.ledgers[e.order_id] = _Ledger(accepted=e.qty, leaves=e.qty)
        elif e.kind == ref.REJECTED:
            if e.reason == ref.R_NONE or ref.USER_CANCEL <= e.reason < 64:
                self._fail(e, "a reject needs a reject reason")
        elif e.kind == ref.TRADE:
            taker = self._ledger(e, e.order_id)
            maker = self._ledger(e, e.maker_order_id)
            if e.qty <= 0:
                self._fail(e, "fill qty must be > 0")
            if not maker.resting:
                self._fail(e, "the maker is not resting")
            if taker.resting:
                self._fail(e, "the taker is resting")
            taker.filled += e.qty
            taker.leaves -= e.qty
            maker.filled += e.qty
            maker.leaves -= e.qty
            if taker.leaves != e.leaves or taker.leaves < 0 or maker.leaves < 0:
                self._fail(e, f"taker leaves {taker.leaves} (maker {maker.leaves})")
        elif e.kind == ref.CANCELLED:
            led = self._ledger(e, e.order_id)
            if e.reason < ref.USER_CANCEL or e.qty <= 0:
                self._fail(e, "a cancel needs a cancel reason and qty > 0")
            led.cancelled += e.qty
            led.leaves -= e.qty
            if led.leaves != e.leaves or led.leaves < 0:
                self._fail(e, f"leaves after the cancel should be {led.leaves}")
        elif e.kind == ref.REPLACED:
            led = self._ledger(e, e.order_id)
            if e.qty != e.leaves or e.qty <= 0:
                self._fail(e, "replaced qty must equal leaves and be > 0")
            if e.leaves >= led.leaves:
                led.increased += e.leaves - led.leaves
            else:
                led.decreased += led.leaves - e.leaves
            led.leaves = e.leaves
        elif e.kind in (ref.BOOK_ADD, ref.BOOK_MODIFY, ref.BOOK_DELETE):
            self._on_book_event(e)
        else:
            self._fail(e, f"unknown event kind {e.kind}")
        if e.kind not in (ref.REJECTED, ref.CANCELLED) and e.reason != 0:
            self._fail(e, "reason must be 0")
        if e.kind != ref.TRADE and (e.maker_order_id or e.maker_participant):
            self._fail(e, "maker fields must be 0")

    def _on_book_event(self, e: Event) -> None:
        led = self._ledger(e, e.order_id)
        key = (e.instrument, e.side, e.price)
        if e.kind == ref.BOOK_ADD:
            if led.resting:
                self._fail(e, "BOOK_ADD of a resting order")
            if not 0 < e.qty <= e.leaves or e.leaves != led.leaves:
                self._fail(e, f"displayed {e.qty}, leaves {e.leaves}, ledger {led.leaves}")
            led.resting = True
            self.feed.setdefault(key, []).append(e.order_id)
            self.feed_side[e.order_id] = key
            return
        if not led.resting or self.feed_side.get(e.order_id) != key:
            self._fail(e, f"not resting at {key}")
        if e.kind == ref.BOOK_MODIFY:
            if not 0 < e.qty <= e.leaves or e.leaves != led.leaves:
                self._fail(e, f"displayed {e.qty}, leaves {e.leaves}, ledger {led.leaves}")
            return
        if e.qty != 0 or e.leaves != led.leaves:
            self._fail(e, f"BOOK_DELETE qty {e.qty}, leaves {e.leaves}, ledger {led.leaves}")
        led.resting = False
        self.feed[key].remove(e.order_id)
        if not self.feed[key]:
            del self.feed[key]
        del self.feed_side[e.order_id]

    def check_state(self, engine: Any, instruments: int) -> None:
        """Checks the engine's queries against the feed, the ledgers and the book invariants."""
        if engine.next_seq() != self.next_seq:
            raise Divergence(f"next_seq() {engine.next_seq()}, events say {self.next_seq}")
        seen: set[int] = set()
        for inst in range(instruments):
            bid, bid_qty, ask, ask_qty = engine.bbo(inst)
            if bid is not None and ask is not None and bid >= ask:
                raise Divergence(f"instrument {inst}: crossed at rest, bid {bid} >= ask {ask}")
            for side in (ref.BUY, ref.SELL):
                levels = engine.depth(inst, side, 1 << 30)
                prices = [p for p, _, _ in levels]
                want = sorted(prices, reverse=(side == ref.BUY))
                if prices != want or len(set(prices)) != len(prices):
                    raise Divergence(f"instrument {inst} side {side}: levels out of order {prices}")
                best = (bid, bid_qty) if side == ref.BUY else (ask, ask_qty)
                top = (levels[0][0], levels[0][1]) if levels else (None, 0)
                if best != top:
                    raise Divergence(f"instrument {inst} side {side}: bbo {best} != depth {top}")
                feed_prices = sorted(
                    (p for (i, s, p) in self.feed if i == inst and s == side),
                    reverse=(side == ref.BUY),
                )
                if feed_prices != prices:
                    raise Divergence(
                        f"instrument {inst} side {side}: levels {prices}, feed says {feed_prices}"
                    )
                for price, qty, count in levels:
                    where = f"instrument {inst} side {side} level {price}"
                    if count <= 0 or qty <= 0:
                        raise Divergence(f"{where}: empty level (qty {qty}, orders {count})")
                    q = engine.queue(inst, side, price)
                    ids = [row[0] for row in q]
                    if ids != self.feed[(inst, side, price)]:
                        raise Divergence(
                            f"{where}: queue {ids} is not the FIFO order of the feed "
                            f"{self.feed[(inst, side, price)]}"
                        )
                    shown = min(sum(row[3] for row in q), (1 << 63) - 1)  # saturates
                    if len(q) != count or shown != qty:
                        raise Divergence(f"{where}: depth ({qty}, {count}) != queue {q}")
                    for oid, _participant, _coid, displayed, leaves in q:
                        led = self.ledgers[oid]
                        if not 0 < displayed <= leaves or leaves != led.leaves:
                            raise Divergence(
                                f"{where}: order {oid} displayed {displayed} leaves {leaves}, "
                                f"events say leaves {led.leaves}"
                            )
                        seen.add(oid)
        if engine.live_orders() != len(seen):
            raise Divergence(f"live_orders() {engine.live_orders()}, books hold {len(seen)}")
        for oid, led in self.ledgers.items():
            live = engine.order(oid) if led.resting or oid in seen else None
            leaves = live["leaves"] if live else 0
            if led.resting != (oid in seen):
                raise Divergence(f"order {oid}: feed says resting={led.resting}, books disagree")
            lhs = led.accepted + led.increased - led.decreased
            rhs = led.filled + led.cancelled + leaves
            if lhs != rhs or led.leaves != leaves:
                raise Divergence(
                    f"order {oid}: quantity not conserved: accepted {led.accepted} + increased "
                    f"{led.increased} - decreased {led.decreased} = {lhs}, but filled "
                    f"{led.filled} + cancelled {led.cancelled} + leaves {leaves} = {rhs}"
                )


# ---------------------------------------------------------------------------------------------
# The differential driver
# ---------------------------------------------------------------------------------------------
def _state_snapshot(target: Any, instruments: int, with_hash: bool = True) -> dict[str, Any]:
    """Everything the queries show, in a comparable form."""
    snap: dict[str, Any] = {
        "next_seq": target.next_seq(),
        "next_order_id": target.next_order_id(),
        "live_orders": target.live_orders(),
        "instrument_count": target.instrument_count(),
    }
    live_ids: list[int] = []
    for inst in range(instruments):
        snap[f"bbo[{inst}]"] = tuple(target.bbo(inst))
        snap[f"trading_state[{inst}]"] = int(target.trading_state(inst))
        for side in (ref.BUY, ref.SELL):
            levels = [tuple(lv) for lv in target.depth(inst, side, 1 << 30)]
            snap[f"depth[{inst},{side}]"] = levels
            for price, _, _ in levels:
                q = [tuple(row) for row in target.queue(inst, side, price)]
                snap[f"queue[{inst},{side},{price}]"] = q
                live_ids += [row[0] for row in q]
    for oid in sorted(live_ids):
        o = target.order(oid)
        snap[f"order[{oid}]"] = None if o is None else {k: int(v) for k, v in dict(o).items()}
    if with_hash:
        snap["state_hash"] = target.state_hash()
    return snap


def _diff_snapshots(engine: dict[str, Any], model: dict[str, Any]) -> str:
    lines = []
    for key in sorted(set(engine) | set(model)):
        a, b = engine.get(key, "<missing>"), model.get(key, "<missing>")
        if isinstance(a, dict) and isinstance(b, dict):
            # The engine may report extra fields; compare the model's.
            a = {k: a.get(k, "<missing>") for k in b}
        if a != b:
            lines.append(f"  {key}: engine {a} model {b}")
    return "\n".join(lines)


@dataclass
class Differential:
    """Drives an engine and the reference model with the same operations and compares them.

    ``engine_factory`` makes the engine under test (``venue._core.Engine``).
    ``check_state_every`` compares the full L3 state after every n-th step (1 = every step);
    ``hash_every`` compares the state hashes after every n-th step too (the model's hash is
    pure Python and the slowest check; :meth:`check_state` always compares it).
    """

    engine_factory: Callable[[], Any]
    check_state_every: int = 1
    hash_every: int = 1
    engine: Any = None
    model: ReferenceEngine = field(default_factory=ReferenceEngine)
    invariants: EngineInvariants = field(default_factory=EngineInvariants)
    history: list[Op] = field(default_factory=list)
    event_bytes: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self.engine = self.engine_factory()
        layout = getattr(self.engine, "EVENT_LAYOUT", None)
        if layout is None:
            import venue._core as core  # the engine's own module

            layout = core.EVENT_LAYOUT
        check_event_layout(layout)

    def apply(self, op: Op) -> list[Event]:
        """Applies one operation to both; raises :class:`Divergence` on any difference.
        Returns the step's events (equal in both)."""
        step = len(self.history)
        self.history.append(op)
        got = _outcome(self.engine, op)
        want = _outcome(self.model, op)
        engine_raw = self.engine.take_events()
        model_raw = self.model.take_events()
        self.event_bytes += engine_raw
        where = f"step {step}: {format_op(op)}"
        if engine_raw != model_raw:
            ev_e, ev_m = ref.decode_events(engine_raw), ref.decode_events(model_raw)
            why = diff_events(ev_e, ev_m) or "same fields, different bytes (padding?)"
            raise Divergence(
                f"{where}: events differ: {why}\n  engine events:\n{format_events(ev_e)}\n"
                f"  model events:\n{format_events(ev_m)}"
            )
        if got != want:
            raise Divergence(f"{where}: engine returned {got}, model {want}")
        events = ref.decode_events(engine_raw)
        try:
            self.invariants.on_events(events)
        except Divergence as err:
            raise Divergence(f"{where}: {err}") from None
        if self.check_state_every and (step + 1) % self.check_state_every == 0:
            self.check_state(where, with_hash=bool(self.hash_every) and step % self.hash_every == 0)
        return events

    def check_state(self, where: str = "end", with_hash: bool = True) -> None:
        """Compares the full L3 state (and the state hashes) and checks the engine's
        invariants."""
        n = self.model.instrument_count()
        got = _state_snapshot(self.engine, n, with_hash)
        want = _state_snapshot(self.model, n, with_hash)
        if got != want:
            raise Divergence(f"{where}: state differs:\n{_diff_snapshots(got, want)}")
        try:
            self.invariants.check_state(self.engine, n)
        except Divergence as err:
            raise Divergence(f"{where}: {err}") from None


def replay(
    history: list[Op], engine_factory: Callable[[], Any], check_state_every: int = 1
) -> Differential:
    """Runs a history through a fresh engine and model; raises :class:`Divergence` on the
    first difference. Returns the driver (its ``event_bytes`` and state) when all agree."""
    diff = Differential(engine_factory, check_state_every=check_state_every)
    for op in history:
        diff.apply(op)
    diff.check_state()
    return diff


def engine_only(history: list[Op], engine_factory: Callable[[], Any]) -> tuple[bytes, int]:
    """Runs a history through the engine alone: (all its event bytes, final state hash).
    Errors the history provokes on purpose are expected and ignored."""
    engine = engine_factory()
    out = bytearray()
    for op in history:
        try:
            call(engine, op)
        except Exception as err:
            if type(err).__name__ in ("InternalError", "PanicException"):
                raise
        out += engine.take_events()
    return bytes(out), engine.state_hash()


def random_history(seed: int, n: int) -> list[Op]:
    """A reproducible history of ``n`` operations from ``random.Random(seed)``, without
    hypothesis: two instruments, STP modes, submits of every type (many crossing), cancels,
    reduces, replaces, mass cancels and expiries. Targets are resolved against a running
    reference model, so most of them hit live orders."""
    rng = random.Random(seed)
    model = ReferenceEngine()
    ops: list[Op] = [
        {"op": "add_instrument", "tick_size": 1, "lot_size": 1, "min_qty": 1, "max_qty": 10_000},
        {"op": "add_instrument", "tick_size": 5, "lot_size": 10, "min_qty": 10, "max_qty": 5_000},
        {"op": "set_stp_mode", "participant": 2, "mode": ref.CANCEL_OLDEST},
        {"op": "set_stp_mode", "participant": 3, "mode": ref.DECREMENT_AND_CANCEL},
    ]
    for op in ops:
        call(model, op)
    for step in range(n):
        ts = 1_000 * (step + 1)
        u = rng.random()
        live = sorted(model.live)
        inst_id = rng.randrange(2)
        tick, lot = (1, 1) if inst_id == 0 else (5, 10)
        if u < 0.55 or not live:
            order_type, tif = rng.choice([(0, 0), (0, 0), (0, 1), (0, 2), (0, 3), (1, 2), (1, 3)])
            side = rng.randrange(2)
            off = rng.randint(-6, 6)
            op: Op = {
                "op": "submit",
                "ts": ts,
                "participant": rng.randint(1, 4),
                "instrument": inst_id,
                "side": side,
                "price": tick * (100 + off) if order_type == 0 else 0,
                "qty": lot * rng.randint(1, 30),
                "order_type": order_type,
                "tif": tif,
                "flags": 1 if tif in (0, 1) and rng.random() < 0.1 else 0,
                "display_qty": lot * rng.randint(1, 4)
                if tif in (0, 1) and rng.random() < 0.2
                else 0,
                "client_order_id": step,
            }
        else:
            oid = rng.choice(live)
            o = model.live[oid]
            tick = model.instruments[o.instrument].tick_size
            lot = model.instruments[o.instrument].lot_size
            if u < 0.7:
                op = {"op": "cancel", "ts": ts, "participant": o.participant, "order_id": oid}
            elif u < 0.8:
                qty = max(lot, o.leaves - lot * rng.randint(1, 5))
                op = {
                    "op": "reduce",
                    "ts": ts,
                    "participant": o.participant,
                    "order_id": oid,
                    "qty": qty,
                }
            elif u < 0.95:
                op = {
                    "op": "replace",
                    "ts": ts,
                    "participant": o.participant,
                    "order_id": oid,
                    "price": tick * (100 + rng.randint(-6, 6)),
                    "qty": lot * rng.randint(1, 30),
                }
            elif u < 0.98:
                op = {
                    "op": "mass_cancel",
                    "ts": ts,
                    "participant": o.participant,
                    "instrument": rng.choice([0, 1, ref.ALL_INSTRUMENTS]),
                }
            else:
                op = {"op": "expire_day_orders", "ts": ts, "instrument": ref.ALL_INSTRUMENTS}
        call(model, op)
        model.pending.clear()
        ops.append(op)
    return ops
