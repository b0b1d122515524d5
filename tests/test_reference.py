"""The reference model against docs/SEMANTICS.md, one scenario per rule.

Each expectation is worked out by hand from the contract's text. Every scenario runs on the
reference model and, when the extension is built, on the Rust engine too: both must follow
the contract, not just agree with each other.
"""

from __future__ import annotations

import struct

import pytest

from venue.testing import reference as ref
from venue.testing.differential import error_kind
from venue.testing.reference import ReferenceEngine, decode_events

B, S = ref.BUY, ref.SELL
KIND = ref.EVENT_KIND_NAMES


@pytest.fixture(params=["model", "engine"])
def make(request):
    """A factory of engines: the reference model, or venue._core.Engine."""
    if request.param == "engine":
        core = pytest.importorskip("venue._core")
        return core.Engine
    return ReferenceEngine


def rows(eng) -> list[tuple]:
    """The pending events as (KIND, order id, price, qty, leaves, reason or maker id)."""
    out = []
    for e in decode_events(eng.take_events()):
        extra = ref.REASON_NAMES[e.reason] if e.reason else (e.maker_order_id or None)
        out.append((KIND[e.kind], e.order_id, e.price, e.qty, e.leaves, extra))
    return out


def book(make, **spec):
    eng = make()
    eng.add_instrument(**spec)
    return eng


def test_cross_and_event_fields(make):
    eng = book(make)
    assert eng.submit(10, 7, 0, S, 101, 10, client_order_id=70) == 1
    assert eng.submit(20, 8, 0, B, 102, 4, client_order_id=80) == 2
    evs = decode_events(eng.take_events())
    assert [e.seq for e in evs] == [1, 2, 3, 4, 5]
    accepted, add, accepted2, trade, modify = evs
    assert accepted == ref.Event(1, 10, 1, 70, 101, 10, 10, 0, 0, 7, 0, ref.ACCEPTED, S, 0)
    assert add == ref.Event(2, 10, 1, 70, 101, 10, 10, 0, 0, 7, 0, ref.BOOK_ADD, S, 0)
    assert accepted2 == ref.Event(3, 20, 2, 80, 102, 4, 4, 0, 0, 8, 0, ref.ACCEPTED, B, 0)
    # TRADE: the taker's ids, the maker's price, the aggressor's side, taker leaves after.
    assert trade == ref.Event(4, 20, 2, 80, 101, 4, 0, 1, 0, 8, 7, ref.TRADE, B, 0)
    assert modify == ref.Event(5, 20, 1, 70, 101, 6, 6, 0, 0, 7, 0, ref.BOOK_MODIFY, S, 0)
    assert eng.bbo(0) == (None, 0, 101, 6)
    assert eng.next_seq() == 6 and eng.next_order_id() == 3


