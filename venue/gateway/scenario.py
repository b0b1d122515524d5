"""`venue serve --scenario FILE`: the scenario's instruments listed on the venue.

The scenario is read and validated by `venue.scenario.load_scenario` (every problem is
reported with its file and line). Its instruments, with their tick, lot and quantity limits,
become the venue's. Its simulated agents are not run by `venue serve` yet: trading them
against NATS participants in one engine needs the simulator's exchange to accept orders and
route events for participants that are not agents (see docs/PROTOCOL.md, "Scenarios");
`serve` says so when the scenario has agents, rather than ignoring them silently.
"""

from __future__ import annotations

from pathlib import Path

from venue.gateway.server import InstrumentSpec

__all__ = ["ScenarioVenue", "load_scenario_venue"]


class ScenarioVenue:
    """What `venue serve` takes from a scenario: its name, instruments and agent count."""

    def __init__(self, name: str, instruments: list[InstrumentSpec], agents: int) -> None:
        self.name = name
        self.instruments = instruments
        self.agents = agents


def load_scenario_venue(path: str | Path) -> ScenarioVenue:
    """Reads a scenario file (ScenarioError or FileNotFoundError, naming the problem)."""
    from venue.scenario import load_scenario

    sc = load_scenario(path)
    instruments = [
        InstrumentSpec(i.symbol, i.tick_size, i.lot_size, i.min_qty, i.max_qty)
        for i in sc.instruments
    ]
    return ScenarioVenue(sc.name, instruments, sc.agent_count())
