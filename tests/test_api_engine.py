"""The Python API end to end: instruments by symbol, batches, events, snapshots, helpers."""

from __future__ import annotations

import sys
from collections import defaultdict

import numpy as np
import pytest
from conftest import XYZ_SPEC, new_engine, random_messages

import venue
from venue import (
    EVENT_DTYPE,
    POST_ONLY,
    ConfigError,
    Engine,
    EventKind,
    Instrument,
    Level,
    OrderType,
    QueueEntry,
    Reason,
    Side,
    StpMode,
    Tif,
    UnknownInstrumentError,
    _core,
    orders,
)
from venue.engine import describe_events

HOT = ("submit", "cancel", "reduce", "replace", "mass_cancel")


# ------------------------------------------------------------------------------------------
# The class
# ------------------------------------------------------------------------------------------


def test_engine_subclasses_the_compiled_engine() -> None:
    eng = Engine(order_capacity=16, event_capacity=16)
    assert isinstance(eng, _core.Engine)
    assert venue.Engine is Engine


@pytest.mark.parametrize("name", HOT)
def test_single_message_methods_are_the_compiled_ones(name: str) -> None:
    assert name not in Engine.__dict__
    assert getattr(Engine, name) is getattr(_core.Engine, name)


def test_version() -> None:
    assert venue.__version__ == _core.VERSION
    assert isinstance(venue.__version__, str) and venue.__version__


# ------------------------------------------------------------------------------------------
# Instruments
# ------------------------------------------------------------------------------------------


def test_instruments_by_symbol() -> None:
    eng = Engine()
    assert eng.add_instrument("XYZ", **XYZ_SPEC) == 0
    assert eng.add_instrument("ABC") == 1
    assert eng.instrument_count() == 2
    assert eng.instrument_id("ABC") == 1
    assert eng.symbol(0) == "XYZ"
    assert eng.instrument("XYZ") == Instrument(0, "XYZ", **XYZ_SPEC)
    assert eng.instrument(1) == Instrument(1, "ABC", 1, 1, 1, 1_000_000_000)
    assert [i.symbol for i in eng.instruments()] == ["XYZ", "ABC"]
    assert "XYZ" in repr(eng)


def test_instrument_spec_is_enforced_by_the_engine(eng: Engine) -> None:
    # XYZ has tick 5, lot 10, min 10, max 10,000: the engine, not Python, enforces it.
    eng.buy("XYZ", 10, price=100, participant=1)
    eng.buy("XYZ", 10, price=101, participant=1)
    eng.buy("XYZ", 15, price=100, participant=1)
    eng.buy("XYZ", 10_010, price=100, participant=1)
    ev = eng.events()
    rejected = ev[ev["kind"] == EventKind.REJECTED]
    assert rejected["reason"].tolist() == [Reason.OFF_TICK, Reason.OFF_LOT, Reason.QTY_ABOVE_MAX]


def test_symbol_and_id_are_interchangeable(eng: Engine) -> None:
    eng.add_instrument("ABC")
    eng.buy("ABC", 5, price=7, participant=1)
    eng.buy(1, 6, price=7, participant=2)
    assert eng.book("ABC") == eng.book(1)
    assert eng.book("ABC").bids == [Level(7, 11, 2)]
    assert eng.book("XYZ").bids == []


# ------------------------------------------------------------------------------------------
# Batches and events
# ------------------------------------------------------------------------------------------


def _ladder(n: int) -> np.ndarray:
    batch = orders(n)
    batch["ts"] = np.arange(n)
    batch["participant"] = 1
    batch["client_order_id"] = np.arange(1, n + 1)
    batch["side"] = Side.SELL
    batch["price"] = 10_000 + 5 * np.arange(n)
    batch["qty"] = 10
    return batch