def test_price_time_priority(make):
    eng = book(make)
    a = eng.submit(1, 1, 0, S, 101, 5, client_order_id=1)
    b = eng.submit(2, 2, 0, S, 101, 5, client_order_id=1)
    c = eng.submit(3, 3, 0, S, 100, 5, client_order_id=1)
    eng.take_events()
    eng.submit(4, 4, 0, B, 101, 12, client_order_id=1)
    trades = [(r[1], r[2], r[3], r[5]) for r in rows(eng) if r[0] == "TRADE"]
    assert trades == [(4, 100, 5, c), (4, 101, 5, a), (4, 101, 2, b)]
    assert eng.queue(0, S, 101) == [(b, 2, 1, 3, 3)]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"instrument": 5}, "UNKNOWN_INSTRUMENT"),
        ({"side": 2, "order_type": 9}, "INVALID_SIDE"),
        ({"order_type": 9, "tif": 9}, "INVALID_ORDER_TYPE"),
        ({"flags": 2}, "INVALID_ORDER_TYPE"),
        ({"tif": 4, "qty": -1}, "INVALID_TIF"),
        ({"order_type": ref.MARKET, "tif": ref.GTC}, "INVALID_TIF"),
        ({"flags": ref.POST_ONLY, "tif": ref.IOC}, "INVALID_TIF"),
        ({"qty": 0, "price": 0}, "INVALID_QTY"),
        ({"qty": 15, "price": 3}, "OFF_LOT"),
        ({"qty": 10, "price": 3}, "QTY_BELOW_MIN"),
        ({"qty": 1010, "price": 3}, "QTY_ABOVE_MAX"),
        ({"price": 0, "display_qty": 50}, "INVALID_PRICE"),
        ({"price": 103, "display_qty": 50}, "OFF_TICK"),
        ({"display_qty": 50, "tif": ref.IOC}, "INVALID_DISPLAY_QTY"),
        ({"display_qty": 40}, "INVALID_DISPLAY_QTY"),
        ({"display_qty": 5}, "INVALID_DISPLAY_QTY"),
        ({"display_qty": -10}, "INVALID_DISPLAY_QTY"),
    ],
)
def test_new_checks_in_order(make, fields, reason):
    """The first failing check of SEMANTICS.md "NEW" names the reject; the event echoes the
    message."""
    eng = book(make, tick_size=5, lot_size=10, min_qty=20, max_qty=1000)
    msg = {"side": B, "price": 100, "qty": 40, "instrument": 0, **fields}
    oid = eng.submit(
        ts=9,
        participant=3,
        instrument=msg["instrument"],
        side=msg["side"],
        price=msg["price"],
        qty=msg["qty"],
        order_type=msg.get("order_type", ref.LIMIT),
        tif=msg.get("tif", ref.GTC),
        flags=msg.get("flags", 0),
        display_qty=msg.get("display_qty", 0),
        client_order_id=77,
    )
    assert oid == 0
    (e,) = decode_events(eng.take_events())
    assert (KIND[e.kind], ref.REASON_NAMES[e.reason]) == ("REJECTED", reason)
    assert (e.ts, e.order_id, e.client_order_id, e.participant) == (9, 0, 77, 3)
    assert (e.instrument, e.side, e.price, e.qty, e.leaves) == (
        msg["instrument"],
        msg["side"],
        msg["price"],
        msg["qty"],
        0,
    )
    assert eng.next_order_id() == 1


def test_halted_comes_after_tif_and_before_qty(make):
    eng = book(make)
    eng.set_trading_state(0, ref.HALTED)
    eng.submit(1, 1, 0, B, 100, -5)
    eng.submit(1, 1, 0, B, 100, 5, tif=9)
    assert [r[5] for r in rows(eng)] == ["INSTRUMENT_HALTED", "INVALID_TIF"]


def test_market_price_is_ignored_and_reported_as_zero(make):
    eng = book(make)
    eng.submit(1, 1, 0, S, 100, 3)
    eng.take_events()
    oid = eng.submit(2, 2, 0, B, -7, 5, order_type=ref.MARKET, tif=ref.IOC)
    assert rows(eng) == [
        ("ACCEPTED", oid, 0, 5, 5, None),
        ("TRADE", oid, 100, 3, 2, 1),
        ("BOOK_DELETE", 1, 100, 0, 0, None),
        ("CANCELLED", oid, 0, 2, 0, "IOC_REMAINDER"),
    ]


def test_duplicate_client_order_id_only_among_live_orders(make):
    eng = make()
    eng.add_instrument()
    eng.add_instrument()
    a = eng.submit(1, 1, 0, B, 100, 5, client_order_id=9)
    assert eng.submit(2, 1, 1, S, 200, 5, client_order_id=9) == 0  # other instrument: still
    assert eng.submit(3, 2, 0, B, 100, 5, client_order_id=9) != 0  # other participant: fine
    eng.cancel(4, 1, a)
    assert eng.submit(5, 1, 1, S, 200, 5, client_order_id=9) != 0  # no longer live
    reasons = [r[5] for r in rows(eng) if r[0] == "REJECTED"]
    assert reasons == ["DUPLICATE_CLIENT_ORDER_ID"]


def test_iceberg_refresh_goes_to_the_back(make):
    eng = book(make)
    ice = eng.submit(1, 1, 0, S, 101, 10, display_qty=4, client_order_id=1)
    plain = eng.submit(2, 2, 0, S, 101, 5, client_order_id=1)
    assert eng.bbo(0) == (None, 0, 101, 9)
    eng.take_events()
    t = eng.submit(3, 3, 0, B, 101, 6, client_order_id=1)
    assert rows(eng) == [
        ("ACCEPTED", t, 101, 6, 6, None),
        ("TRADE", t, 101, 4, 2, ice),
        ("BOOK_DELETE", ice, 101, 0, 6, None),
        ("BOOK_ADD", ice, 101, 4, 6, None),
        ("TRADE", t, 101, 2, 0, plain),
        ("BOOK_MODIFY", plain, 101, 3, 3, None),
    ]
    assert eng.queue(0, S, 101) == [(plain, 2, 1, 3, 3), (ice, 1, 1, 4, 6)]
    assert eng.order(ice)["displayed"] == 4 and eng.order(ice)["display_qty"] == 4


