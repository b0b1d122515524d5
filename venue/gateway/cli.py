"""`venue serve`: the venue as a NATS service (registered by venue/cli.py).

venue serve [--nats URL] [--scenario FILE] [--realtime | --as-fast-as-possible]
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path
from typing import Annotated, Any

import typer
from nats.errors import NoServersError

from venue.gateway.server import Gateway, GatewayConfig

__all__ = ["serve_command"]


def serve_command(
    nats: Annotated[
        str,
        typer.Option(
            "--nats",
            help="NATS server URL (JetStream enabled). Credentials can be given in the URL "
            "(nats://user:password@host:port).",
        ),
    ] = "nats://127.0.0.1:4222",
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            help="Scenario file whose instruments the venue lists (its simulated agents are "
            "not run yet: serve says so). Without one, the venue lists XYZ (tick 1, lot 1).",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ] = None,
    realtime: Annotated[
        bool,
        typer.Option(
            "--realtime/--as-fast-as-possible",
            help="With a scenario whose agents run, pace simulated time to the wall clock "
            "(default) or run it as fast as possible. NATS orders are always processed as "
            "they arrive, stamped with the journal's time.",
        ),
    ] = True,
) -> None:
    """Run the engine as a service on NATS JetStream (see docs/PROTOCOL.md)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = GatewayConfig(nats_url=nats)
    if scenario is not None:
        from venue.gateway.scenario import load_scenario_venue

        try:
            venue = load_scenario_venue(scenario)
        except Exception as err:  # ScenarioError lists every problem with its line
            typer.echo(f"venue serve: {err}", err=True)
            raise typer.Exit(2) from err
        config.instruments = venue.instruments
        if venue.agents:
            typer.echo(
                f"venue serve: scenario {venue.name!r}: listing its instruments; its "
                f"{venue.agents} simulated agents are NOT run by `venue serve` yet "
                '(docs/PROTOCOL.md, "Scenarios")',
                err=True,
            )
    del realtime  # only meaningful once scenario agents run (pacing of simulated time)
    try:
        stats = asyncio.run(_serve(config))
    except (OSError, NoServersError) as err:
        typer.echo(f"venue serve: cannot reach NATS at {nats}: {err}", err=True)
        raise typer.Exit(1) from err
    typer.echo(f"venue serve: stopped; {stats}")


async def _serve(config: GatewayConfig) -> Any:
    gateway = Gateway(config)
    await gateway.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await gateway.wait_ready()
    logging.getLogger("venue.gateway").info(
        "venue serving %s on %s (orders: %s)",
        ", ".join(gateway.symbols),
        config.nats_url,
        gateway.subjects.orders("<participant>"),
    )
    tasks = [asyncio.create_task(stop.wait()), asyncio.create_task(gateway.serve_forever())]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await gateway.stop()
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    return gateway.stats
