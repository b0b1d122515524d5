"""The scheduler: SimPy time in integer nanoseconds.

`Kernel` owns a `simpy.Environment` whose clock is an `int` of nanoseconds (since midnight
of the session date, by convention). Everything that happens in a simulation is a SimPy
event: agent wake-ups, message arrivals at the exchange, deliveries back to agents.

Determinism. SimPy orders its queue by `(time, priority, insertion number)`; this kernel
schedules everything at one priority, so simultaneous events run in the order they were
scheduled, which is itself a deterministic function of the scenario and seed. Nothing is
ordered by object identity, hash or set order.

Speed. The fast path is `call_at(t, fn, arg)`: one lightweight event whose only callback is
`fn`, called with the event (the argument is `event.value`). Agents written as SimPy
generator processes are supported too (`Kernel.process`), at the usual SimPy cost.

>>> k = Kernel(start=100)
>>> seen = []
>>> k.call_at(300, lambda ev: seen.append((k.now, ev.value)), "b")
>>> k.call_at(200, lambda ev: seen.append((k.now, ev.value)), "a")
>>> k.call_at(200, lambda ev: seen.append((k.now, ev.value)), "a2")
>>> k.run(until=1_000)
>>> seen
[(200, 'a'), (200, 'a2'), (300, 'b')]
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from heapq import heappush
from typing import Any

import simpy
from simpy.events import NORMAL, Event

__all__ = ["Call", "Kernel"]


_new_event = object.__new__


class Call(Event):
    """A SimPy event that is already triggered and carries one callback: the cheapest way to
    have `fn(event)` run at a given time. `event.value` is the argument."""

    def __init__(self, env: simpy.Environment, fn: Callable[[Any], None], value: Any) -> None:
        # Event.__init__ inlined, as simpy.Timeout does, for speed.
        self.env = env
        self.callbacks = [fn]
        self._value = value
        self._ok = True


class Kernel:
    """The simulation clock and event queue (a `simpy.Environment` in integer ns).

    `start` is the initial time. Use `call_at`/`call_in` to schedule callbacks, `process` to
    start a SimPy generator process, `run(until)` to advance.
    """

    def __init__(self, start: int = 0) -> None:
        if not isinstance(start, int):
            raise TypeError(f"Kernel: start must be an int of nanoseconds, got {start!r}")
        self.env = simpy.Environment(initial_time=start)
        self.start = start
        self.events_scheduled = 0
        # `call_at` does what `Environment.schedule` does (one heappush of
        # `(time, priority, insertion number, event)` onto the environment's queue) without
        # the two Python calls: it runs ~100,000 times per simulated day.
        self._queue = self.env._queue
        self._eid = self.env._eid

    @property
    def now(self) -> int:
        """Current simulation time in ns."""
        return self.env._now  # type: ignore[return-value]

    def call_at(self, t: int, fn: Callable[[Any], None], value: Any = None) -> None:
        """Runs `fn(event)` at time `t` (`event.value` is `value`). A time in the past runs
        now, after what is already scheduled for now."""
        env = self.env
        now = env._now
        if t < now:
            t = now
        ev = _new_event(Call)
        ev.env = env
        ev.callbacks = [fn]
        ev._value = value
        ev._ok = True
        heappush(self._queue, (t, NORMAL, next(self._eid), ev))
        self.events_scheduled += 1

    def call_in(self, delay: int, fn: Callable[[Any], None], value: Any = None) -> None:
        """Runs `fn(event)` after `delay` ns (negative delays run now)."""
        self.call_at(self.env._now + delay, fn, value)

    def timeout(self, delay: int, value: Any = None) -> simpy.Timeout:
        """A SimPy timeout, for generator processes (`yield kernel.timeout(10**9)`)."""
        self.events_scheduled += 1
        return self.env.timeout(max(0, int(delay)), value)

    def event(self) -> simpy.Event:
        """A fresh untriggered SimPy event."""
        return self.env.event()

    def process(self, generator: Generator[Any, Any, Any]) -> simpy.Process:
        """Starts a SimPy generator process."""
        return self.env.process(generator)

    def run(self, until: int, progress: Callable[[int], None] | None = None) -> None:
        """Processes every event before time `until`.

        With `progress`, the run advances in steps of about 1/200 of the remaining time and
        calls `progress(now)` after each (for a progress bar); the events processed are the
        same either way.
        """
        env = self.env
        if until <= env._now:
            return
        if progress is None:
            env.run(until=until)
            return
        span = until - env._now
        step = max(1, span // 200)
        t = env._now
        while t < until:
            t = min(until, t + step)
            env.run(until=t)
            progress(t)
