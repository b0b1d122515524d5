"""Testing tools for users and licensees of the engine.

- :mod:`venue.testing.reference`: the reference model, a slow, obviously-correct Python
  implementation of docs/SEMANTICS.md with the calls of ``venue._core.Engine``.
- :mod:`venue.testing.differential`: one operation on the engine and the model, compared
  (events, results, full L3 state, state hash) with the engine's invariants checked.
- :mod:`venue.testing.machine`: the hypothesis state machine that generates the operations.
- :mod:`venue.testing.fuzz`: runs the machine at any budget (``venue fuzz``), replays failures.
- :mod:`venue.testing.conformance`: plays order-stream files and summarises the result.

See docs/FUZZING.md.
"""

from venue.testing.reference import ReferenceEngine

__all__ = ["ReferenceEngine"]
