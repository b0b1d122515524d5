"""JetStream set-up and the venue's recovery point (docs/PROTOCOL.md, "Streams and restart").

Two streams, file storage, kept by limits (never by acknowledgement):
- the *orders* stream (`VENUE_ORDERS`, subjects `venue.orders.*`) is the venue's journal:
  every request in arrival order. The engine is deterministic, so replaying the journal
  rebuilds the venue's state exactly.
- the *exec* stream (`VENUE_EXEC`, subjects `venue.exec.*`) keeps every execution message,
  so a participant's consumer that restarts resumes where it stopped. It is also the
  venue's commit log: each message carries the header `Venue-Orders: <first>-<last>/<part>`,
  the journal range of the batch that produced it and its index among that batch's
  messages. At start-up the venue reads the tail of this stream to know where it stopped
  and which messages of its last batch were already out (`recovery_point`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nats.js import api
from nats.js.errors import NotFoundError

from venue.gateway.subjects import Subjects

__all__ = [
    "BATCH_HEADER",
    "Recovery",
    "StreamNames",
    "ensure_streams",
    "format_batch_header",
    "parse_ack_subject",
    "parse_batch_header",
    "recovery_point",
]

BATCH_HEADER = "Venue-Orders"
"""Header of every execution message: `<first>-<last>/<part>` (journal sequence numbers)."""


@dataclass(frozen=True)
class StreamNames:
    """Names of the two streams for a subject prefix (`venue` -> `VENUE_ORDERS`, ...)."""

    orders: str
    exec: str

    @classmethod
    def for_prefix(cls, prefix: str) -> StreamNames:
        base = prefix.upper().replace(".", "_").replace("-", "_")
        return cls(f"{base}_ORDERS", f"{base}_EXEC")


async def ensure_streams(
    js: Any,
    subjects: Subjects,
    names: StreamNames,
    *,
    storage: api.StorageType = api.StorageType.FILE,
    duplicate_window: float = 120.0,
) -> None:
    """Creates the orders and exec streams if they do not exist. An existing stream is kept
    as it is, but must capture the expected subjects (else ValueError naming it)."""
    wanted = {
        names.orders: [subjects.orders("*")],
        names.exec: [subjects.exec("*")],
    }
    for name, subs in wanted.items():
        try:
            info = await js.stream_info(name)
        except NotFoundError:
            await js.add_stream(
                api.StreamConfig(
                    name=name,
                    subjects=subs,
                    retention=api.RetentionPolicy.LIMITS,
                    storage=storage,
                    discard=api.DiscardPolicy.OLD,
                    duplicate_window=duplicate_window,
                    allow_direct=True,
                )
            )
            continue
        have = list(info.config.subjects or [])
        if have != subs:
            raise ValueError(
                f"stream {name} exists with subjects {have}, expected {subs}: delete it or "
                f"use another subject prefix"
            )


def format_batch_header(first: int, last: int, part: int) -> str:
    """`first-last/part`."""
    return f"{first}-{last}/{part}"


def parse_batch_header(value: str | None) -> tuple[int, int, int] | None:
    """`(first, last, part)` from a `Venue-Orders` header, or None if absent or malformed."""
    if not value:
        return None
    try:
        span, part = value.split("/")
        first, last = span.split("-")
        return int(first), int(last), int(part)
    except ValueError:
        return None


@dataclass
class Recovery:
    """Where a restarted venue resumes.

    Journal entries up to `done` were fully answered: replay them silently. If `repair` is
    set, the batch `(first, last)` was being published when the venue stopped: replay it as
    one batch and publish only the parts not in `published`. Everything after is new.
    """

    done: int = 0
    repair: tuple[int, int] | None = None
    published: set[int] = field(default_factory=set)


async def recovery_point(js: Any, names: StreamNames, max_scan: int = 100_000) -> Recovery:
    """Reads the tail of the exec stream (see the module docstring)."""
    try:
        info = await js.stream_info(names.exec)
    except NotFoundError:
        return Recovery()
    first_seq, seq = info.state.first_seq, info.state.last_seq
    if info.state.messages == 0:
        return Recovery()
    batch: tuple[int, int] | None = None
    parts: set[int] = set()
    scanned = 0
    while seq >= first_seq and scanned < max_scan:
        scanned += 1
        try:
            msg = await js.get_msg(names.exec, seq)
        except NotFoundError:
            seq -= 1
            continue
        parsed = parse_batch_header((msg.headers or {}).get(BATCH_HEADER))
        seq -= 1
        if parsed is None:
            continue
        first, last, part = parsed
        if batch is None:
            batch = (first, last)
        elif (first, last) != batch:
            break
        parts.add(part)
    if batch is None:
        return Recovery()
    return Recovery(done=batch[0] - 1, repair=batch, published=parts)


def parse_ack_subject(reply: str) -> tuple[int, int]:
    """`(stream sequence, timestamp in ns)` of a JetStream message from its reply subject
    (`$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>`, or the
    12-token form with domain and account hash)."""
    tokens = reply.split(".")
    if len(tokens) == 9:
        return int(tokens[5]), int(tokens[7])
    if len(tokens) >= 11:
        return int(tokens[7]), int(tokens[9])
    raise ValueError(f"not a JetStream delivery subject: {reply!r}")
