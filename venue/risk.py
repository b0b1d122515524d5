"""Risk controls of the engine: limits as dataclasses, validated, applied with `configure`.

The controls run inside the Rust engine on every order (docs/SEMANTICS.md, "Risk controls";
docs/RISK.md for the guide). This module is their Python face: plain dataclasses that say what
to limit, checked here with a clear message naming the field, then handed to the engine.

>>> from venue import Engine, Reason
>>> from venue.risk import Limits, RiskConfig, configure
>>> eng = Engine()
>>> xyz = eng.add_instrument("XYZ", tick_size=1)
>>> configure(eng, RiskConfig(limits={7: Limits(max_order_qty=100)}))
>>> eng.buy("XYZ", 500, 101, participant=7, ts=1)
0
>>> Reason(int(eng.events()["reason"][-1])).name
'RISK_MAX_ORDER_QTY'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from venue.enums import Reason
from venue.errors import VenueError

__all__ = [
    "NO_LIMIT",
    "Collar",
    "Controls",
    "Limits",
    "PriceBand",
    "RiskConfig",
    "RiskConfigError",
    "configure",
    "risk_summary",
]

NO_LIMIT: int = 2**63 - 1
"""The engine's "no limit" (`i64::MAX`); `None` in these dataclasses means the same."""

_REFERENCES = {"last_trade": 0, "mid": 1, "fixed": 2}
_WIDTHS = {"ticks": 0, "bps": 1}


class RiskConfigError(VenueError, ValueError):
    """A risk configuration that cannot be applied; the message names the field."""


def _limit(where: str, name: str, v: int | None, *, allow_zero: bool = True) -> int:
    if v is None:
        return NO_LIMIT
    if isinstance(v, bool) or not isinstance(v, int):
        raise RiskConfigError(f"{where}.{name}: expected an integer or None, got {v!r}")
    lo = 0 if allow_zero else 1
    if not lo <= v <= NO_LIMIT:
        raise RiskConfigError(f"{where}.{name}: expected an integer >= {lo}, got {v}")
    return v


@dataclass(frozen=True)
class Limits:
    """Per-account limits (one participant on one instrument); `None` = no limit.

    `max_position` counts open orders as if they filled, so the position can never pass it.
    """

    max_order_qty: int | None = None
    max_order_notional: int | None = None
    max_position: int | None = None
    credit_limit: int | None = None
    restricted: bool = False

    def raw(self, where: str = "limits") -> tuple[int, int, int, int, bool]:
        """The engine's arguments, validated."""
        if not isinstance(self.restricted, bool):
            raise RiskConfigError(f"{where}.restricted: expected true or false")
        return (
            _limit(where, "max_order_qty", self.max_order_qty),
            _limit(where, "max_order_notional", self.max_order_notional),
            _limit(where, "max_position", self.max_position),
            _limit(where, "credit_limit", self.credit_limit),
            self.restricted,
        )


@dataclass(frozen=True)
class Controls:
    """Per-participant controls.

    `throttle` is `(messages per second, burst)` for NEW and REPLACE; `max_breaches` risk
    rejections or a PnL below `-loss_limit` trip the kill switch.
    """

    throttle: tuple[int, int] | None = None
    unique_client_ids: bool = False
    loss_limit: int | None = None
    max_breaches: int | None = None

    def raw(self, where: str = "controls") -> tuple[int, int, bool, int, int]:
        """The engine's arguments, validated."""
        rate, burst = 0, 0
        if self.throttle is not None:
            t = self.throttle
            if (
                not isinstance(t, tuple | list)
                or len(t) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in t)
                or not (t[0] >= 1 and t[1] >= 1)
            ):
                raise RiskConfigError(
                    f"{where}.throttle: expected (rate per second >= 1, burst >= 1), got {t!r}"
                )
            rate, burst = t
        if not isinstance(self.unique_client_ids, bool):
            raise RiskConfigError(f"{where}.unique_client_ids: expected true or false")
        return (
            rate,
            burst,
            self.unique_client_ids,
            _limit(where, "loss_limit", self.loss_limit),
            _limit(where, "max_breaches", self.max_breaches, allow_zero=False),
        )


def _reference_width(
    where: str, reference: str, price: int | None, width: int, unit: str
) -> tuple[int, int, int, int]:
    if reference not in _REFERENCES:
        raise RiskConfigError(
            f"{where}.reference: expected one of {sorted(_REFERENCES)}, got {reference!r}"
        )
    if reference == "fixed":
        if isinstance(price, bool) or not isinstance(price, int) or price <= 0:
            raise RiskConfigError(f"{where}.price: a fixed reference needs a price > 0")
    if unit not in _WIDTHS:
        raise RiskConfigError(f"{where}.unit: expected 'ticks' or 'bps', got {unit!r}")
    if isinstance(width, bool) or not isinstance(width, int) or width < 0:
        raise RiskConfigError(f"{where}.width: expected an integer >= 0, got {width!r}")
    return _REFERENCES[reference], price or 0, _WIDTHS[unit], width


