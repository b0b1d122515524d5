"""Histories the fuzzers found, replayed with every check so that they stay fixed.

Each is the shrunk (or hand-minimised) operation sequence of one finding; the docstring says
what was wrong and where it was fixed.
"""

from __future__ import annotations

import pytest

from venue.testing import reference as ref
from venue.testing.differential import replay
from venue.testing.machine import MAX_SLICES, bounded_op

core = pytest.importorskip("venue._core")

BIG = (1 << 63) - 1


def _submit(ts, participant, side, price, qty, **extra):
    return {
        "op": "submit",
        "ts": ts,
        "participant": participant,
        "instrument": 0,
        "side": side,
        "price": price,
        "qty": qty,
        "order_type": extra.get("order_type", ref.LIMIT),
        "tif": extra.get("tif", ref.GTC),
        "flags": extra.get("flags", 0),
        "display_qty": extra.get("display_qty", 0),
        "client_order_id": extra.get("client_order_id", ts),
    }


def test_level_sum_beyond_i64_saturates():
    """venue fuzz, first run with an instrument whose max_qty is near i64::MAX: two resting
    orders whose displayed sum exceeds an i64. The engine reports i64::MAX (it saturates,
    documented on Engine::depth); the model reported the exact sum, and the invariant
    "depth qty = sum of the queue" overflowed. SEMANTICS.md is silent: the model and the
    checks now saturate too (reported to the lead to settle in the contract)."""
    history = [
        {"op": "add_instrument", "tick_size": 1, "lot_size": 1, "min_qty": 1, "max_qty": BIG},
        _submit(1000, 2, ref.SELL, 101, 10),
        _submit(2000, 1, ref.SELL, 101, BIG),
        _submit(3000, 3, ref.BUY, 101, BIG, tif=ref.FOK),
    ]
    diff = replay(history, core.Engine)
    assert diff.engine.bbo(0) == (None, 0, 101, 10)


def test_huge_iceberg_is_kept_to_a_bounded_number_of_slices():
    """venue fuzz --steps 200 was killed for memory: a resting iceberg of qty i64::MAX
    showing 2, then an IOC buy of i64::MAX. Per SEMANTICS.md that is 2^62 trades in one
    message; the engine (rightly) never ends and its event buffer exhausts memory. Not an
    engine bug but a limit of the contract (reported); the machine keeps icebergs within
    MAX_SLICES slices so that one message stays bounded."""
    model = ref.ReferenceEngine()
    model.add_instrument(max_qty=BIG)
    iceberg = _submit(1, 1, ref.SELL, 99, BIG, display_qty=2)
    assert bounded_op(iceberg, model)["display_qty"] == 0
    fine = _submit(2, 1, ref.SELL, 99, 2 * MAX_SLICES, display_qty=2)
    assert bounded_op(fine, model) == fine
    model.submit(**{k: v for k, v in fine.items() if k != "op"})
    grow = {"op": "replace", "ts": 3, "participant": 1, "order_id": 1, "price": 99, "qty": BIG}
    assert bounded_op(grow, model)["qty"] == 2 * MAX_SLICES
