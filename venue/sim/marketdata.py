"""What the exchange tells agents: quotes, trades, book snapshots, imbalance events.

All prices and quantities are integers in the instrument's units; `ts` is the exchange time
(ns) at which the information was true, not the (later) time the agent receives it.

Subscriptions (`Agent.subscribe_*`) are fanned out only to their subscribers, each delivery
delayed by that agent's market-data latency:

- `bbo`: a `Quote` whenever the best bid or offer (price or size) changes;
- `trades`: the `Trade`s of each batch the exchange processes;
- `depth`: a `BookView` of the top `depth` levels after a book change, at most once per
  `min_interval` ns (ABIDES' L2 subscription with its `freq`);
- `imbalance`: an `ImbalanceEvent` when the whole-book volume imbalance
  `1 - min(bid, ask) / max(bid, ask)` rises above `threshold` (stage `start`), flips side,
  or falls back (stage `finish`): ABIDES' book-imbalance subscription.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = ["BookView", "ImbalanceEvent", "Quote", "Subscription", "Trade"]


class Quote(NamedTuple):
    """Best bid and offer of one instrument at exchange time `ts` (price None when that
    side is empty; its quantity is then 0)."""

    ts: int
    instrument: int
    bid: int | None
    bid_qty: int
    ask: int | None
    ask_qty: int


class Trade(NamedTuple):
    """One fill: price, quantity, and the aggressor's side (0 buy, 1 sell)."""

    ts: int
    instrument: int
    price: int
    qty: int
    side: int


class ImbalanceEvent(NamedTuple):
    """A book-imbalance event: `stage` is "start" or "finish"; `side` the heavier side
    (0 bid, 1 ask, None when balanced)."""

    ts: int
    instrument: int
    stage: str
    imbalance: float
    side: int | None


class BookView:
    """The book of one instrument as the exchange saw it at `ts`: the best levels, the
    last trade price, and (when asked) the traded volume over a lookback window.

    `bids`/`asks` are lists of `(price, qty, orders)`, best first (only when more than one
    level was asked for; the best level is always in `bid`/`ask`).
    """

    __slots__ = (
        "ask",
        "ask_qty",
        "asks",
        "bid",
        "bid_qty",
        "bids",
        "buy_volume",
        "instrument",
        "last_trade",
        "sell_volume",
        "ts",
    )

    def __init__(
        self,
        ts: int,
        instrument: int,
        bid: int | None,
        bid_qty: int,
        ask: int | None,
        ask_qty: int,
        last_trade: int | None,
        bids: list[tuple[int, int, int]] | None = None,
        asks: list[tuple[int, int, int]] | None = None,
        buy_volume: int = 0,
        sell_volume: int = 0,
    ) -> None:
        self.ts = ts
        self.instrument = instrument
        self.bid = bid
        self.bid_qty = bid_qty
        self.ask = ask
        self.ask_qty = ask_qty
        self.last_trade = last_trade
        self.bids = bids if bids is not None else ([] if bid is None else [(bid, bid_qty, 0)])
        self.asks = asks if asks is not None else ([] if ask is None else [(ask, ask_qty, 0)])
        self.buy_volume = buy_volume
        self.sell_volume = sell_volume

    @property
    def mid(self) -> int | None:
        """`(bid + ask) // 2` when both sides exist (ABIDES' integer mid), else None."""
        if self.bid is None or self.ask is None:
            return None
        return (self.bid + self.ask) // 2

    @property
    def spread(self) -> int | None:
        """`ask - bid` when both sides exist, else None."""
        if self.bid is None or self.ask is None:
            return None
        return self.ask - self.bid

    def __repr__(self) -> str:
        return (
            f"BookView(ts={self.ts}, instrument={self.instrument}, bid={self.bid}x"
            f"{self.bid_qty}, ask={self.ask}x{self.ask_qty}, last_trade={self.last_trade})"
        )


class Subscription:
    """One agent's market-data subscription (kept by the exchange)."""

    __slots__ = (
        "agent",
        "callback",
        "depth",
        "in_event",
        "instrument",
        "kind",
        "last_sent",
        "min_interval",
        "side",
        "threshold",
    )

    def __init__(
        self,
        agent: Any,
        kind: str,
        instrument: int,
        callback: Callable[[Any], None],
        depth: int = 1,
        min_interval: int = 0,
        threshold: float = 0.9,
    ) -> None:
        if kind not in ("bbo", "trades", "depth", "imbalance"):
            raise ValueError(f"subscription: unknown kind {kind!r}")
        self.agent = agent
        self.kind = kind
        self.instrument = instrument
        self.callback = callback
        self.depth = depth
        self.min_interval = min_interval
        self.threshold = threshold
        self.last_sent: int | None = None
        self.in_event = False
        self.side: int | None = None
