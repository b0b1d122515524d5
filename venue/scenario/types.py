"""The schema language of scenario files: field types that validate a YAML node and say
what they expected.

A type's `convert(node, path, ctx)` returns the Python value, or `INVALID` after recording
an `Issue` (file, line, field path, expectation) in `ctx`; validation goes on, so one pass
reports every problem. `describe()` is the expectation in words, used in messages and in
the generated reference of docs/SCENARIOS.md.

>>> from venue.scenario.yamlnodes import parse
>>> rec = Record("demo", [Field("count", Int(min=0)), Field("every", Duration(), default=10**9)])
>>> ctx = Ctx("t.yaml")
>>> rec.convert(parse("count: 3\\nevery: 2s\\n", "t.yaml"), "", ctx)
{'count': 3, 'every': 2000000000}
>>> rec.convert(parse("count: -1\\nspeed: 2\\n", "t.yaml"), "", ctx) is INVALID
True
>>> for issue in ctx.issues:
...     print(issue)
t.yaml:2: speed: unknown key; expected one of: count, every
t.yaml:1: count: expected an integer >= 0, got -1 (an integer)
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from venue.scenario.errors import Issue
from venue.scenario.yamlnodes import YNode

__all__ = [
    "INVALID",
    "REQUIRED",
    "Bool",
    "Choice",
    "Ctx",
    "Date",
    "Duration",
    "Either",
    "Field",
    "Float",
    "Int",
    "ListOf",
    "MapOf",
    "Record",
    "Str",
    "Symbol",
    "TimeOfDay",
    "Type",
    "parse_duration",
    "parse_time_of_day",
]


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


INVALID: Any = _Sentinel("INVALID")
"""Returned by `convert` when the node is invalid (an issue has been recorded)."""

REQUIRED: Any = _Sentinel("REQUIRED")
"""Default of a field that must be given."""


class Ctx:
    """Validation context: the file name, the issues found, the instrument symbols known so
    far (for `Symbol` fields) and checks to run once everything is read."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[Issue] = []
        self.symbols: set[str] | None = None
        self.deferred: list[Callable[[], None]] = []

    def error(self, line: int | None, path: str, message: str) -> Any:
        """Records an issue; returns INVALID (so `return ctx.error(...)` reads well)."""
        self.issues.append(Issue(self.file, line, path, message))
        return INVALID


class Type:
    """Base of the field types."""

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def _bad(self, node: YNode, path: str, ctx: Ctx) -> Any:
        return ctx.error(node.line, path, f"expected {self.describe()}, got {node.describe()}")


def _bounds(lo: Any, hi: Any, lo_open: bool = False) -> str:
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '>='} {lo}")
    if hi is not None:
        parts.append(f"<= {hi}")
    return (" " + " and ".join(parts)) if parts else ""


class Int(Type):
    """An integer (not a boolean), optionally bounded."""

    def __init__(self, min: int | None = None, max: int | None = None) -> None:
        self.min, self.max = min, max

    def describe(self) -> str:
        return "an integer" + _bounds(self.min, self.max)

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        v = node.value
        if node.kind != "scalar" or isinstance(v, bool) or not isinstance(v, int):
            return self._bad(node, path, ctx)
        if (self.min is not None and v < self.min) or (self.max is not None and v > self.max):
            return self._bad(node, path, ctx)
        return v


class Float(Type):
    """A real number (integers accepted; unquoted forms like `5e-5`, which YAML 1.1 reads as
    text, are accepted too), optionally bounded; never NaN or infinite."""

    def __init__(
        self, min: float | None = None, max: float | None = None, min_open: bool = False
    ) -> None:
        self.min, self.max, self.min_open = min, max, min_open

    def describe(self) -> str:
        return "a number" + _bounds(self.min, self.max, self.min_open)

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        v = node.value
        if node.kind != "scalar" or isinstance(v, bool):
            return self._bad(node, path, ctx)
        if isinstance(v, str) and node.plain:
            try:
                v = float(v)
            except ValueError:
                return self._bad(node, path, ctx)
        if not isinstance(v, int | float) or not math.isfinite(v):
            return self._bad(node, path, ctx)
        v = float(v)
        if self.min is not None and (v < self.min or (self.min_open and v == self.min)):
            return self._bad(node, path, ctx)
        if self.max is not None and v > self.max:
            return self._bad(node, path, ctx)
        return v


class Bool(Type):
    """`true` or `false`."""

    def describe(self) -> str:
        return "true or false"

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        if node.kind != "scalar" or not isinstance(node.value, bool):
            return self._bad(node, path, ctx)
        return node.value


