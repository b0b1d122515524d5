"""Risk controls from Python: the API (`venue.risk`), the scenario `risk` key, the `risk`
object of summary.json, the runaway scenario, and `venue bench --risk`."""

from __future__ import annotations

import pytest

from venue import Engine, _core
from venue.enums import EventKind, Reason
from venue.risk import (
    Collar,
    Controls,
    Limits,
    PriceBand,
    RiskConfig,
    RiskConfigError,
    configure,
    risk_summary,
)
from venue.scenario import ScenarioError, parse_scenario

pytestmark = pytest.mark.skipif(
    not hasattr(_core.Engine, "set_risk_limits"), reason="venue._core built without risk"
)


def _engine() -> Engine:
    eng = Engine()
    eng.add_instrument("XYZ", tick_size=1)
    return eng


def _reasons(eng: Engine) -> list[str]:
    ev = eng.events()
    return [Reason(int(r)).name for r in ev["reason"] if r >= 64]


def test_limits_reject_with_their_reason() -> None:
    eng = _engine()
    configure(
        eng,
        RiskConfig(
            limits={7: Limits(max_order_qty=100, max_order_notional=50_000)},
            instrument_limits={(8, "XYZ"): Limits(restricted=True)},
            collars={"XYZ": Collar(width=2, unit="ticks", reference="fixed", price=100)},
        ),
    )
    assert eng.buy("XYZ", 101, 100, participant=7, ts=1) == 0
    assert eng.buy("XYZ", 100, 501, participant=7, ts=2) == 0
    assert eng.buy("XYZ", 1, 103, participant=9, ts=3) == 0
    assert eng.buy("XYZ", 1, 100, participant=8, ts=4) == 0
    assert eng.buy("XYZ", 1, 102, participant=9, ts=5) != 0
    assert _reasons(eng) == [
        "RISK_MAX_ORDER_QTY",
        "RISK_MAX_ORDER_NOTIONAL",
        "RISK_PRICE_COLLAR",
        "RISK_RESTRICTED",
    ]


def test_kill_switch_and_summary() -> None:
    eng = _engine()
    configure(
        eng,
        RiskConfig(
            controls={None: Controls(max_breaches=2)}, limits={None: Limits(max_order_qty=5)}
        ),
    )
    eng.sell("XYZ", 5, 100, participant=1, ts=1)
    eng.buy("XYZ", 3, 100, participant=2, ts=2)  # trades: participant 2 long 3
    eng.buy("XYZ", 1, 90, participant=2, ts=3)  # rests
    eng.buy("XYZ", 6, 90, participant=2, ts=4)  # breach 1
    eng.buy("XYZ", 6, 90, participant=2, ts=5)  # breach 2: kill switch
    assert eng.is_killed(2)
    eng.events()
    assert eng.buy("XYZ", 1, 90, participant=2, ts=6) == 0
    assert _reasons(eng) == ["KILL_SWITCH"]
    s = risk_summary(eng, {2: "trader"})
    assert s["rejections"] == {"RISK_MAX_ORDER_QTY": 2, "KILL_SWITCH": 1}
    assert s["cancels"] == {"KILL_SWITCH": 1}
    assert s["kill_switch_trips"] == 1
    assert s["max_position"] == {"1": 3, "trader": 3}
    eng.reset_kill(2)
    assert eng.buy("XYZ", 1, 90, participant=2, ts=7) != 0


def test_band_pause_is_an_event() -> None:
    eng = _engine()
    configure(
        eng,
        RiskConfig(bands={"XYZ": PriceBand(2, 10, 100, unit="ticks", price=100)}),
    )
    eng.sell("XYZ", 1, 102, participant=1, ts=1)
    eng.sell("XYZ", 1, 103, participant=1, ts=1)
    eng.buy("XYZ", 2, 103, participant=2, ts=5)
    eng.advance_time(20)
    ev = eng.events()
    kinds = [EventKind(int(k)).name for k in ev["kind"]]
    assert "TRADING_STATE" in kinds
    st = ev[ev["kind"] == EventKind.TRADING_STATE][0]
    assert (int(st["qty"]), int(st["reason"]), int(st["leaves"])) == (1, Reason.PRICE_BAND, 120)
    assert eng.trading_state(0) == 1


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (RiskConfig(limits={7: Limits(max_position=-1)}), r"limits\[7\]\.max_position"),
        (RiskConfig(controls={7: Controls(throttle=(0, 5))}), r"controls\[7\]\.throttle"),
        (RiskConfig(collars={"XYZ": Collar(width=5, reference="fixed")}), r"price"),
        (RiskConfig(bands={"ABC": PriceBand(5, 1, 1, price=1)}), "unknown instrument 'ABC'"),
        (RiskConfig(bands={"XYZ": PriceBand(5, 1, 1, reference="mid")}), "cannot use 'mid'"),
        (RiskConfig(limits={-3: Limits()}), "participant"),
    ],
)
def test_bad_configuration_names_the_field(config: RiskConfig, message: str) -> None:
    eng = _engine()
    with pytest.raises(RiskConfigError, match=message):
        configure(eng, config)
    assert not eng.risk_enabled()  # validated entirely before anything is applied


_BASE = """
market: {date: 2021-02-05, open: "09:30:00", close: "09:31:00"}
instruments: [{symbol: XYZ, tick_size: 1}]
agents: [{name: noise, type: noise, count: 1, params: {symbol: XYZ}}]
"""


def test_scenario_risk_keys_are_validated() -> None:
    bad = (
        _BASE
        + """
risk:
  groups: {nobody: {max_position: 5}}
  instruments: {ABC: {band: {reference: fixed}}}
  halts: [{symbol: XYZ}]
"""
    )
    with pytest.raises(ScenarioError) as err:
        parse_scenario(bad)
    text = str(err.value)
    assert "unknown population 'nobody'" in text
    assert "unknown symbol 'ABC'" in text
    assert "a halt needs a time" in text
    with pytest.raises(ScenarioError, match="max_position"):
        parse_scenario(_BASE + "risk: {defaults: {max_position: -1}}\n")


def test_runaway_scenario_is_contained() -> None:
    from venue.runner import run

    res = run("scenarios/runaway_algo.yaml")
    r = res.summary["risk"]
    for reason in ("RISK_MAX_ORDER_QTY", "RISK_THROTTLE", "RISK_MAX_POSITION", "KILL_SWITCH"):
        assert r["rejections"].get(reason, 0) > 0, (reason, r)
    assert r["cancels"].get("PRICE_BAND", 0) > 0
    assert r["kill_switch_trips"] == 1
    assert r["halts"] >= 1
    assert 0 < r["max_position"]["runaway_0"] <= 2000


def test_bench_risk_reports_the_added_cost() -> None:
    from venue.bench.risk import measure_risk
    from venue.bench.run import _order_array
    from venue.bench.stream import generate_stream

    s = generate_stream(2_000, 3)
    order_bytes, _ = _core.stream_to_order_bytes(s.data)
    rep = measure_risk(_order_array(order_bytes), rounds=1)
    assert rep["agree"], rep["problems"]
    assert set(rep["ns_per_msg_median"]) == {"off", "on", "on_unique_ids"}
