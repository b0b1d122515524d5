"""Replay real order flow through the engine and check it against the market's own book.

- :func:`replay_lobster`: a LOBSTER sample zip, or a message CSV with its orderbook CSV. The
  book is rebuilt from the messages (applied through the engine's feed API, never re-matched)
  and compared with the orderbook row after every message.
- :func:`replay_itch`: a NASDAQ TotalView-ITCH 5.0 file: every message type decoded, the
  order messages applied to one book per stock.
- :func:`replay_bitstamp`: a Bitstamp v1 websocket capture (``.xz`` is undone here): the book
  rebuilt from the orders and compared with the top-20 snapshots.

The parse-apply-compare loops are Rust (``venue-replay``); bad input raises
:class:`ReplayError` naming the file, the line or byte offset, and the problem. The rules are
in ``docs/REPLAY.md``; :mod:`venue.replay.reference` is the slow oracle for LOBSTER.
"""

from __future__ import annotations

import lzma
from pathlib import Path
from typing import Any

import numpy as np

from venue import _core
from venue.dtypes import EVENT_DTYPE

__all__ = [
    "LOBSTER_JSON_KEYS",
    "TRADE_DTYPE",
    "ReplayError",
    "replay_bitstamp",
    "replay_itch",
    "replay_lobster",
    "write_lobster_parquet",
]

ReplayError = _core.ReplayError

#: The keys of ``venue replay lobster --json``, in order.
LOBSTER_JSON_KEYS = ("rows", "exact", "adopted", "mismatched", "first_mismatch", "messages_per_s")

#: One trade of a LOBSTER replay (the Rust ``venue_replay::lobster::Trade``, 48 bytes):
#: time (ns after midnight), price (dollars x 10000), shares, LOBSTER order id, message row,
#: aggressor side (0 buy, 1 sell) and kind (4 visible, 5 hidden, 6 cross).
TRADE_DTYPE = np.dtype(
    {
        "names": ["ts", "price", "qty", "order_id", "row", "side", "kind"],
        "formats": ["<i8", "<i8", "<i8", "<i8", "<u8", "u1", "u1"],
        "offsets": [0, 8, 16, 24, 32, 40, 41],
        "itemsize": 48,
    }
)
assert TRADE_DTYPE.itemsize == _core.TRADE_RECORD_SIZE


def replay_lobster(
    path: str | Path, orderbook: str | Path | None = None, out: str | Path | None = None
) -> dict[str, Any]:
    """Replays a LOBSTER sample and compares every row.

    ``path`` is a sample zip (its message and orderbook files are found by name) or a message
    CSV; then ``orderbook`` names its orderbook CSV (default: the same name with
    ``_orderbook_`` for ``_message_``). With ``out``, the replayed events and trades are
    written there as ``events.parquet`` and ``trades.parquet``.

    Returns a dict: the counts ``rows``, ``exact``, ``adopted``, ``mismatched``,
    ``first_mismatch`` (None, or ``{"row", "engine", "file"}`` with both books),
    ``messages_per_s`` (parsing and decompression included), and ``messages``, ``seconds``,
    ``levels``, ``levels_adopted``, ``by_type`` (messages of types 1 to 7), ``anonymous``,
    ``halted``, ``book`` (the final book, every level) and ``trades`` (a ``TRADE_DTYPE``
    array).
    """
    r = _core.replay_lobster(
        str(path),
        None if orderbook is None else str(orderbook),
        collect_events=out is not None,
    )
    events = np.frombuffer(r.pop("events"), dtype=EVENT_DTYPE)
    r["trades"] = np.frombuffer(r.pop("trades"), dtype=TRADE_DTYPE)
    if out is not None:
        r["out"] = str(write_lobster_parquet(out, events, r["trades"], source=str(path)))
    return r


def write_lobster_parquet(
    out: str | Path, events: np.ndarray, trades: np.ndarray, *, source: str = ""
) -> Path:
    """Writes ``events.parquet`` (every engine event, ``EVENT_DTYPE`` columns) and
    ``trades.parquet`` (``TRADE_DTYPE`` columns) into ``out``; returns ``out``."""
    import pyarrow as pa

    from venue.io.parquet import EVENTS_SCHEMA, write_table

    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    meta = {b"venue.replay.source": source.encode()}
    ev = pa.table({f.name: events[f.name] for f in EVENTS_SCHEMA}, schema=EVENTS_SCHEMA)
    write_table(ev.replace_schema_metadata(meta), d / "events.parquet")
    tr_schema = pa.schema(
        [
            pa.field("ts", pa.int64(), nullable=False),
            pa.field("price", pa.int64(), nullable=False),
            pa.field("qty", pa.int64(), nullable=False),
            pa.field("order_id", pa.int64(), nullable=False),
            pa.field("row", pa.uint64(), nullable=False),
            pa.field("side", pa.uint8(), nullable=False),
            pa.field("kind", pa.uint8(), nullable=False),
        ],
        metadata=meta,
    )
    tr = pa.table({f.name: trades[f.name] for f in tr_schema}, schema=tr_schema)
    write_table(tr, d / "trades.parquet")
    return d


def replay_itch(path: str | Path, symbol: str | None = None, depth: int = 10) -> dict[str, Any]:
    """Replays an ITCH 5.0 file (length-prefixed messages).

    Returns ``messages``, ``bytes``, ``by_type`` (``(type, name, count)`` in the
    specification's order), ``unknown_refs`` (order messages about references never added),
    ``stocks``, ``system_events`` and ``books``: for ``symbol``, or for every stock that had
    orders, ``{"symbol", "locate", "bids", "asks", "adds", "trades", "trading_state"}`` with
    ``depth`` levels a side as ``(price x 10000, shares, orders)``.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    return _core.replay_itch(str(path), symbol, depth)


def replay_bitstamp(path: str | Path) -> dict[str, Any]:
    """Replays a Bitstamp capture (``.xz`` or plain) and compares with its snapshots.

    Returns ``snapshots`` (compared), ``best_agree`` / ``best_share`` (best bid and ask
    equal), ``full_agree`` / ``full_share`` (all 20 levels a side equal),
    ``first_best_disagreement``, ``events`` by kind, ``unknown_orders``, ``uncrossed``,
    ``trades`` (``(ms, cents, satoshi)``) and the final ``book``.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise ReplayError(f"{p}: cannot read: {e.strerror or e}") from None
    if raw.startswith(b"\xfd7zXZ\x00"):
        try:
            raw = lzma.decompress(raw)
        except lzma.LZMAError as e:
            raise ReplayError(f"{p}: not a readable xz file: {e}") from None
    return _core.replay_bitstamp(str(p), raw)
