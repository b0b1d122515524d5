"""Conformance with the order-stream format (`../shared/bench/ORDER_STREAM.md`).

An order stream is a flat file of 32-byte records (ADD, CANCEL, MODIFY, MKT) for one
instrument; its generator reports what any correct engine must end with (`fills`, `traded`,
`chk`, `live`, `best_bid`, `best_ask`). :func:`run_stream` plays a stream through an engine
(``venue._core.Engine`` or the reference model) with this mapping:

- ADD and MKT: NEW LIMIT GTC of participant 1, client order id = stream id (the engine's
  order ids then equal the stream's ids, as every such order is accepted);
- CANCEL: CANCEL (an unknown id is a REJECTED event, as the format's "nothing happens");
- MODIFY: REDUCE when the price is the order's and the quantity smaller, else REPLACE
  (same price and equal quantity is a no-op replace; anything else loses priority);

and computes the summary from the events: `fills` and `traded` count TRADE events and their
quantities, `chk` is the sum of maker order id times quantity modulo 2^64.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from venue.testing.reference import CANCEL as CANCEL_ACTION
from venue.testing.reference import NEW, REDUCE, REPLACE, OrderMsg, encode_orders

STREAM_DTYPE = np.dtype(
    [
        ("typ", "u1"),
        ("side", "u1"),
        ("pad", "u1", (6,)),
        ("id", "<u8"),
        ("px", "<i8"),
        ("qty", "<i8"),
    ]
)
ADD, CANCEL, MODIFY, MKT = 0, 1, 2, 3
PARTICIPANT = 1
_MASK = (1 << 64) - 1


def load_stream(path: str | Path) -> np.ndarray:
    """Reads an order-stream file (``.bin``, or ``.bin.gz``)."""
    p = Path(path)
    raw = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
    if len(raw) % STREAM_DTYPE.itemsize:
        raise ValueError(f"{path}: {len(raw)} bytes is not a whole number of 32-byte records")
    return np.frombuffer(raw, dtype=STREAM_DTYPE)


def event_dtype(layout: list[tuple[str, int, str]]) -> np.dtype:
    """A numpy dtype for 80-byte event records from an ``EVENT_LAYOUT``."""
    return np.dtype(
        {
            "names": [n for n, _, _ in layout],
            "formats": [t for _, _, t in layout],
            "offsets": [o for _, o, _ in layout],
            "itemsize": 80,
        }
    )


@dataclass
class StreamResult:
    """The summary of a stream, as in the generator's ``expected`` block."""

    fills: int
    traded: int
    chk: int
    live: int
    best_bid: int | None
    best_ask: int | None
    events: bytes  # every event the stream produced
    messages: bytes  # the engine messages it was mapped to (64-byte ORDER_LAYOUT records)

    def summary(self) -> dict[str, Any]:
        """The fields of the generator's ``expected`` block."""
        return {
            "fills": self.fills,
            "traded": self.traded,
            "chk": self.chk,
            "live": self.live,
            "best_bid": self.best_bid,
            "best_ask": self.best_ask,
        }


def run_stream(
    engine: Any, records: np.ndarray, layout: list[tuple[str, int, str]]
) -> StreamResult:
    """Plays a stream through a fresh engine (instrument 0 is added here) and summarises it.

    ``layout`` is the engine's ``EVENT_LAYOUT`` (events are decoded with numpy)."""
    engine.add_instrument()
    out = bytearray()
    msgs: list[OrderMsg] = []
    for i, (typ, side, oid, px, qty) in enumerate(
        zip(
            records["typ"].tolist(),
            records["side"].tolist(),
            records["id"].tolist(),
            records["px"].tolist(),
            records["qty"].tolist(),
            strict=True,
        )
    ):
        ts = i + 1
        if typ in (ADD, MKT):
            got = engine.submit(ts, PARTICIPANT, 0, side, px, qty, client_order_id=oid)
            if got != oid:
                raise AssertionError(f"record {i}: order id {got}, the stream says {oid}")
            msgs.append(OrderMsg(ts, 0, oid, px, qty, 0, 0, PARTICIPANT, NEW, side))
        elif typ == CANCEL:
            engine.cancel(ts, PARTICIPANT, oid)
            msgs.append(OrderMsg(ts, oid, participant=PARTICIPANT, action=CANCEL_ACTION))
        elif typ == MODIFY:
            o = engine.order(oid)
            if o is not None and px == o["price"] and qty < o["leaves"]:
                engine.reduce(ts, PARTICIPANT, oid, qty)
                msgs.append(OrderMsg(ts, oid, qty=qty, participant=PARTICIPANT, action=REDUCE))
            else:
                engine.replace(ts, PARTICIPANT, oid, px, qty)
                msgs.append(
                    OrderMsg(ts, oid, price=px, qty=qty, participant=PARTICIPANT, action=REPLACE)
                )
        else:
            raise ValueError(f"record {i}: unknown record type {typ}")
        if engine.pending_events() > 4096:
            out += engine.take_events()
    out += engine.take_events()
    ev = np.frombuffer(bytes(out), dtype=event_dtype(layout))
    trades = ev[ev["kind"] == 2]
    chk = 0
    for maker, q in zip(trades["maker_order_id"].tolist(), trades["qty"].tolist(), strict=True):
        chk = (chk + maker * q) & _MASK
    bid, _, ask, _ = engine.bbo(0)
    return StreamResult(
        fills=len(trades),
        traded=int(trades["qty"].sum()),
        chk=chk,
        live=engine.live_orders(),
        best_bid=bid,
        best_ask=ask,
        events=bytes(out),
        messages=encode_orders(msgs),
    )