def test_lone_iceberg_refreshes_in_place_within_one_match(make):
    eng = book(make)
    ice = eng.submit(1, 1, 0, S, 101, 5, display_qty=2)
    eng.take_events()
    t = eng.submit(2, 2, 0, B, 101, 5)
    assert [r for r in rows(eng) if r[0] == "TRADE"] == [
        ("TRADE", t, 101, 2, 3, ice),
        ("TRADE", t, 101, 2, 1, ice),
        ("TRADE", t, 101, 1, 0, ice),
    ]
    assert eng.live_orders() == 0


def test_fok_counts_hidden_reserve(make):
    eng = book(make)
    eng.submit(1, 1, 0, S, 101, 10, display_qty=2)
    eng.take_events()
    big = eng.submit(2, 2, 0, B, 101, 11, tif=ref.FOK)
    assert rows(eng) == [
        ("ACCEPTED", big, 101, 11, 11, None),
        ("CANCELLED", big, 101, 11, 0, "FOK_UNFILLED"),
    ]
    exact = eng.submit(3, 2, 0, B, 101, 10, tif=ref.FOK)
    trades = [r for r in rows(eng) if r[0] == "TRADE"]
    assert [r[3] for r in trades] == [2, 2, 2, 2, 2] and trades[-1][4] == 0
    assert eng.live_orders() == 0 and exact > 0


def test_fok_market_walks_levels(make):
    eng = book(make)
    eng.submit(1, 1, 0, S, 101, 3)
    eng.submit(1, 1, 0, S, 105, 3, client_order_id=1)
    eng.take_events()
    eng.submit(2, 2, 0, B, 0, 7, order_type=ref.MARKET, tif=ref.FOK)
    assert [r[5] for r in rows(eng)] == [None, "FOK_UNFILLED"]
    eng.submit(2, 2, 0, B, 0, 6, order_type=ref.MARKET, tif=ref.FOK)
    assert [(r[2], r[3]) for r in rows(eng) if r[0] == "TRADE"] == [(101, 3), (105, 3)]


@pytest.mark.parametrize("mode", [ref.CANCEL_NEWEST, ref.CANCEL_BOTH, ref.DECREMENT_AND_CANCEL])
def test_fok_stops_at_a_blocking_own_order(make, mode):
    """Only the displayed quantity ahead of the participant's own order counts."""
    eng = book(make)
    eng.set_stp_mode(1, mode)
    eng.submit(1, 2, 0, S, 101, 3, display_qty=1)  # displayed 1, leaves 3
    eng.submit(2, 1, 0, S, 101, 5)  # the blocker
    eng.submit(3, 2, 0, S, 102, 50, client_order_id=1)
    eng.take_events()
    eng.submit(4, 1, 0, B, 102, 2, tif=ref.FOK, client_order_id=1)
    assert [r[5] for r in rows(eng)] == [None, "FOK_UNFILLED"]
    eng.submit(5, 1, 0, B, 102, 1, tif=ref.FOK, client_order_id=1)
    assert [r[0] for r in rows(eng)][:3] == ["ACCEPTED", "TRADE", "BOOK_DELETE"]


def test_fok_ignores_own_orders_under_cancel_oldest(make):
    eng = book(make)
    eng.set_stp_mode(1, ref.CANCEL_OLDEST)
    own = eng.submit(1, 1, 0, S, 101, 5)
    other = eng.submit(2, 2, 0, S, 101, 3)
    eng.take_events()
    eng.submit(3, 1, 0, B, 101, 4, tif=ref.FOK, client_order_id=1)
    assert [r[5] for r in rows(eng)] == [None, "FOK_UNFILLED"]
    t = eng.submit(4, 1, 0, B, 101, 3, tif=ref.FOK, client_order_id=1)
    assert rows(eng) == [
        ("ACCEPTED", t, 101, 3, 3, None),
        ("CANCELLED", own, 101, 5, 0, "SELF_TRADE"),
        ("BOOK_DELETE", own, 101, 0, 0, None),
        ("TRADE", t, 101, 3, 0, other),
        ("BOOK_DELETE", other, 101, 0, 0, None),
    ]


