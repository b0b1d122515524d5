"""Order streams for `venue bench`: the file format, the project's own generator, the cache.

The format is `ORDER_STREAM.md` (32-byte little-endian records: ADD, CANCEL, MODIFY, MKT).
`generate_stream(n, seed)` makes the same stream as the shared `gen_stream.py` for the same
`n` and `seed`: it draws the same numpy random arrays in the same order, and the Rust
generator (`venue._core.gen_stream`) consumes them with the same arithmetic on a port of
`pybook.py`, so the expected result (`meta["expected"]`) is that of `gen_stream.py` too.

>>> s = generate_stream(2_000, seed=1, cache=False)
>>> s.n_msgs, s.meta["prefill_adds"], s.records["typ"][:3].tolist()
(7000, 5000, [0, 0, 0])
>>> sorted(s.meta["expected"])
['best_ask', 'best_bid', 'chk', 'fills', 'live', 'traded']
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from venue import _core

__all__ = [
    "DEFAULT_N",
    "DEFAULT_SEED",
    "PREFILL",
    "STREAM_DTYPE",
    "Stream",
    "cache_dir",
    "default_stream",
    "generate_stream",
    "load_stream",
]

STREAM_DTYPE = np.dtype(
    [
        ("typ", "u1"),
        ("side", "u1"),
        ("pad", "u1", (6,)),
        ("id", "<u8"),
        ("px", "<i8"),
        ("qty", "<i8"),
    ]
)
"""One order-stream record (32 bytes), as in ORDER_STREAM.md."""

ADD, CANCEL, MODIFY, MKT = 0, 1, 2, 3
TYPE_NAMES = ("add", "cancel", "modify", "marketable")

PREFILL = 5_000
"""Leading ADDs that fill the book (as gen_stream.py)."""
DEFAULT_N = 1_000_000
"""Messages after the prefill in the default stream."""
DEFAULT_SEED = 42
"""Seed of the default stream."""


@dataclass(frozen=True)
class Stream:
    """An order stream: its bytes, where it came from, and its meta.json (if any)."""

    data: bytes
    source: str
    """`"generated"` or the path of the file."""
    meta: dict[str, Any] | None
    """gen_stream.py's meta.json (with the `expected` result), when known."""

    @property
    def n_msgs(self) -> int:
        """Number of records."""
        return len(self.data) // STREAM_DTYPE.itemsize

    @property
    def records(self) -> np.ndarray:
        """The records as a read-only numpy array of STREAM_DTYPE."""
        return np.frombuffer(self.data, STREAM_DTYPE)

    @property
    def expected(self) -> dict[str, Any] | None:
        """The expected result from meta.json, if any."""
        return None if self.meta is None else self.meta.get("expected")


def _draws(n: int, seed: int) -> dict[str, np.ndarray]:
    """gen_stream.py's random draws, in its order (the order decides the values)."""
    rng = np.random.default_rng(seed)
    total = n + PREFILL
    u_type = rng.random(total)
    u_type[:PREFILL] = 0.0
    side = rng.integers(0, 2, total)
    off = rng.geometric(0.3, total) - 1
    deep = rng.random(total) < 0.15
    off = np.where(deep, rng.integers(0, 100, total), off)
    qty = np.maximum(1, np.rint(rng.lognormal(2.3, 0.8, total))).astype(np.int64)
    mkt_k = rng.choice([0, 0, 0, 0, 0, 0, 0, 1, 1, 3], total)
    mkt_f = rng.uniform(0.5, 2.0, total)
    mod_kind = rng.random(total)
    mod_dpx = rng.choice([-3, -2, -1, 1, 2, 3], total)
    mod_f = rng.uniform(0.2, 0.9, total)
    pick = rng.random(4 * total)
    f8 = {"u_type": u_type, "mkt_f": mkt_f, "mod_kind": mod_kind, "mod_f": mod_f, "pick": pick}
    i8 = {"side": side, "off": off, "qty": qty, "mkt_k": mkt_k, "mod_dpx": mod_dpx}
    out = {k: np.ascontiguousarray(v, dtype="<f8") for k, v in f8.items()}
    out.update({k: np.ascontiguousarray(v, dtype="<i8") for k, v in i8.items()})
    return out


