"""Running the differential state machine outside pytest: any budget, a summary, replay files.

:func:`run_fuzz` runs :class:`~venue.testing.machine.EngineMachine` for a number of examples
of a number of steps with a seed. On a divergence hypothesis shrinks the history; the shrunk
history is written to a JSON file that :func:`replay_file` (``venue fuzz --replay FILE``)
runs again, step by step, with the same checks.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.stateful import run_state_machine_as_test

from venue.testing.differential import (
    Divergence,
    Op,
    format_op,
    load_history,
    replay,
    save_history,
)
from venue.testing.machine import EngineMachine, default_engine_factory

CHUNK = 1000  # examples per hypothesis run (see run_fuzz)


@dataclass
class FuzzResult:
    """What a fuzz run did and found."""

    examples: int
    steps: int
    seed: int
    seconds: float
    ops: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    failure: str | None = None  # the divergence, if one was found
    history: list[Op] = field(default_factory=list)  # the shrunk failing history
    history_file: Path | None = None

    @property
    def ok(self) -> bool:
        """True when no divergence was found."""
        return self.failure is None


def fuzz_settings(examples: int, steps: int, **overrides: Any) -> settings:
    """The hypothesis settings of a fuzz run: no deadline, no example database, no health
    checks (the machine is slow on purpose), quiet (we print the shrunk history ourselves)."""
    base: dict[str, Any] = {
        "max_examples": examples,
        "stateful_step_count": steps,
        "deadline": None,
        "database": None,
        "suppress_health_check": list(HealthCheck),
        "verbosity": Verbosity.quiet,
        "report_multiple_bugs": False,
    }
    base.update(overrides)
    return settings(**base)


def run_fuzz(
    examples: int = 200,
    steps: int = 50,
    seed: int | None = None,
    *,
    engine_factory: Callable[[], Any] | None = None,
    failure_file: str | Path | None = "venue-fuzz-failure.json",
    on_example: Callable[[int], None] | None = None,
    shrink: bool = True,
) -> FuzzResult:
    """Fuzzes the engine against the reference model.

    ``seed`` None draws one (it is in the result, so that a run can be repeated).
    ``on_example`` is called with the number of examples started so far.
    ``shrink`` False reports the first failing history as found (faster, longer).
    On a divergence the shrunk history is written to ``failure_file`` (if not None).
    """
    if examples < 1 or steps < 1:
        raise ValueError(f"examples ({examples}) and steps ({steps}) must be >= 1")
    if seed is None:
        seed = random.SystemRandom().randrange(1 << 32)
    factory = engine_factory or default_engine_factory

    class Machine(EngineMachine):
        engine_factory = staticmethod(factory)

        def __init__(self) -> None:
            super().__init__()
            if on_example is not None:
                on_example(self.stats.examples)

    Machine.stats.reset()
    Machine.last_history = []

    overrides: dict[str, Any] = {}
    if not shrink:
        overrides["phases"] = [Phase.explicit, Phase.reuse, Phase.generate]
    started = time.perf_counter()
    failure: str | None = None
    # Hypothesis keeps every example's choices in memory (about 0.5 MB each here), so a large
    # budget runs as chunks of CHUNK examples, each a fresh hypothesis run with its own seed
    # drawn from `seed`: memory stays bounded and the run stays reproducible.
    for chunk, start in enumerate(range(0, examples, CHUNK)):

        def make() -> Machine:
            return Machine()

        chunk_seed = seed if chunk == 0 else random.Random(f"{seed}/{chunk}").getrandbits(32)
        hypothesis_seed(chunk_seed)(make)
        budget = min(CHUNK, examples - start)
        try:
            run_state_machine_as_test(make, settings=fuzz_settings(budget, steps, **overrides))
        except Divergence as err:
            failure = str(err)
        except Exception as err:  # an engine panic, a hypothesis error: still a failure
            failure = f"{type(err).__name__}: {err}"
        if failure is not None:
            break
    stats = Machine.stats
    result = FuzzResult(
        examples=stats.examples,
        steps=stats.steps,
        seed=seed,
        seconds=time.perf_counter() - started,
        ops=dict(stats.ops.most_common()),
        events=dict(stats.events.most_common()),
        reasons=dict(stats.reasons.most_common()),
        failure=failure,
    )
    if failure is not None:
        result.history = list(Machine.last_history)
        if failure_file is not None:
            path = Path(failure_file)
            save_history(path, result.history, note=f"seed {seed}: {failure.splitlines()[0]}")
            result.history_file = path
    return result


@dataclass
class ReplayResult:
    """The outcome of replaying a history file."""

    operations: int
    failure: str | None = None
    state_hash: int | None = None

    @property
    def ok(self) -> bool:
        """True when the engine and the model agreed on the whole history."""
        return self.failure is None


def replay_file(path: str | Path, engine_factory: Callable[[], Any] | None = None) -> ReplayResult:
    """Replays a history file on a fresh engine and model with every check.

    A file that is not a fuzz history raises ``ValueError`` naming the file and the problem."""
    history = load_history(path)
    try:
        diff = replay(history, engine_factory or default_engine_factory)
    except Divergence as err:
        return ReplayResult(len(history), failure=str(err))
    return ReplayResult(len(history), state_hash=diff.engine.state_hash())


def format_history(history: list[Op]) -> str:
    """A history, one numbered operation per line."""
    return "\n".join(f"  {i:3d}  {format_op(op)}" for i, op in enumerate(history))
