"""A five-minute tour of venue: `python -m venue.demo` (or `make demo`).

One instrument, XYZ, priced in cents with a 5-cent tick and 10-share lots. Five participants
post a ladder (in one batch), then: a market order sweeps two levels, an iceberg refreshes,
self-trade prevention cancels an order, and an off-tick order is rejected with its reason.
The engine has no clock and no randomness, so the output is the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.console import Console
from rich.table import Table

from venue.dtypes import orders
from venue.engine import Engine, L3Level
from venue.enums import EventKind, OrderType, Reason, Side, StpMode, Tif

__all__ = ["PARTICIPANTS", "Step", "main", "run_scenario"]

PARTICIPANTS = {1: "alice", 2: "bob", 3: "carol", 4: "dave", 5: "erin"}
ALICE, BOB, CAROL, DAVE, ERIN = PARTICIPANTS


@dataclass(frozen=True)
class Step:
    """One step of the scenario: what was done and the events it produced."""

    title: str
    events: np.ndarray


def _ladder() -> np.ndarray:
    """The opening ladder as one batch of NEW limit orders (ORDER_DTYPE)."""
    rows = [
        # participant, side, price, qty, display_qty
        (ALICE, Side.SELL, 10_010, 100, 0),
        (BOB, Side.SELL, 10_015, 200, 0),
        (ALICE, Side.SELL, 10_020, 300, 0),
        (BOB, Side.BUY, 9_995, 100, 0),
        (DAVE, Side.BUY, 9_995, 300, 100),  # an iceberg: shows 100 of 300
        (ALICE, Side.BUY, 9_990, 200, 0),
    ]
    batch = orders(len(rows))
    for i, (participant, side, price, qty, display) in enumerate(rows):
        batch[i]["ts"] = 1_000 + i
        batch[i]["participant"] = participant
        batch[i]["client_order_id"] = i + 1
        batch[i]["side"] = side
        batch[i]["price"] = price
        batch[i]["qty"] = qty
        batch[i]["display_qty"] = display
    return batch


def run_scenario() -> tuple[Engine, list[Step]]:
    """Runs the demo scenario; returns the engine and each step's events."""
    eng = Engine()
    xyz = eng.add_instrument("XYZ", tick_size=5, lot_size=10, min_qty=10, max_qty=100_000)
    steps = [Step("The ladder: six limit orders in one batch", eng.process(_ladder()))]

    eng.buy(xyz, 150, participant=CAROL, ts=2_000, client_order_id=1)
    steps.append(Step("carol buys 150 at market: sweeps 100.10 and 100.15", eng.events()))

    eng.sell(xyz, 250, price=9_995, participant=ERIN, ts=3_000, tif=Tif.IOC, client_order_id=1)
    steps.append(Step("erin sells 250 IOC at 99.95: dave's iceberg refreshes", eng.events()))

    eng.set_stp_mode(BOB, StpMode.CANCEL_NEWEST)
    eng.buy(xyz, 50, price=10_015, participant=BOB, ts=4_000, client_order_id=9)
    steps.append(Step("bob (STP cancel newest) buys into his own ask", eng.events()))

    eng.buy(xyz, 10, price=10_012, participant=CAROL, ts=5_000, order_type=OrderType.LIMIT)
    steps.append(Step("carol bids 100.12: not a multiple of the 5-cent tick", eng.events()))
    return eng, steps


def _px(price: int) -> str:
    return f"{price // 100}.{price % 100:02d}"


def _who(participant: int) -> str:
    return PARTICIPANTS.get(participant, str(participant))


def _events_table(step: Step) -> Table:
    table = Table(title=step.title, title_justify="left", show_edge=False)
    for name in ("seq", "event", "order", "who", "side", "price", "qty", "leaves", "reason"):
        table.add_column(name, justify="left" if name in ("event", "who", "reason") else "right")
    for e in step.events:
        kind, reason = EventKind(int(e["kind"])), int(e["reason"])
        table.add_row(
            str(e["seq"]),
            kind.name,
            str(e["order_id"]),
            _who(int(e["participant"])),
            Side(int(e["side"])).name,
            _px(int(e["price"])) if e["price"] else "",
            str(e["qty"]),
            str(e["leaves"]),
            Reason(reason).name if reason else "",
            style="bold red" if kind == EventKind.REJECTED else None,
        )
    return table


def _trades_table(steps: list[Step]) -> Table:
    table = Table(title="Trades", title_justify="left")
    for name in ("seq", "taker", "side", "maker", "price", "qty"):
        table.add_column(name, justify="right" if name in ("seq", "price", "qty") else "left")
    for step in steps:
        for e in step.events[step.events["kind"] == EventKind.TRADE]:
            table.add_row(
                str(e["seq"]),
                f"{_who(int(e['participant']))} #{e['order_id']}",
                Side(int(e["side"])).name,
                f"{_who(int(e['maker_participant']))} #{e['maker_order_id']}",
                _px(int(e["price"])),
                str(e["qty"]),
            )
    return table


def _book_table(eng: Engine, symbol: str) -> Table:
    l3 = eng.l3(symbol)
    table = Table(title=f"{symbol} book (displayed qty; queue in priority order)")
    for name in ("bid queue", "bid qty", "bid", "ask", "ask qty", "ask queue"):
        table.add_column(name, justify="right" if "queue" not in name else "left")

    def queue(level: L3Level) -> str:
        return " ".join(
            f"{_who(q.participant)}:{q.displayed}"
            + (f"(+{q.leaves - q.displayed})" if q.leaves > q.displayed else "")
            for q in level.queue
        )

    for i in range(max(len(l3.bids), len(l3.asks))):
        bid = l3.bids[i] if i < len(l3.bids) else None
        ask = l3.asks[i] if i < len(l3.asks) else None
        table.add_row(
            queue(bid) if bid else "",
            str(bid.qty) if bid else "",
            _px(bid.price) if bid else "",
            _px(ask.price) if ask else "",
            str(ask.qty) if ask else "",
            queue(ask) if ask else "",
        )
    return table


def main(console: Console | None = None) -> None:
    """Runs the scenario and prints each step's events, the trades and the final book."""
    console = console or Console(width=100)
    eng, steps = run_scenario()
    console.print("[bold]venue demo[/bold]: XYZ, prices in dollars (engine units: cents)\n")
    for step in steps:
        console.print(_events_table(step))
        console.print()
    console.print(_trades_table(steps))
    console.print()
    console.print(_book_table(eng, "XYZ"))
    console.print(f"\nstate hash {eng.state_hash():#018x}, {eng.live_orders()} live orders")


if __name__ == "__main__":
    main()
