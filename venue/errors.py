"""The exceptions of venue: one tree rooted at `VenueError`.

They are defined by the compiled module (so Rust errors map onto them directly) and re-exported
here and from `venue`. Exceptions are for misuse only: an order the engine cannot accept is
not an error but a REJECTED event with a `Reason`.

- `ConfigError`: an invalid instrument specification or configuration value.
- `UnknownInstrumentError`: a query or configuration call named an instrument that does not
  exist (an unknown instrument inside an order message is a REJECTED event instead).
- `BatchFormatError`: a batch of orders is malformed; the message names the field.
- `InternalError`: the engine panicked; the engine object is unusable from then on.
- `ReplayError`: a market-data file that cannot be replayed; the message names the file, the
  line (or byte offset) and the problem.
- `StrategyError` and its subclasses `ModelError`, `FeatureMismatchError`,
  `CopulaTableError`, `PairMismatchError`: a model or copula table that cannot be used
  (wrong features, wrong pair, corrupt file).

>>> issubclass(BatchFormatError, VenueError)
True
"""

from __future__ import annotations

from venue._core import (
    BatchFormatError,
    ConfigError,
    CopulaTableError,
    FeatureMismatchError,
    InternalError,
    ModelError,
    PairMismatchError,
    ReplayError,
    StrategyError,
    UnknownInstrumentError,
    VenueError,
)

__all__ = [
    "BatchFormatError",
    "ConfigError",
    "CopulaTableError",
    "FeatureMismatchError",
    "InternalError",
    "ModelError",
    "PairMismatchError",
    "ReplayError",
    "StrategyError",
    "UnknownInstrumentError",
    "VenueError",
]
