"""Market data through a real nats-server: numbered trades and L3 feeds, BBO and depth, and
recovery from a snapshot after a gap."""

from __future__ import annotations

import asyncio
import json
import random

import nats_fixture
import pytest
from nats_fixture import NatsServer, client, running_gateway

from venue.gateway import BookReplica
from venue.gateway.client import GapError

nats_server = nats_fixture.nats_server  # the fixture, used by its name


def random_requests(seed: int, n: int, first_coid: int = 1) -> list[dict]:
    """Orders around 1000 (tick 5, lot 10) that rest, cross, refresh icebergs and cancel."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        coid = first_coid + i
        if i > 5 and rng.random() < 0.2:
            out.append(
                {
                    "type": "cancel",
                    "client_order_id": coid,
                    "orig_client_order_id": rng.randrange(first_coid, coid),
                }
            )
            continue
        doc = {
            "type": "new",
            "client_order_id": coid,
            "symbol": "XYZ",
            "side": rng.choice(["buy", "sell"]),
            "price": 1000 + 5 * rng.randint(-4, 4),
            "qty": 10 * rng.randint(1, 8),
        }
        if rng.random() < 0.15:
            doc["display_qty"] = 10
            doc["qty"] = 50
        out.append(doc)
    return out


class Feed:
    """Collects every market-data message by channel."""

    def __init__(self) -> None:
        self.by_channel: dict[str, list[dict]] = {"trades": [], "bbo": [], "depth": [], "l3": []}

    async def cb(self, msg) -> None:
        self.by_channel[msg.subject.rsplit(".", 1)[-1]].append(json.loads(msg.data))


async def settle(gw, count: int) -> None:
    """Waits until the venue has processed `count` journal entries."""
    for _ in range(500):
        if gw._processed >= count:
            return
        await asyncio.sleep(0.01)
    raise TimeoutError(f"venue processed {gw._processed} of {count}")


def book_of(gw) -> tuple[list, list]:
    l3 = gw.engine.l3(0)
    return (
        [(lv.price, [(q.order_id, q.displayed) for q in lv.queue]) for lv in l3.bids],
        [(lv.price, [(q.order_id, q.displayed) for q in lv.queue]) for lv in l3.asks],
    )


def test_feeds_are_numbered_without_gaps_and_rebuild_the_book(nats_server: NatsServer) -> None:
    async def scenario():
        async with (
            running_gateway(nats_server.url) as gw,
            client(nats_server.url, 1, listen=False) as a,
            client(nats_server.url, 2, listen=False) as b,
        ):
            feed = Feed()
            await a.nc.subscribe("venue.md.XYZ.*", cb=feed.cb)
            await a.nc.flush()
            replica = BookReplica(await a.snapshot("XYZ"))
            assert replica.seq == 0
            reqs = random_requests(1, 120)
            for k in range(0, 120, 10):
                sender = a if k % 20 else b
                await sender.send(reqs[k : k + 10])
            await settle(gw, 12)
            await a.nc.flush()
            await asyncio.sleep(0.1)
            for channel in ("trades", "l3"):
                msgs = feed.by_channel[channel]
                assert msgs, channel
                expect = 1
                for m in msgs:
                    assert m["first"] == expect
                    items = m[channel]
                    assert [it[0] for it in items] == list(range(m["first"], m["last"] + 1))
                    expect = m["last"] + 1
            assert gw.md.trade_seq[0] == sum(len(m["trades"]) for m in feed.by_channel["trades"])
            for m in feed.by_channel["l3"]:
                replica.apply(m)
            bids, asks = book_of(gw)
            assert replica.levels("buy") == bids
            assert replica.levels("sell") == asks
            # BBO and depth: the last of each shows the current state.
            bbo = feed.by_channel["bbo"][-1]
            bid_px, bid_qty, ask_px, ask_qty = gw.engine.bbo(0)
            assert bbo["bid"] == (None if bid_px is None else [bid_px, bid_qty])
            assert bbo["ask"] == (None if ask_px is None else [ask_px, ask_qty])
            assert bbo["seq"] == gw.md.l3_seq[0]
            depth = feed.by_channel["depth"][-1]
            assert depth["bids"] == [list(lv) for lv in gw.engine.depth(0, 0, 10)]
            assert depth["asks"] == [list(lv) for lv in gw.engine.depth(0, 1, 10)]
            # Trades carry the aggressor side and both order ids.
            trade = feed.by_channel["trades"][0]["trades"][0]
            assert trade[4] in ("buy", "sell") and trade[5] > 0 and trade[6] > trade[5]

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_a_consumer_that_misses_a_message_detects_it_and_recovers_from_a_snapshot(
    nats_server: NatsServer,
) -> None:

    async def scenario():
        async with (
            running_gateway(nats_server.url) as gw,
            client(nats_server.url, 1, listen=False) as c,
        ):
            reqs = random_requests(2, 60)
            await c.send(reqs[:20])
            await settle(gw, 1)
            replica = BookReplica(await c.snapshot("XYZ"))
            assert replica.seq == gw.md.l3_seq[0] > 0
            feed = Feed()
            await c.nc.subscribe("venue.md.XYZ.l3", cb=feed.cb)
            await c.nc.flush()
            await c.send(reqs[20:40])
            await settle(gw, 2)
            await c.send(reqs[40:])
            await settle(gw, 3)
            await asyncio.sleep(0.1)
            first, second = feed.by_channel["l3"]
            assert first["first"] == replica.seq + 1
            with pytest.raises(GapError, match="expected l3 item"):
                replica.apply(second)  # the first was lost
            replica = BookReplica(await c.snapshot("XYZ"))
            replica.apply(first)  # stale messages are skipped
            replica.apply(second)
            bids, asks = book_of(gw)
            assert (replica.levels("buy"), replica.levels("sell")) == (bids, asks)

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_snapshot_of_an_unknown_symbol_is_an_error_reply(nats_server: NatsServer) -> None:
    async def scenario():
        async with running_gateway(nats_server.url), client(nats_server.url, 1) as c:
            reply = await c.snapshot("NOPE")
            assert reply == {"error": "unknown symbol 'NOPE'"}

    asyncio.run(asyncio.wait_for(scenario(), 30))
