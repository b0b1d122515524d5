"""A small Python client of the venue (what `examples/` and the tests use): send requests,
receive execution messages, keep an L3 book from the market-data feed.

Any language can do the same with its NATS client and docs/PROTOCOL.md; this is a
convenience, not part of the protocol.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import numpy as np

from venue.gateway import codec_binary
from venue.gateway.codec_json import dumps
from venue.gateway.jetstream import StreamNames
from venue.gateway.subjects import Subjects

__all__ = ["BookReplica", "ExecMessage", "GapError", "VenueClient", "decode_exec"]


class ExecMessage:
    """One execution message: `json` (the decoded JSON document) or `events` (binary
    `EVENT_DTYPE` records), and the journal range header."""

    def __init__(self, data: bytes, headers: dict[str, str] | None) -> None:
        self.raw = data
        self.headers = headers or {}
        self.json: dict[str, Any] | None = None
        self.events: np.ndarray | None = None
        if codec_binary.is_binary(data):
            self.events = codec_binary.decode_events(data)
        else:
            import json

            self.json = json.loads(data)

    @property
    def reports(self) -> list[dict[str, Any]]:
        """The JSON reports (empty for a binary message)."""
        return list(self.json["reports"]) if self.json else []

    @property
    def fills(self) -> list[dict[str, Any]]:
        """The JSON maker fills (empty for a binary message)."""
        return list(self.json["fills"]) if self.json else []


def decode_exec(data: bytes, headers: dict[str, str] | None = None) -> ExecMessage:
    """Decodes one message of `venue.exec.<participant>`."""
    return ExecMessage(data, headers)


class VenueClient:
    """A participant's connection: `send` JSON requests, `send_binary` records, and execution
    messages collected in `inbox` (an asyncio.Queue of `ExecMessage`) once `listen` ran."""

    def __init__(self, nc: Any, participant: int, prefix: str = "venue") -> None:
        self.nc = nc
        self.participant = participant
        self.subjects = Subjects(prefix)
        self.inbox: asyncio.Queue[ExecMessage] = asyncio.Queue()
        self._sub: Any = None

    @classmethod
    async def connect(
        cls, url: str, participant: int, prefix: str = "venue", **options: Any
    ) -> VenueClient:
        """Connects to NATS as `participant`; `options` go to `nats.connect`."""
        import nats

        return cls(await nats.connect(url, **options), participant, prefix)

    async def listen(self, durable: str | None = None) -> None:
        """Starts receiving this participant's execution messages into `inbox`.

        Without `durable`, a plain subscription (only what is published from now on). With a
        durable consumer name, a JetStream consumer on the exec stream: after a restart it
        resumes after the last message this consumer acknowledged."""

        async def on_msg(msg: Any) -> None:
            await self.inbox.put(ExecMessage(msg.data, msg.headers))
            if durable is not None:
                await msg.ack()

        subject = self.subjects.exec(self.participant)
        if durable is None:
            self._sub = await self.nc.subscribe(subject, cb=on_msg)
        else:
            from nats.js.api import ConsumerConfig

            js = self.nc.jetstream()
            # `name` makes the create request carry the filter subject, which the server's
            # permissions check (venue.gateway.permissions).
            self._sub = await js.subscribe(
                subject,
                durable=durable,
                stream=StreamNames.for_prefix(self.subjects.prefix).exec,
                config=ConsumerConfig(name=durable, durable_name=durable),
                cb=on_msg,
                manual_ack=True,
            )

    async def send(self, requests: dict[str, Any] | list[dict[str, Any]]) -> None:
        """Publishes one JSON request (or an array of them)."""
        await self.nc.publish(self.subjects.orders(self.participant), dumps(requests))

    async def send_raw(self, payload: bytes) -> None:
        """Publishes bytes as they are (for tests of malformed input)."""
        await self.nc.publish(self.subjects.orders(self.participant), payload)

    async def send_binary(self, records: np.ndarray) -> None:
        """Publishes `ORDER_DTYPE` records as one binary message."""
        await self.send_raw(codec_binary.encode_requests(records))

    async def next_exec(self, timeout: float = 5.0) -> ExecMessage:
        """The next execution message (TimeoutError after `timeout` s)."""
        return await asyncio.wait_for(self.inbox.get(), timeout)

    async def snapshot(self, symbol: str, timeout: float = 5.0) -> dict[str, Any]:
        """The venue's L3 snapshot of a symbol (request-reply)."""
        import json

        msg = await self.nc.request(self.subjects.snapshot(symbol), b"", timeout=timeout)
        return json.loads(msg.data)

    async def close(self) -> None:
        """Drains and closes the connection."""
        await self.nc.drain()


class GapError(Exception):
    """An L3 message did not follow the last one applied: recover from a snapshot."""


class BookReplica:
    """An L3 book rebuilt from a snapshot and the `l3` feed (docs/PROTOCOL.md, "Recovering
    from a gap").

    >>> book = BookReplica({"symbol": "XYZ", "seq": 2, "trade_seq": 0,
    ...                     "bids": [[99, [[1, 10]]]], "asks": [[101, [[2, 5]]]]})
    >>> book.apply({"first": 3, "last": 3, "l3": [[3, 0, "add", 3, "buy", 99, 4]]})
    >>> book.levels("buy")
    [(99, [(1, 10), (3, 4)])]
    """

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.symbol = snapshot["symbol"]
        self.seq = int(snapshot["seq"])
        self._sides: dict[str, dict[int, dict[int, int]]] = {"buy": {}, "sell": {}}
        self._where: dict[int, tuple[str, int]] = {}
        for side, levels in (("buy", snapshot["bids"]), ("sell", snapshot["asks"])):
            for price, queue in levels:
                for oid, displayed in queue:
                    self._add(side, price, oid, displayed)

    def _add(self, side: str, price: int, oid: int, qty: int) -> None:
        self._sides[side].setdefault(price, {})[oid] = qty
        self._where[oid] = (side, price)

    def apply(self, msg: dict[str, Any]) -> None:
        """Applies one `l3` message. Items already covered are skipped; a gap raises
        GapError (the book is then stale until rebuilt from a new snapshot)."""
        if msg["last"] <= self.seq:
            return
        if msg["first"] > self.seq + 1:
            raise GapError(f"{self.symbol}: expected l3 item {self.seq + 1}, got {msg['first']}")
        for seq, _ts, action, oid, side, price, qty in msg["l3"]:
            if seq <= self.seq:
                continue
            self.apply_item(action, oid, side, price, qty)
            self.seq = seq

    def apply_item(self, action: str, oid: int, side: str, price: int, qty: int) -> None:
        """Applies one book change."""
        if action == "add":
            self._add(side, price, oid, qty)
        elif action == "modify":
            self._sides[side][price][oid] = qty
        else:
            level = self._sides[side][price]
            del level[oid]
            del self._where[oid]
            if not level:
                del self._sides[side][price]

    def levels(self, side: str) -> list[tuple[int, list[tuple[int, int]]]]:
        """Levels best first, each `(price, [(order_id, displayed), ...])` in priority order."""
        book = self._sides[side]
        prices: Iterable[int] = sorted(book, reverse=side == "buy")
        return [(p, list(book[p].items())) for p in prices]
