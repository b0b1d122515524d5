"""Scenario errors: every problem found in a scenario, each with its file, line and field.

>>> err = ScenarioError([Issue("s.yaml", 3, "agents[0].count", "expected an integer >= 0, got -5")])
>>> print(err)
scenario is invalid (1 problem):
  s.yaml:3: agents[0].count: expected an integer >= 0, got -5
"""

from __future__ import annotations

from typing import NamedTuple

from venue.errors import VenueError

__all__ = ["Issue", "ScenarioError"]


class Issue(NamedTuple):
    """One problem: the file, the 1-based line (None when unknown), the field path (like
    `agents[1].params.pov`) and what was expected."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.path or '<top>'}: {self.message}"


class ScenarioError(VenueError):
    """A scenario that cannot run. `issues` lists every problem found (validation does not
    stop at the first); nothing runs until all are fixed."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = list(issues)
        n = len(self.issues)
        lines = [f"scenario is invalid ({n} problem{'s' if n != 1 else ''}):"]
        lines += [f"  {issue}" for issue in self.issues]
        super().__init__("\n".join(lines))
