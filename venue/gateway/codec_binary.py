"""The binary codec: the engine's own records with an 8-byte header (docs/PROTOCOL.md,
"Binary").

A binary request message is `b"VNO1"`, a little-endian u32 count `n`, then `n` 64-byte
records laid out as `venue.ORDER_DTYPE` (the engine's `OrderMsg`). A binary execution message
is `b"VNX1"`, a u32 count, then that many 80-byte `venue.EVENT_DTYPE` records. Any language
with a struct packer can produce and read them; no parsing, one copy.

>>> from venue.dtypes import orders
>>> batch = orders(2)
>>> batch["client_order_id"] = [1, 2]
>>> rows, errors = decode_requests(encode_requests(batch), participant=9)
>>> rows["participant"].tolist(), errors
([9, 9], [])
"""

from __future__ import annotations

import struct

import numpy as np

from venue.dtypes import EVENT_DTYPE, ORDER_DTYPE, as_order_array
from venue.gateway.protocol import (
    BINARY_EXEC_MAGIC,
    BINARY_HEADER_SIZE,
    BINARY_REQUEST_MAGIC,
    RequestError,
)

__all__ = ["decode_events", "decode_requests", "encode_events", "encode_requests", "is_binary"]

_HEADER = struct.Struct("<4sI")
_ORDER_SIZE = ORDER_DTYPE.itemsize
_EVENT_SIZE = EVENT_DTYPE.itemsize


def is_binary(payload: bytes) -> bool:
    """True when the message starts with one of the binary magics (else it is JSON)."""
    head = payload[:4]
    return head == BINARY_REQUEST_MAGIC or head == BINARY_EXEC_MAGIC


def encode_requests(records: np.ndarray) -> bytes:
    """A binary request message from an `ORDER_DTYPE` array (or anything
    `venue.as_order_array` accepts). The gateway overwrites `ts` and `participant`."""
    rows = as_order_array(records)
    return _HEADER.pack(BINARY_REQUEST_MAGIC, len(rows)) + rows.tobytes()


def decode_requests(payload: bytes, participant: int) -> tuple[np.ndarray, list[RequestError]]:
    """Decodes a binary request message from `participant` (the subject's).

    Returns the records that may go to the engine (a new writable `ORDER_DTYPE` array, with
    `participant` set) and one `RequestError` per record that may not: a record naming
    another participant, or with client_order_id 0. A malformed message (bad magic, a size
    that does not match the count) gives no records and one error.
    """
    size = len(payload)
    if size < BINARY_HEADER_SIZE:
        return _empty(f"binary message of {size} bytes is shorter than its 8-byte header")
    magic, count = _HEADER.unpack_from(payload)
    if magic != BINARY_REQUEST_MAGIC:
        return _empty(f"binary message starts with {magic!r}, expected {BINARY_REQUEST_MAGIC!r}")
    expected = BINARY_HEADER_SIZE + count * _ORDER_SIZE
    if count == 0 or size != expected:
        return _empty(
            f"binary message header says {count} records ({expected} bytes) but it has "
            f"{size} bytes (8-byte header + 64 per record, at least one record)"
        )
    rows = np.frombuffer(payload, dtype=ORDER_DTYPE, offset=BINARY_HEADER_SIZE).copy()
    sender = rows["participant"]
    coids = rows["client_order_id"]
    bad_sender = (sender != 0) & (sender != participant)
    bad_coid = coids == 0
    bad = bad_sender | bad_coid
    errors: list[RequestError] = []
    if bad.any():
        for i in np.flatnonzero(bad).tolist():
            if bad_sender[i]:
                text = (
                    f"record {i}: field 'participant' is {int(sender[i])} but this subject "
                    f"belongs to participant {participant}"
                )
            else:
                text = f"record {i}: field 'client_order_id' must be > 0"
            coid = int(coids[i])
            errors.append(RequestError(i, coid or None, text))
        rows = rows[~bad]
    rows["participant"] = participant
    return rows, errors


def _empty(text: str) -> tuple[np.ndarray, list[RequestError]]:
    return np.empty(0, dtype=ORDER_DTYPE), [RequestError(0, None, text)]


def encode_events(events: np.ndarray) -> bytes:
    """A binary execution message from an `EVENT_DTYPE` array."""
    return _HEADER.pack(BINARY_EXEC_MAGIC, len(events)) + events.tobytes()


def decode_events(payload: bytes) -> np.ndarray:
    """The `EVENT_DTYPE` records of a binary execution message; ValueError (naming the
    problem) if it is not one."""
    if len(payload) < BINARY_HEADER_SIZE:
        raise ValueError(f"binary execution message of {len(payload)} bytes: too short")
    magic, count = _HEADER.unpack_from(payload)
    if magic != BINARY_EXEC_MAGIC:
        raise ValueError(f"binary execution message starts with {magic!r}")
    if len(payload) != BINARY_HEADER_SIZE + count * _EVENT_SIZE:
        raise ValueError(f"binary execution message: {count} events but {len(payload)} bytes")
    return np.frombuffer(payload, dtype=EVENT_DTYPE, offset=BINARY_HEADER_SIZE)
