"""The engine's enumerations, with exactly the numeric codes of docs/SEMANTICS.md.

Every code is part of the contract: the Rust engine, the numpy dtypes and these enums agree on
them. They are `IntEnum`s, so a member is usable wherever the engine takes an integer, and a
code read from an event array converts back to its name:

>>> Side.SELL == 1
True
>>> Reason(6).name
'OFF_TICK'
>>> int(Flag.POST_ONLY)
1
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

__all__ = [
    "ALL_INSTRUMENTS",
    "POST_ONLY",
    "Action",
    "EventKind",
    "Flag",
    "OrderType",
    "Reason",
    "Side",
    "StpMode",
    "Tif",
    "TradingState",
]

ALL_INSTRUMENTS: int = 0xFFFF_FFFF
"""Instrument id meaning "all instruments" in a mass cancel and in `expire_day_orders`."""


class Side(IntEnum):
    """Side of an order; for a TRADE event, the aggressor's (taker's) side."""

    BUY = 0
    SELL = 1


class OrderType(IntEnum):
    """Order type. A MARKET order needs IOC or FOK and ignores its price."""

    LIMIT = 0
    MARKET = 1


class Tif(IntEnum):
    """Time in force. Only GTC and DAY orders rest in the book."""

    GTC = 0
    DAY = 1
    IOC = 2
    FOK = 3


class Flag(IntFlag):
    """Flag bits of a NEW order. Bits other than these must be zero."""

    NONE = 0
    POST_ONLY = 1


POST_ONLY: int = Flag.POST_ONLY
"""Flag bit: the order must rest; rejected (POST_ONLY_WOULD_CROSS) if it would cross."""


class Action(IntEnum):
    """What an input message asks for."""

    NEW = 0
    CANCEL = 1
    REDUCE = 2
    REPLACE = 3
    MASS_CANCEL = 4


class StpMode(IntEnum):
    """Self-trade prevention mode of a participant (default NONE: self trades happen)."""

    NONE = 0
    CANCEL_NEWEST = 1
    CANCEL_OLDEST = 2
    CANCEL_BOTH = 3
    DECREMENT_AND_CANCEL = 4


class TradingState(IntEnum):
    """Trading state of an instrument. A HALTED one rejects NEW and REPLACE."""

    OPEN = 0
    HALTED = 1


class EventKind(IntEnum):
    """Kind of an output event."""

    ACCEPTED = 0
    REJECTED = 1
    TRADE = 2
    CANCELLED = 3
    REPLACED = 4
    BOOK_ADD = 5
    BOOK_MODIFY = 6
    BOOK_DELETE = 7
    TRADING_STATE = 8
    """An instrument's trading state changed: `qty` is the new `TradingState`, `reason` the
    cause (NONE for an API or scheduled halt/resume, PRICE_BAND for a band pause), `leaves` the
    time the halt ends (0 if open-ended)."""


class Reason(IntEnum):
    """Why an order was rejected or cancelled (one code space; 0 on every other event).

    Codes 1 to 17 are rejects, 32 to 37 cancels; 64 to 73 are risk controls (docs/RISK.md):
    rejects, and cancels for KILL_SWITCH and PRICE_BAND.
    """

    NONE = 0
    UNKNOWN_INSTRUMENT = 1
    INVALID_SIDE = 2
    INVALID_ORDER_TYPE = 3
    INVALID_TIF = 4
    INVALID_PRICE = 5
    OFF_TICK = 6
    INVALID_QTY = 7
    OFF_LOT = 8
    QTY_BELOW_MIN = 9
    QTY_ABOVE_MAX = 10
    INVALID_DISPLAY_QTY = 11
    DUPLICATE_CLIENT_ORDER_ID = 12
    UNKNOWN_ORDER = 13
    NOT_OWNER = 14
    POST_ONLY_WOULD_CROSS = 15
    INVALID_ACTION = 16
    INSTRUMENT_HALTED = 17
    USER_CANCEL = 32
    IOC_REMAINDER = 33
    FOK_UNFILLED = 34
    SELF_TRADE = 35
    MASS_CANCEL = 36
    EXPIRED = 37
    RISK_MAX_ORDER_QTY = 64
    RISK_MAX_ORDER_NOTIONAL = 65
    RISK_PRICE_COLLAR = 66
    RISK_MAX_POSITION = 67
    RISK_CREDIT_LIMIT = 68
    RISK_THROTTLE = 69
    RISK_CLIENT_ID_REUSED = 70
    RISK_RESTRICTED = 71
    KILL_SWITCH = 72
    PRICE_BAND = 73
