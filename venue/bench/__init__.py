"""`venue bench`: latency and throughput of the engine, with evidence that it is right.

The stream format and the project's generator are in `venue.bench.stream`, the three paths
(engine, batch, single) in `venue.bench.paths`, the run and its report in `venue.bench.run`,
the command in `venue.bench.cli`. How the numbers are taken: docs/PERFORMANCE.md.
"""

from venue.bench.paths import PATHS, PathResult
from venue.bench.run import RiskNotBuiltError, run_bench
from venue.bench.stream import (
    DEFAULT_N,
    DEFAULT_SEED,
    STREAM_DTYPE,
    Stream,
    cache_dir,
    default_stream,
    generate_stream,
    load_stream,
)

__all__ = [
    "DEFAULT_N",
    "DEFAULT_SEED",
    "PATHS",
    "STREAM_DTYPE",
    "PathResult",
    "RiskNotBuiltError",
    "Stream",
    "cache_dir",
    "default_stream",
    "generate_stream",
    "load_stream",
    "run_bench",
]
