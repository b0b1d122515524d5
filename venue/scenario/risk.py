"""The `risk` key of a scenario: limits per participant, per agent population and per
instrument, collars and price bands per instrument, and scheduled halts (docs/RISK.md).

    risk:
      defaults: {max_order_qty: 1000, max_position: 5000}       # every participant
      groups:
        runaway:                                                # one agent population
          max_position: 2000
          throttle_rate: 50                                     # messages per second
          throttle_burst: 20
          max_breaches: 100
          instruments: {XYZ: {max_order_qty: 500}}             # on one instrument only
      instruments:
        XYZ:
          collar: {reference: last_trade, unit: bps, width: 500}
          band: {reference: fixed, price: 10000, unit: bps, width: 300, limit: 5s, pause: 60s}
      halts:
        - {symbol: XYZ, at: "10:15:00", duration: 2m}

`apply_risk(sim)` configures a built `Simulation`'s engine and schedules the halts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from venue.scenario.types import (
    Bool,
    Choice,
    Ctx,
    Duration,
    Field,
    Int,
    ListOf,
    MapOf,
    Record,
    Symbol,
    TimeOfDay,
)
from venue.scenario.yamlnodes import YNode

__all__ = ["RISK", "RiskSpec", "apply_risk", "check_risk"]

_I64 = 2**63 - 1

_LIMIT_FIELDS = [
    Field("max_order_qty", Int(min=0, max=_I64), None, "Largest quantity of one order."),
    Field("max_order_notional", Int(min=0, max=_I64), None, "Largest price x qty of one order."),
    Field(
        "max_position",
        Int(min=0, max=_I64),
        None,
        "Largest absolute net position, counting open orders as if filled.",
    ),
    Field(
        "credit_limit",
        Int(min=0, max=_I64),
        None,
        "Largest open order notional plus |position| x last trade price.",
    ),
    Field("restricted", Bool(), False, "Every order on the instrument is rejected."),
]
_CONTROL_FIELDS = [
    Field("throttle_rate", Int(min=1), None, "Token bucket: NEW/REPLACE per second."),
    Field("throttle_burst", Int(min=1), None, "Token bucket size (default: the rate)."),
    Field("unique_client_ids", Bool(), False, "Client order ids unique for the session."),
    Field("loss_limit", Int(min=0, max=_I64), None, "Kill switch below this PnL loss."),
    Field("max_breaches", Int(min=1, max=_I64), None, "Kill switch at this many risk rejects."),
]

ACCOUNT_LIMITS = Record(
    "instrument limits",
    _LIMIT_FIELDS,
    doc="Limits of a population on one instrument.",
)

PARTICIPANT_RISK = Record(
    "participant risk",
    [
        *_LIMIT_FIELDS,
        *_CONTROL_FIELDS,
        Field(
            "instruments",
            MapOf(ACCOUNT_LIMITS, key_what="symbol"),
            None,
            "Limits on single instruments (by symbol), replacing the ones above there.",
        ),
    ],
    doc="Limits and controls of every agent of a population (or of every participant).",
)

COLLAR = Record(
    "collar",
    [
        Field("reference", Choice("last_trade", "mid", "fixed"), "last_trade", "Reference price."),
        Field("price", Int(min=1), None, "The fixed reference price."),
        Field("unit", Choice("ticks", "bps"), "bps", "Unit of `width`."),
        Field("width", Int(min=0), 1000, "Allowed distance from the reference."),
    ],
    doc="Reject limit orders priced further than `width` from the reference.",
)

BAND = Record(
    "price band",
    [
        Field("reference", Choice("fixed", "last_trade"), "fixed", "Reference price."),
        Field("price", Int(min=1), None, "The fixed reference (re-anchored after each pause)."),
        Field("unit", Choice("ticks", "bps"), "bps", "Unit of `width`."),
        Field("width", Int(min=0), 500, "Half-width of the band."),
        Field("limit", Duration(), 5_000_000_000, "Time at the band before a pause."),
        Field("pause", Duration(min=1), 60_000_000_000, "Length of the pause."),
    ],
    doc="LULD-style band: no trade outside it; held at the band, the instrument pauses.",
)

INSTRUMENT_RISK = Record(
    "instrument risk",
    [
        Field("collar", COLLAR, None, COLLAR.doc),
        Field("band", BAND, None, BAND.doc),
    ],
    doc="Venue protections of one instrument.",
)

HALT = Record(
    "halt",
    [
        Field("symbol", Symbol(), None, "Instrument (default: all)."),
        Field("at", TimeOfDay(), None, "When the halt begins."),
        Field("duration", Duration(min=1), None, "How long (default: until the close)."),
    ],
    doc="A scheduled trading halt.",
)


@dataclass(frozen=True)
class RiskSpec:
    """The validated `risk` key."""

    defaults: dict[str, Any] | None
    groups: dict[str, dict[str, Any]]
    instruments: dict[str, dict[str, Any]]
    halts: list[dict[str, Any]]


RISK = Record(
    "risk",
    [
        Field("defaults", PARTICIPANT_RISK, None, "Limits and controls of every participant."),
        Field(
            "groups",
            MapOf(PARTICIPANT_RISK, key_what="population name"),
            None,
            "Limits and controls per agent population (replacing the defaults).",
        ),
        Field(
            "instruments",
            MapOf(INSTRUMENT_RISK, key_what="symbol"),
            None,
            "Collars and price bands per instrument.",
        ),
        Field("halts", ListOf(HALT), None, "Scheduled trading halts."),
    ],
    doc="Risk controls and venue protections (docs/RISK.md).",
    build=lambda v: RiskSpec(
        v["defaults"], v["groups"] or {}, v["instruments"] or {}, v["halts"] or []
    ),
)


def check_risk(values: dict[str, Any], node: YNode, ctx: Ctx) -> None:
    """Cross-key rules: known populations and symbols, a fixed reference has a price, a
    halt has a time, a burst has a rate."""
    spec: RiskSpec | None = values.get("risk")
    if spec is None:
        return
    rnode = node.items["risk"][1]
    line = rnode.line
    groups = {g.name for g in values["agents"]}
    symbols = {i.symbol for i in values["instruments"]}
    for name in spec.groups:
        if name not in groups:
            ctx.error(line, f"risk.groups.{name}", f"unknown population {name!r}")
    for where, p in [("risk.defaults", spec.defaults)] + [
        (f"risk.groups.{n}", g) for n, g in spec.groups.items()
    ]:
        if p is None:
            continue
        if p["throttle_burst"] is not None and p["throttle_rate"] is None:
            ctx.error(line, f"{where}.throttle_burst", "a burst needs a throttle_rate")
        for sym in p["instruments"] or {}:
            if sym not in symbols:
                ctx.error(line, f"{where}.instruments.{sym}", f"unknown symbol {sym!r}")
    for sym, ins in spec.instruments.items():
        if sym not in symbols:
            ctx.error(line, f"risk.instruments.{sym}", f"unknown symbol {sym!r}")
        for key in ("collar", "band"):
            c = ins[key]
            if c is not None and c["reference"] == "fixed" and c["price"] is None:
                ctx.error(
                    line, f"risk.instruments.{sym}.{key}.price", "a fixed reference needs a price"
                )
    for i, h in enumerate(spec.halts):
        if h["at"] is None:
            ctx.error(line, f"risk.halts[{i}].at", "a halt needs a time `at`")


def _config(spec: RiskSpec, sim: Any) -> Any:
    from venue.risk import Collar, Controls, Limits, PriceBand, RiskConfig

    def limits(p: dict[str, Any]) -> Limits:
        return Limits(
            p["max_order_qty"],
            p["max_order_notional"],
            p["max_position"],
            p["credit_limit"],
            p["restricted"],
        )

    def controls(p: dict[str, Any]) -> Controls:
        rate = p["throttle_rate"]
        throttle = None if rate is None else (rate, p["throttle_burst"] or rate)
        return Controls(throttle, p["unique_client_ids"], p["loss_limit"], p["max_breaches"])

    cfg = RiskConfig()
    if spec.defaults is not None:
        cfg.limits[None] = limits(spec.defaults)
        cfg.controls[None] = controls(spec.defaults)
    for agent in sim.agents:
        g = spec.groups.get(agent.group)
        if g is None:
            continue
        cfg.limits[agent.agent_id] = limits(g)
        cfg.controls[agent.agent_id] = controls(g)
        for sym, lim in (g["instruments"] or {}).items():
            cfg.instrument_limits[(agent.agent_id, sym)] = limits(lim)
    for sym, ins in spec.instruments.items():
        c = ins["collar"]
        if c is not None:
            cfg.collars[sym] = Collar(c["width"], c["unit"], c["reference"], c["price"])
        b = ins["band"]
        if b is not None:
            cfg.bands[sym] = PriceBand(
                b["width"], b["limit"], b["pause"], b["unit"], b["reference"], b["price"]
            )
    return cfg


def apply_risk(sim: Any) -> None:
    """Configures the simulation's engine from its scenario's `risk` key and schedules the
    halts (nothing if the scenario has none)."""
    spec: RiskSpec | None = getattr(sim.scenario, "risk", None)
    if spec is None:
        return
    from venue.risk import configure

    configure(_EngineView(sim), _config(spec, sim))
    eng = sim.engine
    for h in spec.halts:
        iids = (
            [sim.instrument_id(h["symbol"])]
            if h["symbol"] is not None
            else list(range(len(sim.scenario.instruments)))
        )
        until = 0 if h["duration"] is None else h["at"] + h["duration"]
        for iid in iids:
            sim.kernel.call_at(h["at"], lambda _ev, i=iid, u=until: eng.halt(sim.kernel.now, i, u))


class _EngineView:
    """The engine with the simulation's symbol lookup (configure accepts symbols)."""

    def __init__(self, sim: Any) -> None:
        self._sim = sim

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sim.engine, name)

    def instrument_id(self, symbol: str) -> int:
        return int(self._sim.instrument_id(symbol))

    def instrument_count(self) -> int:
        return len(self._sim.scenario.instruments)
