"""The JSON codec: requests in, execution reports out (docs/PROTOCOL.md, "JSON").

Decoding never raises: every problem becomes a `RequestError` naming the request and the
field. Integers must be JSON integers (no floats, strings or booleans) that fit the engine's
field; enumerations are names (case-insensitive) or their numeric codes.

>>> reqs = decode_requests(b'{"type": "new", "client_order_id": 7, "symbol": "XYZ",'
...                        b' "side": "buy", "price": 101, "qty": 5}', {"XYZ": 0}, 3)
>>> reqs[0].action, reqs[0].client_order_id, reqs[0].price, reqs[0].tif
(0, 7, 101, 0)
>>> decode_requests(b'{"type": "new", "client_order_id": 8, "symbol": "XYZ", "side": "buy",'
...                 b' "price": 101, "qty": 5.5}', {"XYZ": 0}, 3)[0].error
"request 0: field 'qty' must be an integer, got 5.5 (float)"
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from venue.enums import ALL_INSTRUMENTS, Action, OrderType, Tif
from venue.gateway.protocol import (
    ACTION_NAMES,
    MAX_I64,
    MAX_U32,
    MAX_U64,
    MIN_I64,
    ORDER_TYPE_NAMES,
    SIDE_NAMES,
    TIF_NAMES,
    Request,
    RequestError,
)

__all__ = ["decode_requests", "dumps"]

_NEW, _CANCEL, _REDUCE, _REPLACE, _MASS = (int(a) for a in Action)
_LIMIT, _MARKET = int(OrderType.LIMIT), int(OrderType.MARKET)
_GTC, _IOC = int(Tif.GTC), int(Tif.IOC)

_COMMON = frozenset({"type", "client_order_id", "participant"})
_TARGET = frozenset({"order_id", "orig_client_order_id"})
_INSTRUMENT = frozenset({"symbol", "instrument"})
_FIELDS: dict[int, frozenset[str]] = {
    _NEW: _COMMON
    | _INSTRUMENT
    | {"side", "price", "qty", "order_type", "tif", "post_only", "display_qty"},
    _CANCEL: _COMMON | _TARGET,
    _REDUCE: _COMMON | _TARGET | {"qty"},
    _REPLACE: _COMMON | _TARGET | {"price", "qty"},
    _MASS: _COMMON | _INSTRUMENT,
}

_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, check_circular=False)


def dumps(obj: Any) -> bytes:
    """Compact JSON bytes (no spaces, ASCII)."""
    return _encoder.encode(obj).encode()


class _Invalid(Exception):
    """Internal: one request is invalid; the message names the field."""


def decode_requests(
    payload: bytes, symbols: Mapping[str, int], participant: int
) -> list[Request | RequestError]:
    """Decodes one JSON message (an object, or an array of objects) into requests.

    `symbols` maps instrument symbols to ids; `participant` is the sender (from the subject):
    a request that names another participant is invalid. Returns one entry per request, in
    order: a `Request`, or a `RequestError` for a request that cannot be accepted. A message
    that is not JSON, or neither an object nor a non-empty array, gives one `RequestError`.
    """
    try:
        doc = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as err:
        return [RequestError(0, None, f"message is not valid JSON: {err}")]
    if isinstance(doc, dict):
        items: list[Any] = [doc]
    elif isinstance(doc, list):
        if not doc:
            return [RequestError(0, None, "message is an empty array: no request to process")]
        items = doc
    else:
        return [
            RequestError(
                0, None, f"message must be a JSON object or array, got {type(doc).__name__}"
            )
        ]
    out: list[Request | RequestError] = []
    for index, item in enumerate(items):
        coid: int | None = None
        try:
            if not isinstance(item, dict):
                raise _Invalid(f"must be a JSON object, got {type(item).__name__}")
            raw_coid = item.get("client_order_id")
            if type(raw_coid) is int and 0 < raw_coid <= MAX_U64:
                coid = raw_coid
            out.append(_request(item, symbols, participant))
        except _Invalid as err:
            out.append(RequestError(index, coid, f"request {index}: {err}"))
    return out


def _request(item: dict[str, Any], symbols: Mapping[str, int], participant: int) -> Request:
    kind = item.get("type")
    if not isinstance(kind, str) or kind.lower() not in ACTION_NAMES:
        names = ", ".join(ACTION_NAMES)
        raise _Invalid(f"field 'type' must be one of {names}, got {kind!r}")
    action = ACTION_NAMES[kind.lower()]
    unknown = sorted(set(item) - _FIELDS[action])
    if unknown:
        raise _Invalid(f"unknown field {unknown[0]!r} for type {kind.lower()!r}")
    coid = _int(item, "client_order_id", 1, MAX_U64, required=True)
    if "participant" in item:
        sender = _int(item, "participant", 0, MAX_U32, required=True)
        if sender != participant:
            raise _Invalid(
                f"field 'participant' is {sender} but this subject belongs to participant "
                f"{participant}"
            )
    if action == _NEW:
        return _new(item, coid, symbols)
    if action == _MASS:
        instrument = _instrument(item, symbols, required=False)
        return Request(action, coid, instrument=instrument)
    order_id = _int(item, "order_id", 1, MAX_U64)
    orig = _int(item, "orig_client_order_id", 1, MAX_U64)
    if (order_id == 0) == (orig == 0):
        raise _Invalid("give exactly one of 'order_id' and 'orig_client_order_id'")
    qty = _int(item, "qty", MIN_I64, MAX_I64, required=action != _CANCEL)
    price = _int(item, "price", MIN_I64, MAX_I64, required=action == _REPLACE)
    return Request(action, coid, order_id, orig, price=price, qty=qty)


def _new(item: dict[str, Any], coid: int, symbols: Mapping[str, int]) -> Request:
    instrument = _instrument(item, symbols, required=True)
    side = _enum(item, "side", SIDE_NAMES, required=True)
    qty = _int(item, "qty", MIN_I64, MAX_I64, required=True)
    has_price = item.get("price") is not None
    price = _int(item, "price", MIN_I64, MAX_I64)
    default_type = _LIMIT if has_price else _MARKET
    order_type = _enum(item, "order_type", ORDER_TYPE_NAMES, default=default_type)
    if order_type == _LIMIT and not has_price:
        raise _Invalid("field 'price' is required for a limit order")
    default_tif = _IOC if order_type == _MARKET else _GTC
    tif = _enum(item, "tif", TIF_NAMES, default=default_tif)
    post_only = item.get("post_only", False)
    if not isinstance(post_only, bool):
        raise _Invalid(f"field 'post_only' must be true or false, got {post_only!r}")
    display_qty = _int(item, "display_qty", MIN_I64, MAX_I64)
    return Request(
        _NEW,
        coid,
        instrument=instrument,
        side=side,
        order_type=order_type,
        tif=tif,
        flags=1 if post_only else 0,
        price=price,
        qty=qty,
        display_qty=display_qty,
    )


def _int(item: dict[str, Any], name: str, lo: int, hi: int, *, required: bool = False) -> int:
    value = item.get(name)
    if value is None:
        if required:
            raise _Invalid(f"field {name!r} is required")
        return 0
    if type(value) is not int:
        raise _Invalid(f"field {name!r} must be an integer, got {value!r} ({type(value).__name__})")
    if not lo <= value <= hi:
        raise _Invalid(f"field {name!r} is {value}, outside {lo}..{hi}")
    return value


def _enum(
    item: dict[str, Any],
    name: str,
    names: Mapping[str, int],
    *,
    required: bool = False,
    default: int = 0,
) -> int:
    value = item.get(name)
    if value is None:
        if required:
            raise _Invalid(f"field {name!r} is required")
        return default
    if isinstance(value, str) and value.lower() in names:
        return names[value.lower()]
    if type(value) is int and 0 <= value <= 255:
        return value  # a code: the engine judges it (e.g. REJECTED INVALID_SIDE)
    raise _Invalid(f"field {name!r} must be one of {', '.join(names)}, got {value!r}")


def _instrument(item: dict[str, Any], symbols: Mapping[str, int], *, required: bool) -> int:
    if "symbol" in item and "instrument" in item:
        raise _Invalid("give 'symbol' or 'instrument', not both")
    if "symbol" in item:
        symbol = item["symbol"]
        if not isinstance(symbol, str):
            raise _Invalid(f"field 'symbol' must be a string, got {symbol!r}")
        if symbol not in symbols:
            known = ", ".join(sorted(symbols)) or "none"
            raise _Invalid(f"unknown symbol {symbol!r} (known: {known})")
        return symbols[symbol]
    if "instrument" in item:
        return _int(item, "instrument", 0, MAX_U32, required=True)
    if required:
        raise _Invalid("field 'symbol' (or 'instrument') is required")
    return ALL_INSTRUMENTS
