"""The `venue` command: a thin layer over the Python API.

Each command lives beside the API it wraps and is registered here; this file holds no logic.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="venue",
    help="venue: an exchange simulator and market-microstructure lab.",
    no_args_is_help=True,
    add_completion=False,
)


def _register() -> None:
    from venue.bench.cli import bench
    from venue.gateway.cli import serve_command
    from venue.replay.cli import replay_app
    from venue.sim.cli import run_command
    from venue.testing.cli import fuzz

    app.command("run")(run_command)
    app.command("bench")(bench)
    app.command("fuzz")(fuzz)
    app.command("serve")(serve_command)
    app.add_typer(replay_app, name="replay")


_register()


def main() -> None:
    """Entry point of the `venue` console script."""
    app()


if __name__ == "__main__":
    main()
