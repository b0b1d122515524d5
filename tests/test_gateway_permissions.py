"""With credentials, the server's permissions keep each participant to its own subjects
(the configuration from `venue.gateway.permissions`, on a real nats-server)."""

from __future__ import annotations

import asyncio
import json
import socket

import nats
import pytest
from nats_fixture import NatsServer, client, running_gateway

from venue.gateway.permissions import authorization_config, consumer_name, inbox_prefix

USERS = {7: ("p7", "secret7"), 8: ("p8", "secret8")}


@pytest.fixture
def secured_server(tmp_path) -> NatsServer:
    server = NatsServer(tmp_path, authorization_config(("venue", "venue-secret"), USERS))
    server.start()
    yield server
    server.stop()


def url_for(server: NatsServer, user: str, password: str) -> str:
    return f"nats://{user}:{password}@127.0.0.1:{server.port}"


NEW = {
    "type": "new",
    "client_order_id": 1,
    "symbol": "XYZ",
    "side": "buy",
    "price": 1000,
    "qty": 10,
}


def test_participants_are_confined_to_their_own_subjects(secured_server: NatsServer) -> None:
    async def scenario():
        venue_url = url_for(secured_server, "venue", "venue-secret")
        errors: list[str] = []

        async def on_error(err: Exception) -> None:
            errors.append(str(err).removeprefix("nats: ").lower())

        async with (
            running_gateway(venue_url) as gw,
            client(
                url_for(secured_server, *USERS[7]),
                7,
                listen=False,
                inbox_prefix=inbox_prefix(7),
                error_cb=on_error,
            ) as p7,
            client(
                url_for(secured_server, *USERS[8]),
                8,
                listen=False,
                inbox_prefix=inbox_prefix(8),
            ) as p8,
        ):
            # Allowed: its own orders, its own durable exec consumer, market data, snapshots.
            await p7.listen(durable=consumer_name(7))
            await p8.listen(durable=consumer_name(8))
            await p7.send(NEW)
            (report,) = (await p7.next_exec()).reports
            assert report["status"] == "ok"
            assert (await p7.snapshot("XYZ"))["bids"][0][0] == 1000

            # Denied: publishing on participant 8's order subject never reaches the venue.
            await p7.nc.publish("venue.orders.8", json.dumps(dict(NEW, client_order_id=2)).encode())
            await p7.nc.flush()
            await asyncio.sleep(0.2)
            assert 'permissions violation for publish to "venue.orders.8"' in errors
            assert gw.stats.messages == 1
            assert p8.inbox.empty()

            # Denied: reading participant 8's executions, the shared inbox, the journal.
            for subject in ("venue.exec.8", "_INBOX.>", "venue.orders.*"):
                await p7.nc.subscribe(subject)
                await p7.nc.flush()
            await asyncio.sleep(0.2)
            for subject in ("venue.exec.8", "_INBOX.>", "venue.orders.*"):
                assert f'permissions violation for subscription to "{subject.lower()}"' in errors
            # Denied: a JetStream consumer on participant 8's executions.
            js = p7.nc.jetstream(timeout=0.5)
            with pytest.raises(nats.errors.Error):
                await js.subscribe(
                    "venue.exec.8",
                    durable="p7",
                    stream="VENUE_EXEC",
                    config=nats.js.api.ConsumerConfig(name="p7", durable_name="p7"),
                )
            with pytest.raises(nats.errors.Error):
                await js.subscribe(
                    "venue.exec.8",
                    durable="p8",
                    stream="VENUE_EXEC",
                    config=nats.js.api.ConsumerConfig(name="p8", durable_name="p8"),
                )
            assert p8.inbox.empty()
            assert gw.engine.live_orders() == 1

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_a_wrong_password_is_refused(secured_server: NatsServer) -> None:
    # The raw protocol: CONNECT with a wrong password gets -ERR before anything else.
    with socket.create_connection(("127.0.0.1", secured_server.port), timeout=5) as sock:
        assert sock.recv(4096).startswith(b"INFO")
        connect = {"user": "p7", "pass": "wrong", "verbose": False, "pedantic": False}
        sock.sendall(b"CONNECT " + json.dumps(connect).encode() + b"\r\nPING\r\n")
        reply = sock.recv(4096)
        assert b"-ERR 'Authorization Violation'" in reply
