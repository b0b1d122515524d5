"""`venue bench` command (stub, being written)."""

import typer


def bench() -> None:
    """Measure the engine's latency and throughput."""
    raise typer.Exit(2)