def test_process_returns_exactly_this_batchs_events(eng: Engine) -> None:
    eng.buy("XYZ", 10, price=9_990, participant=2)  # two events left pending
    assert eng.pending_events() == 2
    ev = eng.process(_ladder(3))
    assert ev.dtype == EVENT_DTYPE
    assert ev["seq"].tolist() == [3, 4, 5, 6, 7, 8]
    assert ev["kind"].tolist() == [EventKind.ACCEPTED, EventKind.BOOK_ADD] * 3
    assert ev["price"].tolist() == [10_000, 10_000, 10_005, 10_005, 10_010, 10_010]
    # The earlier events are still pending, before anything newer.
    assert eng.pending_events() == 2
    eng.sell("XYZ", 10, price=10_020, participant=3)
    assert eng.pending_events() == 4
    later = eng.events()
    assert later["seq"].tolist() == [1, 2, 9, 10]
    assert eng.pending_events() == 0 and len(eng.events()) == 0


def test_take_events_includes_events_held_back_by_process(eng: Engine) -> None:
    eng.buy("XYZ", 10, price=9_990, participant=2)
    eng.process(_ladder(1))
    eng.buy("XYZ", 10, price=9_985, participant=2)
    raw = eng.take_events()
    assert isinstance(raw, bytes) and len(raw) == 4 * 80
    assert np.frombuffer(raw, EVENT_DTYPE)["seq"].tolist() == [1, 2, 5, 6]


def test_empty_batch(eng: Engine) -> None:
    eng.buy("XYZ", 10, price=9_990, participant=2)
    ev = eng.process(orders(0))
    assert ev.dtype == EVENT_DTYPE and len(ev) == 0
    assert eng.pending_events() == 2 and eng.next_seq() == 3


def test_events_are_read_only_views(eng: Engine) -> None:
    ev = eng.process(_ladder(2))
    with pytest.raises(ValueError, match="read-only"):
        ev["qty"][0] = 1
    copy = ev.copy()
    copy["qty"][0] = 1
    assert copy.dtype == EVENT_DTYPE


def test_events_table(eng: Engine) -> None:
    ev = eng.process(_ladder(3))
    table = eng.events_table(ev)
    assert list(table) == [n for n in EVENT_DTYPE.names if n != "_pad"]
    for name, column in table.items():
        assert column.flags.c_contiguous and column.dtype == EVENT_DTYPE.fields[name][0]
        assert column.tolist() == ev[name].tolist()
    # Without an argument: drains the pending events.
    eng.buy("XYZ", 10, price=9_990, participant=2)
    assert eng.events_table()["seq"].tolist() == [7, 8]
    assert eng.pending_events() == 0


def test_to_arrow_without_pyarrow(monkeypatch: pytest.MonkeyPatch, eng: Engine) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match="pip install pyarrow"):
        eng.to_arrow(eng.process(_ladder(1)))


def test_to_arrow(eng: Engine) -> None:
    pa = pytest.importorskip("pyarrow")
    ev = eng.process(_ladder(3))
    table = eng.to_arrow(ev)
    assert isinstance(table, pa.Table) and table.num_rows == 6
    assert table.column_names == [n for n in EVENT_DTYPE.names if n != "_pad"]
    assert table.column("price").to_pylist() == ev["price"].tolist()
    assert table.schema.field("seq").type == pa.uint64()


def test_describe_events(eng: Engine) -> None:
    eng.sell("XYZ", 10, price=10_000, participant=1, client_order_id=5)
    eng.buy("XYZ", 10, price=10_000, participant=2)
    b = orders(1)
    b["side"] = 9
    b["qty"] = 10
    b["price"] = 10_000
    pending = eng.events()
    assert describe_events(np.concatenate([pending, eng.process(b)])) == [
        "#1 ACCEPTED order 1 p1 SELL 10@10000 leaves 10",
        "#2 BOOK_ADD order 1 p1 SELL 10@10000 leaves 10",
        "#3 ACCEPTED order 2 p2 BUY 10@10000 leaves 10",
        "#4 TRADE order 2 p2 BUY 10@10000 leaves 0 maker 1 p1",
        "#5 BOOK_DELETE order 1 p1 SELL 0@10000 leaves 0",
        "#6 REJECTED order 0 p0 9 10@10000 leaves 0 INVALID_SIDE",
    ]


