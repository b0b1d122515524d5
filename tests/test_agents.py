"""The agents: their bookkeeping against an independent recomputation from the trades,
and each strategy's rule against its ABIDES definition."""

from __future__ import annotations

import math
import sys
import types
from typing import Any

import numpy as np
import pytest

from agents import AdaptiveMarketMaker, Agent, AvellanedaStoikov, MomentumAgent, OrderSizeModel
from venue.analytics.pnl import positions_from_trades
from venue.enums import EventKind
from venue.runner import build_tables
from venue.scenario import parse_scenario
from venue.scenario.types import REQUIRED, Field, Int, Record, Symbol
from venue.sim.rng import Rng
from venue.sim.simulation import Simulation

SMALL = """\
name: small
seed: 5
market: {open: "09:30:00", close: "09:50:00"}
instruments:
  - symbol: XYZ
    fundamental: {r_bar: 10000}
latency: {model: line, compute_delay: 50ns}
agents:
  - {name: noise, type: noise, count: 60, starting_cash: 1000000,
     params: {symbol: XYZ, wake_start: "09:30:00", wake_end: "09:50:00"}}
  - {name: value, type: value, count: 12, starting_cash: 1000000,
     params: {symbol: XYZ, r_bar: 10000, lambda_a: 2.0e-11}}
  - {name: momentum, type: momentum, count: 2, starting_cash: 1000000,
     params: {symbol: XYZ, wake_up_freq: 5s, short_window: 3, long_window: 6, order_size: abides}}
  - {name: mm, type: adaptive_market_maker, count: 1, starting_cash: 1000000,
     params: {symbol: XYZ, pov: 0.05, min_order_size: 5, window_size: adaptive, num_ticks: 5,
              wake_up_freq: 10s, level_spacing: 2, spread_alpha: 0.75, price_skew: 4}}
  - {name: as, type: avellaneda_stoikov, count: 1, starting_cash: 1000000,
     params: {symbol: XYZ, order_size: 20, wake_up_freq: 3s, max_inventory: 200}}
"""


def run_small(track_all: bool = False, text: str = SMALL) -> Simulation:
    sim = Simulation(parse_scenario(text, file="small.yaml"), track_all=track_all)
    sim.run()
    return sim


@pytest.fixture(scope="module")
def small() -> Simulation:
    return run_small()


# ---------------------------------------------------------------------------------------
# Bookkeeping
# ---------------------------------------------------------------------------------------


def test_every_agent_books_match_the_trades(small: Simulation) -> None:
    tables = build_tables(small)
    books = positions_from_trades(tables["trades"], n_instruments=1)
    assert tables["trades"].num_rows > 100
    for a in small.agents:
        cash_change, pos = books.get(a.agent_id, (0, [0]))
        assert a.cash - a.starting_cash == cash_change, a.name
        assert a.positions == pos, a.name
    ev = small.exchange.events()
    trades = ev[ev["kind"] == EventKind.TRADE]
    fills = np.bincount(trades["participant"], minlength=len(small.agents) + 1)
    fills += np.bincount(trades["maker_participant"], minlength=len(small.agents) + 1)
    assert [a.fills for a in small.agents] == fills[1:].tolist()


def test_settled_books_equal_tracked_books(small: Simulation) -> None:
    tracked = run_small(track_all=True)
    assert np.array_equal(small.exchange.events(), tracked.exchange.events())
    a = build_tables(small)["agents"]
    b = build_tables(tracked)["agents"]
    assert a.equals(b)
    assert any(not ag.tracks_orders for ag in small.agents)


def test_open_orders_are_the_live_orders(small: Simulation) -> None:
    live = small.exchange.live_orders()
    by_agent: dict[int, int] = {}
    for _inst, _side, _px, _oid, pid, _coid, _leaves in live:
        by_agent[pid] = by_agent.get(pid, 0) + 1
    for a in small.agents:
        assert sum(o.status == "open" for o in a.orders.values()) == by_agent.get(a.agent_id, 0), (
            a.name
        )