class Str(Type):
    """A non-empty string, optionally matching a regular expression."""

    def __init__(self, pattern: str | None = None, what: str = "a non-empty string") -> None:
        self.pattern = re.compile(pattern) if pattern else None
        self.what = what

    def describe(self) -> str:
        return self.what

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        v = node.value
        if node.kind != "scalar" or not isinstance(v, str) or not v.strip():
            return self._bad(node, path, ctx)
        if self.pattern is not None and not self.pattern.fullmatch(v):
            return self._bad(node, path, ctx)
        return v


class Choice(Type):
    """One of a fixed set of strings."""

    def __init__(self, *choices: str) -> None:
        self.choices = choices

    def describe(self) -> str:
        return "one of " + ", ".join(repr(c) for c in self.choices)

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        if node.kind != "scalar" or node.value not in self.choices:
            return self._bad(node, path, ctx)
        return node.value


class Symbol(Str):
    """The symbol of an instrument of the scenario."""

    def __init__(self) -> None:
        super().__init__(what="the symbol of an instrument of the scenario")

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        v = super().convert(node, path, ctx)
        if v is INVALID or ctx.symbols is None:
            return v
        if v not in ctx.symbols:
            known = ", ".join(sorted(ctx.symbols)) or "none"
            return ctx.error(node.line, path, f"unknown instrument {v!r} (instruments: {known})")
        return v


_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "min": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)\s*(ns|us|µs|ms|s|min|h)\s*")


def parse_duration(text: str) -> int:
    """`"60s"`, `"1.5ms"`, `"50ns"`, `"2min"`, `"1h"` -> integer ns (ValueError otherwise).

    >>> parse_duration("60s"), parse_duration("1.5ms"), parse_duration("50ns")
    (60000000000, 1500000, 50)
    """
    m = _DURATION.fullmatch(text)
    if m is None:
        raise ValueError(f"not a duration: {text!r}")
    return round(float(m.group(1)) * _UNITS[m.group(2)])


class Duration(Type):
    """A duration: an integer of ns, or a number with a unit (ns, us, ms, s, min, h)."""

    def __init__(self, min: int = 0, min_open: bool = False) -> None:
        self.min, self.min_open = min, min_open

    def describe(self) -> str:
        bound = (
            f"{'>' if self.min_open else '>='} {self.min} ns"
            if self.min or self.min_open
            else ">= 0"
        )
        return f"a duration {bound} (ns as an integer, or like '60s', '1.5ms', '50ns')"

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        v = node.value
        if node.kind != "scalar" or isinstance(v, bool):
            return self._bad(node, path, ctx)
        if isinstance(v, str):
            try:
                v = parse_duration(v)
            except ValueError:
                return self._bad(node, path, ctx)
        if not isinstance(v, int):
            return self._bad(node, path, ctx)
        if v < self.min or (self.min_open and v == self.min):
            return self._bad(node, path, ctx)
        return v


_TIME = re.compile(r"\s*([0-9]{1,2}):([0-5][0-9])(?::([0-5][0-9])(\.[0-9]{1,9})?)?\s*")


def parse_time_of_day(text: str) -> int:
    """`"09:30"`, `"09:30:00"`, `"16:00:00.5"` -> ns since midnight (ValueError otherwise).

    >>> parse_time_of_day("09:30:00")
    34200000000000
    """
    m = _TIME.fullmatch(text)
    if m is None:
        raise ValueError(f"not a time of day: {text!r}")
    h, mi = int(m.group(1)), int(m.group(2))
    s = int(m.group(3) or 0)
    frac = m.group(4) or ""
    if h > 24 or (h == 24 and (mi or s or frac.strip(".0"))):
        raise ValueError(f"not a time of day: {text!r}")
    ns = ((h * 60 + mi) * 60 + s) * 1_000_000_000
    if frac:
        ns += int(frac[1:].ljust(9, "0"))
    return ns


class TimeOfDay(Type):
    """A time of day, `"HH:MM[:SS[.fraction]]"` (quoted or not), or ns since midnight."""

    def describe(self) -> str:
        return "a time of day like '09:30:00' (or ns since midnight)"

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        if node.kind != "scalar" or isinstance(node.value, bool):
            return self._bad(node, path, ctx)
        # YAML 1.1 reads an unquoted 9:30:00 as a base-60 integer: use the text as written.
        text = node.raw if ":" in node.raw else None
        if text is not None:
            try:
                return parse_time_of_day(text)
            except ValueError:
                return self._bad(node, path, ctx)
        if isinstance(node.value, int) and 0 <= node.value <= 86_400 * 10**9:
            return node.value
        return self._bad(node, path, ctx)


class Date(Type):
    """A calendar date `YYYY-MM-DD`."""

    def describe(self) -> str:
        return "a date like 2021-02-05"

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        v = node.value
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return v.isoformat()
        if isinstance(v, str):
            try:
                return dt.date.fromisoformat(v).isoformat()
            except ValueError:
                pass
        return self._bad(node, path, ctx)


