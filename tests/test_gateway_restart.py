"""Exactly once through a real nats-server: redelivered requests, a restart of the venue
(clean, and in the middle of publishing a batch), a participant's consumer restarting, and
the `python -m venue.gateway` process killed and started again."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from collections import Counter

import nats_fixture
from nats_fixture import NatsServer, client, python_env, running_gateway

from venue.engine import Engine
from venue.gateway import Gateway, GatewayConfig, InstrumentSpec
from venue.gateway.jetstream import BATCH_HEADER, StreamNames, parse_batch_header

nats_server = nats_fixture.nats_server  # the fixture, used by its name

SPEC = [InstrumentSpec("XYZ", tick_size=5, lot_size=10, min_qty=10, max_qty=1_000_000)]
STREAMS = StreamNames.for_prefix("venue")


def new(coid: int, side: str, price: int, qty: int = 10) -> dict:
    return {
        "type": "new",
        "client_order_id": coid,
        "symbol": "XYZ",
        "side": side,
        "price": price,
        "qty": qty,
    }


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def exec_stream(nc) -> list[tuple[str, tuple[int, int, int] | None, bytes]]:
    """Every message of the exec stream: (subject, parsed batch header, data)."""
    js = nc.jetstream()
    info = await js.stream_info(STREAMS.exec)
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(STREAMS.exec, seq)
        out.append(
            (msg.subject, parse_batch_header((msg.headers or {}).get(BATCH_HEADER)), msg.data)
        )
    return out


async def wait_processed(gw, count: int) -> None:
    for _ in range(1000):
        if gw._processed >= count:
            return
        await asyncio.sleep(0.01)
    raise TimeoutError(f"venue processed {gw._processed} of {count}")


def test_a_redelivered_request_is_executed_once(nats_server: NatsServer) -> None:
    async def scenario():
        async with running_gateway(nats_server.url) as gw, client(nats_server.url, 3) as c:
            await c.send(new(1, "buy", 1000))
            await c.send(new(1, "buy", 1000))  # the same request again (a client retry)
            await c.send([new(2, "buy", 995), new(2, "buy", 995)])  # and within one message
            reports = []
            while len(reports) < 4:
                reports += (await c.next_exec()).reports
            assert [(r["status"], r["seq"]) for r in reports] == [
                ("ok", 1),
                ("duplicate", 2),
                ("ok", 3),
                ("duplicate", 3),
            ]
            assert reports[1]["original_seq"] == 1 and reports[3]["original_seq"] == 3
            assert gw.engine.live_orders() == 2
            # A client that publishes through JetStream with a message id is deduplicated by
            # the stream itself: the journal keeps one copy.
            js = c.nc.jetstream()
            payload = json.dumps(new(3, "buy", 990)).encode()
            for _ in range(2):
                await js.publish("venue.orders.3", payload, headers={"Nats-Msg-Id": "3:3"})
            (report,) = (await c.next_exec()).reports
            assert report["status"] == "ok" and report["seq"] == 4
            info = await js.stream_info(STREAMS.orders)
            assert info.state.messages == 4
            assert gw.stats.duplicates == 2

    run(scenario())


def test_a_restarted_venue_rebuilds_its_state_and_answers_nothing_twice(
    nats_server: NatsServer,
) -> None:
    async def scenario():
        async with client(nats_server.url, 1) as a, client(nats_server.url, 2) as b:
            async with running_gateway(nats_server.url, instruments=SPEC) as gw1:
                await a.send([new(1, "sell", 1010, 50), new(2, "sell", 1015, 30)])
                await b.send([new(1, "buy", 1010, 20), new(2, "buy", 990, 40)])
                await a.send(
                    {
                        "type": "replace",
                        "client_order_id": 3,
                        "orig_client_order_id": 2,
                        "price": 1020,
                        "qty": 30,
                    }
                )
                await wait_processed(gw1, 3)
                hash1 = gw1.engine.state_hash()
                next_id = gw1.engine.next_order_id()
                md_seq = (gw1.md.l3_seq[0], gw1.md.trade_seq[0])
            before = await exec_stream(a.nc)
            for c in (a, b):
                while not c.inbox.empty():
                    c.inbox.get_nowait()

            async with running_gateway(nats_server.url, instruments=SPEC) as gw2:
                assert gw2.engine.state_hash() == hash1
                assert gw2.engine.next_order_id() == next_id
                assert (gw2.md.l3_seq[0], gw2.md.trade_seq[0]) == md_seq
                assert gw2.stats.replayed == 3
                await asyncio.sleep(0.2)
                assert await exec_stream(a.nc) == before  # nothing published again
                assert a.inbox.empty() and b.inbox.empty()
                # The ledger came back too: an old id is a duplicate, the target of an old
                # client order id is known, and new orders get the next order id.
                await a.send(
                    [
                        new(1, "sell", 1010),
                        {"type": "cancel", "client_order_id": 4, "orig_client_order_id": 1},
                    ]
                )
                reports = (await a.next_exec()).reports
                assert [r["status"] for r in reports] == ["duplicate", "ok"]
                assert reports[1]["events"][0]["kind"] == "CANCELLED"
                await b.send(new(3, "buy", 985))
                (report,) = (await b.next_exec()).reports
                assert report["events"][0]["order_id"] == next_id

    run(scenario())


def test_a_venue_stopped_in_the_middle_of_a_batch_publishes_only_what_was_missing(
    nats_server: NatsServer,
) -> None:
    async def scenario():
        url = nats_server.url
        async with client(url, 1) as m1, client(url, 2) as m2, client(url, 3) as taker:
            gw1 = Gateway(GatewayConfig(nats_url=url, instruments=SPEC), Engine())
            await gw1.start()
            await gw1.wait_ready(10)
            await m1.send(new(1, "sell", 1000, 10))
            await m1.next_exec()
            await m2.send(new(1, "sell", 1005, 10))
            await m2.next_exec()
            # One request that fills both makers: three exec messages (taker, maker 1,
            # maker 2). The venue dies after publishing the first.
            gw1._fail_after_parts = 1
            await taker.send(new(1, "buy", 1005, 20))
            await wait_processed(gw1, 3)
            await gw1.stop()
            stored = await exec_stream(m1.nc)
            last = [h for _s, h, _d in stored if h and h[:2] == (3, 3)]
            assert [h[2] for h in last] == [0]
            hash1 = gw1.engine.state_hash()

            async with running_gateway(url, instruments=SPEC) as gw2:
                assert gw2.engine.state_hash() == hash1
                await asyncio.sleep(0.2)
                stored = await exec_stream(m1.nc)
            headers = [h for _s, h, _d in stored]
            assert len(headers) == len(set(headers)) == 5  # 2 acks + 3 parts, none twice
            parts = {h[2]: s for s, h, _d in stored if h[:2] == (3, 3)}
            assert sorted(parts) == [0, 1, 2]
            assert Counter(parts.values()) == Counter(
                ["venue.exec.1", "venue.exec.2", "venue.exec.3"]
            )
            got = Counter()
            for c in (m1, m2, taker):
                while not c.inbox.empty():
                    got[c.participant] += 1
                    c.inbox.get_nowait()
            assert got == Counter({1: 1, 2: 1, 3: 1})

    run(scenario())


def test_a_participants_durable_consumer_resumes_after_a_restart(
    nats_server: NatsServer,
) -> None:

    async def scenario():
        url = nats_server.url
        async with running_gateway(url, instruments=SPEC), client(url, 2) as taker:
            async with client(url, 1, listen=False) as maker:
                await maker.listen(durable="p1")
                await maker.send([new(i, "sell", 1000, 10) for i in range(1, 6)])
                (msg,) = [await maker.next_exec()]
                assert len(msg.reports) == 5
                await maker.nc.flush()
            # The maker is away while it is filled three times.
            for i in range(1, 4):
                await taker.send(new(i, "buy", 1000, 10))
                await taker.next_exec()
            async with client(url, 1, listen=False) as maker:
                await maker.listen(durable="p1")
                fills = []
                while len(fills) < 3:
                    fills += (await maker.next_exec()).fills
                assert [f["qty"] for f in fills] == [10, 10, 10]
                await asyncio.sleep(0.2)
                assert maker.inbox.empty()  # the acknowledged reports are not sent again

    run(scenario())


def test_the_venue_process_killed_and_started_again(nats_server: NatsServer, tmp_path) -> None:
    url = nats_server.url

    def start(name: str):
        with open(tmp_path / name, "wb") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "venue.gateway", "--nats", url],
                env=python_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def until_ready(c) -> None:
        for _ in range(500):  # the venue answers snapshots once it is live
            try:
                if "error" not in await c.snapshot("XYZ", timeout=0.2):
                    return
            except Exception:
                pass
            await asyncio.sleep(0.05)
        raise TimeoutError("the venue process did not come up")

    async def scenario():
        proc = start("first.log")
        try:
            async with client(url, 1) as maker, client(url, 2) as taker:
                await until_ready(maker)
                await maker.send([new(1, "sell", 1000, 50), new(2, "buy", 990, 10)])
                first = (await maker.next_exec(timeout=10)).reports
                assert [r["status"] for r in first] == ["ok", "ok"]
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
                await taker.send(new(1, "buy", 1000, 20))  # journaled while the venue is down
                await maker.send(new(1, "sell", 1000, 50))  # a retry of an executed request
                proc2 = start("second.log")
                try:
                    (report,) = (await taker.next_exec(timeout=20)).reports
                    assert [e["kind"] for e in report["events"]] == ["ACCEPTED", "TRADE"]
                    assert report["events"][1]["maker_order_id"] == 1
                    reports, fills = [], []
                    while not (reports and fills):
                        msg = await maker.next_exec(timeout=10)
                        reports += msg.reports
                        fills += msg.fills
                    assert [r["status"] for r in reports] == ["duplicate"]
                    assert [(f["order_id"], f["leaves"]) for f in fills] == [(1, 30)]
                    snap = await taker.snapshot("XYZ")
                    assert snap["asks"] == [[1000, [[1, 30]]]]
                    assert snap["bids"] == [[990, [[2, 10]]]]
                finally:
                    proc2.send_signal(signal.SIGINT)
                    proc2.wait(timeout=10)
                    out = (tmp_path / "second.log").read_text()
                    assert proc2.returncode == 0, out[-2000:]
                    assert "venue serve: stopped" in out
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    run(scenario())
