"""Misuse raises one of the venue exceptions (all subclasses of VenueError), with a message
naming the problem; nothing is changed by a failed call."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import XYZ_SPEC

import venue
import venue.errors
from venue import (
    BatchFormatError,
    ConfigError,
    Engine,
    InternalError,
    Side,
    UnknownInstrumentError,
    VenueError,
    _core,
    orders,
)

ERRORS = (ConfigError, UnknownInstrumentError, BatchFormatError, InternalError)


@pytest.mark.parametrize("error", ERRORS)
def test_one_exception_tree(error: type[Exception]) -> None:
    assert issubclass(error, VenueError)
    assert issubclass(VenueError, Exception)
    name = error.__name__
    assert getattr(venue, name) is getattr(venue.errors, name) is getattr(_core, name) is error


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"tick_size": 0}, "tick_size"),
        ({"tick_size": -5}, "tick_size"),
        ({"lot_size": 0}, "lot_size"),
        ({"min_qty": 0}, "min_qty"),
        ({"max_qty": -1}, "max_qty"),
        ({"min_qty": 100, "max_qty": 50}, "min_qty"),
        ({"lot_size": 10, "min_qty": 15, "max_qty": 100}, "min_qty"),
        ({"lot_size": 10, "min_qty": 10, "max_qty": 105}, "max_qty"),
    ],
)
def test_bad_instrument_spec(spec: dict[str, int], field: str) -> None:
    eng = Engine()
    with pytest.raises(ConfigError, match=field):
        eng.add_instrument("XYZ", **spec)
    assert eng.instrument_count() == 0 and eng.instruments() == []
    assert eng.add_instrument("XYZ") == 0  # the symbol was not taken


@pytest.mark.parametrize("symbol", ["", "   ", None, 7, b"XYZ"])
def test_bad_symbol(symbol: object) -> None:
    eng = Engine()
    with pytest.raises(ConfigError, match="symbol must be a non-empty str"):
        eng.add_instrument(symbol)  # type: ignore[arg-type]
    assert eng.instrument_count() == 0


def test_duplicate_symbol(eng: Engine) -> None:
    with pytest.raises(ConfigError, match="'XYZ' is already instrument 0"):
        eng.add_instrument("XYZ", **XYZ_SPEC)
    assert eng.instrument_count() == 1


def test_spec_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        Engine().add_instrument("XYZ", 5)  # type: ignore[misc]


@pytest.mark.parametrize(
    "query",
    [
        lambda e: e.instrument_id("ABC"),
        lambda e: e.instrument("ABC"),
        lambda e: e.instrument(1),
        lambda e: e.symbol(3),
        lambda e: e.book("ABC"),
        lambda e: e.book(1),
        lambda e: e.book(-1),
        lambda e: e.l3("ABC"),
        lambda e: e.l3(2**32 - 1),
        lambda e: e.book(1.5),
        lambda e: e.buy("ABC", 10, price=10_000),
    ],
)
def test_unknown_instrument_in_a_query(eng: Engine, query) -> None:
    seq = eng.next_seq()
    with pytest.raises(UnknownInstrumentError):
        query(eng)
    assert eng.next_seq() == seq


@pytest.mark.parametrize(
    "call",
    [
        lambda e: e.bbo(1),
        lambda e: e.depth(1, Side.BUY, 5),
        lambda e: e.queue(1, Side.BUY, 100),
        lambda e: e.set_trading_state(1, 1),
        lambda e: e.trading_state(1),
    ],
    ids=["bbo", "depth", "queue", "set_trading_state", "trading_state"],
)
def test_unknown_instrument_in_the_compiled_queries(eng: Engine, call) -> None:
    with pytest.raises(UnknownInstrumentError):
        call(eng)


def test_unknown_symbol_message_lists_known_symbols(eng: Engine) -> None:
    with pytest.raises(UnknownInstrumentError, match=r"'ABC' \(known: XYZ\)"):
        eng.instrument_id("ABC")


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        (np.zeros(2, dtype=np.int64), "not a structured array"),
        (np.zeros(2, dtype=[("ts", "i8"), ("qty", "i8")]), "missing required field 'action'"),
        (
            np.zeros(
                2,
                dtype=[
                    (n, "f8" if n == "price" else "i8")
                    for n in ("ts", "action", "participant", "side", "price", "qty", "instrument")
                ],
            ),
            "field 'price' has dtype float64",
        ),
        (
            np.array(
                [(0, 0, 1, 300, 100, 10, 0)],
                dtype=[
                    (n, "i8")
                    for n in ("ts", "action", "participant", "side", "price", "qty", "instrument")
                ],
            ),
            "field 'side' row 0: value 300",
        ),
        ([1, 2, 3], "got list"),
    ],
    ids=["non-structured", "missing field", "wrong field type", "out of range", "not an array"],
)
def test_malformed_batch_processes_nothing(eng: Engine, batch, message: str) -> None:
    eng.buy("XYZ", 10, price=10_000, participant=1)
    seq, pending = eng.next_seq(), eng.pending_events()
    with pytest.raises(BatchFormatError, match=message):
        eng.process(batch)
    assert (eng.next_seq(), eng.pending_events(), eng.live_orders()) == (seq, pending, 1)


@pytest.mark.parametrize("size", [1, 63, 65, 100])
def test_raw_buffer_of_wrong_size(eng: Engine, size: int) -> None:
    with pytest.raises(BatchFormatError):
        eng.process_buffer(bytes(size))
    assert eng.next_seq() == 1


def test_events_table_rejects_other_arrays(eng: Engine) -> None:
    with pytest.raises(BatchFormatError, match="expected an array of EVENT_DTYPE"):
        eng.events_table(orders(2))
    with pytest.raises(BatchFormatError, match="got list"):
        eng.events_table([])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"price": 100.5}, "price must be an integer"),
        ({"qty": "10"}, "qty must be an integer"),
        ({"participant": -1}, "participant=-1 does not fit"),
        ({"participant": 2**32}, "participant=4294967296 does not fit"),
        ({"client_order_id": -1}, "client_order_id=-1 does not fit"),
        ({"tif": 256}, "tif=256 does not fit"),
        ({"order_type": -1}, "order_type=-1 does not fit"),
        ({"ts": 2**63}, "ts=9223372036854775808 does not fit"),
        ({"display_qty": -(2**63) - 1}, "display_qty=.* does not fit"),
        ({"instrument": -1}, "instrument=-1 does not fit"),
        ({"instrument": 1.0}, "instrument must be an integer"),
    ],
)
def test_helper_argument_that_no_message_can_carry(eng: Engine, kwargs, message: str) -> None:
    args = {"instrument": "XYZ", "qty": 10, "price": 10_000, "participant": 1, **kwargs}
    with pytest.raises(ConfigError, match=f"^sell: {message}"):
        eng.sell(**args)
    assert eng.next_seq() == 1 and eng.pending_events() == 0