@dataclass(frozen=True)
class Collar:
    """Reject a LIMIT order priced further than `width` (`unit`: ticks or bps) from the
    reference (`last_trade`, `mid`, or `fixed` at `price`)."""

    width: int
    unit: Literal["ticks", "bps"] = "bps"
    reference: Literal["last_trade", "mid", "fixed"] = "last_trade"
    price: int | None = None

    def raw(self, where: str = "collar") -> tuple[int, int, int, int]:
        """The engine's arguments, validated."""
        return _reference_width(where, self.reference, self.price, self.width, self.unit)


@dataclass(frozen=True)
class PriceBand:
    """LULD-style band: no trade outside `width` of the reference; `limit_ns` in the limit
    state pauses the instrument for `pause_ns`. Reference `fixed` (at `price`, re-anchored at
    the last trade after each pause) or `last_trade`."""

    width: int
    limit_ns: int
    pause_ns: int
    unit: Literal["ticks", "bps"] = "bps"
    reference: Literal["last_trade", "fixed"] = "fixed"
    price: int | None = None

    def raw(self, where: str = "band") -> tuple[int, int, int, int, int, int]:
        """The engine's arguments, validated."""
        if self.reference == "mid":
            raise RiskConfigError(f"{where}.reference: a band cannot use 'mid'")
        r = _reference_width(where, self.reference, self.price, self.width, self.unit)
        for name in ("limit_ns", "pause_ns"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise RiskConfigError(f"{where}.{name}: expected an integer >= 0, got {v!r}")
        return (*r, self.limit_ns, self.pause_ns)


@dataclass(frozen=True)
class RiskConfig:
    """Everything to configure at once.

    `limits` and `controls` are keyed by participant id, or `None` for the default of every
    participant; `instrument_limits` by `(participant, instrument)` overrides `limits` on one
    instrument (an instrument is an id or a symbol); `collars` and `bands` by instrument.
    """

    limits: dict[int | None, Limits] = field(default_factory=dict)
    instrument_limits: dict[tuple[int, int | str], Limits] = field(default_factory=dict)
    controls: dict[int | None, Controls] = field(default_factory=dict)
    collars: dict[int | str, Collar] = field(default_factory=dict)
    bands: dict[int | str, PriceBand] = field(default_factory=dict)


def _participant(where: str, p: Any) -> int:
    if p is None:
        return -1
    if isinstance(p, bool) or not isinstance(p, int) or not 0 <= p <= 0xFFFF_FFFF:
        raise RiskConfigError(f"{where}: participant must be an integer in [0, 2**32), got {p!r}")
    return p


def _instrument(engine: Any, where: str, i: int | str) -> int:
    if isinstance(i, str):
        try:
            return int(engine.instrument_id(i))
        except Exception as e:
            raise RiskConfigError(f"{where}: unknown instrument {i!r}") from e
    if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < engine.instrument_count():
        raise RiskConfigError(f"{where}: unknown instrument {i!r}")
    return i


def configure(engine: Any, config: RiskConfig) -> None:
    """Validates `config` entirely, then applies it to `engine` (a `venue.Engine`)."""
    calls: list[tuple[str, tuple[Any, ...]]] = []
    for p, lim in config.limits.items():
        where = f"limits[{p}]"
        calls.append(("set_risk_limits", (_participant(where, p), -1, *lim.raw(where))))
    for (p, i), lim in config.instrument_limits.items():
        where = f"instrument_limits[{p}, {i!r}]"
        pid = _participant(where, p)
        if pid < 0:
            raise RiskConfigError(f"{where}: needs a participant id")
        calls.append(("set_risk_limits", (pid, _instrument(engine, where, i), *lim.raw(where))))
    for p, c in config.controls.items():
        where = f"controls[{p}]"
        calls.append(("set_risk_controls", (_participant(where, p), *c.raw(where))))
    for i, col in config.collars.items():
        where = f"collars[{i!r}]"
        calls.append(("set_collar", (_instrument(engine, where, i), *col.raw(where))))
    for i, band in config.bands.items():
        where = f"bands[{i!r}]"
        calls.append(("set_price_band", (_instrument(engine, where, i), *band.raw(where))))
    for name, args in calls:
        getattr(engine, name)(*args)


def _reason_name(code: int) -> str:
    return Reason(code).name if code in Reason._value2member_map_ else str(code)


def risk_summary(engine: Any, names: dict[int, str] | None = None) -> dict[str, Any]:
    """The `risk` object of a run's summary: risk rejections and cancels by reason name, kill
    switch trips, halts (pauses included), and the largest absolute position each participant
    reached on any instrument (keyed by `names[participant]` when given, else by id; only
    participants that held a position)."""
    stats = engine.risk_stats()
    largest: dict[str, int] = {}
    for p, q in sorted(stats["max_position"].items()):
        key = names.get(int(p), str(p)) if names is not None else str(p)
        largest[key] = int(q)
    return {
        "rejections": {_reason_name(c): int(n) for c, n in sorted(stats["rejections"].items())},
        "cancels": {_reason_name(c): int(n) for c, n in sorted(stats["cancels"].items())},
        "kill_switch_trips": int(stats["kill_switch_trips"]),
        "halts": int(stats["halts"]),
        "max_position": largest,
    }