# ------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------


def test_buy_and_sell_defaults(eng: Engine) -> None:
    assert eng.sell("XYZ", 20, price=10_000, participant=1) == 1
    assert eng.buy("XYZ", 10, participant=2) == 2  # market: IOC, price 0
    assert eng.order(1)["leaves"] == 10
    assert eng.order(1)["tif"] == Tif.GTC
    ev = eng.events()
    accepted = ev[ev["kind"] == EventKind.ACCEPTED]
    assert accepted["price"].tolist() == [10_000, 0]
    assert accepted["side"].tolist() == [Side.SELL, Side.BUY]
    # A market buy larger than the book: the rest is an IOC remainder.
    eng.buy("XYZ", 30, participant=2)
    ev = eng.events()
    cancelled = ev[ev["kind"] == EventKind.CANCELLED]
    assert cancelled[["qty", "reason"]].tolist() == [(20, Reason.IOC_REMAINDER)]


def test_buy_and_sell_options(eng: Engine) -> None:
    oid = eng.sell("XYZ", 100, price=10_010, participant=1, display_qty=20, tif=Tif.DAY, ts=9)
    assert eng.order(oid)["display_qty"] == 20
    assert eng.order(oid)["tif"] == Tif.DAY
    assert eng.book("XYZ").asks == [Level(10_010, 20, 1)]
    # POST_ONLY that would cross is rejected; one that does not is accepted with its flag.
    assert eng.buy("XYZ", 10, price=10_010, participant=2, post_only=True) == 0
    pid = eng.buy("XYZ", 10, price=10_005, participant=2, post_only=True)
    assert eng.order(pid)["flags"] == POST_ONLY
    # FOK that cannot fill.
    assert eng.buy("XYZ", 200, price=10_010, participant=3, tif=Tif.FOK) > 0
    # Explicit order type: MARKET with IOC by default.
    eng.buy("XYZ", 10, participant=3, order_type=OrderType.MARKET)
    ev = eng.events()
    assert ev["ts"][0] == 9
    reasons = [Reason(r) for r in ev["reason"].tolist() if r]
    assert reasons == [Reason.POST_ONLY_WOULD_CROSS, Reason.FOK_UNFILLED]
    trades = ev[ev["kind"] == EventKind.TRADE]
    assert trades[["price", "qty", "maker_order_id"]].tolist() == [(10_010, 10, oid)]


def test_automatic_client_order_ids(eng: Engine) -> None:
    a = eng.buy("XYZ", 10, price=9_990, participant=1)
    b = eng.buy("XYZ", 10, price=9_990, participant=1)
    c = eng.buy("XYZ", 10, price=9_990, participant=1, client_order_id=10)
    d = eng.buy("XYZ", 10, price=9_990, participant=1)
    e = eng.buy("XYZ", 10, price=9_990, participant=2)
    coids = {o: eng.order(o)["client_order_id"] for o in (a, b, c, d, e)}
    assert coids == {a: 1, b: 2, c: 10, d: 11, e: 1}
    # An explicit duplicate is still the engine's to reject.
    assert eng.buy("XYZ", 10, price=9_990, participant=1, client_order_id=2) == 0
    assert eng.events()["reason"][-1] == Reason.DUPLICATE_CLIENT_ORDER_ID


def test_unknown_instrument_id_is_a_reject_unknown_symbol_raises(eng: Engine) -> None:
    assert eng.buy(7, 10, price=10_000, participant=1) == 0
    ev = eng.events()
    assert ev[["kind", "reason", "instrument"]].tolist() == [
        (EventKind.REJECTED, Reason.UNKNOWN_INSTRUMENT, 7)
    ]
    with pytest.raises(UnknownInstrumentError, match="'NOPE'"):
        eng.sell("NOPE", 10, price=10_000, participant=1)
    assert eng.next_seq() == 2


# ------------------------------------------------------------------------------------------
# Snapshots, checked against the book rebuilt from the engine's own book events
# ------------------------------------------------------------------------------------------


