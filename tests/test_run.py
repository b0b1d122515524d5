"""`venue.run` and `venue run`: the outputs, their schemas and metadata, determinism, the
CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

import venue.runner as vr
from venue.io import DEPTH_SCHEMA, EVENTS_SCHEMA, L1_SCHEMA, TRADES_SCHEMA, load_run
from venue.scenario import parse_scenario
from venue.sim.cli import run_command
from venue.sim.simulation import Simulation

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"

TINY = """\
name: tiny
seed: 4
market: {open: "09:30:00", close: "09:45:00"}
instruments:
  - symbol: XYZ
    fundamental: {r_bar: 10000}
  - symbol: ABC
    tick_size: 5
    fundamental: {r_bar: 20000}
latency: {model: line, compute_delay: 50ns, jitter: {dist: exponential, mean: 2us}}
agents:
  - {name: noise, type: noise, count: 40,
     params: {symbol: XYZ, wake_start: "09:30:00", wake_end: "09:45:00"}}
  - {name: noise_abc, type: noise, count: 40,
     params: {symbol: ABC, wake_start: "09:30:00", wake_end: "09:45:00"}}
  - {name: value, type: value, count: 8, params: {symbol: XYZ, r_bar: 10000, lambda_a: 2.0e-11}}
  - {name: value_abc, type: value, count: 8, params: {symbol: ABC, r_bar: 20000, lambda_a: 2.0e-11}}
  - {name: mm, type: adaptive_market_maker, count: 1,
     params: {symbol: XYZ, pov: 0.05, min_order_size: 5, window_size: adaptive, num_ticks: 5,
              wake_up_freq: 10s, level_spacing: 2}}
  - {name: as, type: avellaneda_stoikov, count: 1,
     params: {symbol: ABC, order_size: 10, wake_up_freq: 5s}}