def test_average_cost_realised_pnl() -> None:
    a = Agent(1, "x_0", "x", 0, starting_cash=0)
    a.positions, a._cost = [0], [0.0]
    a._fill(0, 0, 100, 10)  # buy 10 @ 100
    a._fill(0, 0, 110, 10)  # buy 10 @ 110: average 105
    a._fill(0, 1, 120, 15)  # sell 15 @ 120: +15 * 15
    assert a.realized_pnl == pytest.approx(225.0)
    a._fill(0, 1, 100, 10)  # sell 10 @ 100: closes 5 at 105 (-25), then short 5 @ 100
    assert a.realized_pnl == pytest.approx(200.0)
    assert a.positions == [-5]
    a._fill(0, 0, 90, 5)  # buy back 5 @ 90: +50
    assert a.realized_pnl == pytest.approx(250.0) and a.positions == [0]
    assert a.cash == -1000 - 1100 + 1800 + 1000 - 450
    assert a.pnl([77]) == a.cash  # flat: the mark does not matter
    assert a.fills == 5 and a.volume == 50


# ---------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------


def test_noise_agents_trade_once_at_the_opposite_best(small: Simulation) -> None:
    ev = small.exchange.events()
    noise_ids = {a.agent_id for a in small.agents if a.type_name == "noise"}
    news = ev[(ev["kind"] == EventKind.ACCEPTED) & np.isin(ev["participant"], list(noise_ids))]
    per_agent = np.bincount(news["participant"], minlength=max(noise_ids) + 1)
    assert per_agent.max() == 1 and per_agent.sum() > 0
    assert all(a.orders_sent <= 1 for a in small.agents if a.type_name == "noise")
    # Each noise order is priced at the best opposite price the agent saw: it is marketable
    # against that quote, so it buys at a price >= the bid or sells <= the ask it saw.
    assert set(news["side"].tolist()) <= {0, 1}


def test_value_agent_estimate_is_abides_update() -> None:
    text = (
        SMALL.replace("count: 60", "count: 0")
        .replace("count: 2,", "count: 0,")
        .replace("count: 1,", "count: 0,")
    )
    sim = Simulation(parse_scenario(text, file="v.yaml"))
    agent = sim.agents[0]
    agent._enter()
    agent.on_start()
    # Drive the estimate at two times with the agent's noise switched off, against ABIDES'
    # formulas (plain floats; fine at these small deltas).
    agent.params.sigma_n = 0.0
    kappa, r_bar, sigma_s = agent.params.kappa, agent.params.r_bar, agent.params.sigma_s
    r_t, sigma_t, prev = float(r_bar), 0.0, sim.open_ns
    for t in (sim.open_ns + 5 * 10**9, sim.open_ns + 65 * 10**9):
        sim.kernel.env._now = t
        obs = sim.fundamentals[0].value_at(t)
        delta = t - prev
        r_tp = (1 - (1 - kappa) ** delta) * r_bar + ((1 - kappa) ** delta) * r_t
        sigma_tp = ((1 - kappa) ** (2 * delta)) * sigma_t + (
            (1 - (1 - kappa) ** (2 * delta)) / (1 - (1 - kappa) ** 2)
        ) * sigma_s
        r_t = (0 / (0 + sigma_tp)) * r_tp + (sigma_tp / (0 + sigma_tp)) * obs
        ahead = sim.close_ns - t
        expected = round((1 - (1 - kappa) ** ahead) * r_bar + ((1 - kappa) ** ahead) * r_t)
        assert agent.estimate() == pytest.approx(expected, abs=1)
        prev = t


class Quoter(Agent):
    """Keeps a deep two-sided quote at fixed prices."""

    PARAMS = Record(
        "quoter", [Field("bid", Int(min=1), REQUIRED), Field("ask", Int(min=1), REQUIRED)]
    )

    def on_start(self) -> None:
        self.wake_at(self.market_open)

    def on_wakeup(self) -> None:
        self.buy(0, 1_000_000, self.params.bid)
        self.sell(0, 1_000_000, self.params.ask)


