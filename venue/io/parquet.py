"""Parquet files of a run, with explicit schemas and self-describing metadata.

Every table of a run has a fixed Arrow schema (below) and carries, in its schema metadata,
the scenario name and YAML, the seed, the engine and package versions, the final engine
state hash and the clock convention, so that a file found alone still says where it came
from. Writing is deterministic: the same table gives the same bytes.

| file | one row per | columns |
|---|---|---|
| `events.parquet` | engine event | the `EVENT_DTYPE` fields (seq, ts, order_id, ...) |
| `trades.parquet` | fill | seq, ts, instrument, symbol, price, qty, side (aggressor), taker/maker participant and order id |
| `l1.parquet` | change of best bid/offer | ts, instrument, symbol, bid, bid_qty, ask, ask_qty (null price: empty side), fundamental |
| `depth.parquet` | level of a periodic book sample | ts, instrument, side, level, price, qty, orders |
| `agents.parquet` | agent | agent_id, name, group, type, cash, position, pnl, orders, fills, ... |
"""  # noqa: E501

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "DEPTH_SCHEMA",
    "EVENTS_SCHEMA",
    "L1_SCHEMA",
    "TRADES_SCHEMA",
    "agents_schema",
    "dumps_summary",
    "read_table",
    "run_metadata",
    "table_metadata",
    "with_metadata",
    "write_table",
]

EVENTS_SCHEMA = pa.schema(
    [
        pa.field("seq", pa.uint64(), nullable=False),
        pa.field("ts", pa.int64(), nullable=False),
        pa.field("order_id", pa.uint64(), nullable=False),
        pa.field("client_order_id", pa.uint64(), nullable=False),
        pa.field("price", pa.int64(), nullable=False),
        pa.field("qty", pa.int64(), nullable=False),
        pa.field("leaves", pa.int64(), nullable=False),
        pa.field("maker_order_id", pa.uint64(), nullable=False),
        pa.field("instrument", pa.uint32(), nullable=False),
        pa.field("participant", pa.uint32(), nullable=False),
        pa.field("maker_participant", pa.uint32(), nullable=False),
        pa.field("kind", pa.uint8(), nullable=False),
        pa.field("side", pa.uint8(), nullable=False),
        pa.field("reason", pa.uint8(), nullable=False),
    ]
)
"""Every engine event: the `EVENT_DTYPE` fields (docs/SEMANTICS.md)."""

TRADES_SCHEMA = pa.schema(
    [
        pa.field("seq", pa.uint64(), nullable=False),
        pa.field("ts", pa.int64(), nullable=False),
        pa.field("instrument", pa.uint32(), nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("price", pa.int64(), nullable=False),
        pa.field("qty", pa.int64(), nullable=False),
        pa.field("side", pa.uint8(), nullable=False),
        pa.field("taker_participant", pa.uint32(), nullable=False),
        pa.field("maker_participant", pa.uint32(), nullable=False),
        pa.field("taker_order_id", pa.uint64(), nullable=False),
        pa.field("maker_order_id", pa.uint64(), nullable=False),
    ]
)
"""One row per fill (a TRADE event); `side` is the aggressor's (0 buy, 1 sell)."""

L1_SCHEMA = pa.schema(
    [
        pa.field("ts", pa.int64(), nullable=False),
        pa.field("instrument", pa.uint32(), nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("bid", pa.int64(), nullable=True),
        pa.field("bid_qty", pa.int64(), nullable=False),
        pa.field("ask", pa.int64(), nullable=True),
        pa.field("ask_qty", pa.int64(), nullable=False),
        pa.field("fundamental", pa.int64(), nullable=True),
    ]
)
"""Best bid and offer after every change (null price: that side is empty), with the
fundamental value at that time (null if the instrument has none)."""

DEPTH_SCHEMA = pa.schema(
    [
        pa.field("ts", pa.int64(), nullable=False),
        pa.field("instrument", pa.uint32(), nullable=False),
        pa.field("side", pa.uint8(), nullable=False),
        pa.field("level", pa.uint16(), nullable=False),
        pa.field("price", pa.int64(), nullable=False),
        pa.field("qty", pa.int64(), nullable=False),
        pa.field("orders", pa.uint32(), nullable=False),
    ]
)
"""Book samples: each level of each side (0 bid, 1 ask), best first (level 0)."""


def agents_schema(symbols: list[str]) -> pa.Schema:
    """Schema of `agents.parquet`: one `position_<symbol>` column per instrument."""
    fields = [
        pa.field("agent_id", pa.uint32(), nullable=False),
        pa.field("name", pa.string(), nullable=False),
        pa.field("group", pa.string(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("starting_cash", pa.int64(), nullable=False),
        pa.field("cash", pa.int64(), nullable=False),
        pa.field("position", pa.int64(), nullable=False),
    ]
    fields += [pa.field(f"position_{s}", pa.int64(), nullable=False) for s in symbols]
    fields += [
        pa.field("realized_pnl", pa.float64(), nullable=False),
        pa.field("unrealized_pnl", pa.float64(), nullable=False),
        pa.field("pnl", pa.float64(), nullable=False),
        pa.field("orders", pa.int64(), nullable=False),
        pa.field("cancels", pa.int64(), nullable=False),
        pa.field("fills", pa.int64(), nullable=False),
        pa.field("volume", pa.int64(), nullable=False),
        pa.field("rejects", pa.int64(), nullable=False),
        pa.field("open_orders", pa.int64(), nullable=False),
    ]
    return pa.schema(fields)


def run_metadata(
    *,
    scenario: str,
    scenario_yaml: str,
    seed: int,
    engine_version: str,
    venue_version: str,
    state_hash: str,
    date: str,
) -> dict[str, str]:
    """The metadata every table of a run carries (string values)."""
    return {
        "venue.scenario": scenario,
        "venue.scenario_yaml": scenario_yaml,
        "venue.seed": str(seed),
        "venue.engine_version": engine_version,
        "venue.version": venue_version,
        "venue.state_hash": state_hash,
        "venue.date": date,
        "venue.clock": f"ts columns are integer ns since midnight of {date}",
    }


def with_metadata(table: pa.Table, metadata: dict[str, str], name: str) -> pa.Table:
    """The table with the run's metadata and its own name (`venue.table`)."""
    meta = {k.encode(): v.encode() for k, v in {**metadata, "venue.table": name}.items()}
    return table.replace_schema_metadata(meta)


def write_table(table: pa.Table, path: str | Path) -> None:
    """Writes a table as Parquet, deterministically: zstd, dictionary encoding only for the
    string columns (for the integer columns of a day of events a dictionary costs tens of
    MB while writing and makes the file larger)."""
    strings = [f.name for f in table.schema if pa.types.is_string(f.type)]
    pq.write_table(table, str(path), compression="zstd", use_dictionary=strings or False)


def read_table(path: str | Path) -> pa.Table:
    """Reads a Parquet file written by `write_table`."""
    return pq.read_table(str(path))


def table_metadata(table: pa.Table) -> dict[str, str]:
    """The `venue.*` metadata of a table, decoded."""
    raw = table.schema.metadata or {}
    return {k.decode(): v.decode() for k, v in raw.items() if k.startswith(b"venue.")}


def dumps_summary(summary: dict[str, Any]) -> str:
    """The text of `summary.json`: the summary in its own key order, indented."""
    return json.dumps(summary, indent=2) + "\n"
