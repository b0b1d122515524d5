"""Bad messages through a real nats-server: each gets a reject naming the problem, and the
venue keeps serving."""

from __future__ import annotations

import asyncio
import struct

import nats_fixture
import pytest
from nats_fixture import NatsServer, client, running_gateway

from venue import orders
from venue.gateway.codec_binary import encode_requests

nats_server = nats_fixture.nats_server  # the fixture, used by its name

GOOD = {
    "type": "new",
    "client_order_id": 1,
    "symbol": "XYZ",
    "side": "buy",
    "price": 1000,
    "qty": 10,
}


def with_(**changes):
    doc = dict(GOOD)
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def binary(**columns) -> bytes:
    batch = orders(1)
    batch["client_order_id"] = 1
    batch["price"] = 1000
    batch["qty"] = 10
    for name, value in columns.items():
        batch[name] = value
    return encode_requests(batch)


def _json(doc) -> bytes:
    import json

    return json.dumps(doc).encode()


CASES = [
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe", "not valid JSON"),
    (b"42", "must be a JSON object or array"),
    (b"[]", "empty array"),
    (b"[1]", "must be a JSON object"),
    (_json(with_(type="buy")), "field 'type' must be one of"),
    (_json(with_(qty=1.5)), "field 'qty' must be an integer"),
    (_json(with_(qty="10")), "field 'qty' must be an integer"),
    (_json(with_(qty=True)), "field 'qty' must be an integer"),
    (_json(with_(qty=1 << 70)), "field 'qty' is"),
    (_json(with_(qty=None)), "field 'qty' is required"),
    (_json(with_(price=None, order_type="limit")), "field 'price' is required for a limit"),
    (_json(with_(side="up")), "field 'side' must be one of buy, sell"),
    (_json(with_(tif="forever")), "field 'tif' must be one of"),
    (_json(with_(symbol="NOPE")), "unknown symbol 'NOPE'"),
    (_json(with_(symbol=None)), "field 'symbol' (or 'instrument') is required"),
    (_json(with_(colour="red")), "unknown field 'colour'"),
    (_json(with_(client_order_id=0)), "field 'client_order_id' is 0"),
    (_json(with_(client_order_id=None)), "field 'client_order_id' is required"),
    (_json(with_(post_only="yes")), "field 'post_only' must be true or false"),
    (_json(with_(participant=99)), "belongs to participant 5"),
    (_json({"type": "cancel", "client_order_id": 2}), "exactly one of 'order_id'"),
    (
        _json({"type": "replace", "client_order_id": 2, "order_id": 1, "qty": 10}),
        "field 'price' is required",
    ),
    (b"VNO1", "shorter than its 8-byte header"),
    (b"VNO1" + struct.pack("<I", 2) + bytes(64), "header says 2 records"),
    (b"VNO1" + struct.pack("<I", 0), "header says 0 records"),
    (binary(client_order_id=0), "record 0: field 'client_order_id' must be > 0"),
    (binary(participant=6), "record 0: field 'participant' is 6"),
]


@pytest.mark.parametrize("payload,problem", CASES, ids=[c[1][:30] for c in CASES])
def test_a_bad_message_gets_a_reject_naming_the_problem(
    nats_server: NatsServer, payload: bytes, problem: str
) -> None:
    async def scenario():
        async with running_gateway(nats_server.url) as gw, client(nats_server.url, 5) as c:
            await c.send_raw(payload)
            (report,) = (await c.next_exec()).reports
            assert report["status"] == "invalid"
            assert problem in report["error"], report["error"]
            assert report["seq"] == 1
            assert gw.engine.live_orders() == 0
            # The venue is still serving.
            await c.send(with_(client_order_id=1000))
            (report,) = (await c.next_exec()).reports
            assert report["status"] == "ok"
            assert gw.engine.live_orders() == 1

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_a_storm_of_bad_messages_mixed_with_good_ones(nats_server: NatsServer) -> None:
    async def scenario():
        async with running_gateway(nats_server.url) as gw, client(nats_server.url, 5) as c:
            for k, (payload, _problem) in enumerate(CASES):
                await c.send_raw(payload)
                await c.send(with_(client_order_id=100 + k))
            invalid = ok = 0
            while invalid + ok < 2 * len(CASES):
                for r in (await c.next_exec()).reports:
                    invalid += r["status"] == "invalid"
                    ok += r["status"] == "ok"
            assert (invalid, ok) == (len(CASES), len(CASES))
            assert gw.engine.live_orders() == len(CASES)
            assert gw.stats.invalid == len(CASES)

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_a_message_on_a_subject_without_a_participant_is_dropped_and_counted(
    nats_server: NatsServer,
) -> None:

    async def scenario():
        async with running_gateway(nats_server.url) as gw, client(nats_server.url, 5) as c:
            await c.nc.publish("venue.orders.somebody", _json(GOOD))
            await c.send(GOOD)
            (report,) = (await c.next_exec()).reports
            assert report["status"] == "ok" and report["seq"] == 2
            assert gw.stats.unroutable == 1

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_a_partly_bad_array_executes_the_good_requests(nats_server: NatsServer) -> None:
    async def scenario():
        async with running_gateway(nats_server.url) as gw, client(nats_server.url, 5) as c:
            await c.send(
                [
                    with_(client_order_id=1),
                    with_(client_order_id=2, qty="x"),
                    with_(client_order_id=3),
                ]
            )
            reports = (await c.next_exec()).reports
            assert [(r["index"], r["client_order_id"], r["status"]) for r in reports] == [
                (0, 1, "ok"),
                (1, 2, "invalid"),
                (2, 3, "ok"),
            ]
            assert reports[1]["error"].startswith("request 1: field 'qty'")
            assert gw.engine.live_orders() == 2

    asyncio.run(asyncio.wait_for(scenario(), 30))
