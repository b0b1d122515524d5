"""The gateway's wire protocol: what a request is, and the names and magic numbers shared by
the JSON and binary codecs (docs/PROTOCOL.md is the specification).

A *request* is one instruction of a participant: new, cancel, reduce, replace or mass cancel.
Every request carries the participant's `client_order_id`, unique among all of that
participant's requests: it is the idempotency key (a request whose key was seen before is
answered as a duplicate and never executed twice). A NEW request's `client_order_id` is also
the order's client order id in the engine.

Both codecs produce `Request` tuples (JSON) or `ORDER_DTYPE` rows (binary) plus
`RequestError`s for what could not be decoded; neither ever raises on bad input.

>>> Request.new(client_order_id=1, instrument=0, side=0, price=100, qty=5).action
0
"""

from __future__ import annotations

from typing import NamedTuple

from venue.enums import Action, EventKind, OrderType, Reason, Side, Tif

__all__ = [
    "ACTION_NAMES",
    "BINARY_EXEC_MAGIC",
    "BINARY_HEADER_SIZE",
    "BINARY_REQUEST_MAGIC",
    "KIND_NAMES",
    "MAX_U32",
    "MAX_U64",
    "ORDER_TYPE_NAMES",
    "REASON_NAMES",
    "SIDE_NAMES",
    "TIF_NAMES",
    "Request",
    "RequestError",
]

BINARY_REQUEST_MAGIC = b"VNO1"
"""First 4 bytes of a binary request message; a u32 record count and the records follow."""

BINARY_EXEC_MAGIC = b"VNX1"
"""First 4 bytes of a binary execution message; a u32 event count and the events follow."""

BINARY_HEADER_SIZE = 8
"""Size of the binary header: 4 magic bytes and a little-endian u32 count."""

MAX_U32 = 0xFFFF_FFFF
MAX_U64 = 0xFFFF_FFFF_FFFF_FFFF
MIN_I64 = -(1 << 63)
MAX_I64 = (1 << 63) - 1

ACTION_NAMES: dict[str, int] = {a.name.lower(): int(a) for a in Action}
"""JSON `type` of a request (new, cancel, reduce, replace, mass_cancel) -> action code."""

SIDE_NAMES: dict[str, int] = {s.name.lower(): int(s) for s in Side}
ORDER_TYPE_NAMES: dict[str, int] = {t.name.lower(): int(t) for t in OrderType}
TIF_NAMES: dict[str, int] = {t.name.lower(): int(t) for t in Tif}

KIND_NAMES: tuple[str, ...] = tuple(k.name for k in EventKind)
"""Event kind code -> name (the codes are 0..7, in order)."""

REASON_NAMES: dict[int, str] = {r.value: r.name for r in Reason}
"""Reason code -> name; a code outside the table is rendered as its number."""


class Request(NamedTuple):
    """One decoded request, in engine units. `orig_client_order_id` (cancel, reduce, replace)
    names the target by the participant's own id when `order_id` is 0; the gateway resolves
    it to the engine's order id."""

    action: int
    client_order_id: int
    order_id: int = 0
    orig_client_order_id: int = 0
    instrument: int = 0
    side: int = 0
    order_type: int = 0
    tif: int = 0
    flags: int = 0
    price: int = 0
    qty: int = 0
    display_qty: int = 0

    @classmethod
    def new(
        cls,
        *,
        client_order_id: int,
        instrument: int,
        side: int,
        price: int,
        qty: int,
        order_type: int = 0,
        tif: int = 0,
        flags: int = 0,
        display_qty: int = 0,
    ) -> Request:
        """A NEW request (a convenience for tests and the benchmark)."""
        return cls(
            int(Action.NEW),
            client_order_id,
            instrument=instrument,
            side=side,
            order_type=order_type,
            tif=tif,
            flags=flags,
            price=price,
            qty=qty,
            display_qty=display_qty,
        )


class RequestError(NamedTuple):
    """A request the gateway could not decode or accept, never shown to the engine.

    `index` is the request's position in its message (0 for a whole-message problem),
    `client_order_id` is the request's id when it could be read (else None), `error` says
    what is wrong and where.
    """

    index: int
    client_order_id: int | None
    error: str