def _self_cross(make, mode, taker_qty=3):
    eng = book(make)
    eng.set_stp_mode(1, mode)
    maker = eng.submit(1, 1, 0, S, 101, 5)
    behind = eng.submit(2, 2, 0, S, 101, 4)
    eng.take_events()
    taker = eng.submit(3, 1, 0, B, 101, taker_qty, client_order_id=1)
    return eng, maker, behind, taker


def test_stp_none_trades_with_itself(make):
    eng, maker, _, taker = _self_cross(make, ref.STP_NONE)
    assert ("TRADE", taker, 101, 3, 0, maker) in rows(eng)


def test_stp_cancel_newest(make):
    eng, _, _, taker = _self_cross(make, ref.CANCEL_NEWEST)
    assert rows(eng) == [
        ("ACCEPTED", taker, 101, 3, 3, None),
        ("CANCELLED", taker, 101, 3, 0, "SELF_TRADE"),
    ]
    assert eng.live_orders() == 2


def test_stp_cancel_oldest_then_trades_on(make):
    eng, maker, behind, taker = _self_cross(make, ref.CANCEL_OLDEST)
    assert rows(eng) == [
        ("ACCEPTED", taker, 101, 3, 3, None),
        ("CANCELLED", maker, 101, 5, 0, "SELF_TRADE"),
        ("BOOK_DELETE", maker, 101, 0, 0, None),
        ("TRADE", taker, 101, 3, 0, behind),
        ("BOOK_MODIFY", behind, 101, 1, 1, None),
    ]


def test_stp_cancel_both(make):
    eng, maker, _, taker = _self_cross(make, ref.CANCEL_BOTH)
    assert rows(eng) == [
        ("ACCEPTED", taker, 101, 3, 3, None),
        ("CANCELLED", maker, 101, 5, 0, "SELF_TRADE"),
        ("BOOK_DELETE", maker, 101, 0, 0, None),
        ("CANCELLED", taker, 101, 3, 0, "SELF_TRADE"),
    ]


def test_stp_decrement_smaller_taker(make):
    eng, maker, _, taker = _self_cross(make, ref.DECREMENT_AND_CANCEL, taker_qty=3)
    assert rows(eng) == [
        ("ACCEPTED", taker, 101, 3, 3, None),
        ("CANCELLED", maker, 101, 3, 2, "SELF_TRADE"),
        ("BOOK_MODIFY", maker, 101, 2, 2, None),
        ("CANCELLED", taker, 101, 3, 0, "SELF_TRADE"),
    ]


def test_stp_decrement_larger_taker_goes_on(make):
    eng, maker, behind, taker = _self_cross(make, ref.DECREMENT_AND_CANCEL, taker_qty=7)
    assert rows(eng) == [
        ("ACCEPTED", taker, 101, 7, 7, None),
        ("CANCELLED", maker, 101, 5, 0, "SELF_TRADE"),
        ("BOOK_DELETE", maker, 101, 0, 0, None),
        ("CANCELLED", taker, 101, 5, 2, "SELF_TRADE"),
        ("TRADE", taker, 101, 2, 0, behind),
        ("BOOK_MODIFY", behind, 101, 2, 2, None),
    ]


def test_cancel_checks(make):
    eng = book(make)
    oid = eng.submit(1, 1, 0, B, 100, 5)
    eng.take_events()
    eng.cancel(2, 2, oid)
    eng.cancel(3, 1, 99)
    eng.cancel(4, 1, oid)
    eng.cancel(5, 1, oid)
    assert rows(eng) == [
        ("REJECTED", oid, 0, 0, 0, "NOT_OWNER"),
        ("REJECTED", 99, 0, 0, 0, "UNKNOWN_ORDER"),
        ("CANCELLED", oid, 100, 5, 0, "USER_CANCEL"),
        ("BOOK_DELETE", oid, 100, 0, 0, None),
        ("REJECTED", oid, 0, 0, 0, "UNKNOWN_ORDER"),
    ]


