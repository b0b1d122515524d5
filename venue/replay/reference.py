"""The LOBSTER reconstruction, slow and obviously correct: the oracle for the Rust replay.

This is the specification of ``venue replay lobster`` written out with dicts and lists, one
message at a time, in the words of ``docs/REPLAY.md``:

- A level is a FIFO list of ``[order id, size]`` entries; the id ``ANON`` (``None``) is the
  level's anonymous liquidity (volume that the messages never introduced), at most one entry
  per level, placed at the front (it predates anything the messages show).
- Type 1 appends a new order. Types 2 (partial cancel), 3 (delete) and 4 (visible execution)
  act on the named order if it is known (a delete removes all of it whatever size it names);
  on an order never seen they take the size from the level's anonymous liquidity. Types 5
  (hidden execution) and 6 (cross trade) leave the book alone; type 7 changes the trading
  state.
- After every message, each side's top N levels are compared with the orderbook row. Then
  the levels that entered the window from below (prices worse than the previous row's N-th
  level, when the previous row showed N levels; every level for the first row) are adopted
  from the row, whether or not they were equal: their orders are forgotten and the row's size
  becomes the level's anonymous liquidity, and levels in that stretch that the row does not
  show are removed. A row equal before that is ``exact``, equal after it ``adopted``,
  otherwise ``mismatched`` (and the side is then set to the row so one error does not
  cascade).
- Type 4 of a known order takes ``min(size, left)``; a delete takes all that is left.

Use :func:`reconstruct` on parsed rows; :func:`read_csv_rows` parses the two CSV files.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

__all__ = [
    "ANON",
    "EMPTY_ASK",
    "EMPTY_BID",
    "ReferenceResult",
    "read_csv_rows",
    "reconstruct",
]

ANON = None
#: Price LOBSTER writes in an empty ask (bid) cell.
EMPTY_ASK = 9_999_999_999
EMPTY_BID = -9_999_999_999

BUY, SELL = 1, -1


@dataclass
class ReferenceResult:
    """Counts of a reconstruction, as ``venue replay lobster --json`` reports them."""

    rows: int = 0
    exact: int = 0
    adopted: int = 0
    mismatched: int = 0
    first_mismatch: int | None = None
    #: The final book: ``{"bids": [(price, size), ...], "asks": [...]}``, best first.
    book: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    #: Trading state after the last message: "OPEN" or "HALTED".
    state: str = "OPEN"


class _Side:
    """One side: price -> FIFO list of [id, size]; better means higher for bids."""

    def __init__(self, sign: int) -> None:
        self.sign = sign  # +1 bids (higher is better), -1 asks
        self.levels: dict[int, list[list]] = {}

    def better(self, a: int, b: int) -> bool:
        return a * self.sign > b * self.sign

    def top(self, n: int) -> list[tuple[int, int]]:
        prices = sorted(self.levels, key=lambda p: -p * self.sign)[:n]
        return [(p, sum(e[1] for e in self.levels[p])) for p in prices]

    def drop_empty(self, price: int) -> None:
        lvl = self.levels.get(price)
        if lvl is not None:
            lvl[:] = [e for e in lvl if e[1] > 0]
            if not lvl:
                del self.levels[price]

    def take_anon(self, price: int, size: int) -> None:
        for e in self.levels.get(price, []):
            if e[0] is ANON:
                e[1] -= min(size, e[1])
        self.drop_empty(price)

    def set_level(self, price: int, size: int, where: dict[int, tuple[int, int]]) -> None:
        """Adopts `size` at `price`: what was known about the level is stale, so its orders
        are forgotten and the whole size becomes the level's anonymous liquidity."""
        self.remove_level(price, where)
        if size > 0:
            self.levels[price] = [[ANON, size]]

    def remove_level(self, price: int, where: dict[int, tuple[int, int]]) -> None:
        for e in self.levels.pop(price, []):
            if e[0] is not ANON:
                where.pop(e[0], None)


