"""The scenario schema, in one place: every key a scenario file may hold, its type, its
default and its meaning, and the objects a valid file becomes.

docs/SCENARIOS.md documents the same keys (its reference tables are generated from this
module by `markdown_reference()`; a test checks that they agree).

Times of day are nanoseconds since midnight of `market.date`; every simulated timestamp in
the outputs uses that clock.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from venue.scenario.risk import (
    ACCOUNT_LIMITS,
    BAND,
    COLLAR,
    HALT,
    INSTRUMENT_RISK,
    PARTICIPANT_RISK,
    RISK,
    check_risk,
)
from venue.scenario.types import (
    INVALID,
    REQUIRED,
    Bool,
    Choice,
    Ctx,
    Date,
    Duration,
    Field,
    Float,
    Int,
    ListOf,
    MapOf,
    Record,
    Str,
    TimeOfDay,
    Type,
)
from venue.scenario.yamlnodes import YNode
from venue.sim.fundamental import FundamentalSpec
from venue.sim.latency import (
    LIGHT_SPEED_M_PER_S,
    NYC_TO_SEATTLE_M,
    Jitter,
    LatencyOverride,
    LatencySpec,
    PairOverride,
)

__all__ = [
    "SCENARIO",
    "AgentGroup",
    "InstrumentSpec",
    "Market",
    "Outputs",
    "Scenario",
    "markdown_reference",
    "resolve_agent_class",
]

_SECOND = 1_000_000_000
_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"


# ----------------------------------------------------------------------------------------
# The objects a scenario becomes
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Market:
    """Session times, ns since midnight of `date`."""

    date: str
    open: int
    close: int
    start: int
    drain: int

    @property
    def end(self) -> int:
        """When the simulation stops: `close + drain`."""
        return self.close + self.drain


@dataclass(frozen=True)
class InstrumentSpec:
    """One instrument: engine specification and (optional) fundamental value process."""

    symbol: str
    tick_size: int = 1
    lot_size: int = 1
    min_qty: int = 1
    max_qty: int = 1_000_000_000
    fundamental: FundamentalSpec | None = None


@dataclass(frozen=True)
class AgentGroup:
    """A population of `count` agents of one class with the same parameters."""

    name: str
    type: str
    cls: Any
    count: int
    starting_cash: int
    params: dict[str, Any]


@dataclass(frozen=True)
class Outputs:
    """Which files a run writes, and the book sampling for `depth.parquet`."""

    events: bool = True
    trades: bool = True
    l1: bool = True
    depth: bool = True
    agents: bool = True
    report: bool = True
    depth_levels: int = 10
    depth_interval: int = 10 * _SECOND


@dataclass(frozen=True)
class Scenario:
    """A validated scenario (see docs/SCENARIOS.md). `source` is the file it came from and
    `text` its YAML (kept in the outputs' metadata)."""

    name: str
    description: str
    seed: int
    market: Market
    instruments: tuple[InstrumentSpec, ...]
    latency: LatencySpec
    agents: tuple[AgentGroup, ...]
    outputs: Outputs
    source: str = "<string>"
    text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    risk: Any = None  # a venue.scenario.risk.RiskSpec, or None

    def agent_count(self) -> int:
        """Number of agents over all populations."""
        return sum(g.count for g in self.agents)


# ----------------------------------------------------------------------------------------
# Agent classes
# ----------------------------------------------------------------------------------------


def resolve_agent_class(name: str) -> Any:
    """The agent class for a scenario's `type`: a built-in name (`noise`, `value`,
    `adaptive_market_maker`, `avellaneda_stoikov`, `momentum`) or `package.module:Class`
    for a user's own subclass of `agents.Agent`. Raises ValueError with the reason."""
    from agents import REGISTRY, Agent

    if ":" in name:
        module_name, _, attr = name.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as err:
            raise ValueError(f"cannot import module {module_name!r}: {err}") from None
        cls = getattr(module, attr, None)
        if cls is None:
            raise ValueError(f"module {module_name!r} has no attribute {attr!r}")
    else:
        cls = REGISTRY.get(name)
        if cls is None:
            known = ", ".join(sorted(REGISTRY))
            raise ValueError(
                f"unknown agent type {name!r}; built-in types: {known}; or give 'module:Class'"
            )
    if not (isinstance(cls, type) and issubclass(cls, Agent)):
        raise ValueError(f"{name!r} is not a subclass of agents.Agent")
    return cls


class _Raw(Type):
    """Any node, kept for a later, context-dependent check."""

    def describe(self) -> str:
        return "a mapping of the agent type's parameters"

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        return node


# ----------------------------------------------------------------------------------------
# The schema
# ----------------------------------------------------------------------------------------


def _check_market(v: dict[str, Any], node: YNode, path: str, ctx: Ctx) -> None:
    if v["open"] >= v["close"]:
        ctx.error(
            MARKET.line_of(node, "close"), f"{path}.close", "expected a time after market.open"
        )
    if v["start"] > v["open"]:
        ctx.error(
            MARKET.line_of(node, "start"),
            f"{path}.start",
            "expected a time at or before market.open",
        )


MARKET = Record(
    "market",
    [
        Field(
            "date",
            Date(),
            "2021-02-05",
            "Session date (metadata; timestamps are ns since its midnight).",
        ),
        Field(
            "open",
            TimeOfDay(),
            REQUIRED,
            "Continuous trading starts (orders before it are rejected as INSTRUMENT_HALTED).",
        ),
        Field(
            "close",
            TimeOfDay(),
            REQUIRED,
            "Continuous trading ends (orders from then on are rejected).",
        ),
        Field(
            "start",
            TimeOfDay(),
            lambda v: v.get("open"),
            "Simulation start: agents' `on_start` runs then (default: open).",
        ),
        Field(
            "drain",
            Duration(),
            _SECOND,
            "How long the simulation runs after close (messages in flight arrive; ABIDES: 1s).",
        ),
    ],
    doc="Trading hours.",
    check=_check_market,
    build=lambda v: Market(**v),
)

FUNDAMENTAL = Record(
    "fundamental",
    [
        Field(
            "model",
            Choice("mean_reverting", "constant"),
            "mean_reverting",
            "Ornstein-Uhlenbeck with megashocks (ABIDES' sparse oracle), or constant.",
        ),
        Field("r_bar", Int(min=1), REQUIRED, "Long-run mean, in price units."),
        Field(
            "kappa", Float(min=0), 1.67e-16, "Mean reversion rate, per ns (ABIDES `kappa_oracle`)."
        ),
        Field(
            "sigma",
            Float(min=0),
            5e-5,
            "Volatility: standard deviation rate, price units per sqrt(ns) (ABIDES `fund_vol`).",
        ),
        Field(
            "megashock_rate",
            Float(min=0),
            2.77778e-18,
            "Jump arrival rate, per ns (ABIDES `megashock_lambda_a`).",
        ),
        Field("megashock_mean", Float(), 1000.0, "Mean jump size (sign random), price units."),
        Field("megashock_var", Float(min=0), 50_000.0, "Jump size variance."),
        Field(
            "resolution",
            Duration(min=0, min_open=True),
            _SECOND,
            "Grid step of the precomputed path.",
        ),
        Field("initial", Int(min=1), None, "Value at the start (default: r_bar)."),
    ],
    doc="An instrument's fundamental value process.",
    build=lambda v: FundamentalSpec(**v),
)


def _check_instrument(v: dict[str, Any], node: YNode, path: str, ctx: Ctx) -> None:
    if v["min_qty"] > v["max_qty"]:
        ctx.error(
            INSTRUMENT.line_of(node, "min_qty"), f"{path}.min_qty", "expected min_qty <= max_qty"
        )
    for key in ("min_qty", "max_qty"):
        if v[key] % v["lot_size"]:
            ctx.error(
                INSTRUMENT.line_of(node, key),
                f"{path}.{key}",
                f"expected a multiple of lot_size ({v['lot_size']})",
            )


INSTRUMENT = Record(
    "instrument",
    [
        Field(
            "symbol",
            Str(pattern=_NAME, what="a symbol (letters, digits, _ . -)"),
            REQUIRED,
            "Name of the instrument.",
        ),
        Field("tick_size", Int(min=1), 1, "Price increment, in price units."),
        Field("lot_size", Int(min=1), 1, "Quantity increment."),
        Field("min_qty", Int(min=1), 1, "Smallest order quantity."),
        Field("max_qty", Int(min=1), 1_000_000_000, "Largest order quantity."),
        Field(
            "fundamental",
            FUNDAMENTAL,
            None,
            "Its fundamental value (needed by agents that observe it, like `value`).",
        ),
    ],
    doc="One instrument of the exchange (ids 0, 1, ... in this order).",
    check=_check_instrument,
    build=lambda v: InstrumentSpec(**v),
)

JITTER = Record(
    "jitter",
    [
        Field(
            "dist",
            Choice("none", "uniform", "exponential", "lognormal", "cubic"),
            "none",
            "Distribution of the per-message extra delay.",
        ),
        Field("low", Duration(), 0, "uniform: lowest jitter."),
        Field("high", Duration(), 0, "uniform: highest jitter (exclusive)."),
        Field("mean", Duration(), 0, "exponential: mean jitter."),
        Field("median", Duration(), 0, "lognormal: median jitter."),
        Field("sigma", Float(min=0), 0.0, "lognormal: standard deviation of the log."),
        Field("a", Float(min=0), 0.5, "cubic: ABIDES' `jitter` (shape)."),
        Field(
            "clip",
            Float(min=0, max=1),
            0.1,
            "cubic: ABIDES' `jitter_clip`, x is uniform in (clip, 1].",
        ),
        Field(
            "unit",
            Float(min=0, min_open=True),
            10.0,
            "cubic: ABIDES' `jitter_unit` (fraction of the base delay).",
        ),
    ],
    doc="Random extra delay per message, from each agent's own stream.",
    build=lambda v: Jitter(**v),
)

LATENCY_OVERRIDE = Record(
    "latency override",
    [
        Field("order_entry", Duration(), None, "Base delay agent -> exchange."),
        Field("market_data", Duration(), None, "Base delay exchange -> agent."),
        Field("compute_delay", Duration(), None, "Added to every message the agent sends."),
        Field("jitter", JITTER, None, "Jitter for this agent."),
    ],
    doc="Per-agent latency: replaces the model's values for a population or one agent.",
    build=lambda v: LatencyOverride(**v),
)

PAIR = Record(
    "latency pair",
    [
        Field("from", Str(pattern=_NAME), REQUIRED, "`exchange`, or a population or agent name."),
        Field("to", Str(pattern=_NAME), REQUIRED, "`exchange`, or a population or agent name."),
        Field("latency", Duration(), REQUIRED, "Base delay in that direction."),
    ],
    doc="Per-pair latency: one direction between a population (or agent) and the exchange.",
    check=lambda v, node, path, ctx: (
        None
        if (v["from"] == "exchange") != (v["to"] == "exchange")
        else ctx.error(node.line, path, "expected exactly one of 'from' and 'to' to be 'exchange'")
    ),
    build=lambda v: PairOverride(v["from"], v["to"], v["latency"]),
)

LATENCY = Record(
    "latency",
    [
        Field(
            "model",
            Choice("constant", "line"),
            "constant",
            "`constant` delays, or ABIDES' `line` (positions on a line, distance / c).",
        ),
        Field("order_entry", Duration(), 0, "constant: base delay agent -> exchange."),
        Field("market_data", Duration(), 0, "constant: base delay exchange -> agent."),
        Field(
            "length_m",
            Float(min=0, min_open=True),
            NYC_TO_SEATTLE_M,
            "line: length of the line, metres (New York to Seattle).",
        ),
        Field(
            "speed_m_per_s",
            Float(min=0, min_open=True),
            LIGHT_SPEED_M_PER_S,
            "line: signal speed, m/s (light).",
        ),
        Field(
            "compute_delay",
            Duration(),
            0,
            "Added to every message an agent sends (ABIDES' computation delay).",
        ),
        Field("jitter", JITTER, Jitter(), "Jitter for every agent."),
        Field(
            "agents",
            MapOf(LATENCY_OVERRIDE, "population or agent name"),
            {},
            "Per-agent overrides, by population name or agent name (`value_3`).",
        ),
        Field("pairs", ListOf(PAIR), (), "Per-pair directional overrides (applied last)."),
    ],
    doc="Latency between each agent and the exchange (order entry and market data paths).",
    build=lambda v: LatencySpec(**{**v, "pairs": tuple(v["pairs"])}),
)

OUTPUTS = Record(
    "outputs",
    [
        Field("events", Bool(), True, "Write `events.parquet` (every engine event)."),
        Field("trades", Bool(), True, "Write `trades.parquet`."),
        Field("l1", Bool(), True, "Write `l1.parquet` (best bid and offer through time)."),
        Field(
            "depth",
            Bool(),
            True,
            "Write `depth.parquet` (book levels sampled every `depth_interval`).",
        ),
        Field("agents", Bool(), True, "Write `agents.parquet` (one row per agent)."),
        Field("report", Bool(), True, "Write `report.png`."),
        Field(
            "depth_levels",
            Int(min=1),
            10,
            "Levels per side in depth samples (ABIDES `book_log_depth`).",
        ),
        Field("depth_interval", Duration(), 10 * _SECOND, "Time between depth samples (0: none)."),
    ],
    doc="What a run writes (`summary.json` always).",
    build=lambda v: Outputs(**v),
)

AGENT_GROUP = Record(
    "agent population",
    [
        Field(
            "name",
            Str(pattern=_NAME, what="a name (letters, digits, _ . -)"),
            lambda v: v.get("type"),
            "Population name, unique (default: the type). Agents are `<name>_<i>`.",
        ),
        Field(
            "type",
            Str(),
            REQUIRED,
            "Built-in type (`noise`, `value`, `adaptive_market_maker`, `avellaneda_stoikov`, "
            "`momentum`) or `module:Class`.",
        ),
        Field("count", Int(min=0), REQUIRED, "Number of agents."),
        Field(
            "starting_cash",
            Int(),
            0,
            "Cash of each agent at the start, in price units x quantity units.",
        ),
        Field("params", _Raw(), None, "The type's parameters (see the agent types below)."),
    ],
    doc="A population of agents of one type.",
)


class _AgentGroups(Type):
    """The `agents` list: each population's `params` validated against its class."""

    def describe(self) -> str:
        return "a list of at least 1 agent population"

    def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
        if node.kind != "seq" or not node.items:
            return ctx.error(
                node.line,
                path,
                f"expected {self.describe()}, got "
                f"{node.describe() if node.kind != 'seq' else 'an empty list'}",
            )
        out: list[AgentGroup] = []
        names: dict[str, int] = {}
        bad = False
        for i, sub in enumerate(node.items):
            p = f"{path}[{i}]"
            v = AGENT_GROUP.convert(sub, p, ctx)
            # The type's parameters are checked even when another key of the population is
            # wrong, so that one pass reports everything.
            type_node = sub.items["type"][1] if sub.kind == "map" and "type" in sub.items else None
            if type_node is None or not isinstance(type_node.value, str):
                bad = True
                continue
            try:
                cls = resolve_agent_class(type_node.value)
            except ValueError as err:
                ctx.error(type_node.line, f"{p}.type", str(err))
                bad = True
                continue
            raw = sub.items["params"][1] if "params" in sub.items else None
            params = _params(cls, raw, sub, f"{p}.params", ctx)
            if params is INVALID or v is INVALID:
                bad = True
                continue
            name = v["name"]
            if name in names:
                ctx.error(
                    AGENT_GROUP.line_of(sub, "name"),
                    f"{p}.name",
                    f"duplicate population name {name!r} (first on line {names[name]})",
                )
                bad = True
                continue
            names[name] = AGENT_GROUP.line_of(sub, "name")
            out.append(AgentGroup(name, v["type"], cls, v["count"], v["starting_cash"], params))
        return INVALID if bad else out


def _params(cls: Any, raw: YNode | None, group_node: YNode, path: str, ctx: Ctx) -> Any:
    schema: Record | None = cls.PARAMS
    if schema is None:
        if raw is not None and not (raw.kind == "map" and not raw.items) and raw.value is not None:
            return ctx.error(raw.line, path, f"agent type {cls.__name__} takes no parameters")
        return {}
    if raw is None:
        raw = YNode("map", group_node.line)
        raw.items = {}
    return schema.convert(raw, path, ctx)


def _check_scenario(v: dict[str, Any], node: YNode, path: str, ctx: Ctx) -> None:
    instruments: list[InstrumentSpec] = v["instruments"]
    seen: dict[str, int] = {}
    inst_node = node.items["instruments"][1]
    for i, inst in enumerate(instruments):
        if inst.symbol in seen:
            ctx.error(
                inst_node.items[i].line,
                f"instruments[{i}].symbol",
                f"duplicate symbol {inst.symbol!r}",
            )
        seen[inst.symbol] = i
    groups: list[AgentGroup] = v["agents"]
    agents_node = node.items["agents"][1]
    for i, g in enumerate(groups):
        need = getattr(g.cls, "NEEDS_FUNDAMENTAL", False)
        symbol = g.params.get("symbol") if isinstance(g.params, dict) else None
        if need and symbol in seen and instruments[seen[symbol]].fundamental is None:
            ctx.error(
                agents_node.items[i].line,
                f"agents[{i}].params.symbol",
                f"agent type {g.type!r} observes the fundamental value, but instrument "
                f"{symbol!r} has no 'fundamental'",
            )
    check_risk(v, node, ctx)
    names = {g.name for g in groups}
    latency: LatencySpec = v["latency"]
    lat_node = node.items["latency"][1] if "latency" in node.items else node

    def known(name: str) -> bool:
        if name in names:
            return True
        group, _, index = name.rpartition("_")
        return index.isdigit() and any(g.name == group and int(index) < g.count for g in groups)

    for key in latency.agents:
        if not known(key):
            line = (
                lat_node.items["agents"][1].items[key][0]
                if lat_node.kind == "map" and "agents" in lat_node.items
                else lat_node.line
            )
            ctx.error(
                line,
                f"latency.agents.{key}",
                f"unknown population or agent {key!r} (populations: {', '.join(sorted(names))})",
            )
    for i, pair in enumerate(latency.pairs):
        other = pair.target if pair.source == "exchange" else pair.source
        if not known(other):
            pairs_node = lat_node.items["pairs"][1]
            ctx.error(
                pairs_node.items[i].line,
                f"latency.pairs[{i}]",
                f"unknown population or agent {other!r}",
            )


def _instruments_then_symbols(inner: ListOf) -> Type:
    class _Instruments(Type):
        def describe(self) -> str:
            return inner.describe()

        def convert(self, node: YNode, path: str, ctx: Ctx) -> Any:
            v = inner.convert(node, path, ctx)
            if v is not INVALID:
                ctx.symbols = {i.symbol for i in v}
            elif node.kind == "seq":
                ctx.symbols = {
                    sub.items["symbol"][1].value
                    for sub in node.items
                    if sub.kind == "map"
                    and "symbol" in sub.items
                    and isinstance(sub.items["symbol"][1].value, str)
                }
            return v

    return _Instruments()


SCENARIO = Record(
    "scenario",
    [
        Field(
            "name",
            Str(pattern=_NAME, what="a name (letters, digits, _ . -)"),
            None,
            "Scenario name (default: the file name without `.yaml`); the default output "
            "directory is `runs/<name>-<seed>`.",
        ),
        Field("description", Str(), "", "Free text."),
        Field(
            "seed",
            Int(min=0, max=2**63 - 1),
            1,
            "The seed every random stream derives from (`--seed` overrides it).",
        ),
        Field("market", MARKET, REQUIRED, MARKET.doc),
        # Instruments are read before agents, whose `symbol` parameters refer to them.
        Field(
            "instruments",
            _instruments_then_symbols(ListOf(INSTRUMENT, min_len=1)),
            REQUIRED,
            INSTRUMENT.doc,
        ),
        Field("latency", LATENCY, LatencySpec(), LATENCY.doc),
        Field("agents", _AgentGroups(), REQUIRED, AGENT_GROUP.doc),
        Field("outputs", OUTPUTS, Outputs(), OUTPUTS.doc),
        Field("risk", RISK, None, RISK.doc),
    ],
    doc="A scenario file.",
    check=_check_scenario,
)


# ----------------------------------------------------------------------------------------
# Reference documentation
# ----------------------------------------------------------------------------------------


def _default_text(f: Field) -> str:
    d = f.default
    if d is REQUIRED:
        return "**required**"
    if callable(d):
        return "(see meaning)"
    if d is None:
        return "none"
    if isinstance(d, bool):
        return "true" if d else "false"
    if isinstance(f.type, Duration) and isinstance(d, int):
        return f"`{_fmt_duration(d)}`"
    if d == "":
        return "empty"
    if isinstance(d, (dict, tuple, list)) and not d:
        return "empty"
    if isinstance(d, (Jitter, LatencySpec, Outputs)):
        return "(defaults below)"
    return f"`{d}`"


def _fmt_duration(ns: int) -> str:
    for unit, size in (
        ("h", 3_600 * _SECOND),
        ("min", 60 * _SECOND),
        ("s", _SECOND),
        ("ms", 10**6),
        ("us", 10**3),
    ):
        if ns and ns % size == 0:
            return f"{ns // size}{unit}"
    return f"{ns}ns"


def record_table(record: Record) -> str:
    """A markdown table of a record's keys: key, type, default, meaning."""
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for f in record.fields:
        lines.append(f"| `{f.name}` | {f.type.describe()} | {_default_text(f)} | {f.doc} |")
    return "\n".join(lines)


def markdown_reference() -> str:
    """The reference tables of docs/SCENARIOS.md: every section of the schema and the
    parameters of every built-in agent type."""
    from agents import REGISTRY

    parts = []
    for title, rec in (
        ("Top level", SCENARIO),
        ("`market`", MARKET),
        ("`instruments[]`", INSTRUMENT),
        ("`instruments[].fundamental`", FUNDAMENTAL),
        ("`latency`", LATENCY),
        ("`latency.jitter` (and `latency.agents.<name>.jitter`)", JITTER),
        ("`latency.agents.<name>`", LATENCY_OVERRIDE),
        ("`latency.pairs[]`", PAIR),
        ("`agents[]`", AGENT_GROUP),
        ("`outputs`", OUTPUTS),
        ("`risk`", RISK),
        ("`risk.defaults`, `risk.groups.<population>`", PARTICIPANT_RISK),
        ("`risk.groups.<population>.instruments.<symbol>`", ACCOUNT_LIMITS),
        ("`risk.instruments.<symbol>`", INSTRUMENT_RISK),
        ("`risk.instruments.<symbol>.collar`", COLLAR),
        ("`risk.instruments.<symbol>.band`", BAND),
        ("`risk.halts[]`", HALT),
    ):
        parts.append(f"### {title}\n\n{rec.doc}\n\n{record_table(rec)}\n")
    for name in sorted(REGISTRY):
        cls = REGISTRY[name]
        doc = (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        if cls.PARAMS is None:
            parts.append(f"### `type: {name}`\n\n{doc}\n\nNo parameters.\n")
        else:
            parts.append(f"### `type: {name}`\n\n{doc}\n\n{record_table(cls.PARAMS)}\n")
    return "\n".join(parts)