def test_reduce_keeps_position(make):
    eng = book(make, lot_size=5, min_qty=5, max_qty=1000)
    a = eng.submit(1, 1, 0, B, 100, 20, display_qty=10)
    b = eng.submit(2, 2, 0, B, 100, 10)
    eng.take_events()
    eng.reduce(3, 1, a, 20)  # not below leaves
    eng.reduce(4, 1, a, 0)
    eng.reduce(5, 1, a, 7)  # off lot
    eng.reduce(6, 1, a, 5)
    assert rows(eng) == [
        ("REJECTED", a, 0, 20, 0, "INVALID_QTY"),
        ("REJECTED", a, 0, 0, 0, "INVALID_QTY"),
        ("REJECTED", a, 0, 7, 0, "OFF_LOT"),
        ("REPLACED", a, 100, 5, 5, None),
        ("BOOK_MODIFY", a, 100, 5, 5, None),
    ]
    assert [row[0] for row in eng.queue(0, B, 100)] == [a, b]


def test_replace_in_place_and_with_loss_of_priority(make):
    eng = book(make)
    a = eng.submit(1, 1, 0, B, 100, 10)
    b = eng.submit(2, 2, 0, B, 100, 10)
    eng.take_events()
    eng.replace(3, 1, a, 100, 10)  # same: REPLACED only
    eng.replace(4, 1, a, 100, 8)  # smaller: in place
    assert rows(eng) == [
        ("REPLACED", a, 100, 10, 10, None),
        ("REPLACED", a, 100, 8, 8, None),
        ("BOOK_MODIFY", a, 100, 8, 8, None),
    ]
    assert [row[0] for row in eng.queue(0, B, 100)] == [a, b]
    eng.replace(5, 1, a, 100, 9)  # larger: to the back
    assert rows(eng) == [
        ("REPLACED", a, 100, 9, 9, None),
        ("BOOK_DELETE", a, 100, 0, 9, None),
        ("BOOK_ADD", a, 100, 9, 9, None),
    ]
    assert [row[0] for row in eng.queue(0, B, 100)] == [b, a]


def test_replace_that_crosses_trades_as_taker(make):
    eng = book(make)
    a = eng.submit(1, 1, 0, B, 99, 5, display_qty=2)
    m = eng.submit(2, 2, 0, S, 101, 3)
    eng.take_events()
    eng.replace(3, 1, a, 101, 6)
    assert rows(eng) == [
        ("REPLACED", a, 101, 6, 6, None),
        ("BOOK_DELETE", a, 99, 0, 6, None),
        ("TRADE", a, 101, 3, 3, m),
        ("BOOK_DELETE", m, 101, 0, 0, None),
        ("BOOK_ADD", a, 101, 2, 3, None),
    ]
    assert eng.order(a)["displayed"] == 2


def test_replace_checks(make):
    eng = book(make, tick_size=5, lot_size=10, min_qty=10, max_qty=100)
    a = eng.submit(1, 1, 0, B, 100, 20, flags=ref.POST_ONLY)
    eng.submit(2, 2, 0, S, 110, 20)
    eng.take_events()
    for args, _ in [
        ((2, a, 105, 20), "NOT_OWNER"),
        ((1, a, 105, 5), "OFF_LOT"),
        ((1, a, 105, 200), "QTY_ABOVE_MAX"),
        ((1, a, 0, 20), "INVALID_PRICE"),
        ((1, a, 103, 20), "OFF_TICK"),
        ((1, a, 110, 20), "POST_ONLY_WOULD_CROSS"),
    ]:
        eng.replace(3, *args)
    eng.set_trading_state(0, ref.HALTED)
    eng.replace(4, 1, a, 0, 0)
    eng.reduce(5, 1, a, 10)
    assert [r[5] for r in rows(eng)] == [
        "NOT_OWNER",
        "OFF_LOT",
        "QTY_ABOVE_MAX",
        "INVALID_PRICE",
        "OFF_TICK",
        "POST_ONLY_WOULD_CROSS",
        "INSTRUMENT_HALTED",
        None,
        None,
    ]
    assert eng.order(a)["price"] == 100 and eng.order(a)["leaves"] == 10


def test_post_only(make):
    eng = book(make)
    eng.submit(1, 1, 0, S, 101, 5)
    eng.take_events()
    eng.submit(2, 2, 0, B, 101, 5, flags=ref.POST_ONLY)
    oid = eng.submit(3, 2, 0, B, 100, 5, flags=ref.POST_ONLY, tif=ref.DAY)
    assert rows(eng) == [
        ("REJECTED", 0, 101, 5, 0, "POST_ONLY_WOULD_CROSS"),
        ("ACCEPTED", oid, 100, 5, 5, None),
        ("BOOK_ADD", oid, 100, 5, 5, None),
    ]


