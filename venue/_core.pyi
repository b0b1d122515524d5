"""Type stub of the private extension module `venue._core` (built from rust_core/py).

Users import `venue`, never `venue._core`. Integers only: prices in price units, quantities
in quantity units, timestamps in ns; enum arguments are their integer codes (IntEnum values
from `venue` work). Semantics: docs/SEMANTICS.md.
"""

from collections.abc import Buffer

VERSION: str
ALL_INSTRUMENTS: int
ORDER_SIZE: int  # 64
EVENT_SIZE: int  # 80
ORDER_LAYOUT: list[tuple[str, int, str]]  # (field, byte offset, numpy type code)
EVENT_LAYOUT: list[tuple[str, int, str]]

class VenueError(Exception):
    """Base class of every error the engine raises."""

class ConfigError(VenueError):
    """An invalid instrument specification or configuration value."""

class UnknownInstrumentError(VenueError):
    """A query or configuration call named an instrument that does not exist."""

class BatchFormatError(VenueError):
    """A batch buffer is malformed (size not a multiple of 64 bytes, not contiguous)."""

class InternalError(VenueError):
    """The engine panicked; the engine object is unusable from then on."""

class Engine:
    """The Rust matching engine. Events accumulate in an internal buffer until taken."""

    def __init__(self, order_capacity: int = 65536, event_capacity: int = 65536) -> None: ...
    def add_instrument(
        self,
        tick_size: int = 1,
        lot_size: int = 1,
        min_qty: int = 1,
        max_qty: int = 1_000_000_000,
    ) -> int: ...
    def instrument_count(self) -> int: ...
    def set_stp_mode(self, participant: int, mode: int) -> None: ...
    def set_trading_state(self, instrument: int, state: int) -> None: ...
    def trading_state(self, instrument: int) -> int: ...

    # One message per call; returns the new order id (0 if rejected) for submit.
    def submit(
        self,
        ts: int,
        participant: int,
        instrument: int,
        side: int,
        price: int,
        qty: int,
        order_type: int = 0,
        tif: int = 0,
        flags: int = 0,
        display_qty: int = 0,
        client_order_id: int = 0,
    ) -> int: ...
    def cancel(self, ts: int, participant: int, order_id: int) -> None: ...
    def reduce(self, ts: int, participant: int, order_id: int, qty: int) -> None: ...
    def replace(self, ts: int, participant: int, order_id: int, price: int, qty: int) -> None: ...
    def mass_cancel(self, ts: int, participant: int, instrument: int = ...) -> None: ...
    def expire_day_orders(self, ts: int, instrument: int = ...) -> None: ...

    # A batch: C-contiguous 64-byte records laid out as ORDER_LAYOUT, processed with the
    # GIL released. Returns the number of events the batch produced.
    def process_buffer(self, orders: Buffer) -> int: ...

    # Events: drains the buffer, 80-byte records laid out as EVENT_LAYOUT.
    def take_events(self) -> bytes: ...
    def pending_events(self) -> int: ...

    # Queries.
    def bbo(self, instrument: int) -> tuple[int | None, int, int | None, int]: ...
    def depth(self, instrument: int, side: int, n: int) -> list[tuple[int, int, int]]: ...
    # Each order: (order_id, participant, client_order_id, displayed, leaves).
    def queue(
        self, instrument: int, side: int, price: int
    ) -> list[tuple[int, int, int, int, int]]: ...
    def order(self, order_id: int) -> dict[str, int] | None: ...
    def live_orders(self) -> int: ...
    def next_seq(self) -> int: ...
    def next_order_id(self) -> int: ...
    def state_hash(self) -> int: ...

    # Measurement (venue bench). While on, every message is timed inside Rust: in a batch,
    # each message's processing; in one-call-per-message use, the time from one call's entry
    # to the next call's entry (so it includes the caller's loop).
    def timing_start(self) -> None: ...
    def timing_stop(self) -> dict[str, int]: ...  # count, p50, p90, p99, p999, p9999, max (ns)