@pytest.mark.parametrize(("fundamental", "side"), [(12_000, 0), (8_000, 1)])
def test_value_agents_trade_toward_the_fundamental(fundamental: int, side: int) -> None:
    module = types.ModuleType("quoter_for_test")
    module.Quoter = Quoter  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    try:
        text = f"""
market: {{open: "09:30:00", close: "09:45:00"}}
instruments: [{{symbol: XYZ, fundamental: {{model: constant, r_bar: {fundamental}}}}}]
agents:
  - {{name: q, type: "quoter_for_test:Quoter", count: 1, params: {{bid: 9990, ask: 10010}}}}
  - {{name: value, type: value, count: 20,
     params: {{symbol: XYZ, r_bar: 10000, lambda_a: 2.0e-11}}}}
"""
        sim = Simulation(parse_scenario(text, file="v.yaml"))
        sim.run()
    finally:
        del sys.modules[module.__name__]
    ev = sim.exchange.events()
    news = ev[(ev["kind"] == EventKind.ACCEPTED) & (ev["participant"] > 1)]
    # They observe the fundamental far from the quotes' mid (10000): every order goes its way,
    # at the far quote (crossing, 10% of the time at least) or inside the spread, never
    # beyond the quotes (the adjustment is at most twice the spread they saw).
    assert len(news) > 50
    assert set(news["side"].tolist()) == {side}
    prices = news["price"]
    assert prices.min() >= 9990 and prices.max() <= 10010
    assert (prices == (10010 if side == 0 else 9990)).mean() > 0.05
    trades = ev[(ev["kind"] == EventKind.TRADE) & (ev["maker_participant"] == 1)]
    assert len(trades) > 0 and set(trades["side"].tolist()) == {side}


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, int, int]] = []


def attached(cls: type, params: str, extra: str = "") -> Any:
    text = f"""
market: {{open: "09:30:00", close: "16:00:00"}}
instruments: [{{symbol: XYZ, fundamental: {{r_bar: 10000}}}}]
agents: [{{name: a, type: {cls.__module__}:{cls.__name__}, count: 1, params: {{{params}}}}}]
{extra}"""
    sim = Simulation(parse_scenario(text, file="one.yaml"))
    agent = sim.agents[0]
    agent._enter()
    agent.on_start()
    rec = Recorder()
    agent.buy = lambda inst, qty, price=None, **kw: rec.sent.append(("buy", qty, price))  # type: ignore[method-assign]
    agent.sell = lambda inst, qty, price=None, **kw: rec.sent.append(("sell", qty, price))  # type: ignore[method-assign]
    agent.rec = rec
    return agent


def test_momentum_crosses_in_the_direction_of_the_crossover() -> None:
    agent = attached(
        MomentumAgent, "symbol: XYZ, short_window: 3, long_window: 6, min_size: 7, max_size: 8"
    )
    for mid in range(100, 106):  # 6 observations: the long average needs more than 6
        agent.trade(mid - 1, mid + 1)
    assert agent.rec.sent == []
    agent.trade(106 - 1, 106 + 1)  # rising: short average >= long average: buy at the ask
    assert agent.rec.sent == [("buy", 7, 107)]
    for mid in (90, 80, 70):
        agent.trade(mid - 1, mid + 1)
    assert agent.rec.sent[-1] == ("sell", 7, 69)  # falling: sell at the bid
    assert agent.avg_short == pytest.approx(round((90 + 80 + 70) / 3, 2))


def test_adaptive_market_maker_ladder_is_abides_ladder() -> None:
    agent = attached(
        AdaptiveMarketMaker,
        "symbol: XYZ, pov: 0.1, min_order_size: 3, window_size: adaptive, num_ticks: 4, "
        "level_spacing: 2, spread_alpha: 0.5, price_skew: 4",
    )
    # ABIDES: spread EWMA from the initial 50, window = EWMA, level tick = round(spacing *
    # window), sizes = pov * volume, mid shifted by the trade imbalance times price_skew.
    agent._kernel.env._now = agent.market_open + 10**9
    from venue.sim.marketdata import BookView

    agent.wake_in = lambda _d: None  # type: ignore[method-assign]
    agent.on_book(BookView(0, 0, 10000, 5, 10004, 5, None, buy_volume=300, sell_volume=100))
    ewma = 0.5 * 4 + 0.5 * 50
    step = round(2 * ewma)
    mid = int(10002 + (2 * 300 / 400 - 1) * 4)
    highest_bid = mid - math.floor(0.5 * ewma)
    lowest_ask = mid + math.ceil(0.5 * ewma)
    bids = list(range(highest_bid - 3 * step, highest_bid + 1, step))
    asks = list(range(lowest_ask, lowest_ask + 4 * step, step))
    size = max(round(0.1 * 400), 3)
    assert agent.rec.sent == [("buy", size, p) for p in bids] + [("sell", size, p) for p in asks]