def test_mass_cancel(make):
    eng = make()
    eng.add_instrument()
    eng.add_instrument()
    a = eng.submit(1, 1, 1, B, 100, 5, client_order_id=1)
    eng.submit(1, 2, 0, B, 100, 5, client_order_id=2)
    c = eng.submit(1, 1, 0, S, 105, 5, client_order_id=3)
    d = eng.submit(1, 1, 0, B, 99, 5, client_order_id=4)
    eng.take_events()
    eng.mass_cancel(2, 1, 0)
    assert rows(eng) == [
        ("CANCELLED", c, 105, 5, 0, "MASS_CANCEL"),
        ("BOOK_DELETE", c, 105, 0, 0, None),
        ("CANCELLED", d, 99, 5, 0, "MASS_CANCEL"),
        ("BOOK_DELETE", d, 99, 0, 0, None),
    ]
    eng.mass_cancel(3, 1, 7)
    eng.mass_cancel(4, 3)
    eng.mass_cancel(5, 1)
    assert rows(eng) == [
        ("REJECTED", 0, 0, 0, 0, "UNKNOWN_INSTRUMENT"),
        ("CANCELLED", a, 100, 5, 0, "MASS_CANCEL"),
        ("BOOK_DELETE", a, 100, 0, 0, None),
    ]
    assert eng.live_orders() == 1


def test_expire_day_orders(make):
    eng = make()
    eng.add_instrument()
    eng.add_instrument()
    d0 = eng.submit(1, 1, 0, B, 100, 5, tif=ref.DAY, client_order_id=1)
    eng.submit(1, 1, 0, B, 100, 5, tif=ref.GTC, client_order_id=2)
    d1 = eng.submit(1, 2, 1, S, 100, 5, tif=ref.DAY, client_order_id=3)
    eng.take_events()
    eng.expire_day_orders(50, 1)
    eng.expire_day_orders(60)
    evs = decode_events(eng.take_events())
    assert [(KIND[e.kind], e.order_id, e.ts, ref.REASON_NAMES[e.reason]) for e in evs] == [
        ("CANCELLED", d1, 50, "EXPIRED"),
        ("BOOK_DELETE", d1, 50, "NONE"),
        ("CANCELLED", d0, 60, "EXPIRED"),
        ("BOOK_DELETE", d0, 60, "NONE"),
    ]
    assert eng.live_orders() == 1


def test_invalid_action_in_a_batch(make):
    eng = book(make)
    msgs = [
        ref.OrderMsg(ts=1, participant=1, action=ref.NEW, side=B, price=100, qty=5),
        ref.OrderMsg(ts=2, participant=1, action=9, order_id=1, price=3, qty=4, side=1),
    ]
    assert eng.process_buffer(ref.encode_orders(msgs)) == 3
    assert rows(eng)[2] == ("REJECTED", 1, 3, 4, 0, "INVALID_ACTION")


def test_misuse_raises(make):
    eng = make()
    for spec in [
        {"tick_size": 0},
        {"lot_size": -1},
        {"min_qty": 20, "max_qty": 10},
        {"lot_size": 10, "min_qty": 15, "max_qty": 100},
    ]:
        with pytest.raises(Exception) as info:
            eng.add_instrument(**spec)
        assert error_kind(info.value) == "ConfigError"
    eng.add_instrument()
    with pytest.raises(Exception) as info:
        eng.set_trading_state(3, ref.HALTED)
    assert error_kind(info.value) == "UnknownInstrumentError"
    with pytest.raises(Exception) as info:
        eng.set_stp_mode(1, 5)
    assert error_kind(info.value) == "ConfigError"
    with pytest.raises(Exception) as info:
        eng.process_buffer(b"\0" * 65)
    assert error_kind(info.value) == "BatchFormatError"
    assert eng.next_seq() == 1


