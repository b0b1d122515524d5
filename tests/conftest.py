"""Shared fixtures of the Python test suite."""

from __future__ import annotations

import random

import numpy as np
import pytest

from venue import ALL_INSTRUMENTS, POST_ONLY, Action, Engine, OrderType, Side, StpMode, Tif, orders

# The instrument most API tests trade: prices in cents with a 5-cent tick, 10-share lots,
# orders of 10 to 10,000 shares.
XYZ_SPEC = {"tick_size": 5, "lot_size": 10, "min_qty": 10, "max_qty": 10_000}


@pytest.fixture
def eng() -> Engine:
    """An engine with one instrument, XYZ (id 0), specified as `XYZ_SPEC`."""
    engine = Engine()
    engine.add_instrument("XYZ", **XYZ_SPEC)
    return engine


def random_messages(seed: int, n: int, instruments: int = 2) -> np.ndarray:
    """A seeded random mix of valid and invalid messages (ORDER_DTYPE) for instruments
    specified as `XYZ_SPEC`: new orders of every type, tif, flag and iceberg, cancels,
    reduces, replaces and mass cancels of existing and unknown orders, by owners and others.
    No message has an unknown action, so every one can also be sent as a single call."""
    rng = random.Random(seed)
    out = orders(n)
    max_id = 0  # upper bound of the order ids the engine has assigned so far
    for i in range(n):
        m = out[i]
        m["ts"] = 1_000 + i * 7
        m["participant"] = rng.randint(1, 4)
        r = rng.random()
        if r < 0.55:
            max_id += 1
            m["action"] = Action.NEW
            m["instrument"] = rng.randrange(instruments + (1 if rng.random() < 0.03 else 0))
            m["side"] = rng.choice([Side.BUY, Side.SELL] * 20 + [2])
            m["client_order_id"] = i + 1 if rng.random() < 0.95 else rng.randint(1, 3)
            m["qty"] = 10 * rng.randint(1, 25) if rng.random() < 0.95 else rng.choice([0, -10, 5])
            if rng.random() < 0.1:
                m["order_type"] = OrderType.MARKET
                m["tif"] = rng.choice([Tif.IOC, Tif.FOK, Tif.GTC])
            else:
                m["order_type"] = rng.choice([OrderType.LIMIT] * 30 + [7])
                m["tif"] = rng.choice([Tif.GTC] * 6 + [Tif.DAY] * 2 + [Tif.IOC, Tif.FOK, 9])
                m["price"] = 10_000 + 5 * rng.randint(-6, 6) + (3 if rng.random() < 0.03 else 0)
                if rng.random() < 0.15:
                    m["display_qty"] = 10 * rng.randint(1, 5)
                if rng.random() < 0.1:
                    m["flags"] = rng.choice([POST_ONLY, POST_ONLY, 2])
        elif r < 0.72:
            m["action"] = Action.CANCEL
            m["order_id"] = rng.randint(1, max_id + 2)
        elif r < 0.82:
            m["action"] = Action.REDUCE
            m["order_id"] = rng.randint(1, max_id + 2)
            m["qty"] = 10 * rng.randint(0, 12)
        elif r < 0.96:
            m["action"] = Action.REPLACE
            m["order_id"] = rng.randint(1, max_id + 2)
            m["price"] = 10_000 + 5 * rng.randint(-6, 6)
            m["qty"] = 10 * rng.randint(1, 25)
        else:
            m["action"] = Action.MASS_CANCEL
            m["instrument"] = rng.choice([0, instruments - 1, ALL_INSTRUMENTS, instruments + 4])
    return out


def send_one_by_one(engine: Engine, batch: np.ndarray) -> None:
    """Sends each message of `batch` through the single-message methods."""
    for m in batch.tolist():
        ts, oid, coid, price, qty, display, inst, part, action, side, otype, tif, flags = m[:13]
        if action == Action.NEW:
            engine.submit(ts, part, inst, side, price, qty, otype, tif, flags, display, coid)
        elif action == Action.CANCEL:
            engine.cancel(ts, part, oid)
        elif action == Action.REDUCE:
            engine.reduce(ts, part, oid, qty)
        elif action == Action.REPLACE:
            engine.replace(ts, part, oid, price, qty)
        elif action == Action.MASS_CANCEL:
            engine.mass_cancel(ts, part, inst)
        else:
            raise AssertionError(f"no single-message method for action {action}")


def new_engine(instruments: int = 2, stp: dict[int, StpMode] | None = None) -> Engine:
    """An engine with `instruments` instruments (XYZ0, XYZ1, ...) specified as `XYZ_SPEC` and
    the given STP modes."""
    engine = Engine()
    for i in range(instruments):
        engine.add_instrument(f"XYZ{i}", **XYZ_SPEC)
    for participant, mode in (stp or {}).items():
        engine.set_stp_mode(participant, mode)
    return engine