class BookFromEvents:
    """An L3 book maintained only from BOOK_ADD / BOOK_MODIFY / BOOK_DELETE events."""

    def __init__(self) -> None:
        # (instrument, side) -> price -> [order ids in entry order]
        self.levels: dict[tuple[int, int], dict[int, list[int]]] = defaultdict(dict)
        self.orders: dict[int, QueueEntry] = {}

    def apply(self, events: np.ndarray) -> None:
        for e in events:
            kind, oid = int(e["kind"]), int(e["order_id"])
            key, price = (int(e["instrument"]), int(e["side"])), int(e["price"])
            entry = QueueEntry(
                oid,
                int(e["participant"]),
                int(e["client_order_id"]),
                int(e["qty"]),
                int(e["leaves"]),
            )
            if kind == EventKind.BOOK_ADD:
                self.levels[key].setdefault(price, []).append(oid)
                self.orders[oid] = entry
            elif kind == EventKind.BOOK_MODIFY:
                assert oid in self.levels[key][price]
                self.orders[oid] = entry
            elif kind == EventKind.BOOK_DELETE:
                self.levels[key][price].remove(oid)
                if not self.levels[key][price]:
                    del self.levels[key][price]
                del self.orders[oid]

    def side(self, instrument: int, side: int) -> list[tuple[int, int, list[QueueEntry]]]:
        levels = self.levels[(instrument, side)]
        prices = sorted(levels, reverse=side == Side.BUY)
        out = []
        for p in prices:
            queue = [self.orders[o] for o in levels[p]]
            out.append((p, sum(q.displayed for q in queue), queue))
        return out


@pytest.mark.parametrize("seed", range(4))
def test_l3_and_book_match_the_book_events(seed: int) -> None:
    eng = new_engine(stp={1: StpMode.CANCEL_OLDEST, 2: StpMode.DECREMENT_AND_CANCEL})
    model = BookFromEvents()
    batch = random_messages(seed, 800)
    for chunk in np.array_split(batch, 16):
        model.apply(eng.process(chunk))
        for inst in range(eng.instrument_count()):
            l3 = eng.l3(inst)
            assert [tuple(lv) for lv in l3.bids] == model.side(inst, Side.BUY)
            assert [tuple(lv) for lv in l3.asks] == model.side(inst, Side.SELL)
            full = eng.book(inst, levels=None)
            assert full.bids == [Level(p, q, len(o)) for p, q, o in model.side(inst, Side.BUY)]
            assert full.asks == [Level(p, q, len(o)) for p, q, o in model.side(inst, Side.SELL)]
            assert eng.book(inst, levels=2).bids == full.bids[:2]
            assert eng.book(inst, levels=2**70) == full
            assert eng.book(inst, levels=0).asks == []
            assert l3.symbol == f"XYZ{inst}" and l3.instrument == inst
    assert len(model.orders) == eng.live_orders() > 0


def test_l3_shows_iceberg_reserve_and_priority(eng: Engine) -> None:
    a = eng.sell("XYZ", 50, price=10_000, participant=1, display_qty=20)
    b = eng.sell("XYZ", 30, price=10_000, participant=2)
    eng.buy("XYZ", 20, price=10_000, participant=3)  # takes a's slice: a refreshes behind b
    level = eng.l3("XYZ").asks[0]
    assert [q.order_id for q in level.queue] == [b, a]
    assert level.queue[1] == QueueEntry(a, 1, 1, 20, 30)
    assert (level.price, level.qty) == (10_000, 50)
    assert eng.book("XYZ").asks == [Level(10_000, 50, 2)]


def test_empty_book(eng: Engine) -> None:
    book = eng.book("XYZ")
    assert (book.instrument, book.symbol, book.bids, book.asks) == (0, "XYZ", [], [])
    l3 = eng.l3(0)
    assert (l3.bids, l3.asks) == ([], [])


def test_book_levels_must_be_non_negative(eng: Engine) -> None:
    with pytest.raises(ConfigError, match="levels must be >= 0"):
        eng.book("XYZ", levels=-1)
