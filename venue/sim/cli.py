"""`venue run SCENARIO [--out DIR] [--seed N] [--quiet]`: the main job, a thin layer over
`venue.run`.

Exit status: 0 on success; 2 when the scenario is invalid or missing (every problem is
listed with file, line and field, and nothing runs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from venue.runner import default_out_dir, run
from venue.scenario import ScenarioError, load_scenario

__all__ = ["run_command"]


def run_command(
    scenario: Annotated[
        Path,
        typer.Argument(
            help="Scenario file (YAML), e.g. scenarios/quickstart.yaml.", dir_okay=False
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Output directory. Default: runs/<scenario>-<seed>/.", file_okay=False
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", min=0, help="Seed of every random stream (overrides the scenario's)."
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", help="No progress bar or summary table; print only the output directory."
        ),
    ] = False,
) -> None:
    """Run a simulation scenario: agents trading through the engine; writes events,
    trades, L1, depth and agents Parquet files, summary.json and report.png."""
    err = Console(stderr=True)
    try:
        sc = load_scenario(scenario)
    except (ScenarioError, FileNotFoundError) as e:
        err.print(f"[red]error:[/red] {e}", highlight=False)
        raise typer.Exit(2) from None
    seed_used = sc.seed if seed is None else seed
    out_dir = out if out is not None else default_out_dir(sc, seed_used)
    run(sc, seed=seed_used, out=out_dir, quiet=quiet)
    if quiet:
        typer.echo(str(out_dir))
