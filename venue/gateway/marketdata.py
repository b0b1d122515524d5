"""Market data: the public feeds of each symbol, with sequence numbers, and snapshots
(docs/PROTOCOL.md, "Market data").

Per symbol, on `venue.md.<symbol>.<channel>`:
- `l3`: every book change (add, modify, delete) of every order, anonymous. Items are numbered
  1, 2, 3, ... per symbol with no gap: a consumer that sees `first` != last + 1 lost
  something and recovers from a snapshot (`venue.snapshot.<symbol>`, request-reply), then
  applies the items numbered after the snapshot's `seq`.
- `trades`: every trade, numbered per symbol the same way.
- `bbo` and `depth`: the state after a batch when it changed, tagged with the `l3` number it
  reflects (a state message replaces the previous one, so a gap there loses nothing).

The numbers count items, not messages, so they do not depend on how orders were batched:
after a restart the venue recomputes exactly the same numbers from its journal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from venue.dtypes import EVENT_DTYPE
from venue.enums import EventKind, Side
from venue.gateway.codec_json import dumps
from venue.gateway.subjects import Subjects

__all__ = ["L3_KINDS", "MarketData"]

L3_KINDS = {
    EventKind.BOOK_ADD: "add",
    EventKind.BOOK_MODIFY: "modify",
    EventKind.BOOK_DELETE: "delete",
}
"""Event kind -> the `l3` item's action name."""

_SIDE = ("buy", "sell")
_L3_NAMES = {int(k): v for k, v in L3_KINDS.items()}
_TRADE = int(EventKind.TRADE)
_BOOK_ADD = int(EventKind.BOOK_ADD)
_F = {name: i for i, name in enumerate(EVENT_DTYPE.names or ())}
_TS, _OID, _PRICE, _QTY = _F["ts"], _F["order_id"], _F["price"], _F["qty"]
_MAKER_OID, _INST, _KIND, _SIDE_F = _F["maker_order_id"], _F["instrument"], _F["kind"], _F["side"]


