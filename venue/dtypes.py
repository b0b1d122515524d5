"""numpy dtypes of the engine's input message and output event, and batch validation.

`ORDER_DTYPE` (64 bytes) mirrors the Rust `OrderMsg` and `EVENT_DTYPE` (80 bytes) the Rust
`Event`, field for field at the same byte offsets (the tables in docs/SEMANTICS.md). Both are
checked against the layouts the compiled module reports (`venue._core.ORDER_LAYOUT`,
`EVENT_LAYOUT`) when this module is imported: a mismatch (a stale build) raises ImportError
naming the field. The padding bytes are fields too (`_pad`, as in SEMANTICS.md), so the
dtypes have no gaps: numpy keeps them intact through `np.concatenate` and other promotions
(it drops the unnamed padding of a dtype with gaps, which would change its size).

>>> ORDER_DTYPE.itemsize, EVENT_DTYPE.itemsize
(64, 80)
>>> batch = orders(2)
>>> batch["price"] = [101, 102]
>>> as_order_array(batch) is batch  # the exact dtype, C-contiguous: used as is
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from venue import _core
from venue.errors import BatchFormatError

__all__ = [
    "EVENT_DTYPE",
    "ORDER_DTYPE",
    "ORDER_OPTIONAL_FIELDS",
    "ORDER_REQUIRED_FIELDS",
    "as_order_array",
    "events_from_bytes",
    "orders",
]


def _struct(fields: list[tuple[str, int, str]], itemsize: int) -> np.dtype:
    """A structured dtype from `(name, byte offset, type code)` rows and a total size."""
    return np.dtype(
        {
            "names": [f[0] for f in fields],
            "offsets": [f[1] for f in fields],
            "formats": [f[2] for f in fields],
            "itemsize": itemsize,
        }
    )


ORDER_DTYPE = _struct(
    [
        ("ts", 0, "<i8"),
        ("order_id", 8, "<u8"),
        ("client_order_id", 16, "<u8"),
        ("price", 24, "<i8"),
        ("qty", 32, "<i8"),
        ("display_qty", 40, "<i8"),
        ("instrument", 48, "<u4"),
        ("participant", 52, "<u4"),
        ("action", 56, "u1"),
        ("side", 57, "u1"),
        ("order_type", 58, "u1"),
        ("tif", 59, "u1"),
        ("flags", 60, "u1"),
        ("_pad", 61, "(3,)u1"),
    ],
    64,
)
"""One input message (Rust `OrderMsg`): 64 bytes; `_pad` (bytes 61..64) is ignored."""

EVENT_DTYPE = _struct(
    [
        ("seq", 0, "<u8"),
        ("ts", 8, "<i8"),
        ("order_id", 16, "<u8"),
        ("client_order_id", 24, "<u8"),
        ("price", 32, "<i8"),
        ("qty", 40, "<i8"),
        ("leaves", 48, "<i8"),
        ("maker_order_id", 56, "<u8"),
        ("instrument", 64, "<u4"),
        ("participant", 68, "<u4"),
        ("maker_participant", 72, "<u4"),
        ("kind", 76, "u1"),
        ("side", 77, "u1"),
        ("reason", 78, "u1"),
        ("_pad", 79, "u1"),
    ],
    80,
)
"""One output event (Rust `Event`): 80 bytes; `_pad` (byte 79) is always 0."""

_ORDER_SIZE = ORDER_DTYPE.itemsize

ORDER_REQUIRED_FIELDS: tuple[str, ...] = (
    "ts",
    "action",
    "participant",
    "side",
    "price",
    "qty",
    "instrument",
)
"""Fields a batch converted by `as_order_array` must have."""

ORDER_OPTIONAL_FIELDS: tuple[str, ...] = (
    "order_id",
    "client_order_id",
    "display_qty",
    "order_type",
    "tif",
    "flags",
)
"""Fields `as_order_array` fills with 0 when the batch lacks them."""


def _check_layout(
    dtype: np.dtype, layout: list[tuple[str, int, str]], size: int, what: str
) -> None:
    """Raises ImportError naming the first field where `dtype` and the Rust `layout` differ."""
    hint = "venue._core was built from a different layout; rebuild it with `make develop`"
    if dtype.itemsize != size:
        raise ImportError(f"{what}: itemsize {dtype.itemsize}, Rust size {size} ({hint})")
    fields = dtype.fields
    assert fields is not None
    rust_names = []
    for name, offset, code in layout:
        rust_names.append(name)
        if name not in fields:
            raise ImportError(f"{what}: field '{name}' of the Rust layout is missing ({hint})")
        ftype, foffset = fields[name][:2]
        if foffset != offset or ftype != np.dtype(code):
            raise ImportError(
                f"{what}: field '{name}' is {ftype.str} at offset {foffset}, "
                f"Rust has {np.dtype(code).str} at offset {offset} ({hint})"
            )
    for name in fields:
        if name not in rust_names and not name.startswith("_pad"):
            raise ImportError(f"{what}: field '{name}' is not in the Rust layout ({hint})")


_check_layout(ORDER_DTYPE, _core.ORDER_LAYOUT, _core.ORDER_SIZE, "ORDER_DTYPE")
_check_layout(EVENT_DTYPE, _core.EVENT_LAYOUT, _core.EVENT_SIZE, "EVENT_DTYPE")


def orders(n: int) -> np.ndarray:
    """A zeroed batch of `n` messages (`ORDER_DTYPE`): fill the columns, then `Engine.process`.

    Zero is a valid default for every field but `ts`, `participant`, `side`, `price` and `qty`:
    action NEW, order type LIMIT, tif GTC, no flags, fully displayed, instrument 0.

    >>> batch = orders(3)
    >>> batch.dtype == ORDER_DTYPE, len(batch), int(batch["qty"].sum())
    (True, 3, 0)
    """
    return np.zeros(n, dtype=ORDER_DTYPE)


def events_from_bytes(data: Any) -> np.ndarray:
    """Views a buffer of 80-byte event records (as `Engine.take_events` returns) as an array.

    No copy: the array shares the buffer's memory (and is read-only when the buffer is, as
    `bytes` are).

    >>> events_from_bytes(bytes(160))["seq"].tolist()
    [0, 0]
    """
    nbytes = memoryview(data).nbytes
    if nbytes % EVENT_DTYPE.itemsize:
        raise BatchFormatError(
            f"events: buffer of {nbytes} bytes is not a multiple of {EVENT_DTYPE.itemsize}"
        )
    return np.frombuffer(data, dtype=EVENT_DTYPE)


def as_order_array(arr: Any) -> np.ndarray:
    """Validates a batch of messages and returns it as a C-contiguous `ORDER_DTYPE` array.

    An array of exactly `ORDER_DTYPE` and C-contiguous is returned as is (no copy).
    Any other structured array is copied field by field into a new `ORDER_DTYPE` array: it
    must have the fields `ORDER_REQUIRED_FIELDS` (ts, action, participant, side, price, qty,
    instrument); the `ORDER_OPTIONAL_FIELDS` (order_id, client_order_id, display_qty,
    order_type, tif, flags) default to 0; other fields are ignored. Fields may have any
    integer dtype whose values fit the target type. `_pad` is left zero.

    Raises BatchFormatError, naming the field, for: an object that is not a 1-D numpy
    structured array, a missing required field, a field of non-integer dtype, a value that
    does not fit the field's type (e.g. side 256, or a negative order id).

    >>> src = np.zeros(2, dtype=[("ts", "i8"), ("action", "u1"), ("participant", "i4"),
    ...                          ("side", "i8"), ("price", "i8"), ("qty", "i4"),
    ...                          ("instrument", "u2")])
    >>> src["qty"] = [5, 7]
    >>> out = as_order_array(src)
    >>> out.dtype == ORDER_DTYPE, out["qty"].tolist(), out["tif"].tolist()
    (True, [5, 7], [0, 0])
    >>> try:
    ...     as_order_array(np.zeros(2, dtype=[("ts", "i8"), ("side", "f8")]))
    ... except BatchFormatError as err:
    ...     print(err)
    orders: missing required field 'action' (required: ts, action, participant, side, price, qty, instrument)
    """  # noqa: E501
    if not isinstance(arr, np.ndarray):
        raise BatchFormatError(
            f"orders: expected a numpy structured array of ORDER_DTYPE, got {type(arr).__name__}"
        )
    if arr.ndim == 0:
        arr = arr.reshape(1)
    elif arr.ndim != 1:
        raise BatchFormatError(f"orders: expected a 1-D array, got {arr.ndim} dimensions")
    if arr.dtype == ORDER_DTYPE and (arr.strides[0] == _ORDER_SIZE or len(arr) <= 1):
        return arr  # C-contiguous (for 1-D: unit stride); the binding copes with misalignment
    fields = arr.dtype.fields
    if fields is None:
        raise BatchFormatError(
            f"orders: not a structured array (dtype {arr.dtype}); expected the fields of "
            f"ORDER_DTYPE, at least {', '.join(ORDER_REQUIRED_FIELDS)}"
        )
    for name in ORDER_REQUIRED_FIELDS:
        if name not in fields:
            raise BatchFormatError(
                f"orders: missing required field '{name}' "
                f"(required: {', '.join(ORDER_REQUIRED_FIELDS)})"
            )
    out = np.zeros(arr.shape[0], dtype=ORDER_DTYPE)
    target_fields = ORDER_DTYPE.fields
    assert target_fields is not None
    for name in ORDER_REQUIRED_FIELDS + ORDER_OPTIONAL_FIELDS:
        if name not in fields:
            continue
        target = target_fields[name][0]
        source: np.dtype = fields[name][0]
        if source.shape != ():
            raise BatchFormatError(
                f"orders: field '{name}' is a sub-array {source.shape}; expected a scalar integer"
            )
        if source.kind not in "iu":
            raise BatchFormatError(
                f"orders: field '{name}' has dtype {source}; expected an integer dtype "
                f"(ORDER_DTYPE has {target})"
            )
        column = arr[name]
        if len(column) and not np.can_cast(source, target, casting="safe"):
            info = np.iinfo(target)
            bad = np.flatnonzero((column < info.min) | (column > info.max))
            if len(bad):
                row = int(bad[0])
                raise BatchFormatError(
                    f"orders: field '{name}' row {row}: value {column[row]} does not fit "
                    f"{target} ({info.min}..{info.max})"
                )
        out[name] = column
    return out
