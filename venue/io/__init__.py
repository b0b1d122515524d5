"""Run outputs: the tables of a simulation run as Parquet files, and reading them back.

A run directory holds `events.parquet`, `trades.parquet`, `l1.parquet`, `depth.parquet`,
`agents.parquet` (each optional, per the scenario's `outputs`), `summary.json` and
`report.png`. `load_run(dir)` reads one back as a `RunResult`, the same object `venue.run`
returns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from venue.io.parquet import (
    DEPTH_SCHEMA,
    EVENTS_SCHEMA,
    L1_SCHEMA,
    TRADES_SCHEMA,
    agents_schema,
    dumps_summary,
    read_table,
    run_metadata,
    table_metadata,
    with_metadata,
    write_table,
)

__all__ = [
    "DEPTH_SCHEMA",
    "EVENTS_SCHEMA",
    "L1_SCHEMA",
    "TABLES",
    "TRADES_SCHEMA",
    "RunResult",
    "agents_schema",
    "load_run",
    "run_metadata",
    "table_metadata",
    "write_run",
    "write_summary",
    "write_tables",
]

TABLES = ("events", "trades", "l1", "depth", "agents")
"""The tables of a run, in the order they are written."""


@dataclass
class RunResult:
    """The result of a run: its tables (pyarrow), its summary, where it was written.

    `tables` maps `events`, `trades`, `l1`, `depth`, `agents` to pyarrow tables (a run
    loaded from disk has the ones that were written). `summary` is the content of
    `summary.json`. `metadata` is the run's `venue.*` metadata (scenario, seed, versions,
    state hash).
    """

    summary: dict[str, Any]
    tables: dict[str, pa.Table] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    out_dir: Path | None = None

    @property
    def state_hash(self) -> str:
        """The engine state hash at the end of the run (hex)."""
        return str(self.summary["state_hash"])

    def __getattr__(self, name: str) -> pa.Table:
        # result.events, result.trades, ... for the tables.
        if name in TABLES:
            try:
                return self.__dict__["tables"][name]
            except KeyError:
                raise AttributeError(f"this run has no {name!r} table") from None
        raise AttributeError(name)

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"RunResult(scenario={s.get('scenario')!r}, seed={s.get('seed')}, "
            f"trades={s.get('trades')}, state_hash={s.get('state_hash')}, out_dir={self.out_dir})"
        )


def write_tables(
    result: RunResult, out_dir: str | Path, enabled: dict[str, bool] | None = None
) -> Path:
    """Writes the run's tables as Parquet files in `out_dir` (created if needed): those
    `enabled` allows, all by default. Returns the directory."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        table = result.tables.get(name)
        if table is None or (enabled is not None and not enabled.get(name, True)):
            continue
        write_table(with_metadata(table, result.metadata, name), out / f"{name}.parquet")
    result.out_dir = out
    return out


def write_summary(result: RunResult, out_dir: str | Path) -> Path:
    """Writes the run's `summary.json` in `out_dir`. Returns its path."""
    path = Path(out_dir) / "summary.json"
    path.write_text(dumps_summary(result.summary), encoding="utf-8")
    return path


def write_run(
    result: RunResult, out_dir: str | Path, enabled: dict[str, bool] | None = None
) -> Path:
    """Writes the run's tables (see `write_tables`) and its `summary.json` to `out_dir`.
    Returns the directory."""
    out = write_tables(result, out_dir, enabled)
    write_summary(result, out)
    return out


def load_run(run_dir: str | Path) -> RunResult:
    """Reads a run directory written by `venue run` (or `venue.run(out=...)`).

    Raises FileNotFoundError if it has no `summary.json`.
    """
    d = Path(run_dir)
    summary_path = d / "summary.json"
    if not summary_path.is_file():
        raise FileNotFoundError(f"not a run directory (no summary.json): {d}")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    tables: dict[str, pa.Table] = {}
    metadata: dict[str, str] = {}
    for name in TABLES:
        path = d / f"{name}.parquet"
        if path.is_file():
            tables[name] = read_table(path)
            if not metadata:
                metadata = {
                    k: v for k, v in table_metadata(tables[name]).items() if k != "venue.table"
                }
    return RunResult(summary=summary, tables=tables, metadata=metadata, out_dir=d)
