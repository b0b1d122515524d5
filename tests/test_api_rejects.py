"""Every bad order is a REJECTED event carrying its Reason and echoing the message, never an
exception, through a batch and through the single-message methods alike; the book is left
as it was."""

from __future__ import annotations

import pytest
from conftest import XYZ_SPEC, send_one_by_one

from venue import (
    ALL_INSTRUMENTS,
    POST_ONLY,
    Action,
    Engine,
    EventKind,
    OrderType,
    Reason,
    Side,
    Tif,
    TradingState,
    orders,
)

XYZ, BIG, HALTED = 0, 1, 2


def _engine() -> Engine:
    """XYZ (tick 5, lot 10, qty 10..10,000), BIG (min qty 50) and a halted instrument, with
    participant 1's orders resting: 1 = sell 100 @ 10,010 (client id 1), 2 = buy 100 @ 9,990
    (client id 2), 3 = a sell on BIG; order 4 existed but was cancelled."""
    eng = Engine()
    eng.add_instrument("XYZ", **XYZ_SPEC)
    eng.add_instrument("BIG", tick_size=5, lot_size=10, min_qty=50, max_qty=1_000)
    eng.add_instrument("HALT", **XYZ_SPEC)
    eng.sell(XYZ, 100, price=10_010, participant=1, client_order_id=1)
    eng.buy(XYZ, 100, price=9_990, participant=1, client_order_id=2)
    eng.sell(BIG, 100, price=10_010, participant=1, client_order_id=3)
    gone = eng.sell(XYZ, 10, price=10_100, participant=3, client_order_id=1)
    eng.cancel(1, 3, gone)
    eng.set_trading_state(HALTED, TradingState.HALTED)
    eng.events()
    return eng


NEW = {
    "ts": 77,
    "participant": 2,
    "instrument": XYZ,
    "action": Action.NEW,
    "side": Side.BUY,
    "order_type": OrderType.LIMIT,
    "tif": Tif.GTC,
    "price": 10_000,
    "qty": 10,
    "client_order_id": 50,
}


def new(**changes: int) -> dict[str, int]:
    return {**NEW, **changes}


def msg(action: Action, **fields: int) -> dict[str, int]:
    return {"ts": 77, "participant": 1, "action": action, **fields}


CASES = [
    ("unknown instrument", new(instrument=9), Reason.UNKNOWN_INSTRUMENT),
    ("unknown instrument, max id", new(instrument=ALL_INSTRUMENTS), Reason.UNKNOWN_INSTRUMENT),
    ("side 2", new(side=2), Reason.INVALID_SIDE),
    ("order type 2", new(order_type=2), Reason.INVALID_ORDER_TYPE),
    ("unknown flag bit", new(flags=2), Reason.INVALID_ORDER_TYPE),
    ("tif 4", new(tif=4), Reason.INVALID_TIF),
    ("market GTC", new(order_type=OrderType.MARKET, tif=Tif.GTC), Reason.INVALID_TIF),
    ("post-only IOC", new(tif=Tif.IOC, flags=POST_ONLY), Reason.INVALID_TIF),
    ("halted instrument", new(instrument=HALTED), Reason.INSTRUMENT_HALTED),
    ("zero qty", new(qty=0), Reason.INVALID_QTY),
    ("negative qty", new(qty=-10), Reason.INVALID_QTY),
    ("zero qty before off tick", new(qty=0, price=10_003), Reason.INVALID_QTY),
    ("off lot", new(qty=15), Reason.OFF_LOT),
    ("below min", new(instrument=BIG, qty=20), Reason.QTY_BELOW_MIN),
    ("above max", new(qty=10_010), Reason.QTY_ABOVE_MAX),
    ("zero price", new(price=0), Reason.INVALID_PRICE),
    ("negative price", new(price=-5), Reason.INVALID_PRICE),
    ("off tick", new(price=10_003), Reason.OFF_TICK),
    ("display = qty", new(qty=100, display_qty=100), Reason.INVALID_DISPLAY_QTY),
    ("display off lot", new(qty=100, display_qty=15), Reason.INVALID_DISPLAY_QTY),
    ("display negative", new(qty=100, display_qty=-10), Reason.INVALID_DISPLAY_QTY),
    ("display IOC", new(qty=100, display_qty=10, tif=Tif.IOC), Reason.INVALID_DISPLAY_QTY),
    (
        "duplicate client id",
        new(participant=1, client_order_id=2),
        Reason.DUPLICATE_CLIENT_ORDER_ID,
    ),
    ("post-only crosses", new(price=10_010, flags=POST_ONLY), Reason.POST_ONLY_WOULD_CROSS),
    ("cancel unknown", msg(Action.CANCEL, order_id=99), Reason.UNKNOWN_ORDER),
    ("cancel no longer live", msg(Action.CANCEL, participant=3, order_id=4), Reason.UNKNOWN_ORDER),
    ("cancel not owner", msg(Action.CANCEL, participant=2, order_id=1), Reason.NOT_OWNER),
    ("reduce unknown", msg(Action.REDUCE, order_id=99, qty=10), Reason.UNKNOWN_ORDER),
    ("reduce not owner", msg(Action.REDUCE, participant=2, order_id=1, qty=10), Reason.NOT_OWNER),
    ("reduce to zero", msg(Action.REDUCE, order_id=1, qty=0), Reason.INVALID_QTY),
    ("reduce to leaves", msg(Action.REDUCE, order_id=1, qty=100), Reason.INVALID_QTY),
    ("reduce up", msg(Action.REDUCE, order_id=1, qty=200), Reason.INVALID_QTY),
    ("reduce off lot", msg(Action.REDUCE, order_id=1, qty=55), Reason.OFF_LOT),
    (
        "replace unknown",
        msg(Action.REPLACE, order_id=99, price=10_000, qty=10),
        Reason.UNKNOWN_ORDER,
    ),
    (
        "replace not owner",
        msg(Action.REPLACE, participant=2, order_id=1, price=10_000, qty=10),
        Reason.NOT_OWNER,
    ),
    ("replace zero qty", msg(Action.REPLACE, order_id=1, price=10_010, qty=0), Reason.INVALID_QTY),
    ("replace off tick", msg(Action.REPLACE, order_id=1, price=10_011, qty=10), Reason.OFF_TICK),
    (
        "replace above max",
        msg(Action.REPLACE, order_id=1, price=10_010, qty=20_000),
        Reason.QTY_ABOVE_MAX,
    ),
    (
        "mass cancel unknown instrument",
        msg(Action.MASS_CANCEL, instrument=9),
        Reason.UNKNOWN_INSTRUMENT,
    ),
    ("unknown action", msg(9), Reason.INVALID_ACTION),
]


