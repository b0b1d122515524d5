"""`venue fuzz`: differential fuzzing of the engine against the reference model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table


def _engine_available(console: Console) -> bool:
    try:
        import venue._core  # noqa: F401
    except ImportError as err:
        console.print(
            f"[red]error:[/red] the engine extension venue._core is not built ({err}); "
            "run `make develop` first"
        )
        return False
    return True


def fuzz(
    examples: Annotated[
        int, typer.Option("--examples", min=1, help="Number of random operation sequences.")
    ] = 200,
    steps: Annotated[
        int, typer.Option("--steps", min=1, help="Operations per sequence (at most).")
    ] = 50,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Random seed (default: drawn and printed).")
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(
            "--replay",
            help="Rerun a failing sequence written by an earlier run instead of fuzzing.",
            dir_okay=False,
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option("--out", help="Where a failing (shrunk) sequence is written.", dir_okay=False),
    ] = Path("venue-fuzz-failure.json"),
) -> None:
    """Fuzz the engine against the reference model (docs/FUZZING.md).

    Drives the Rust engine and the Python reference model with the same random operations and
    compares events, results, the full L3 state and invariants after every step. Exits 1 on a
    divergence, after printing the shrunk operation sequence and writing it to --out.
    """
    from venue.testing.fuzz import format_history, replay_file, run_fuzz

    console = Console(highlight=False)
    if not _engine_available(console):
        raise typer.Exit(2)

    if replay is not None:
        try:
            res = replay_file(replay)
        except ValueError as err:
            console.print(f"[red]error:[/red] {err}")
            raise typer.Exit(2) from None
        if res.ok:
            console.print(
                f"replayed {res.operations} operations from {replay}: engine and model agree "
                f"(state hash {res.state_hash:#018x})"
            )
            return
        console.print(f"[red]DIVERGENCE[/red] replaying {replay}:")
        console.print(res.failure, markup=False)
        raise typer.Exit(1)

    with console.status("fuzzing...") as status:

        def progress(n: int) -> None:
            if n % 25 == 0:
                status.update(f"fuzzing: example {n}...")

        result = run_fuzz(examples, steps, seed, failure_file=out, on_example=progress)

    table = Table(title="venue fuzz", show_header=False)
    table.add_row("seed", str(result.seed))
    table.add_row("examples", f"{result.examples} (asked {examples}, up to {steps} steps each)")
    table.add_row("steps", str(result.steps))
    table.add_row("time", f"{result.seconds:.1f} s")
    table.add_row("operations", ", ".join(f"{k} {v}" for k, v in result.ops.items()))
    table.add_row("events", ", ".join(f"{k} {v}" for k, v in result.events.items()))
    table.add_row("reasons", ", ".join(f"{k} {v}" for k, v in result.reasons.items()))
    console.print(table)
    if result.ok:
        console.print("[green]no divergence[/green]")
        return
    console.print(f"[red]DIVERGENCE[/red] (seed {result.seed}):")
    console.print(result.failure, markup=False)
    console.print("shrunk operation sequence:")
    console.print(format_history(result.history), markup=False)
    console.print(
        f"written to {result.history_file}; rerun with: venue fuzz --replay {out}", markup=False
    )
    raise typer.Exit(1)