def test_avellaneda_stoikov_quotes() -> None:
    agent = attached(
        AvellanedaStoikov,
        "symbol: XYZ, gamma: 0.01, k: 1.5, sigma: 2.0, order_size: 10, max_distance: 0.5",
    )
    now = agent.market_open + 3_600 * 10**9
    agent._kernel.env._now = now
    tau = (agent.market_close - now) / 1e9
    for q in (0, 50, -50):
        r, spread = agent.quote(10_000.0, q)
        assert r == pytest.approx(10_000.0 - q * 0.01 * 4.0 * tau)
        assert spread == pytest.approx(0.01 * 4.0 * tau + (2 / 0.01) * math.log(1 + 0.01 / 1.5))
    # Quotes straddle the (inventory-shifted) reservation price, bid down and ask up.
    agent.wake_in = lambda _d: None  # type: ignore[method-assign]
    from venue.sim.marketdata import BookView

    agent.on_book(BookView(now, 0, 9_999, 5, 10_001, 5, None))
    (b_side, b_qty, bid), (a_side, a_qty, ask) = agent.rec.sent
    r, spread = agent.quote(10_000.0, 0)
    assert (b_side, a_side, b_qty, a_qty) == ("buy", "sell", 10, 10)
    assert bid == math.floor(r - spread / 2) and ask == math.ceil(r + spread / 2)


def test_abides_order_size_mixture() -> None:
    model = OrderSizeModel.abides()
    rng = Rng(8)
    sizes = np.array([model.sample(rng) for _ in range(40_000)])
    assert (sizes == 100).mean() == pytest.approx(0.70, abs=0.015)
    assert (sizes == 200).mean() == pytest.approx(0.06, abs=0.006)
    assert (sizes == 400).mean() == pytest.approx(0.0329, abs=0.005)  # ABIDES: 0.0329 at 400
    small = sizes[(sizes < 95)]  # the log-normal part, mostly
    assert np.median(small) == pytest.approx(math.exp(2.9), rel=0.15)
    assert sizes.min() >= 0


class Sniper(Agent):
    """A user's agent with its own validated parameters."""

    type_name = "sniper"
    PARAMS = Record("sniper", [Field("symbol", Symbol(), REQUIRED), Field("size", Int(min=1), 100)])

    def on_start(self) -> None:
        self.inst = self.instrument(self.params.symbol)
        self.wake_at(self.market_open + 10**9)

    def on_wakeup(self) -> None:
        self.buy(self.inst, self.params.size, 100)


def test_user_agents_from_their_own_module() -> None:
    module = types.ModuleType("user_strategies_for_test")
    module.Sniper = Sniper  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    try:
        text = """
market: {open: "09:30:00", close: "09:31:00"}
instruments: [{symbol: XYZ}]
agents:
  - {name: s, type: "user_strategies_for_test:Sniper", count: 3, params: {symbol: XYZ, size: 7}}
"""
        sim = Simulation(parse_scenario(text, file="u.yaml"))
        sim.run()
        assert [a.orders_sent for a in sim.agents] == [1, 1, 1]
        assert sum(o.leaves for a in sim.agents for o in a.orders.values()) == 21
        from venue.scenario import ScenarioError

        with pytest.raises(
            ScenarioError, match=r"agents\[0\]\.params\.size: expected an integer >= 1"
        ):
            parse_scenario(text.replace("size: 7", "size: 0"), file="u.yaml")
    finally:
        del sys.modules[module.__name__]
