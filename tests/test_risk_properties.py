"""Risk controls on random order flow (hypothesis): no participant's position ever passes its
limit, no trade prints outside the price band, a throttled participant never exceeds its rate,
and the Rust engine agrees event for event with the reference model when risk is on."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from venue import _core
from venue.dtypes import ORDER_DTYPE
from venue.enums import Action, EventKind, OrderType, Reason, Side, Tif

pytestmark = pytest.mark.skipif(
    not hasattr(_core.Engine, "set_risk_limits"), reason="venue._core built without risk"
)

NO = 2**63 - 1
N_PART = 4

# One message: (dt, participant, kind, side, price offset, qty, tif pick, target pick)
msg_st = st.tuples(
    st.integers(0, 4_000),
    st.integers(1, N_PART),
    st.sampled_from(["limit", "limit", "limit", "market", "replace", "cancel"]),
    st.sampled_from([Side.BUY, Side.SELL]),
    st.integers(-15, 15),
    st.integers(1, 12),
    st.integers(0, 3),
    st.integers(0, 10**6),
)

config_st = st.fixed_dictionaries(
    {
        "max_position": st.integers(1, 40),
        "rate": st.integers(1, 2_000),
        "burst": st.integers(1, 6),
        "band_ticks": st.integers(0, 8),
        "limit_ns": st.integers(0, 60_000),
        "pause_ns": st.integers(1, 60_000),
    }
)


def _orders(msgs: list[tuple], accepted: list[int]) -> np.ndarray:
    out = np.zeros(len(msgs), dtype=ORDER_DTYPE)
    ts = 0
    for i, (dt, p, kind, side, off, qty, tif, pick) in enumerate(msgs):
        ts += dt
        r = out[i]
        r["ts"], r["participant"], r["instrument"] = ts, p, 0
        r["client_order_id"] = i + 1
        if kind in ("limit", "market"):
            r["action"], r["side"], r["qty"] = Action.NEW, side, qty
            if kind == "limit":
                r["order_type"], r["price"] = OrderType.LIMIT, 100 + off
                r["tif"] = (Tif.GTC, Tif.DAY, Tif.IOC, Tif.FOK)[tif]
            else:
                r["order_type"], r["tif"] = OrderType.MARKET, (Tif.IOC, Tif.FOK)[tif % 2]
        else:
            r["action"] = Action.REPLACE if kind == "replace" else Action.CANCEL
            r["order_id"] = pick % (i + 1) + 1
            r["price"], r["qty"] = 100 + off, qty
    return out


def _engine(cfg: dict, make=_core.Engine):
    eng = make()
    eng.add_instrument(1, 1, 1, 1_000_000)
    eng.set_risk_limits(-1, -1, NO, NO, cfg["max_position"], NO, False)
    eng.set_risk_controls(1, cfg["rate"], cfg["burst"], False, NO, NO)
    eng.set_price_band(0, 2, 100, 0, cfg["band_ticks"], cfg["limit_ns"], cfg["pause_ns"])
    return eng


def _events(eng) -> np.ndarray:
    from venue.dtypes import EVENT_DTYPE

    return np.frombuffer(eng.take_events(), dtype=EVENT_DTYPE)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=config_st, msgs=st.lists(msg_st, min_size=1, max_size=250))
def test_positions_band_and_throttle_hold_on_random_flow(cfg: dict, msgs: list[tuple]) -> None:
    eng = _engine(cfg)
    orders = _orders(msgs, [])
    limit = cfg["max_position"]
    positions = {p: 0 for p in range(1, N_PART + 1)}
    accepted_ts: list[int] = []
    for rec in orders:
        eng.process_buffer(rec.reshape(1))
        band = eng.price_band(0)
        for e in _events(eng):
            if e["kind"] == EventKind.TRADE:
                lo, hi = band
                assert lo <= e["price"] <= hi, f"trade at {e['price']} outside [{lo}, {hi}]"
                q = int(e["qty"])
                taker_buy = e["side"] == Side.BUY
                positions[int(e["participant"])] += q if taker_buy else -q
                positions[int(e["maker_participant"])] += -q if taker_buy else q
            accepted = e["kind"] == EventKind.ACCEPTED or (
                e["kind"] == EventKind.REPLACED and rec["action"] == Action.REPLACE
            )
            if accepted and e["participant"] == 1:
                accepted_ts.append(int(e["ts"]))
        for p, pos in positions.items():
            assert abs(pos) <= limit, f"participant {p} at {pos}, limit {limit}"
            assert eng.risk_position(p, 0)[0] == pos
    rate, burst = cfg["rate"], cfg["burst"]
    for i, t0 in enumerate(accepted_ts):
        for j in range(i, len(accepted_ts)):
            n = j - i + 1
            assert n * 10**9 <= burst * 10**9 + rate * (accepted_ts[j] - t0), (
                f"{n} accepted in [{t0}, {accepted_ts[j]}] at rate {rate}, burst {burst}"
            )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=config_st, msgs=st.lists(msg_st, min_size=1, max_size=150))
def test_engine_and_reference_agree_with_risk_on(cfg: dict, msgs: list[tuple]) -> None:
    ref_mod = pytest.importorskip("venue.testing.reference")
    if not hasattr(ref_mod.ReferenceEngine, "set_risk_limits"):
        pytest.skip("reference model without risk controls")
    orders = _orders(msgs, [])
    rust = _engine(cfg)
    ref = _engine(cfg, ref_mod.ReferenceEngine)
    for i in range(0, len(orders), 7):
        chunk = orders[i : i + 7]
        rust.process_buffer(chunk)
        ref.process_buffer(chunk.tobytes())
        assert rust.take_events() == ref.take_events()
        if i % 21 == 0:
            ts = int(chunk["ts"][-1]) + 1
            rust.advance_time(ts)
            ref.advance_time(ts)
    assert rust.state_hash() == ref.state_hash()
    assert dict(rust.risk_stats()) == dict(ref.risk_stats())


def test_the_properties_are_not_vacuous() -> None:
    """A fixed flow that makes every control act, so the properties above are exercised."""
    cfg = {
        "max_position": 5,
        "rate": 10,
        "burst": 2,
        "band_ticks": 3,
        "limit_ns": 0,
        "pause_ns": 10,
    }
    msgs = [(1, 2, "limit", Side.SELL, k, 1, 0, 0) for k in range(0, 6)]  # 6th: position
    msgs += [(1, 4, "limit", Side.SELL, k, 1, 0, 0) for k in range(5, 8)]
    msgs += [(1, 1, "limit", Side.BUY, -10, 1, 0, 0) for _ in range(3)]  # 3rd: throttle
    msgs += [(1, 3, "limit", Side.BUY, 6, 5, 0, 0)]  # trades to 103, stopped at the band
    eng = _engine(cfg)
    eng.process_buffer(_orders(msgs, []))
    ev = _events(eng)
    reasons = [Reason(int(r)).name for r in ev["reason"] if r >= 64]
    assert reasons == ["RISK_MAX_POSITION", "RISK_THROTTLE", "PRICE_BAND"]
    trades = ev[ev["kind"] == EventKind.TRADE]
    assert trades["price"].tolist() == [100, 101, 102, 103]
