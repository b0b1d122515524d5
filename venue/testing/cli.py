"""`venue fuzz` command (stub, being written)."""

import typer


def fuzz() -> None:
    """Fuzz the engine against the reference model."""
    raise typer.Exit(2)