outputs: {report: false, depth_interval: 30s}
"""

SUMMARY_KEYS = (
    "scenario",
    "seed",
    "sim_seconds",
    "wall_seconds",
    "messages",
    "orders",
    "cancels",
    "trades",
    "volume",
    "state_hash",
    "agents",
)


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> vr.RunResult:
    out = tmp_path_factory.mktemp("run") / "quickstart"
    return vr.run(QUICKSTART, out=out)


def test_outputs_are_written(quickstart: vr.RunResult) -> None:
    out = quickstart.out_dir
    assert out is not None
    for name in (
        "events.parquet",
        "trades.parquet",
        "l1.parquet",
        "depth.parquet",
        "agents.parquet",
        "summary.json",
        "report.png",
    ):
        assert (out / name).is_file(), name
    assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "report.png").stat().st_size > 20_000


def test_summary(quickstart: vr.RunResult) -> None:
    s = json.loads((quickstart.out_dir / "summary.json").read_text())  # type: ignore[operator]
    for key in SUMMARY_KEYS:
        assert key in s, key
    assert s["scenario"] == "quickstart" and s["seed"] == 1
    assert s["sim_seconds"] == pytest.approx(3_601.0)
    assert s["trades"] == quickstart.trades.num_rows > 0
    assert s["volume"] == sum(quickstart.trades.column("qty").to_pylist())
    ev = quickstart.events
    assert s["orders"] == ev.filter(pq_kind(ev, 0)).num_rows + count_new_rejects(ev)
    assert set(s["agents"]) == {
        "noise",
        "value",
        "momentum",
        "adaptive_market_maker",
        "avellaneda_stoikov",
    }
    total = sum(v["pnl_total"] for v in s["agents"].values())
    assert total == pytest.approx(sum(quickstart.agents.column("pnl").to_pylist()))
    assert s["messages"] > s["orders"]
    assert s["state_hash"].startswith("0x") and len(s["state_hash"]) == 18


def pq_kind(table, kind: int):  # type: ignore[no-untyped-def]
    import pyarrow.compute as pc

    return pc.equal(table.column("kind"), kind)


def count_new_rejects(table) -> int:  # type: ignore[no-untyped-def]
    # A rejected NEW has order id 0 and an ACCEPTED never came; in this market agents only
    # send NEW orders that can be rejected for price or halting, never cancels by id.
    kinds = table.column("kind").to_numpy()
    return int((kinds == 1).sum())


def test_schemas_and_metadata(quickstart: vr.RunResult) -> None:
    out = quickstart.out_dir
    for name, schema in (
        ("events", EVENTS_SCHEMA),
        ("trades", TRADES_SCHEMA),
        ("l1", L1_SCHEMA),
        ("depth", DEPTH_SCHEMA),
    ):
        table = pq.read_table(out / f"{name}.parquet")  # type: ignore[operator]
        assert table.schema.remove_metadata().equals(schema), name
        meta = {k.decode(): v.decode() for k, v in table.schema.metadata.items()}
        assert meta["venue.scenario"] == "quickstart"
        assert meta["venue.seed"] == "1"
        assert meta["venue.state_hash"] == quickstart.summary["state_hash"]
        assert meta["venue.engine_version"] and meta["venue.version"]
        assert meta["venue.table"] == name
        assert "agents:" in meta["venue.scenario_yaml"]
    agents = pq.read_table(out / "agents.parquet")  # type: ignore[operator]
    assert agents.num_rows == 346
    assert {
        "agent_id",
        "type",
        "cash",
        "position",
        "position_XYZ",
        "pnl",
        "orders",
        "fills",
    } <= set(agents.column_names)


def test_l1_and_trades_agree_with_events(quickstart: vr.RunResult) -> None:
    ev = quickstart.events
    kinds = ev.column("kind").to_numpy()
    assert quickstart.trades.num_rows == int((kinds == 2).sum())
    l1 = quickstart.l1
    bid = np.array(l1.column("bid").to_pylist(), dtype=float)
    ask = np.array(l1.column("ask").to_pylist(), dtype=float)
    both = ~np.isnan(bid) & ~np.isnan(ask)
    assert np.all(bid[both] < ask[both])  # never crossed at rest
    assert np.all(np.diff(l1.column("ts").to_numpy()) >= 0)
    assert l1.column("fundamental").null_count == 0


def test_load_run_round_trip(quickstart: vr.RunResult) -> None:
    loaded = load_run(quickstart.out_dir)  # type: ignore[arg-type]
    assert loaded.summary == json.loads((quickstart.out_dir / "summary.json").read_text())  # type: ignore[operator]
    for name in ("events", "trades", "l1", "depth", "agents"):
        assert loaded.tables[name].equals(quickstart.tables[name]), name
    assert loaded.metadata["venue.state_hash"] == quickstart.state_hash
    assert loaded.events.num_rows == quickstart.events.num_rows
    with pytest.raises(FileNotFoundError):
        load_run(ROOT / "scenarios")


def test_same_seed_gives_identical_outputs(tmp_path: Path) -> None:
    sc = parse_scenario(TINY, file="tiny.yaml")
    a = vr.run(sc, out=tmp_path / "a")
    b = vr.run(sc, out=tmp_path / "b")
    c = vr.run(sc, seed=5, out=tmp_path / "c")
    assert a.state_hash == b.state_hash != c.state_hash
    for name in ("events", "trades", "l1", "depth", "agents"):
        assert (tmp_path / "a" / f"{name}.parquet").read_bytes() == (
            tmp_path / "b" / f"{name}.parquet"
        ).read_bytes(), name
        assert a.tables[name].equals(b.tables[name])
    assert not a.tables["events"].equals(c.tables["events"])
    assert not (tmp_path / "a" / "report.png").exists()  # outputs.report: false


def test_adding_an_agent_does_not_change_the_others_streams() -> None:
    sc = parse_scenario(TINY, file="tiny.yaml")
    more = parse_scenario(
        TINY.replace("count: 8, params: {symbol: XYZ", "count: 9, params: {symbol: XYZ"),
        file="tiny.yaml",
    )
    a, b = Simulation(sc), Simulation(more)
    assert len(b.agents) == len(a.agents) + 1
    by_name = {ag.name: ag for ag in b.agents}
    for ag in a.agents:
        other = by_name[ag.name]
        assert [ag.rng.random() for _ in range(3)] == [other.rng.random() for _ in range(3)]
        assert a.latency[ag.agent_id].order_entry == b.latency[other.agent_id].order_entry
    assert a.fundamentals[0].series()[1].tolist() == b.fundamentals[0].series()[1].tolist()


def test_rust_and_reference_engines_give_the_same_run() -> None:
    sc = parse_scenario(TINY, file="tiny.yaml")
    rust = vr.run(sc)
    ref = vr.run(sc, engine="reference")
    assert rust.tables["events"].equals(ref.tables["events"])
    assert rust.state_hash == ref.state_hash
    assert rust.summary["engine_version"] != ref.summary["engine_version"] == "reference"


def test_venue_run_is_callable_as_a_module() -> None:
    import venue

    result = venue.run(
        parse_scenario(TINY.replace('close: "09:45:00"', 'close: "09:32:00"'), file="tiny.yaml")
    )
    assert result.summary["scenario"] == "tiny"


# ---------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------


def cli() -> typer.Typer:
    """An app like `venue`'s: `run` registered as a subcommand."""
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """venue"""

    app.command("run")(run_command)
    return app


def test_cli_runs_a_scenario(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(TINY)
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli(), ["run", str(scenario), "--out", str(out), "--seed", "9", "--quiet"]
    )
    assert res.exit_code == 0, res.output
    assert res.output.strip() == str(out)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 9 and summary["scenario"] == "tiny"


def test_cli_default_output_dir_and_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(TINY.replace('close: "09:45:00"', 'close: "09:33:00"'))
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli(), ["run", str(scenario)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "runs" / "tiny-4" / "summary.json").is_file()
    assert "trades" in res.output and "state hash" in res.output


def test_cli_reports_an_invalid_scenario(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(
        TINY.replace("name: noise, type: noise, count: 40", "name: noise, type: noise, count: -40")
    )
    res = CliRunner().invoke(cli(), ["run", str(scenario), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    line = next(
        n for n, text in enumerate(scenario.read_text().splitlines(), 1) if "count: -40" in text
    )
    assert (
        f"{scenario}:{line}: agents[0].count: expected an integer >= 0, got -40"
        in res.output.replace("\n", "")
    )
    assert not (tmp_path / "out").exists()
    res = CliRunner().invoke(cli(), ["run", str(tmp_path / "missing.yaml")])
    assert res.exit_code == 2 and "not found" in res.output