def test_queries(make):
    eng = book(make)
    a = eng.submit(1, 1, 0, B, 100, 10, display_qty=3, tif=ref.DAY, client_order_id=5)
    eng.submit(1, 2, 0, B, 100, 4)
    eng.submit(1, 2, 0, B, 98, 4, client_order_id=1)
    assert eng.bbo(0) == (100, 7, None, 0)
    assert eng.depth(0, B, 5) == [(100, 7, 2), (98, 4, 1)]
    assert eng.depth(0, B, 1) == [(100, 7, 2)]
    assert eng.depth(0, S, 5) == []
    assert eng.queue(0, B, 99) == []
    o = eng.order(a)
    assert {k: o[k] for k in ("instrument", "participant", "client_order_id", "side")} == {
        "instrument": 0,
        "participant": 1,
        "client_order_id": 5,
        "side": B,
    }
    assert (o["price"], o["leaves"], o["displayed"], o["display_qty"]) == (100, 10, 3, 3)
    assert (o["tif"], o["flags"]) == (ref.DAY, 0)
    assert eng.order(999) is None


def _fnv(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) % (1 << 64)
    return h


def test_state_hash_layout(make):
    """The hash of a small state, with its byte string written out from SEMANTICS.md."""
    eng = make()
    assert eng.state_hash() == _fnv(struct.pack("<QQ", 1, 1))
    eng.add_instrument(tick_size=5, lot_size=2, min_qty=2, max_qty=100)
    eng.set_stp_mode(7, ref.CANCEL_BOTH)
    eng.set_stp_mode(3, ref.CANCEL_OLDEST)
    eng.set_stp_mode(4, ref.CANCEL_OLDEST)
    eng.set_stp_mode(4, ref.STP_NONE)
    eng.submit(1, 3, 0, S, 110, 8, display_qty=2, tif=ref.DAY, flags=ref.POST_ONLY)
    eng.submit(1, 3, 0, B, 100, 4, client_order_id=9)
    data = struct.pack("<QQ", 5, 3)
    data += struct.pack("<IqqqqB", 0, 5, 2, 2, 100, 0)
    data += struct.pack("<qI", 100, 1) + struct.pack("<QQIqqqBB", 2, 9, 3, 4, 4, 0, 0, 0)
    data += struct.pack("<I", 0xFFFF_FFFF)
    data += struct.pack("<qI", 110, 1) + struct.pack("<QQIqqqBB", 1, 0, 3, 8, 2, 2, 1, 1)
    data += struct.pack("<I", 0xFFFF_FFFF)
    data += struct.pack("<IB", 3, ref.CANCEL_OLDEST) + struct.pack("<IB", 7, ref.CANCEL_BOTH)
    assert eng.state_hash() == _fnv(data)


def test_decode_rejects_a_partial_record():
    with pytest.raises(ValueError, match="multiple of 80"):
        decode_events(b"\0" * 81)


def test_out_of_range_message_field_is_an_error():
    with pytest.raises(OverflowError, match="participant"):
        ReferenceEngine().submit(1, -1, 0, B, 100, 5)


def test_level_sum_saturates_at_the_largest_i64(make):
    """SEMANTICS.md does not say what a level's displayed sum is when it exceeds an i64; the
    engine saturates (found by the fuzzer: the model reported the exact sum)."""
    big = (1 << 63) - 1
    eng = book(make, max_qty=big)
    eng.submit(1, 1, 0, S, 100, big - 1)
    eng.submit(2, 2, 0, S, 100, big - 1)
    assert eng.bbo(0) == (None, 0, 100, big)
    assert eng.depth(0, S, 1) == [(100, big, 2)]
    eng.take_events()
    eng.submit(3, 3, 0, B, 100, big, tif=ref.FOK)  # fills: the FOK sum saturates as well
    assert [r[0] for r in rows(eng)] == ["ACCEPTED", "TRADE", "BOOK_DELETE", "TRADE", "BOOK_MODIFY"]


def test_iceberg_slices_are_bounded_on_new_and_replace(make):
    # One message must never cause unbounded work: at most MAX_ICEBERG_SLICES slices.
    eng = book(make)
    limit = 2 * ref.MAX_ICEBERG_SLICES
    assert eng.submit(1, 1, 0, S, 100, limit + 1, display_qty=2, client_order_id=1) == 0
    assert rows(eng)[-1][-1] == "INVALID_DISPLAY_QTY"
    oid = eng.submit(2, 1, 0, S, 100, limit, display_qty=2, client_order_id=2)
    assert oid != 0
    eng.take_events()
    eng.replace(3, 1, oid, 100, limit + 2)
    assert rows(eng) == [("REJECTED", oid, 100, limit + 2, 0, "INVALID_DISPLAY_QTY")]
    assert eng.order(oid)["leaves"] == limit
