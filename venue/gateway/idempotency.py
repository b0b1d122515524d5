"""Idempotency: every request is executed at most once per (participant, client order id).

The ledger remembers, for each participant, every client order id it has used (with the
journal sequence number of the first request that used it) and, for accepted NEW orders,
the engine's order id (so that cancel, reduce and replace can name their target by
`orig_client_order_id`). It is rebuilt from the journal at start-up, like the book.

>>> ledger = RequestLedger()
>>> ledger.claim(7, 1, seq=10) is None    # first use
True
>>> ledger.claim(7, 1, seq=11)            # a redelivery: the original's sequence number
10
>>> ledger.claim(8, 1, seq=12) is None    # another participant's id space
True
"""

from __future__ import annotations

__all__ = ["RequestLedger"]


def _key(participant: int, client_order_id: int) -> int:
    return (participant << 64) | client_order_id


class RequestLedger:
    """Client order ids seen per participant, and the order ids of accepted NEW orders."""

    def __init__(self) -> None:
        self._seen: dict[int, int] = {}
        self._order_ids: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._seen)

    def claim(self, participant: int, client_order_id: int, seq: int) -> int | None:
        """Records a request; returns None if its id is new, else the journal sequence number
        of the request that used it first (the request must then not be executed)."""
        key = _key(participant, client_order_id)
        first = self._seen.get(key)
        if first is None:
            self._seen[key] = seq
        return first

    def claim_many(
        self, participant: int, client_order_ids: list[int], seq: int
    ) -> list[tuple[int, int, int]]:
        """`claim` for each id of one message, in order; returns `(index, client order id,
        first sequence number)` of each one that was seen before (in this message too)."""
        seen = self._seen
        base = participant << 64
        dups = []
        for i, c in enumerate(client_order_ids):
            key = base | c
            first = seen.get(key)
            if first is None:
                seen[key] = seq
            else:
                dups.append((i, c, first))
        return dups

    def seen(self, participant: int, client_order_id: int) -> bool:
        """True if the participant has used this client order id."""
        return _key(participant, client_order_id) in self._seen

    def order_id(self, participant: int, client_order_id: int) -> int:
        """The engine's order id of the participant's accepted NEW order with this client order
        id, or 0 if there is none (never sent, rejected, or not yet processed)."""
        return self._order_ids.get(_key(participant, client_order_id), 0)

    def record_accepted(
        self, participants: list[int], client_order_ids: list[int], order_ids: list[int]
    ) -> None:
        """Remembers the order ids of accepted NEW orders (from ACCEPTED events)."""
        ids = self._order_ids
        for p, c, o in zip(participants, client_order_ids, order_ids, strict=True):
            ids[(p << 64) | c] = o