class ListOf(Type):
    """A list of items of one type, with a minimum length."""

    def __init__(self, item: Type, min_len: int = 0, max_len: int | None = None) -> None:
        self.item, self.min_len, self.max_len = item, min_len, max_len

    def describe(self) -> str:
        n = f"at least {self.min_len} " if self.min_len else ""
        if self.max_len is not None and self.max_len == self.min_len:
            n = f"exactly {self.min_len} "
        return f"a list of {n}items ({self.item.describe()})"

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        if node.kind != "seq":
            return self._bad(node, path, ctx)
        n = len(node.items)
        if n < self.min_len or (self.max_len is not None and n > self.max_len):
            return ctx.error(
                node.line, path, f"expected {self.describe()}, got {n} item{'s' if n != 1 else ''}"
            )
        out = [self.item.convert(sub, f"{path}[{i}]", ctx) for i, sub in enumerate(node.items)]
        return INVALID if any(v is INVALID for v in out) else out


class MapOf(Type):
    """A mapping from free names to values of one type."""

    def __init__(self, value: Type, key_what: str = "name") -> None:
        self.value, self.key_what = value, key_what

    def describe(self) -> str:
        return f"a mapping of {self.key_what} to {self.value.describe()}"

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        if node.kind != "map":
            return self._bad(node, path, ctx)
        out: dict[str, Any] = {}
        bad = False
        for key, (_line, sub) in node.items.items():
            v = self.value.convert(sub, f"{path}.{key}" if path else key, ctx)
            bad = bad or v is INVALID
            out[key] = v
        return INVALID if bad else out


class Either(Type):
    """The first of several types that accepts the node: a mapping goes to the (single)
    `Record` among them, a scalar to the scalar types in order."""

    def __init__(self, *types: Type) -> None:
        self.types = types

    def describe(self) -> str:
        return " or ".join(t.describe() for t in self.types)

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        if node.kind == "map":
            for t in self.types:
                if _takes_map(t):
                    return t.convert(node, path, ctx)
            return self._bad(node, path, ctx)
        for t in self.types:
            if isinstance(t, Record):
                continue
            probe = Ctx(ctx.file)
            probe.symbols = ctx.symbols
            v = t.convert(node, path, probe)
            if v is not INVALID:
                return v
        return self._bad(node, path, ctx)


def _takes_map(t: Type) -> bool:
    if isinstance(t, Record | MapOf):
        return True
    return isinstance(t, Either) and any(_takes_map(x) for x in t.types)


class Field:
    """A key of a `Record`: its type, its default (`REQUIRED` if it must be given; a
    callable default is called with the record's other values) and its meaning."""

    def __init__(self, name: str, type: Type, default: Any = REQUIRED, doc: str = "") -> None:
        self.name, self.type, self.default, self.doc = name, type, default, doc

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


class Record(Type):
    """A mapping with a fixed set of keys (unknown keys are errors).

    `check(values, node, path, ctx)` runs after the fields are read (all valid), for rules
    across fields; `build(values)` turns the dict into the final object.
    """

    def __init__(
        self,
        name: str,
        fields: Sequence[Field],
        *,
        doc: str = "",
        check: Callable[[dict[str, Any], YNode, str, Ctx], None] | None = None,
        build: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self.name, self.fields, self.doc = name, list(fields), doc
        self.check, self.build = check, build
        self.by_name = {f.name: f for f in self.fields}

    def describe(self) -> str:
        return f"a mapping ({self.name})"

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        if (
            node.kind == "scalar"
            and node.value is None
            and not any(f.required for f in self.fields)
        ):
            node = YNode("map", node.line)
            node.items = {}
        if node.kind != "map":
            return self._bad(node, path, ctx)
        out: dict[str, Any] = {}
        bad = False
        for key, (line, _sub) in node.items.items():
            if key not in self.by_name:
                allowed = ", ".join(f.name for f in self.fields) or "none"
                ctx.error(
                    line,
                    f"{path}.{key}" if path else key,
                    f"unknown key; expected one of: {allowed}",
                )
                bad = True
        for f in self.fields:
            sub_path = f"{path}.{f.name}" if path else f.name
            if f.name in node.items:
                v = f.type.convert(node.items[f.name][1], sub_path, ctx)
                bad = bad or v is INVALID
                out[f.name] = v
            elif f.required:
                ctx.error(node.line, sub_path, f"missing required field ({f.type.describe()})")
                bad = True
        if bad:
            return INVALID
        for f in self.fields:
            if f.name not in out:
                out[f.name] = f.default(out) if callable(f.default) else f.default
        if self.check is not None:
            before = len(ctx.issues)
            self.check(out, node, path, ctx)
            if len(ctx.issues) > before:
                return INVALID
        return self.build(out) if self.build is not None else out

    def line_of(self, node: YNode, key: str) -> int:
        """The line of `key` in a mapping node (the mapping's line if absent)."""
        if node.kind == "map" and key in node.items:
            return node.items[key][0]
        return node.line