def generate_stream(n: int = DEFAULT_N, seed: int = DEFAULT_SEED, *, cache: bool = True) -> Stream:
    """The stream gen_stream.py makes for `n` messages after a 5,000-ADD prefill and `seed`.

    With `cache`, the stream and its meta.json are kept under `cache_dir()` and reused.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if cache:
        cached = _read_cache(n, seed)
        if cached is not None:
            return cached
    t0 = time.perf_counter()
    d = _draws(n, seed)
    data, info = _core.gen_stream(
        d["u_type"],
        d["side"],
        d["off"],
        d["qty"],
        d["mkt_k"],
        d["mkt_f"],
        d["mod_kind"],
        d["mod_dpx"],
        d["mod_f"],
        d["pick"],
        PREFILL,
    )
    recs = np.frombuffer(data, STREAM_DTYPE)
    samples = np.array(info["samples"], dtype=np.int64).reshape(-1, 3)
    priced = recs["px"][recs["typ"] != CANCEL]
    meta: dict[str, Any] = {
        "seed": seed,
        "n_msgs": len(recs),
        "prefill_adds": PREFILL,
        "mix_after_prefill": {
            k: (c / n if n else 0.0) for k, c in zip(TYPE_NAMES, info["counts"], strict=True)
        },
        "expected": info["expected"],
        "live_orders_mean": float(samples[:, 0].mean()),
        "live_orders_max": int(samples[:, 0].max()),
        "levels_mean": float(samples[:, 1].mean()),
        "spread_ticks_median": float(np.median(samples[:, 2])),
        "px_min": int(priced.min()),
        "px_max": int(priced.max()),
        "max_id": int(info["max_id"]),
        "gen_seconds": round(time.perf_counter() - t0, 1),
        "generator": "venue.bench.generate_stream (port of gen_stream.py)",
    }
    stream = Stream(data=data, source="generated", meta=meta)
    if cache:
        _write_cache(n, seed, stream)
    return stream


def cache_dir() -> Path:
    """Where generated streams are kept: `$VENUE_CACHE`, else `~/.cache/venue`."""
    env = os.environ.get("VENUE_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "venue"


def _cache_path(n: int, seed: int) -> Path:
    return cache_dir() / f"stream-n{n}-seed{seed}"


def _read_cache(n: int, seed: int) -> Stream | None:
    d = _cache_path(n, seed)
    try:
        meta = json.loads((d / "meta.json").read_text())
        data = (d / "orders.bin").read_bytes()
    except (OSError, ValueError):
        return None
    ok = (
        meta.get("seed") == seed
        and meta.get("n_msgs") == n + PREFILL
        and len(data) == (n + PREFILL) * STREAM_DTYPE.itemsize
        and "expected" in meta
    )
    return Stream(data=data, source="generated", meta=meta) if ok else None


def _write_cache(n: int, seed: int, stream: Stream) -> None:
    """Writes orders.bin and meta.json atomically; a cache that cannot be written is skipped."""
    d = _cache_path(n, seed)
    try:
        d.mkdir(parents=True, exist_ok=True)
        for name, payload in (
            ("orders.bin", stream.data),
            ("meta.json", json.dumps(stream.meta, indent=1).encode()),
        ):
            tmp = d / f".{name}.{os.getpid()}.tmp"
            tmp.write_bytes(payload)
            tmp.replace(d / name)
    except OSError:
        pass


def default_stream(n: int = DEFAULT_N, seed: int = DEFAULT_SEED) -> Stream:
    """The generated stream for `n` and `seed`, from the cache when it is there."""
    return generate_stream(n, seed, cache=True)


def load_stream(path: str | os.PathLike[str]) -> Stream:
    """Reads an order-stream file, and the meta.json beside it if there is one.

    Raises OSError if the file cannot be read, `venue.BatchFormatError` naming the record if
    it is not a valid stream, and ValueError if the meta.json beside it is not valid JSON
    with an `expected` block.
    """
    p = Path(path)
    data = p.read_bytes()
    _core.stream_info(data)  # validates; raises BatchFormatError naming the record
    meta = None
    meta_path = p.parent / "meta.json"
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text())
        except ValueError as e:
            raise ValueError(f"{meta_path}: not valid JSON ({e})") from e
        if not isinstance(meta, dict) or not isinstance(meta.get("expected"), dict):
            raise ValueError(f"{meta_path}: no 'expected' block")
    return Stream(data=data, source=str(p), meta=meta)