class MarketData:
    """Turns each batch's events into market-data messages and serves snapshots.

    `engine` is the `venue.Engine` (queried for BBO, depth and L3 state after a batch);
    `symbols[i]` is instrument i's symbol.
    """

    def __init__(
        self, engine: Any, symbols: Sequence[str], subjects: Subjects, depth_levels: int = 10
    ) -> None:
        self._engine = engine
        self._symbols = list(symbols)
        self._subjects = subjects
        self._depth_levels = depth_levels
        n = len(self._symbols)
        self.l3_seq = [0] * n
        self.trade_seq = [0] * n
        self._bbo: list[Any] = [None] * n
        self._depth: list[Any] = [None] * n

    def on_events(
        self,
        events: np.ndarray,
        tuples: list[tuple[Any, ...]] | None,
        publish: Callable[[str, bytes], None] | None,
    ) -> None:
        """Advances the sequence numbers over a batch's events and, unless `publish` is None
        (silent replay), hands each market-data message to `publish(subject, payload)`.
        `tuples` is `events.tolist()` when the caller has it (small batches), else None."""
        if len(events) == 0:
            return
        if tuples is not None:
            book, trades = self._group_tuples(tuples)
        else:
            book, trades = self._group_columns(events)
        for channel, groups, seqs in (
            ("trades", trades, self.trade_seq),
            ("l3", book, self.l3_seq),
        ):
            for i in sorted(groups):
                items = groups[i]
                first = seqs[i] + 1
                for k, item in enumerate(items):
                    item[0] = first + k
                seqs[i] += len(items)
                if publish is not None:
                    symbol = self._symbols[i]
                    msg = {"symbol": symbol, "first": first, "last": seqs[i], channel: items}
                    publish(self._subjects.md(symbol, channel), dumps(msg))
        ts = int(events["ts"][-1])
        for i in sorted(book):
            self._states(i, ts, publish)

    def _group_tuples(
        self, events: list[tuple[Any, ...]]
    ) -> tuple[dict[int, list[list[Any]]], dict[int, list[list[Any]]]]:
        """Per instrument, the `l3` and `trades` items (numbered later) of a few events."""
        book: dict[int, list[list[Any]]] = {}
        trades: dict[int, list[list[Any]]] = {}
        n = len(self._symbols)
        for e in events:
            kind = e[_KIND]
            if kind >= _BOOK_ADD:
                i = e[_INST]
                if i < n:
                    book.setdefault(i, []).append(
                        [0, e[_TS], _L3_NAMES[kind], e[_OID], _SIDE[e[_SIDE_F]], e[_PRICE], e[_QTY]]
                    )
            elif kind == _TRADE:
                i = e[_INST]
                if i < n:
                    trades.setdefault(i, []).append(
                        [0, e[_TS], e[_PRICE], e[_QTY], _SIDE[e[_SIDE_F]], e[_MAKER_OID], e[_OID]]
                    )
        return book, trades

    def _group_columns(
        self, events: np.ndarray
    ) -> tuple[dict[int, list[list[Any]]], dict[int, list[list[Any]]]]:
        """`_group_tuples` with numpy, for many events."""
        kind = events["kind"]
        n = len(self._symbols)
        out: list[dict[int, list[list[Any]]]] = []
        for mask, fields in (
            (kind >= _BOOK_ADD, ("ts", "kind", "order_id", "side", "price", "qty")),
            (kind == _TRADE, ("ts", "price", "qty", "side", "maker_order_id", "order_id")),
        ):
            groups: dict[int, list[list[Any]]] = {}
            part = events[mask]
            if len(part):
                inst = part["instrument"]
                for i in np.unique(inst).tolist():
                    if i >= n:
                        continue
                    rows = part[inst == i]
                    cols = [rows[f].tolist() for f in fields]
                    if fields[1] == "kind":
                        cols[1] = [_L3_NAMES[k] for k in cols[1]]
                        cols[3] = [_SIDE[s] for s in cols[3]]
                    else:
                        cols[3] = [_SIDE[s] for s in cols[3]]
                    groups[i] = [[0, *item] for item in zip(*cols, strict=True)]
            out.append(groups)
        return out[0], out[1]

    def _states(self, i: int, ts: int, publish: Callable[[str, bytes], None] | None) -> None:
        bid_px, bid_qty, ask_px, ask_qty = self._engine.bbo(i)
        bbo = (
            None if bid_px is None else [bid_px, bid_qty],
            None if ask_px is None else [ask_px, ask_qty],
        )
        symbol = self._symbols[i]
        if bbo != self._bbo[i]:
            self._bbo[i] = bbo
            if publish is not None:
                msg = {
                    "symbol": symbol,
                    "seq": self.l3_seq[i],
                    "ts": ts,
                    "bid": bbo[0],
                    "ask": bbo[1],
                }
                publish(self._subjects.md(symbol, "bbo"), dumps(msg))
        n = self._depth_levels
        depth = (
            [list(lv) for lv in self._engine.depth(i, Side.BUY, n)],
            [list(lv) for lv in self._engine.depth(i, Side.SELL, n)],
        )
        if depth != self._depth[i]:
            self._depth[i] = depth
            if publish is not None:
                msg = {
                    "symbol": symbol,
                    "seq": self.l3_seq[i],
                    "ts": ts,
                    "bids": depth[0],
                    "asks": depth[1],
                }
                publish(self._subjects.md(symbol, "depth"), dumps(msg))

    def snapshot(self, instrument: int) -> dict[str, Any]:
        """The full anonymous L3 book of an instrument with the `l3` and `trades` numbers it
        reflects: `bids`/`asks` are levels best first, each `[price, [[order_id, displayed],
        ...]]` in priority order."""
        book = self._engine.l3(instrument)
        return {
            "symbol": self._symbols[instrument],
            "seq": self.l3_seq[instrument],
            "trade_seq": self.trade_seq[instrument],
            "bids": [[lv.price, [[q.order_id, q.displayed] for q in lv.queue]] for lv in book.bids],
            "asks": [[lv.price, [[q.order_id, q.displayed] for q in lv.queue]] for lv in book.asks],
        }
