"""The enums' codes are exactly those of docs/SEMANTICS.md (parsed from the page itself)."""

from __future__ import annotations

import re
from enum import IntEnum
from pathlib import Path

import pytest

import venue
from venue import _core
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

SEMANTICS = (Path(__file__).parents[1] / "docs" / "SEMANTICS.md").read_text()


def _listed(name: str) -> dict[str, int]:
    """The `NAME code` pairs of the bullet "- `Name` ...: A 0, B 1, ..." of SEMANTICS.md."""
    start = SEMANTICS.index(f"- `{name}`")
    end = SEMANTICS.index("\n- ", start + 1)
    text = SEMANTICS[start:end].split(":", 1)[1]
    return {m[1]: int(m[2]) for m in re.finditer(r"\b([A-Z][A-Z_]+) (\d+)\b", text)}


def _reason_table() -> dict[str, int]:
    rows = re.findall(r"^\| (\d+) \| ([A-Z_]+) \|", SEMANTICS, flags=re.MULTILINE)
    return {name: int(code) for code, name in rows}


def _members(enum: type[IntEnum]) -> dict[str, int]:
    return {m.name: int(m.value) for m in enum}


@pytest.mark.parametrize(
    ("doc_name", "enum"),
    [
        ("Side", Side),
        ("OrderType", OrderType),
        ("Tif", Tif),
        ("Action", Action),
        ("StpMode", StpMode),
        ("TradingState", TradingState),
        ("EventKind", EventKind),
    ],
)
def test_enum_codes_match_semantics(doc_name: str, enum: type[IntEnum]) -> None:
    documented = _listed(doc_name)
    assert documented, f"no codes parsed for {doc_name}"
    assert _members(enum) == documented


def test_reason_codes_match_semantics_table() -> None:
    documented = _reason_table()
    assert len(documented) == 34
    assert _members(Reason) == documented


def test_flags_and_all_instruments() -> None:
    assert "POST_ONLY 1" in SEMANTICS
    assert POST_ONLY == Flag.POST_ONLY == 1
    assert ALL_INSTRUMENTS == 0xFFFF_FFFF == _core.ALL_INSTRUMENTS


def test_enums_exported_from_package() -> None:
    for enum in (Side, OrderType, Tif, Action, StpMode, TradingState, EventKind, Reason):
        assert getattr(venue, enum.__name__) is enum
    assert venue.POST_ONLY is POST_ONLY
    assert venue.ALL_INSTRUMENTS == ALL_INSTRUMENTS
