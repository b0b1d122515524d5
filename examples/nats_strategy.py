"""An external strategy trading with the venue over NATS: signal -> NATS -> engine ->
execution report.

It uses only nats-py and the JSON protocol of docs/PROTOCOL.md (no venue import), as a
strategy in any language would. Start a NATS server with JetStream and the venue, then run
a market maker and a trend follower against it:

    nats-server -js &
    venue serve --nats nats://127.0.0.1:4222 &
    python examples/nats_strategy.py --participant 1 --role maker &
    python examples/nats_strategy.py --participant 2 --role taker

The maker keeps a bid and an ask around its fair value and replaces them when it is filled.
The taker turns a signal (a moving-average crossover of the traded price) into IOC orders
across the spread. Both print every execution report they receive; their durable JetStream
consumer (`p<participant>`) means a restarted strategy receives what it missed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
from collections import deque

import nats
from nats.js.api import ConsumerConfig


class Strategy:
    """One participant: its order and execution subjects, its client order ids, its state."""

    def __init__(self, nc, participant: int, symbol: str, verbose: bool = True) -> None:
        self.nc = nc
        self.participant = participant
        self.symbol = symbol
        self.verbose = verbose
        self.orders_subject = f"venue.orders.{participant}"
        self.ids = itertools.count(random.Random().randrange(1, 1 << 40) << 16)
        self.position = 0
        self.fills = 0
        self.reports = 0
        self.live: dict[str, int] = {}  # "bid"/"ask" -> client order id of the resting quote

    async def send(self, request: dict) -> int:
        """Publishes one request through JetStream (stored before the ack) and returns its
        client order id (the idempotency key: resending the same request is harmless)."""
        coid = next(self.ids)
        request = {"client_order_id": coid, **request}
        js = self.nc.jetstream()
        await js.publish(
            self.orders_subject,
            json.dumps(request).encode(),
            headers={"Nats-Msg-Id": f"{self.participant}:{coid}"},
        )
        return coid

    async def on_exec(self, msg) -> None:
        doc = json.loads(msg.data)
        for report in doc.get("reports", []):
            self.reports += 1
            if report["status"] != "ok":
                print(f"p{self.participant} {report['status']}: {report}")
                continue
            for e in report["events"]:
                if e["kind"] == "TRADE":
                    self.fills += 1
                    self.position += e["qty"] if e["side"] == "BUY" else -e["qty"]
                if self.verbose:
                    reason = f" {e['reason']}" if "reason" in e else ""
                    print(
                        f"p{self.participant} <- {e['kind']} order {e['order_id']} "
                        f"{e['side']} {e['qty']}@{e['price']}{reason}"
                    )
        for fill in doc.get("fills", []):
            self.fills += 1
            self.position += fill["qty"] if fill["side"] == "BUY" else -fill["qty"]
            if self.verbose:
                print(
                    f"p{self.participant} <- filled as maker: order {fill['order_id']} "
                    f"{fill['side']} {fill['qty']}@{fill['price']} (leaves {fill['leaves']})"
                )
        await msg.ack()

    async def listen(self) -> None:
        js = self.nc.jetstream()
        name = f"p{self.participant}"
        await js.subscribe(
            f"venue.exec.{self.participant}",
            durable=name,
            stream="VENUE_EXEC",
            config=ConsumerConfig(name=name, durable_name=name),
            cb=self.on_exec,
            manual_ack=True,
        )

    async def quote(self, fair: int, spread: int, qty: int) -> None:
        """Replaces the bid and the ask around `fair` (cancel by our own id, then new)."""
        for side, price in (("bid", fair - spread), ("ask", fair + spread)):
            old = self.live.pop(side, None)
            if old is not None:
                await self.send({"type": "cancel", "orig_client_order_id": old})
            self.live[side] = await self.send(
                {
                    "type": "new",
                    "symbol": self.symbol,
                    "side": "buy" if side == "bid" else "sell",
                    "price": price,
                    "qty": qty,
                }
            )


async def run(args: argparse.Namespace) -> Strategy:
    nc = await nats.connect(args.nats)
    s = Strategy(nc, args.participant, args.symbol, verbose=not args.quiet)
    await s.listen()
    trades = deque(maxlen=50)

    async def on_trades(msg) -> None:
        for _seq, _ts, price, _qty, _side, _maker, _taker in json.loads(msg.data)["trades"]:
            trades.append(price)

    await nc.subscribe(f"venue.md.{args.symbol}.trades", cb=on_trades)
    rng = random.Random(args.seed)
    fair = args.fair
    for _step in range(args.steps):
        if args.role == "maker":
            fair += rng.choice((-1, 0, 1))
            await s.quote(fair, spread=args.spread, qty=args.qty)
        else:
            # The signal: short vs long moving average of traded prices (a random draw
            # until there are trades), turned into an IOC order across the spread.
            if len(trades) >= 10:
                short = sum(list(trades)[-5:]) / 5
                long = sum(trades) / len(trades)
                signal = short - long
            else:
                signal = rng.uniform(-1, 1)
            side = "buy" if signal > 0 else "sell"
            limit = fair + 10 * args.spread if side == "buy" else fair - 10 * args.spread
            await s.send(
                {
                    "type": "new",
                    "symbol": args.symbol,
                    "side": side,
                    "price": limit,
                    "qty": args.qty,
                    "tif": "ioc",
                }
            )
        await asyncio.sleep(args.interval)
    await asyncio.sleep(1.0)  # the last reports
    if args.role == "maker":
        await s.send({"type": "mass_cancel", "symbol": args.symbol})
        await asyncio.sleep(0.5)
    print(f"p{s.participant} done: {s.reports} reports, {s.fills} fills, position {s.position}")
    await nc.drain()
    return s


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="An external strategy trading over NATS.")
    p.add_argument("--nats", default="nats://127.0.0.1:4222")
    p.add_argument("--participant", type=int, default=1)
    p.add_argument("--role", choices=("maker", "taker"), default="taker")
    p.add_argument("--symbol", default="XYZ")
    p.add_argument("--fair", type=int, default=1000, help="starting fair value (price units)")
    p.add_argument("--spread", type=int, default=2)
    p.add_argument("--qty", type=int, default=10)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--interval", type=float, default=0.1, help="seconds between decisions")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    asyncio.run(run(p.parse_args(argv)))


if __name__ == "__main__":
    main()