def _row_side(row: list[int], n: int, sign: int) -> list[tuple[int, int]]:
    """The levels of one side of an orderbook row, best first, empty cells left out."""
    off = 0 if sign == -1 else 2
    out = []
    for i in range(n):
        price, size = row[4 * i + off], row[4 * i + off + 1]
        if size == 0 and price in (EMPTY_ASK, EMPTY_BID):
            continue
        out.append((price, size))
    return out


def _adopt(
    side: _Side,
    want: list[tuple[int, int]],
    below: int | None,
    full: bool,
    where: dict[int, tuple[int, int]],
) -> None:
    """Sets the levels of `side` worse than `below` (all if None) to the row's, within the
    visible range (and beyond it too when the row shows fewer than N levels: nothing is
    there)."""
    in_region = [(p, s) for p, s in want if below is None or side.better(below, p)]
    deepest = want[-1][0] if (want and full) else None
    for p in list(side.levels):
        if below is not None and not side.better(below, p):
            continue
        if deepest is not None and side.better(deepest, p):
            continue  # still out of view
        if all(p != q for q, _ in in_region):
            side.remove_level(p, where)
    for p, s in in_region:
        side.set_level(p, s, where)


def reconstruct(messages: list[list[int]], books: list[list[int]], levels: int) -> ReferenceResult:
    """Replays parsed messages ``[time_ns, type, id, size, price, direction]`` against parsed
    orderbook rows (``4 * levels`` integers each) and counts the rows."""
    sides = {BUY: _Side(+1), SELL: _Side(-1)}
    where: dict[int, tuple[int, int]] = {}  # order id -> (direction, price)
    res = ReferenceResult()
    prev: dict[int, list[tuple[int, int]]] | None = None
    for k, (msg, row) in enumerate(zip(messages, books, strict=True)):
        _t, typ, oid, size, price, direction = msg
        side = sides[direction]
        if typ == 1:
            side.levels.setdefault(price, []).append([oid, size])
            where[oid] = (direction, price)
        elif typ in (2, 3, 4):
            if oid in where:
                d, p = where[oid]
                s = sides[d]
                for e in s.levels[p]:
                    if e[0] == oid:
                        e[1] = 0 if typ == 3 else max(e[1] - size, 0)
                        if e[1] == 0:
                            del where[oid]
                s.drop_empty(p)
            else:
                side.take_anon(price, size)
        elif typ == 7:
            res.state = "HALTED" if price in (-1, 0) else "OPEN"
        want = {d: _row_side(row, levels, sides[d].sign) for d in (BUY, SELL)}
        res.rows += 1
        if all(sides[d].top(levels) == want[d] for d in (BUY, SELL)):
            res.exact += 1
            adopted = False
        else:
            adopted = True
        for d in (BUY, SELL):
            p = None if prev is None else prev[d]
            if p is None or len(p) == levels:
                below = None if p is None else p[-1][0]
                _adopt(sides[d], want[d], below, len(want[d]) == levels, where)
        if adopted:
            if all(sides[d].top(levels) == want[d] for d in (BUY, SELL)):
                res.adopted += 1
            else:
                res.mismatched += 1
                if res.first_mismatch is None:
                    res.first_mismatch = k + 1
                for d in (BUY, SELL):
                    _adopt(sides[d], want[d], None, len(want[d]) == levels, where)
        prev = want
    res.book = {
        "bids": sides[BUY].top(1 << 30),
        "asks": sides[SELL].top(1 << 30),
    }
    return res


def _time_ns(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 1_000_000_000 + int((frac + "000000000")[:9])


def read_csv_rows(message_csv: str, orderbook_csv: str) -> tuple[list[list[int]], list[list[int]]]:
    """Parses a LOBSTER message file and its orderbook file (no checks: the Rust parser is the
    one that names bad input)."""
    with open(message_csv, newline="") as f:
        msgs = [[_time_ns(r[0]), *map(int, r[1:6])] for r in csv.reader(f)]
    with open(orderbook_csv, newline="") as f:
        books = [list(map(int, r)) for r in csv.reader(f)]
    return msgs, books
