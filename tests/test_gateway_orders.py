"""Order entry through a real nats-server: JSON and binary requests, execution messages,
ownership, engine rejects as data."""

from __future__ import annotations

import asyncio

import nats_fixture
from nats_fixture import NatsServer, client, running_gateway

from venue import Action, EventKind, Side, orders
from venue.gateway.codec_binary import decode_events

nats_server = nats_fixture.nats_server  # the fixture, used by its name


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30))


def kinds(report):
    return [e["kind"] for e in report["events"]]


def test_json_order_trades_and_both_sides_hear_of_it(nats_server: NatsServer) -> None:
    async def scenario():
        async with (
            running_gateway(nats_server.url) as gw,
            client(nats_server.url, 1) as maker,
            client(nats_server.url, 2) as taker,
        ):
            await maker.send(
                {
                    "type": "new",
                    "client_order_id": 11,
                    "symbol": "XYZ",
                    "side": "sell",
                    "price": 1000,
                    "qty": 30,
                }
            )
            msg = await maker.next_exec()
            (report,) = msg.reports
            assert report["status"] == "ok" and report["type"] == "new"
            assert report["client_order_id"] == 11
            assert kinds(report) == ["ACCEPTED"]
            maker_oid = report["events"][0]["order_id"]

            await taker.send(
                {
                    "type": "new",
                    "client_order_id": 5,
                    "symbol": "XYZ",
                    "side": "BUY",
                    "price": 1005,
                    "qty": 20,
                    "tif": "ioc",
                }
            )
            (report,) = (await taker.next_exec()).reports
            assert kinds(report) == ["ACCEPTED", "TRADE"]
            trade = report["events"][1]
            assert (trade["price"], trade["qty"], trade["leaves"]) == (1000, 20, 0)
            assert trade["maker_order_id"] == maker_oid
            assert "maker_participant" not in trade  # the maker stays anonymous

            fill_msg = await maker.next_exec()
            assert fill_msg.reports == []
            (fill,) = fill_msg.fills
            assert fill["role"] == "maker" and fill["order_id"] == maker_oid
            assert (fill["side"], fill["price"], fill["qty"], fill["leaves"]) == (
                "SELL",
                1000,
                20,
                10,
            )
            assert "participant" not in fill and "client_order_id" not in fill
            assert gw.engine.bbo(0) == (None, 0, 1000, 10)

    run(scenario())


def test_engine_rejects_are_reported_with_their_reason(nats_server: NatsServer) -> None:
    async def scenario():
        async with running_gateway(nats_server.url), client(nats_server.url, 3) as c:
            await c.send(
                [
                    {
                        "type": "new",
                        "client_order_id": 1,
                        "symbol": "XYZ",
                        "side": "buy",
                        "price": 1003,
                        "qty": 10,
                    },
                    {
                        "type": "new",
                        "client_order_id": 2,
                        "symbol": "XYZ",
                        "side": "buy",
                        "price": 1000,
                        "qty": 15,
                    },
                ]
            )
            reports = (await c.next_exec()).reports
            assert [r["index"] for r in reports] == [0, 1]
            assert [r["events"][0]["reason"] for r in reports] == ["OFF_TICK", "OFF_LOT"]
            assert all(kinds(r) == ["REJECTED"] for r in reports)

    run(scenario())


