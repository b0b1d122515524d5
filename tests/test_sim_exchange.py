"""The exchange process with scripted agents: latency on both paths, batching of
simultaneous arrivals, queries, the client-order-id gateway, market hours, market data,
own-order events, SimPy generator agents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from agents.base import Agent, Fill
from venue.enums import EventKind, Reason, Side
from venue.scenario.schema import AgentGroup, InstrumentSpec, Market, Outputs, Scenario
from venue.sim.latency import Jitter, LatencyOverride, LatencySpec
from venue.sim.simulation import Simulation

OPEN = 34_200 * 10**9  # 09:30
CLOSE = OPEN + 600 * 10**9  # 09:40
US = 1_000


class Scripted(Agent):
    """Runs `params.script`: a list of (time, action(agent)) at the given times; records
    what it hears."""

    def on_start(self) -> None:
        self.books: list[tuple[int, Any]] = []
        self.quotes: list[tuple[int, Any]] = []
        self.trades_seen: list[tuple[int, Any]] = []
        self.depths: list[tuple[int, Any]] = []
        self.imbalances: list[tuple[int, Any]] = []
        self.log: list[tuple[int, Any]] = []
        for t, action in self.params.script:
            self.sim.kernel.call_at(t, self._step, action)  # type: ignore[union-attr]

    def _step(self, ev: Any) -> None:
        self._enter()
        ev.value(self)

    def on_book(self, book: Any) -> None:
        self.books.append((self.now, book))

    def on_quote(self, quote: Any) -> None:
        self.quotes.append((self.now, quote))

    def on_trades(self, trades: Any) -> None:
        self.trades_seen.append((self.now, trades))

    def on_depth(self, book: Any) -> None:
        self.depths.append((self.now, book))

    def on_imbalance(self, event: Any) -> None:
        self.imbalances.append((self.now, event))


class Eager(Scripted):
    """Hears each own fill as it arrives."""

    def on_fill(self, fill: Fill) -> None:
        self.log.append((self.now, fill))


def sim_of(
    scripts: list[list[tuple[int, Callable[[Any], None]]]],
    latency: LatencySpec | None = None,
    cls: type[Agent] = Scripted,
    instruments: tuple[InstrumentSpec, ...] = (InstrumentSpec("XYZ"),),
    engine: str = "rust",
) -> Simulation:
    groups = tuple(
        AgentGroup(f"a{i}", "scripted", cls, 1, 0, {"script": s}) for i, s in enumerate(scripts)
    )
    sc = Scenario(
        name="t",
        description="",
        seed=1,
        market=Market("2021-02-05", OPEN, CLOSE, OPEN - 60 * 10**9, 10**9),
        instruments=instruments,
        latency=latency or LatencySpec(),
        agents=groups,
        outputs=Outputs(depth_interval=0),
    )
    return Simulation(sc, engine=engine)


def events(sim: Simulation) -> np.ndarray:
    return sim.exchange.events()


def test_orders_arrive_after_compute_delay_and_order_entry_latency() -> None:
    lat = LatencySpec(order_entry=1_000 * US, market_data=3_000 * US, compute_delay=50)
    t0 = OPEN + 10**9
    seen: dict[str, Any] = {}

    def check(name: str) -> Callable[[Any], None]:
        return lambda a: seen.__setitem__(
            name, (a.positions[0], a.cash, {c: o.status for c, o in a.orders.items()})
        )

    sim = sim_of(
        [
            [(t0, lambda a: a.sell(0, 10, 100))],
            [
                (t0 + 2_000 * US, lambda a: a.buy(0, 4, 100)),
                # The buy reaches the exchange at +1 ms + 50 ns, the fill comes back 3 ms later.
                (t0 + 2_000 * US + 50 + 4_000 * US - 1, check("before")),
                (t0 + 2_000 * US + 50 + 4_000 * US, check("after")),
            ],
        ],
        latency=lat,
    )
    sim.run()
    ev = events(sim)
    buy = ev[(ev["participant"] == 2) & (ev["kind"] == EventKind.ACCEPTED)]
    assert buy["ts"].tolist() == [t0 + 2_000 * US + 50 + 1_000 * US]
    assert seen["before"][0] == 0 and seen["before"][2] == {1: "pending"}
    assert seen["after"][0] == 4 and seen["after"][1] == -400 and seen["after"][2] == {}
    seller = sim.agents[0]
    assert seller.positions == [-4] and seller.cash == 400 and seller.fills == 1


def test_simultaneous_arrivals_are_one_engine_batch_in_send_order() -> None:
    t0 = OPEN + 10**9
    sim = sim_of(
        [
            [(t0, lambda a: a.sell(0, 5, 101))],
            [(t0, lambda a: a.sell(0, 5, 102))],
            [(t0, lambda a: a.buy(0, 8, 102))],
        ],
        latency=LatencySpec(order_entry=700 * US),
    )
    before = sim.exchange.batches
    sim.run()
    ev = events(sim)
    assert sim.exchange.batches - before == 1 and sim.exchange.max_batch == 3
    accepted = ev[ev["kind"] == EventKind.ACCEPTED]
    assert accepted["participant"].tolist() == [1, 2, 3]
    assert set(accepted["ts"].tolist()) == {t0 + 700 * US}
    trades = ev[ev["kind"] == EventKind.TRADE]
    assert trades[["price", "qty", "maker_participant"]].tolist() == [(101, 5, 1), (102, 3, 2)]


def test_query_round_trip_sees_the_book_at_arrival() -> None:
    lat = LatencySpec(order_entry=2_000 * US, market_data=1_000 * US)
    t0 = OPEN + 10**9
    sim = sim_of(
        [
            [(t0, lambda a: a.query_book(0, depth=3))],
            # Sent 1 ms before the query, they arrive 1 ms before it; the one sent 1 ms after
            # the query arrives after it and is not in the reply.
            [
                (t0 - 1_000 * US, lambda a: a.sell(0, 7, 105)),
                (t0 - 1_000 * US, lambda a: a.buy(0, 3, 99)),
                (t0 + 1_000 * US, lambda a: a.buy(0, 3, 100)),
            ],
        ],
        latency=lat,
    )
    sim.run()
    [(t, book)] = sim.agents[0].books
    assert t == t0 + 3_000 * US
    assert book.ts == t0 + 2_000 * US
    assert (book.bid, book.bid_qty, book.ask, book.ask_qty) == (99, 3, 105, 7)
    assert book.asks == [(105, 7, 1)] and book.mid == 102 and book.spread == 6


def test_volume_lookback_in_queries() -> None:
    t0 = OPEN + 10**9
    s = 10**9
    sim = sim_of(
        [
            [(t0, lambda a: a.sell(0, 50, 100))],
            [(t0 + s, lambda a: a.buy(0, 10, 100)), (t0 + 5 * s, lambda a: a.buy(0, 15, 100))],
            [
                (t0 + 6 * s, lambda a: a.query_book(0, volume_lookback=2 * s)),
                (t0 + 7 * s, lambda a: a.query_book(0, volume_lookback=10 * s)),
            ],
        ]
    )
    sim.run()
    books = [b for _t, b in sim.agents[2].books]
    assert [(b.buy_volume, b.sell_volume) for b in books] == [(15, 0), (25, 0)]
    assert books[0].last_trade == 100


def test_cancel_replace_reduce_by_client_order_id() -> None:
    t0 = OPEN + 10**9
    coids: dict[str, int] = {}

    def place(a: Any) -> None:
        coids["a"] = a.buy(0, 10, 100)
        coids["b"] = a.buy(0, 10, 99)
        a.cancel(coids["a"])  # same instant as its NEW: the gateway runs the NEW first

    sim = sim_of(
        [
            [
                (t0, place),
                (t0 + 10**9, lambda a: a.reduce(coids["b"], 4)),
                (t0 + 2 * 10**9, lambda a: a.replace(coids["b"], 98, 6)),
                (t0 + 3 * 10**9, lambda a: a.cancel(12345)),  # not an order of ours
            ]
        ]
    )
    sim.run()
    ev = events(sim)
    kinds = [EventKind(k).name for k in ev["kind"]]
    assert kinds == [
        "ACCEPTED", "BOOK_ADD", "ACCEPTED", "BOOK_ADD", "CANCELLED", "BOOK_DELETE",
        "REPLACED", "BOOK_MODIFY", "REPLACED", "BOOK_DELETE", "BOOK_ADD", "REJECTED",
    ]  # fmt: skip
    rej = ev[ev["kind"] == EventKind.REJECTED][0]
    assert rej["reason"] == Reason.UNKNOWN_ORDER and rej["client_order_id"] == 12345
    a = sim.agents[0]
    assert (
        set(a.orders) == {coids["b"]}
        and a.orders[coids["b"]].price == 98
        and a.orders[coids["b"]].leaves == 6
    )
    assert a.rejects == 1


def test_mass_cancel_includes_orders_sent_just_before() -> None:
    t0 = OPEN + 10**9

    def burst(a: Any) -> None:
        for px in (95, 96, 97):
            a.buy(0, 1, px)
        a.cancel_all(0)

    sim = sim_of([[(t0, burst)]], latency=LatencySpec(order_entry=5 * US))
    sim.run()
    ev = events(sim)
    cancelled = ev[ev["kind"] == EventKind.CANCELLED]
    assert len(cancelled) == 3 and set(cancelled["reason"].tolist()) == {Reason.MASS_CANCEL}
    assert sim.engine.live_orders() == 0 and sim.agents[0].orders == {}


def test_orders_outside_market_hours_are_rejected_as_halted() -> None:
    sim = sim_of(
        [
            [
                (OPEN - 10**9, lambda a: a.buy(0, 1, 100)),
                (OPEN, lambda a: a.buy(0, 1, 100)),
                (CLOSE - 1, lambda a: a.buy(0, 1, 100)),
                (CLOSE, lambda a: a.buy(0, 1, 100)),
            ]
        ]
    )
    sim.run()
    ev = events(sim)
    news = ev[(ev["kind"] == EventKind.ACCEPTED) | (ev["kind"] == EventKind.REJECTED)]
    assert [EventKind(k).name for k in news["kind"]] == [
        "REJECTED",
        "ACCEPTED",
        "ACCEPTED",
        "REJECTED",
    ]
    assert set(news[news["kind"] == EventKind.REJECTED]["reason"].tolist()) == {
        Reason.INSTRUMENT_HALTED
    }


def test_market_data_subscriptions() -> None:
    lat = LatencySpec(market_data=500 * US)
    t0 = OPEN + 10**9
    s = 10**9
    sim = sim_of(
        [
            [
                (OPEN, lambda a: a.subscribe_bbo(0)),
                (OPEN, lambda a: a.subscribe_trades(0)),
                (OPEN, lambda a: a.subscribe_depth(0, depth=2, min_interval=2 * s)),
            ],
            [
                (t0, lambda a: a.sell(0, 10, 101)),
                (t0 + s, lambda a: a.buy(0, 10, 99)),
                (t0 + 2 * s, lambda a: a.sell(0, 5, 102)),
                (t0 + 3 * s, lambda a: a.buy(0, 4, 101)),
            ],
        ],
        latency=lat,
    )
    sim.run()
    sub = sim.agents[0]
    quotes = [(t, (q.bid, q.bid_qty, q.ask, q.ask_qty)) for t, q in sub.quotes]
    assert quotes == [
        (t0 + 500 * US, (None, 0, 101, 10)),
        (t0 + s + 500 * US, (99, 10, 101, 10)),
        (t0 + 3 * s + 500 * US, (99, 10, 101, 6)),
    ]  # the ask at 102 changed no best price: no quote
    assert [
        (t, [(tr.price, tr.qty, Side(tr.side).name) for tr in trs]) for t, trs in sub.trades_seen
    ] == [(t0 + 3 * s + 500 * US, [(101, 4, "BUY")])]
    # Depth: after a book change, at most one snapshot per 2 s.
    assert [t - 500 * US for t, _b in sub.depths] == [t0, t0 + 2 * s]
    assert sub.depths[1][1].asks == [(101, 10, 1), (102, 5, 1)]


def test_imbalance_events() -> None:
    t0 = OPEN + 10**9
    s = 10**9
    sim = sim_of(
        [
            [(OPEN, lambda a: a.subscribe_imbalance(0, threshold=0.8))],
            [
                (t0, lambda a: a.buy(0, 10, 99)),  # only bids: imbalance 1, bid side
                (t0 + s, lambda a: a.sell(0, 8, 101)),  # 10 vs 8: 0.2, finished
                (t0 + 2 * s, lambda a: a.sell(0, 100, 102)),  # 10 vs 108: ask side
            ],
        ]
    )
    sim.run()
    got = [(t, e.stage, e.side, round(e.imbalance, 3)) for t, e in sim.agents[0].imbalances]
    # As ABIDES, a "finish" carries the imbalance and heavier side at the time it ends.
    assert got == [
        (t0, "start", 0, 1.0),
        (t0 + s, "finish", 0, 0.2),
        (t0 + 2 * s, "start", 1, round(1 - 10 / 108, 3)),
    ]


def test_eager_agents_hear_each_fill_at_its_arrival() -> None:
    lat = LatencySpec(market_data=2_000 * US)
    t0 = OPEN + 10**9
    sim = sim_of(
        [
            [(t0, lambda a: a.sell(0, 10, 100))],
            [
                (t0 + 10**9, lambda a: a.buy(0, 3, 100)),
                (t0 + 2 * 10**9, lambda a: a.buy(0, 2, 100)),
            ],
        ],
        latency=lat,
        cls=Eager,
    )
    sim.run()
    maker = sim.agents[0]
    assert [(t, f.side, f.price, f.qty, f.maker) for t, f in maker.log] == [
        (t0 + 10**9 + 2_000 * US, Side.SELL, 100, 3, True),
        (t0 + 2 * 10**9 + 2_000 * US, Side.SELL, 100, 2, True),
    ]
    assert [f.maker for _t, f in sim.agents[1].log] == [False, False]


def test_jittered_paths_stay_fifo() -> None:
    lat = LatencySpec(
        order_entry=100 * US, market_data=100 * US, jitter=Jitter("exponential", mean=1_000_000.0)
    )
    t0 = OPEN + 10**9

    def many(a: Any) -> None:
        for i in range(200):
            a.buy(0, 1, 50 + i % 40)

    sim = sim_of([[(t0, many)]], latency=lat)
    sim.run()
    ev = events(sim)
    acc = ev[ev["kind"] == EventKind.ACCEPTED]
    assert acc["client_order_id"].tolist() == list(range(1, 201))  # sent order kept
    assert np.all(np.diff(acc["ts"]) >= 0)
    assert len(set(acc["ts"].tolist())) > 10  # jitter spread them out


def test_per_agent_latency_override() -> None:
    lat = LatencySpec(order_entry=5_000 * US, agents={"a1": LatencyOverride(order_entry=10 * US)})
    t0 = OPEN + 10**9
    sim = sim_of(
        [[(t0, lambda a: a.buy(0, 1, 90))], [(t0, lambda a: a.buy(0, 1, 91))]], latency=lat
    )
    sim.run()
    acc = events(sim)[events(sim)["kind"] == EventKind.ACCEPTED]
    assert acc[["participant", "ts"]].tolist() == [(2, t0 + 10 * US), (1, t0 + 5_000 * US)]


class Process(Agent):
    """An agent written as a SimPy generator."""

    def run(self):  # type: ignore[no-untyped-def]
        self.seen = []
        yield self.sleep(OPEN + 10**9 - self.now)
        self.buy(0, 5, 100)
        book = yield self.request_book(0)
        self.seen.append((self.now, book.bid, book.bid_qty))
        yield self.sleep(10**9)
        self.cancel_all()
        yield self.sleep(10**9)
        self.seen.append((self.now, len(self.orders)))


def test_agents_as_simpy_processes() -> None:
    lat = LatencySpec(order_entry=10 * US, market_data=20 * US)
    sim = sim_of([[]], latency=lat, cls=Process)
    sim.run()
    agent = sim.agents[0]
    t0 = OPEN + 10**9
    assert agent.seen == [(t0 + 30 * US, 100, 5), (t0 + 30 * US + 2 * 10**9, 0)]


def test_rust_engine_and_reference_model_agree_on_a_busy_script() -> None:
    t0 = OPEN + 10**9

    def trader(seed: int) -> list[tuple[int, Callable[[Any], None]]]:
        out = []
        for i in range(60):
            side = (i * seed) % 2
            px = 100 + (i * 7 + seed) % 9 - 4
            out.append((t0 + i * 10**7, (lambda a, s=side, p=px: a.submit(0, s, 5 + p % 3, p))))
            if i % 10 == 9:
                out.append((t0 + i * 10**7 + 1, lambda a: a.cancel_all(0)))
        return out

    scripts = [trader(3), trader(5), trader(7)]
    runs = []
    for engine in ("rust", "reference"):
        sim = sim_of(scripts, latency=LatencySpec(order_entry=US, market_data=US), engine=engine)
        sim.run()
        runs.append((events(sim), sim.engine.state_hash()))
    assert np.array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]
