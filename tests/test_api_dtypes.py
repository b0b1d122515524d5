"""ORDER_DTYPE and EVENT_DTYPE against the Rust layouts, and batch validation/conversion."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import venue
from venue import _core
from venue.dtypes import (
    EVENT_DTYPE,
    ORDER_DTYPE,
    ORDER_OPTIONAL_FIELDS,
    ORDER_REQUIRED_FIELDS,
    _check_layout,
    as_order_array,
    events_from_bytes,
    orders,
)
from venue.errors import BatchFormatError, VenueError


def _layout(dtype: np.dtype) -> list[tuple[str, int, str]]:
    fields = dtype.fields
    assert fields is not None
    return [(n, off, np.dtype(t).str) for n, (t, off) in fields.items() if n != "_pad"]


@pytest.mark.parametrize(
    ("dtype", "layout", "size"),
    [
        (ORDER_DTYPE, _core.ORDER_LAYOUT, _core.ORDER_SIZE),
        (EVENT_DTYPE, _core.EVENT_LAYOUT, _core.EVENT_SIZE),
    ],
)
def test_dtype_matches_rust_layout(dtype: np.dtype, layout: list, size: int) -> None:
    assert dtype.itemsize == size
    rust = [(name, off, np.dtype(code).str) for name, off, code in layout]
    assert _layout(dtype) == rust


def test_sizes_and_exports() -> None:
    assert (ORDER_DTYPE.itemsize, EVENT_DTYPE.itemsize) == (64, 80)
    assert venue.ORDER_DTYPE is ORDER_DTYPE
    assert venue.EVENT_DTYPE is EVENT_DTYPE
    all_fields = set(ORDER_REQUIRED_FIELDS) | set(ORDER_OPTIONAL_FIELDS) | {"_pad"}
    assert all_fields == set(ORDER_DTYPE.names)


@pytest.mark.parametrize("dtype", [ORDER_DTYPE, EVENT_DTYPE])
def test_dtype_has_no_gaps_and_survives_promotion(dtype: np.dtype) -> None:
    """Padding is a named field: the fields tile the record exactly, so numpy's promotion
    (np.concatenate, np.result_type) keeps the dtype instead of dropping unnamed padding."""
    fields = sorted((off, t.itemsize) for t, off in dtype.fields.values())
    ends = [0] + [off + size for off, size in fields]
    assert [off for off, _ in fields] == ends[:-1] and ends[-1] == dtype.itemsize
    a = np.zeros(2, dtype=dtype)
    assert np.concatenate([a, a]).dtype == dtype
    assert np.result_type(dtype, dtype) == dtype


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda rows: [r if r[0] != "qty" else ("qty", 40, r[2]) for r in rows], "qty"),
        (lambda rows: [r if r[0] != "side" else ("side", r[1], "<u2") for r in rows], "side"),
        (lambda rows: [*rows, ("venue_id", 61, "u1")], "venue_id"),
        (lambda rows: [r for r in rows if r[0] != "flags"], "flags"),
    ],
)
def test_layout_mismatch_raises_naming_the_field(mutate, field: str) -> None:
    bad = mutate(list(_core.ORDER_LAYOUT))
    with pytest.raises(ImportError, match=f"'{field}'"):
        _check_layout(ORDER_DTYPE, bad, 64, "ORDER_DTYPE")


def test_layout_size_mismatch_raises() -> None:
    with pytest.raises(ImportError, match="itemsize 64, Rust size 72"):
        _check_layout(ORDER_DTYPE, _core.ORDER_LAYOUT, 72, "ORDER_DTYPE")


def test_orders_is_zeroed() -> None:
    batch = orders(4)
    assert batch.dtype == ORDER_DTYPE and batch.shape == (4,)
    assert batch.tobytes() == bytes(4 * 64)


def test_exact_dtype_is_used_without_copy() -> None:
    batch = orders(3)
    assert as_order_array(batch) is batch
    view = batch[1:]  # still contiguous and aligned
    assert np.shares_memory(as_order_array(view), batch)


def test_strided_exact_dtype_is_copied() -> None:
    batch = orders(4)
    batch["qty"] = [1, 2, 3, 4]
    out = as_order_array(batch[::2])
    assert out.flags.c_contiguous and not np.shares_memory(out, batch)
    assert out["qty"].tolist() == [1, 3]


def _foreign(n: int, with_optional: bool = False) -> np.ndarray:
    fields = [
        ("qty", "i4"),
        ("price", "u4"),
        ("side", "i1"),
        ("instrument", "i8"),
        ("participant", "u2"),
        ("action", "u8"),
        ("ts", "i4"),
        ("note", "U4"),  # an extra field: ignored
    ]
    if with_optional:
        fields += [("tif", "i2"), ("client_order_id", "u4"), ("flags", "u1")]
    return np.zeros(n, dtype=fields)


def test_foreign_dtype_copied_field_by_field_with_defaults() -> None:
    src = _foreign(3)
    src["qty"] = [10, 20, 30]
    src["price"] = [101, 102, 103]
    src["side"] = [0, 1, 0]
    src["instrument"] = [0, 0, 1]
    src["participant"] = [7, 8, 9]
    src["action"] = [0, 0, 4]
    src["ts"] = [5, 6, 7]
    src["note"] = "x"
    out = as_order_array(src)
    assert out.dtype == ORDER_DTYPE and out.flags.c_contiguous
    for name in ORDER_REQUIRED_FIELDS:
        assert out[name].tolist() == src[name].tolist(), name
    for name in ORDER_OPTIONAL_FIELDS:
        assert out[name].tolist() == [0, 0, 0], name


@settings(max_examples=60, derandomize=True, deadline=None)
@given(
    n=st.integers(0, 20),
    data=st.data(),
    optional=st.sets(st.sampled_from(ORDER_OPTIONAL_FIELDS)),
)
def test_conversion_preserves_values_of_any_fitting_integer_dtype(n, data, optional) -> None:
    """Every field present, in any integer dtype that can hold the values, arrives intact."""
    target = ORDER_DTYPE.fields
    assert target is not None
    names = list(ORDER_REQUIRED_FIELDS) + sorted(optional)
    layout = []
    columns = {}
    for name in names:
        tinfo = np.iinfo(target[name][0])
        src_type = data.draw(st.sampled_from(["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8"]))
        sinfo = np.iinfo(np.dtype(src_type))
        lo, hi = max(tinfo.min, sinfo.min), min(tinfo.max, sinfo.max)
        columns[name] = data.draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n))
        layout.append((name, src_type))
    src = np.zeros(n, dtype=layout)
    for name, values in columns.items():
        src[name] = values
    out = as_order_array(src)
    assert out.dtype == ORDER_DTYPE and len(out) == n
    for name in ORDER_REQUIRED_FIELDS + ORDER_OPTIONAL_FIELDS:
        assert out[name].tolist() == columns.get(name, [0] * n), name


def test_big_endian_copy_of_the_exact_fields() -> None:
    src = orders(2).astype(ORDER_DTYPE.newbyteorder(">"))
    src["qty"] = [3, 4]
    out = as_order_array(src)
    assert out.dtype == ORDER_DTYPE and out["qty"].tolist() == [3, 4]


@pytest.mark.parametrize("missing", ORDER_REQUIRED_FIELDS)
def test_missing_required_field(missing: str) -> None:
    src = _foreign(2)
    kept = [n for n in src.dtype.names if n != missing]
    with pytest.raises(BatchFormatError, match=f"missing required field '{missing}'"):
        as_order_array(src[kept])


@pytest.mark.parametrize(
    ("field", "dtype"),
    [
        ("price", "f8"),
        ("qty", "f4"),
        ("side", "?"),
        ("ts", "M8[ns]"),
        ("tif", "U3"),
        ("participant", "O"),
    ],
)
def test_non_integer_field(field: str, dtype: str) -> None:
    layout = [(n, dtype if n == field else "i8") for n in (*ORDER_REQUIRED_FIELDS, "tif")]
    src = np.zeros(2, dtype=layout)
    with pytest.raises(BatchFormatError, match=f"field '{field}' has dtype"):
        as_order_array(src)


def test_sub_array_field() -> None:
    layout = [(n, "i8") for n in ORDER_REQUIRED_FIELDS] + [("flags", "u1", (2,))]
    with pytest.raises(BatchFormatError, match="field 'flags' is a sub-array"):
        as_order_array(np.zeros(1, dtype=layout))


@pytest.mark.parametrize(
    ("field", "src_type", "value"),
    [
        ("side", "i8", 256),
        ("side", "i8", -1),
        ("action", "u2", 300),
        ("instrument", "i8", 2**32),
        ("participant", "i8", -5),
        ("order_id", "i8", -1),
        ("client_order_id", "i4", -2),
        ("price", "u8", 2**63),
        ("flags", "i2", 1000),
    ],
)
def test_out_of_range_value_names_field_and_row(field: str, src_type: str, value: int) -> None:
    names = list(dict.fromkeys([*ORDER_REQUIRED_FIELDS, field]))
    src = np.zeros(3, dtype=[(n, src_type if n == field else "i8") for n in names])
    src[field][2] = value
    with pytest.raises(BatchFormatError, match=f"field '{field}' row 2: value {value} "):
        as_order_array(src)


def test_in_range_values_of_wider_types_are_accepted() -> None:
    names = ORDER_REQUIRED_FIELDS
    src = np.zeros(2, dtype=[(n, "i8") for n in names])
    src["side"] = [0, 255]
    src["instrument"] = [0, 2**32 - 1]
    out = as_order_array(src)
    assert out["side"].tolist() == [0, 255]
    assert out["instrument"].tolist() == [0, 2**32 - 1]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.zeros(3, dtype=np.int64), "not a structured array"),
        (np.zeros((2, 2), dtype=ORDER_DTYPE), "expected a 1-D array"),
        ([(0, 0)], "got list"),
        (bytes(64), "got bytes"),
        (None, "got NoneType"),
    ],
)
def test_not_a_structured_1d_array(value, message: str) -> None:
    with pytest.raises(BatchFormatError, match=message):
        as_order_array(value)


def test_zero_dim_record_becomes_one_row() -> None:
    rec = orders(1)[0:1].reshape(())
    assert as_order_array(rec).shape == (1,)


def test_batch_format_error_is_a_venue_error() -> None:
    assert issubclass(BatchFormatError, VenueError)


def test_events_from_bytes() -> None:
    raw = bytes(range(80)) * 2
    ev = events_from_bytes(raw)
    assert ev.dtype == EVENT_DTYPE and len(ev) == 2
    assert int(ev["seq"][0]) == int.from_bytes(raw[0:8], "little")
    assert int(ev["maker_participant"][1]) == int.from_bytes(raw[72:76], "little")
    assert int(ev["reason"][1]) == 78
    with pytest.raises(BatchFormatError, match="not a multiple of 80"):
        events_from_bytes(bytes(81))