def test_cancel_reduce_replace_and_mass_cancel_by_client_order_id(
    nats_server: NatsServer,
) -> None:
    async def scenario():
        async with running_gateway(nats_server.url) as gw, client(nats_server.url, 4) as c:
            # The cancel names an order sent in the same message, by its client order id.
            await c.send(
                [
                    {
                        "type": "new",
                        "client_order_id": 1,
                        "symbol": "XYZ",
                        "side": "buy",
                        "price": 990,
                        "qty": 50,
                    },
                    {
                        "type": "new",
                        "client_order_id": 2,
                        "symbol": "XYZ",
                        "side": "buy",
                        "price": 985,
                        "qty": 50,
                    },
                    {"type": "reduce", "client_order_id": 3, "orig_client_order_id": 1, "qty": 30},
                    {
                        "type": "replace",
                        "client_order_id": 4,
                        "orig_client_order_id": 2,
                        "price": 980,
                        "qty": 40,
                    },
                    {"type": "cancel", "client_order_id": 5, "orig_client_order_id": 1},
                ]
            )
            reports = (await c.next_exec()).reports
            assert [r["type"] for r in reports] == ["new", "new", "reduce", "replace", "cancel"]
            assert [kinds(r) for r in reports] == [
                ["ACCEPTED"],
                ["ACCEPTED"],
                ["REPLACED"],
                ["REPLACED"],
                ["CANCELLED"],
            ]
            first, second = (r["events"][0]["order_id"] for r in reports[:2])
            assert reports[2]["events"][0]["order_id"] == first
            assert reports[2]["events"][0]["qty"] == 30
            assert reports[3]["events"][0]["price"] == 980
            assert reports[4]["events"][0]["order_id"] == first
            assert reports[4]["events"][0]["reason"] == "USER_CANCEL"
            assert gw.engine.order(second)["price"] == 980

            await c.send({"type": "mass_cancel", "client_order_id": 6, "symbol": "XYZ"})
            (report,) = (await c.next_exec()).reports
            assert [(e["kind"], e["order_id"], e["reason"]) for e in report["events"]] == [
                ("CANCELLED", second, "MASS_CANCEL")
            ]
            await c.send({"type": "mass_cancel", "client_order_id": 7})  # nothing left
            (report,) = (await c.next_exec()).reports
            assert report["status"] == "ok" and report["events"] == []
            assert gw.engine.live_orders() == 0

    run(scenario())


def test_a_participant_cannot_act_on_another_participants_orders(
    nats_server: NatsServer,
) -> None:
    async def scenario():
        async with (
            running_gateway(nats_server.url) as gw,
            client(nats_server.url, 1) as owner,
            client(nats_server.url, 2) as other,
        ):
            await owner.send(
                {
                    "type": "new",
                    "client_order_id": 9,
                    "symbol": "XYZ",
                    "side": "sell",
                    "price": 1010,
                    "qty": 10,
                }
            )
            oid = (await owner.next_exec()).reports[0]["events"][0]["order_id"]
            await other.send(
                [
                    {"type": "cancel", "client_order_id": 1, "order_id": oid},
                    {
                        "type": "replace",
                        "client_order_id": 2,
                        "order_id": oid,
                        "price": 1015,
                        "qty": 10,
                    },
                    # The owner's client order id means nothing in another participant's space.
                    {"type": "cancel", "client_order_id": 3, "orig_client_order_id": 9},
                    {"type": "mass_cancel", "client_order_id": 4},
                    # Naming the owner in the message does not help either.
                    {"type": "cancel", "client_order_id": 5, "order_id": oid, "participant": 1},
                ]
            )
            reports = (await other.next_exec()).reports
            reasons = [r["events"][0]["reason"] if r["events"] else None for r in reports[:4]]
            assert reasons == ["NOT_OWNER", "NOT_OWNER", "UNKNOWN_ORDER", None]
            assert reports[4]["status"] == "invalid"
            assert "participant" in reports[4]["error"]
            assert gw.engine.order(oid)["leaves"] == 10
            assert owner.inbox.empty()

    run(scenario())