def _batch(fields: dict[str, int]):
    batch = orders(1)
    for name, value in fields.items():
        batch[name] = value
    return batch


def _assert_rejected(events, fields: dict[str, int], reason: Reason) -> None:
    assert len(events) == 1, [int(k) for k in events["kind"]]
    e = events[0]
    assert (EventKind(int(e["kind"])), Reason(int(e["reason"]))) == (EventKind.REJECTED, reason)
    echoed = (
        "ts",
        "order_id",
        "client_order_id",
        "participant",
        "instrument",
        "side",
        "price",
        "qty",
    )
    sent = _batch(fields)[0]
    assert {f: int(e[f]) for f in echoed} == {f: int(sent[f]) for f in echoed}
    assert (int(e["leaves"]), int(e["maker_order_id"]), int(e["maker_participant"])) == (0, 0, 0)


def _snapshot(eng: Engine) -> tuple:
    return (
        eng.live_orders(),
        eng.next_order_id(),
        [(eng.l3(i).bids, eng.l3(i).asks) for i in range(eng.instrument_count())],
        [eng.order(i) for i in range(1, 5)],
    )


@pytest.mark.parametrize(("fields", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reject_in_a_batch(fields: dict[str, int], reason: Reason) -> None:
    eng = _engine()
    before = _snapshot(eng)
    events = eng.process(_batch(fields))
    _assert_rejected(events, fields, reason)
    assert _snapshot(eng) == before


@pytest.mark.parametrize(
    ("fields", "reason"),
    [c[1:] for c in CASES if c[2] != Reason.INVALID_ACTION],
    ids=[c[0] for c in CASES if c[2] != Reason.INVALID_ACTION],
)
def test_reject_from_a_single_call(fields: dict[str, int], reason: Reason) -> None:
    eng = _engine()
    before = _snapshot(eng)
    send_one_by_one(eng, _batch(fields))
    _assert_rejected(eng.events(), fields, reason)
    assert _snapshot(eng) == before


def test_every_reject_reason_is_covered() -> None:
    rejects = {r for r in Reason if 1 <= r < 32}
    assert {c[2] for c in CASES} == rejects


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda e: e.buy("XYZ", 10, price=10_003, participant=2), Reason.OFF_TICK),
        (lambda e: e.buy("XYZ", 0, price=10_000, participant=2), Reason.INVALID_QTY),
        (lambda e: e.sell("XYZ", -10, price=10_000, participant=2), Reason.INVALID_QTY),
        (lambda e: e.sell(9, 10, price=10_000, participant=2), Reason.UNKNOWN_INSTRUMENT),
        (
            lambda e: e.buy("XYZ", 10, price=9_980, participant=1, client_order_id=1),
            Reason.DUPLICATE_CLIENT_ORDER_ID,
        ),
        (lambda e: e.cancel(5, 1, 99), Reason.UNKNOWN_ORDER),
    ],
    ids=[
        "off tick",
        "zero qty",
        "negative qty",
        "unknown instrument",
        "duplicate client id",
        "cancel unknown order",
    ],
)
def test_helpers_reject_with_events_not_exceptions(call, reason: Reason) -> None:
    eng = _engine()
    before = _snapshot(eng)
    result = call(eng)
    assert result in (0, None)  # no order id
    events = eng.events()
    assert events[["kind", "reason"]].tolist() == [(EventKind.REJECTED, reason)]
    assert _snapshot(eng) == before
