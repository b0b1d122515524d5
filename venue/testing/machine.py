"""The hypothesis state machine that fuzzes the engine against the reference model.

Each example starts a fresh engine and model, adds one to three instruments, then runs
random steps on both: submits of every type and time in force (post-only, icebergs,
self-crossing orders of participants under every STP mode), cancels, reduces, replaces, mass
cancels, expiries, halts, batches, and bad inputs of every kind (unknown ids, bad codes,
off-tick prices, off-lot quantities, invalid actions, misused configuration calls). After
every step :class:`~venue.testing.differential.Differential` compares events, results and the
full L3 state and checks the invariants; at teardown the whole history is replayed on a second
engine, which must give byte-identical events and the same state hash.

Use it from pytest (``EngineMachine.TestCase`` with settings) or through
:func:`venue.testing.fuzz.run_fuzz` (``venue fuzz``).
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from venue.testing import reference as ref
from venue.testing.differential import Differential, Divergence, Op, engine_only

MID = 100  # prices are tick * (MID + offset)
PARTICIPANTS = (1, 2, 3)
MAX_SLICES = 10_000  # an iceberg's qty is at most this many display slices (see _bounded)


def default_engine_factory() -> Any:
    """The engine under test: ``venue._core.Engine``."""
    from venue._core import Engine

    return Engine()


class FuzzStats:
    """What the machine ran, summed over examples."""

    def __init__(self) -> None:
        self.examples = 0
        self.steps = 0
        self.ops: collections.Counter[str] = collections.Counter()
        self.events: collections.Counter[str] = collections.Counter()
        self.reasons: collections.Counter[str] = collections.Counter()

    def reset(self) -> None:
        """Forgets everything."""
        self.__init__()  # type: ignore[misc]


# ---- strategies ------------------------------------------------------------------------------
instrument_specs = st.builds(
    lambda tick, lot, kmin, kmax: {
        "tick_size": tick,
        "lot_size": lot,
        "min_qty": lot * kmin,
        # kmax 0: a max_qty near the largest i64, so that level sums overflow an i64
        "max_qty": lot * (kmax or ((1 << 63) - 1) // lot),
    },
    st.sampled_from([1, 5, 100]),
    st.sampled_from([1, 10]),
    st.sampled_from([1, 1, 2]),
    st.sampled_from([20, 1000, 0]),
)
bad_instrument_specs = st.fixed_dictionaries(
    {
        "tick_size": st.sampled_from([1, 0, -5]),
        "lot_size": st.sampled_from([1, 10, 0, -1]),
        "min_qty": st.sampled_from([1, 10, 15, 0, 2000]),
        "max_qty": st.sampled_from([1000, 5, 1005, -10]),
    }
)
participants = st.sampled_from(PARTICIPANTS)
sides = st.sampled_from([ref.BUY, ref.SELL])
offsets = st.integers(-4, 4)
lots = st.integers(1, 25)
sizes = st.integers(0, 25)  # lots, 0 meaning the instrument's max_qty (huge on some)
client_ids = st.integers(0, 1000)
# (which pool, index into it): a live order mostly, sometimes any order ever accepted (so
# filled and cancelled ones too), sometimes an id that never existed.
targets = st.tuples(
    st.sampled_from(["live", "live", "live", "live", "live", "any", "bogus"]), st.integers(0, 255)
)
# A new open quantity: fewer lots than the leaves, the same, more, or any raw value.
qty_changes = st.one_of(
    st.tuples(st.just("less"), st.integers(1, 4)),
    st.tuples(st.just("same"), st.just(0)),
    st.tuples(st.just("more"), st.integers(1, 10)),
    st.tuples(
        st.just("raw"), st.one_of(st.integers(-2, 30), st.integers(-(1 << 63), (1 << 63) - 1))
    ),
)
whos = st.sampled_from(["owner", "owner", "owner", "owner", "other"])
stp_modes = st.sampled_from(
    [ref.STP_NONE, ref.CANCEL_NEWEST, ref.CANCEL_OLDEST, ref.CANCEL_BOTH, ref.DECREMENT_AND_CANCEL]
)
raw_u8 = st.one_of(st.integers(0, 5), st.integers(0, 255))
raw_i64 = st.one_of(
    st.integers(-3, 3),
    st.integers(-(1 << 63), (1 << 63) - 1),
    st.sampled_from([-(1 << 63), (1 << 63) - 1]),
)


def bounded_op(op: Op, model: ref.ReferenceEngine) -> Op:
    """Keeps the work of one message bounded. An iceberg refreshes once per slice, so a
    resting order of qty Q showing D can make one taker produce Q / D trades: with Q near the
    largest i64 that is ~2^62 events, more than any memory (SEMANTICS.md allows it; see
    docs/FUZZING.md). A NEW iceberg of more than MAX_SLICES slices is sent fully displayed; a
    REPLACE of an iceberg to more gets the largest quantity allowed."""
    if op["op"] == "submit" and 0 < op["display_qty"] < op["qty"]:
        if op["qty"] > MAX_SLICES * op["display_qty"]:
            op = {**op, "display_qty": 0}
    elif op["op"] == "replace":
        o = model.live.get(op["order_id"])
        if o is not None and o.display_qty and op["qty"] > MAX_SLICES * o.display_qty:
            op = {**op, "qty": MAX_SLICES * o.display_qty}
    return op


class EngineMachine(RuleBasedStateMachine):
    """Random operations on the engine and the reference model, compared after every step."""

    #: Makes the engine under test; tests may point it at another implementation.
    engine_factory: ClassVar[Callable[[], Any]] = staticmethod(default_engine_factory)
    #: Counters summed over every example run in this process.
    stats: ClassVar[FuzzStats] = FuzzStats()
    #: The history of the most recent example (after a failure: the shrunk one).
    last_history: ClassVar[list[Op]] = []

    def __init__(self) -> None:
        super().__init__()
        # The state hash every 8th step and at teardown: the model's hash is the costliest
        # check, and a hash difference that the L3 comparison misses persists to the end.
        self.diff = Differential(type(self).engine_factory, hash_every=8)
        self.ts = 0
        self.failed = False
        type(self).last_history = self.diff.history
        self.stats.examples += 1

    # ---- helpers -----------------------------------------------------------------------------
    @property
    def model(self) -> ref.ReferenceEngine:
        return self.diff.model

    def _do(self, kind: str, op: Op) -> None:
        op = bounded_op(op, self.model)
        self.stats.ops[kind] += 1
        self.stats.steps += 1
        self.failed = True  # until the step passes: teardown must not mask its error
        events = self.diff.apply(op)
        self.failed = False
        for ev in events:
            self.stats.events[ref.EVENT_KIND_NAMES[ev.kind]] += 1
            if ev.reason:
                self.stats.reasons[ref.REASON_NAMES.get(ev.reason, str(ev.reason))] += 1

    def _next_ts(self) -> int:
        self.ts += 1
        return self.ts * 1000

    def _n(self) -> int:
        return self.model.instrument_count()

    def _inst(self, i: int) -> ref.Instrument:
        return self.model.instruments[i % self._n()]

    def _qty(self, inst: ref.Instrument, size: int) -> int:
        return inst.max_qty if size == 0 else inst.lot_size * size

    def _price(self, i: int, off: int) -> int:
        return self._inst(i).tick_size * (MID + off)

    def _target(self, target: tuple[str, int]) -> int:
        pool, idx = target
        if pool == "live" and self.model.live:
            ids = sorted(self.model.live)
            return ids[idx % len(ids)]
        if pool in ("live", "any") and self.model.next_order_id() > 1:
            return 1 + idx % (self.model.next_order_id() - 1)
        return [0, self.model.next_order_id(), (1 << 64) - 1, 12345][idx % 4]

    def _who(self, order_id: int, who: str, fallback: int) -> int:
        o = self.model.live.get(order_id)
        owner = o.participant if o is not None else fallback
        if who == "owner":
            return owner
        return (
            PARTICIPANTS[(PARTICIPANTS.index(owner) + 1) % len(PARTICIPANTS)]
            if (owner in PARTICIPANTS)
            else PARTICIPANTS[0]
        )

    # ---- set-up ------------------------------------------------------------------------------
    @initialize(
        specs=st.lists(instrument_specs, min_size=1, max_size=3),
        orders=st.lists(
            st.tuples(participants, st.integers(0, 3), sides, st.integers(1, 4), sizes),
            max_size=12,
        ),
        modes=st.lists(st.tuples(participants, stp_modes), max_size=3),
    )
    def set_up(
        self,
        specs: list[dict[str, int]],
        orders: list[tuple[int, int, int, int, int]],
        modes: list[tuple[int, int]],
    ) -> None:
        """One to three instruments, some STP modes, then resting GTC orders on both sides,
        away from the middle, so that the book has depth to match, cancel, reduce and replace
        from the first step."""
        for spec in specs:
            self._do("add_instrument", {"op": "add_instrument", **spec})
        for p, mode in modes:
            self._do("set_stp_mode", {"op": "set_stp_mode", "participant": p, "mode": mode})
        for p, i, side, away, qty_lots in orders:
            self._submit_passive("seed_book", p, i, side, away, qty_lots, 0)

    def _submit_passive(
        self, kind: str, p: int, i: int, side: int, away: int, qty_lots: int, display_lots: int
    ) -> None:
        inst = self._inst(i)
        off = -away if side == ref.BUY else away
        self._do(
            kind,
            {
                "op": "submit",
                "ts": self._next_ts(),
                "participant": p,
                "instrument": inst.id,
                "side": side,
                "price": self._price(i, off),
                "qty": self._qty(inst, qty_lots),
                "order_type": ref.LIMIT,
                "tif": ref.GTC,
                "flags": 0,
                "display_qty": inst.lot_size * display_lots,
                "client_order_id": 1_000_000 + self.ts,  # unique
            },
        )

    @rule(
        p=participants,
        i=st.integers(0, 3),
        side=sides,
        away=st.integers(0, 4),
        qty_lots=sizes,
        display_lots=st.sampled_from([0, 0, 1, 3]),
    )
    def submit_passive(
        self, p: int, i: int, side: int, away: int, qty_lots: int, display_lots: int
    ) -> None:
        """A GTC limit on its own side of the middle (it may still cross a thin book)."""
        self._submit_passive("submit_passive", p, i, side, away, qty_lots, display_lots)

    @precondition(lambda self: self._n() < 4)
    @rule(spec=instrument_specs)
    def add_instrument(self, spec: dict[str, int]) -> None:
        self._do("add_instrument", {"op": "add_instrument", **spec})

    # ---- orders ------------------------------------------------------------------------------
    @rule(
        p=participants,
        i=st.integers(0, 3),
        side=sides,
        off=offsets,
        qty_lots=sizes,
        tif=st.sampled_from([ref.GTC, ref.GTC, ref.DAY, ref.IOC, ref.FOK]),
        post_only=st.booleans(),
        display_lots=st.sampled_from([0, 0, 0, 1, 2, 5]),
        coid=client_ids,
    )
    def submit_limit(
        self,
        p: int,
        i: int,
        side: int,
        off: int,
        qty_lots: int,
        tif: int,
        post_only: bool,
        display_lots: int,
        coid: int,
    ) -> None:
        inst = self._inst(i)
        self._do(
            "submit_limit",
            {
                "op": "submit",
                "ts": self._next_ts(),
                "participant": p,
                "instrument": inst.id,
                "side": side,
                "price": self._price(i, off),
                "qty": self._qty(inst, qty_lots),
                "order_type": ref.LIMIT,
                "tif": tif,
                "flags": ref.POST_ONLY if post_only and tif in (ref.GTC, ref.DAY) else 0,
                "display_qty": inst.lot_size * display_lots if tif in (ref.GTC, ref.DAY) else 0,
                "client_order_id": coid,
            },
        )

    @precondition(lambda self: bool(self.model.live))
    @rule(
        anchor=st.integers(0, 255),
        same_owner=st.booleans(),
        through=st.integers(0, 2),
        qty_lots=sizes,
        tif=st.sampled_from([ref.GTC, ref.DAY, ref.IOC, ref.FOK]),
        post_only=st.sampled_from([False, False, False, True]),
        display_lots=st.sampled_from([0, 0, 1, 3]),
    )
    def cross(
        self,
        anchor: int,
        same_owner: bool,
        through: int,
        qty_lots: int,
        tif: int,
        post_only: bool,
        display_lots: int,
    ) -> None:
        """An order that crosses a resting one: often the owner's own (self-trade
        prevention), `through` ticks beyond its price."""
        ids = sorted(self.model.live)
        o = self.model.live[ids[anchor % len(ids)]]
        inst = self.model.instruments[o.instrument]
        side = 1 - o.side
        price = o.price + (through if side == ref.BUY else -through) * inst.tick_size
        resting = tif in (ref.GTC, ref.DAY)
        self._do(
            "cross",
            {
                "op": "submit",
                "ts": self._next_ts(),
                "participant": o.participant if same_owner else self._who(o.order_id, "other", 1),
                "instrument": inst.id,
                "side": side,
                "price": max(price, inst.tick_size),
                "qty": self._qty(inst, qty_lots),
                "order_type": ref.LIMIT,
                "tif": tif,
                "flags": ref.POST_ONLY if post_only and resting else 0,
                "display_qty": inst.lot_size * display_lots if resting else 0,
                "client_order_id": 2_000_000 + self.ts,
            },
        )

    @rule(
        p=participants,
        i=st.integers(0, 3),
        side=sides,
        qty_lots=sizes,
        tif=st.sampled_from([ref.IOC, ref.FOK]),
        coid=client_ids,
    )
    def submit_market(self, p: int, i: int, side: int, qty_lots: int, tif: int, coid: int) -> None:
        inst = self._inst(i)
        self._do(
            "submit_market",
            {
                "op": "submit",
                "ts": self._next_ts(),
                "participant": p,
                "instrument": inst.id,
                "side": side,
                "price": 0,
                "qty": self._qty(inst, qty_lots),
                "order_type": ref.MARKET,
                "tif": tif,
                "flags": 0,
                "display_qty": 0,
                "client_order_id": coid,
            },
        )

    @rule(
        p=st.integers(0, 4),
        i=st.sampled_from([0, 1, 2, 3, 7, ref.ALL_INSTRUMENTS]),
        side=raw_u8,
        price=st.one_of(offsets, raw_i64),
        qty=st.one_of(lots, raw_i64),
        order_type=raw_u8,
        tif=raw_u8,
        flags=raw_u8,
        display_qty=st.one_of(st.integers(-2, 12), raw_i64),
        coid=st.one_of(client_ids, st.integers(0, (1 << 64) - 1)),
        ts=raw_i64,
    )
    def submit_raw(
        self,
        p: int,
        i: int,
        side: int,
        price: int,
        qty: int,
        order_type: int,
        tif: int,
        flags: int,
        display_qty: int,
        coid: int,
        ts: int,
    ) -> None:
        """A NEW message with any field values: mostly rejected, some accepted."""
        if -4 <= price <= 4 and i < self._n():
            price = self._price(i, price)  # on the grid: lets valid ones trade
        self._do(
            "submit_raw",
            {
                "op": "submit",
                "ts": ts,
                "participant": p,
                "instrument": i,
                "side": side,
                "price": price,
                "qty": qty,
                "order_type": order_type,
                "tif": tif,
                "flags": flags,
                "display_qty": display_qty,
                "client_order_id": coid,
            },
        )

    @rule(order=targets, who=whos)
    def cancel(self, order: tuple[str, int], who: str) -> None:
        oid = self._target(order)
        self._do(
            "cancel",
            {
                "op": "cancel",
                "ts": self._next_ts(),
                "participant": self._who(oid, who, 1),
                "order_id": oid,
            },
        )

    def _new_qty(self, oid: int, change: tuple[str, int]) -> int:
        """A REDUCE/REPLACE quantity: relative to the order's leaves, or raw."""
        how, k = change
        o = self.model.live.get(oid)
        if o is None or how == "raw":
            return k
        lot = self.model.instruments[o.instrument].lot_size
        return {"less": o.leaves - k * lot, "same": o.leaves, "more": o.leaves + k * lot}[how]

    @rule(order=targets, who=whos, change=qty_changes)
    def reduce(self, order: tuple[str, int], who: str, change: tuple[str, int]) -> None:
        oid = self._target(order)
        self._do(
            "reduce",
            {
                "op": "reduce",
                "ts": self._next_ts(),
                "participant": self._who(oid, who, 1),
                "order_id": oid,
                "qty": self._new_qty(oid, change),
            },
        )

    @rule(
        order=targets,
        who=whos,
        off=st.one_of(st.just(None), offsets, raw_i64),
        change=qty_changes,
    )
    def replace(
        self, order: tuple[str, int], who: str, off: int | None, change: tuple[str, int]
    ) -> None:
        """off None keeps the order's price; small offsets are ticks from the middle."""
        oid = self._target(order)
        o = self.model.live.get(oid)
        price = off if off is not None else 0
        if o is not None:
            if off is None:
                price = o.price
            elif -4 <= off <= 4:
                price = self.model.instruments[o.instrument].tick_size * (MID + off)
        self._do(
            "replace",
            {
                "op": "replace",
                "ts": self._next_ts(),
                "participant": self._who(oid, who, 1),
                "order_id": oid,
                "price": price,
                "qty": self._new_qty(oid, change),
            },
        )

    @rule(p=st.integers(0, 4), i=st.sampled_from([0, 1, 2, 5, ref.ALL_INSTRUMENTS]))
    def mass_cancel(self, p: int, i: int) -> None:
        self._do(
            "mass_cancel",
            {"op": "mass_cancel", "ts": self._next_ts(), "participant": p, "instrument": i},
        )

    @rule(i=st.sampled_from([0, 1, 2, 3, ref.ALL_INSTRUMENTS]))
    def expire_day_orders(self, i: int) -> None:
        if i != ref.ALL_INSTRUMENTS:
            i %= self._n()
        self._do(
            "expire_day_orders", {"op": "expire_day_orders", "ts": self._next_ts(), "instrument": i}
        )

    @rule(
        msgs=st.lists(
            st.tuples(
                st.sampled_from(
                    [ref.NEW, ref.NEW, ref.CANCEL, ref.REDUCE, ref.REPLACE, ref.MASS_CANCEL, 5, 255]
                ),
                participants,
                st.integers(0, 3),
                sides,
                offsets,
                lots,
                targets,
            ),
            min_size=1,
            max_size=6,
        ),
        misaligned=st.booleans(),
    )
    def batch(self, msgs: list[tuple[Any, ...]], misaligned: bool) -> None:
        """A process_buffer batch: news, cancels, reduces, replaces, unknown actions."""
        orders = []
        for action, p, i, side, off, qty_lots, target in msgs:
            inst = self._inst(i)
            orders.append(
                ref.OrderMsg(
                    ts=self._next_ts(),
                    order_id=self._target(target) if action != ref.NEW else 0,
                    client_order_id=3_000_000 + self.ts if action == ref.NEW else 0,
                    price=self._price(i, off),
                    qty=inst.lot_size * qty_lots,
                    instrument=inst.id,
                    participant=p,
                    action=action,
                    side=side,
                    order_type=ref.LIMIT,
                    tif=ref.GTC,
                )._asdict()
            )
        op: Op = {"op": "process_buffer", "orders": orders}
        if misaligned:
            op["misaligned"] = True
        self._do("batch", op)

    # ---- configuration -----------------------------------------------------------------------
    @rule(p=st.sampled_from([*PARTICIPANTS, 4]), mode=stp_modes)
    def set_stp_mode(self, p: int, mode: int) -> None:
        self._do("set_stp_mode", {"op": "set_stp_mode", "participant": p, "mode": mode})

    @rule(i=st.integers(0, 3), halted=st.sampled_from([False, False, True]))
    def set_trading_state(self, i: int, halted: bool) -> None:
        self._do(
            "set_trading_state",
            {
                "op": "set_trading_state",
                "instrument": i % self._n(),
                "state": ref.HALTED if halted else ref.OPEN,
            },
        )

    @rule(
        which=st.sampled_from(["instrument", "stp", "state", "state_instrument", "expire"]),
        spec=bad_instrument_specs,
        code=st.sampled_from([5, 9, 255, -1]),
    )
    def misuse(self, which: str, spec: dict[str, int], code: int) -> None:
        """Misused configuration calls: both must raise the same kind of error."""
        if which == "instrument":
            op: Op = {"op": "add_instrument", **spec}
            if _valid_spec(spec):
                op["tick_size"] = 0  # keep it a misuse
        elif which == "stp":
            op = {"op": "set_stp_mode", "participant": 1, "mode": code}
        elif which == "state":
            op = {"op": "set_trading_state", "instrument": 0, "state": code}
        elif which == "state_instrument":
            op = {"op": "set_trading_state", "instrument": 9, "state": 0}
        else:
            op = {"op": "expire_day_orders", "ts": self._next_ts(), "instrument": 9}
        self._do("misuse", op)

    # ---- end of an example -------------------------------------------------------------------
    def teardown(self) -> None:
        """Determinism: the same history on a fresh engine gives the same bytes and hash."""
        if not self.diff.history or self.failed:
            return
        self.diff.check_state("teardown")
        events, digest = engine_only(self.diff.history, type(self).engine_factory)
        if events != bytes(self.diff.event_bytes):
            raise Divergence("replaying the history on a fresh engine gave different events")
        if digest != self.diff.engine.state_hash():
            raise Divergence("replaying the history on a fresh engine gave another state hash")


def _valid_spec(spec: dict[str, int]) -> bool:
    t, lot, lo, hi = spec["tick_size"], spec["lot_size"], spec["min_qty"], spec["max_qty"]
    return t > 0 and lot > 0 and 0 < lo <= hi and lo % lot == 0 and hi % lot == 0