def test_binary_requests_get_binary_events(nats_server: NatsServer) -> None:
    async def scenario():
        async with (
            running_gateway(nats_server.url) as gw,
            client(nats_server.url, 7) as fast,
            client(nats_server.url, 8) as slow,
        ):
            await slow.send(
                {
                    "type": "new",
                    "client_order_id": 1,
                    "symbol": "XYZ",
                    "side": "buy",
                    "price": 995,
                    "qty": 100,
                }
            )
            maker_oid = (await slow.next_exec()).reports[0]["events"][0]["order_id"]

            batch = orders(3)
            batch["action"] = [Action.NEW, Action.NEW, Action.CANCEL]
            batch["client_order_id"] = [1, 2, 3]
            batch["side"] = [Side.SELL, Side.SELL, 0]
            batch["price"] = [995, 1100, 0]
            batch["qty"] = [30, 10, 0]
            batch["ts"] = 123  # ignored: the venue stamps each request
            await fast.send_binary(batch)
            msg = await fast.next_exec()
            ev = msg.events
            assert ev is not None and msg.json is None
            assert [EventKind(k).name for k in ev["kind"]] == [
                "ACCEPTED",
                "TRADE",
                "ACCEPTED",
                "REJECTED",
            ]
            assert (ev["seq"][1:] > ev["seq"][:-1]).all()
            assert ev["ts"][0] != 123
            trade = ev[1]
            assert (trade["price"], trade["qty"], trade["maker_order_id"]) == (995, 30, maker_oid)
            assert trade["maker_participant"] == 0  # anonymous
            assert ev["reason"][3] == 13  # cancel of order id 0: UNKNOWN_ORDER
            assert ev["client_order_id"][3] == 3  # the reject echoes the request's id
            assert (ev["participant"] == 7).all()

            (fill,) = (await slow.next_exec()).fills
            assert (fill["order_id"], fill["qty"], fill["leaves"]) == (maker_oid, 30, 70)

            # A binary cancel of the resting order, by order id.
            resting = int(ev["order_id"][2])
            cancel = orders(1)
            cancel["action"] = Action.CANCEL
            cancel["client_order_id"] = 4
            cancel["order_id"] = resting
            await fast.send_binary(cancel)
            ev = (await fast.next_exec()).events
            assert [EventKind(k).name for k in ev["kind"]] == ["CANCELLED"]
            assert gw.engine.order(resting) is None

    run(scenario())


def test_a_binary_maker_gets_its_fills_in_binary_without_the_takers_identity(
    nats_server: NatsServer,
) -> None:
    async def scenario():
        async with (
            running_gateway(nats_server.url),
            client(nats_server.url, 7) as fast,
            client(nats_server.url, 8) as taker,
        ):
            rest = orders(1)
            rest["client_order_id"] = 1
            rest["side"] = Side.BUY
            rest["price"] = 1000
            rest["qty"] = 40
            await fast.send_binary(rest)
            (acc, add_oid) = (await fast.next_exec()).events, None
            add_oid = int(acc["order_id"][0])
            await taker.send(
                {"type": "new", "client_order_id": 77, "symbol": "XYZ", "side": "sell", "qty": 10}
            )
            await taker.next_exec()
            raw = (await fast.next_exec()).raw
            (fill,) = decode_events(raw)
            assert fill["kind"] == EventKind.TRADE
            assert (fill["maker_order_id"], fill["maker_participant"], fill["qty"]) == (
                add_oid,
                7,
                10,
            )
            assert (fill["order_id"], fill["client_order_id"], fill["participant"]) == (0, 0, 0)

    run(scenario())


def test_many_participants_in_one_batch_each_get_only_their_own_reports(
    nats_server: NatsServer,
) -> None:

    async def scenario():
        async with running_gateway(nats_server.url) as gw:
            clients = []
            for p in range(10, 16):
                cm = client(nats_server.url, p)
                clients.append((cm, await cm.__aenter__()))
            try:
                for k, (_, c) in enumerate(clients):
                    await c.send(
                        [
                            {
                                "type": "new",
                                "client_order_id": i + 1,
                                "symbol": "XYZ",
                                "side": "buy" if k % 2 else "sell",
                                "price": 1000,
                                "qty": 10,
                            }
                            for i in range(5)
                        ]
                    )
                got: dict[int, list[dict]] = {}
                for _, c in clients:
                    reports: list[dict] = []
                    while len(reports) < 5:
                        reports += (await c.next_exec()).reports
                    got[c.participant] = reports
                for p, reports in got.items():
                    assert [r["client_order_id"] for r in reports] == [1, 2, 3, 4, 5]
                    for r in reports:
                        assert {e["client_order_id"] for e in r["events"]} == {r["client_order_id"]}
                        for e in r["events"]:
                            oid = e["order_id"]
                            assert oid == 0 or gw.ledger.order_id(p, r["client_order_id"]) == oid
                assert gw.stats.invalid == 0
            finally:
                for cm, _ in clients:
                    await cm.__aexit__(None, None, None)

    run(scenario())
