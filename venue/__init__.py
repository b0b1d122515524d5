"""venue: an exchange simulator and market-microstructure lab.

A Rust L3 price-time priority matching engine driven from Python. Integers on the matching
path (prices in price units, quantities in quantity units, timestamps in ns), every outcome
an event with a sequence number, rejections as events with a `Reason`, a deterministic state
hash. The contract is docs/SEMANTICS.md.

>>> import venue
>>> eng = venue.Engine()
>>> eng.add_instrument("XYZ", tick_size=5)
0
>>> eng.buy("XYZ", 10, price=102, participant=1)  # off tick: rejected, not raised
0
>>> venue.Reason(int(eng.events()["reason"][-1])).name
'OFF_TICK'
"""

from venue import _core
from venue.dtypes import EVENT_DTYPE, ORDER_DTYPE, as_order_array, orders
from venue.engine import (
    Book,
    Engine,
    Instrument,
    L3Book,
    L3Level,
    Level,
    QueueEntry,
    describe_events,
)
from venue.enums import (
    ALL_INSTRUMENTS,
    POST_ONLY,
    Action,
    EventKind,
    Flag,
    OrderType,
    Reason,
    Side,
    StpMode,
    Tif,
    TradingState,
)
from venue.errors import (
    BatchFormatError,
    ConfigError,
    InternalError,
    UnknownInstrumentError,
    VenueError,
)

__version__: str = _core.VERSION


def __getattr__(name: str):
    # `venue.run` and `venue.RunResult` load the simulator (and pyarrow) only when asked for.
    if name in ("run", "RunResult"):
        from venue import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'venue' has no attribute {name!r}")


__all__ = [
    "ALL_INSTRUMENTS",
    "EVENT_DTYPE",
    "ORDER_DTYPE",
    "POST_ONLY",
    "Action",
    "BatchFormatError",
    "Book",
    "ConfigError",
    "Engine",
    "EventKind",
    "Flag",
    "Instrument",
    "InternalError",
    "L3Book",
    "L3Level",
    "Level",
    "OrderType",
    "QueueEntry",
    "Reason",
    "RunResult",
    "Side",
    "StpMode",
    "Tif",
    "TradingState",
    "UnknownInstrumentError",
    "VenueError",
    "__version__",
    "as_order_array",
    "describe_events",
    "orders",
    "run",
]
