"""Feature matrices from engine events or from L2 book snapshots, computed by the Rust
indicators (`venue._core.Indicators`): the features a model is trained on are, bit for bit,
the ones the live agent computes.

The clock is the indicator step (docs/STRATEGY.md): events are applied in order and a step
ends after the last event of each timestamp, if a book event or a trade of the instrument
was applied since the previous step. One row of features per step.

>>> from venue.strategy.synth import simulate_events
>>> frame = features_from_events(simulate_events(300, seed=1))
>>> frame.X.shape[1], frame.X.dtype.name, frame.names[:3]
(16, 'float32', ['spread', 'micro_offset', 'queue_imbalance'])
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from venue import _core
from venue.dtypes import EVENT_DTYPE
from venue.errors import BatchFormatError, ConfigError

__all__ = [
    "STEP_DTYPE",
    "FeatureFrame",
    "IndicatorConfig",
    "features_from_book",
    "features_from_events",
    "mid_change_target",
]

STEP_DTYPE = np.dtype(
    [
        ("seq", "<u8"),
        ("ts", "<i8"),
        ("bid_px", "<i8"),
        ("bid_qty", "<i8"),
        ("ask_px", "<i8"),
        ("ask_qty", "<i8"),
        ("bid_depth", "<i8"),
        ("ask_depth", "<i8"),
    ]
)
"""One indicator step: seq and ts of its last event, and the top of book it sampled (an
empty side has price and quantity 0)."""


@dataclass(frozen=True)
class IndicatorConfig:
    """Windows and spans of the indicators (the Rust `IndicatorConfig`).

    Windows count steps, the trade window counts fills, EMA spans count two-sided steps
    (`alpha = 2 / (span + 1)`). The short windows must be shorter than the long ones. The
    window lengths are part of the feature names, so a model trained with other windows is
    refused by `load_model(..., expect=config)`.
    """

    instrument: int = 0
    depth_levels: int = 5
    ofi_short: int = 10
    ofi_long: int = 50
    trade_window: int = 20
    ema_fast: int = 10
    ema_slow: int = 100
    vol_window: int = 50
    ret_short: int = 10
    ret_long: int = 50

    def indicators(self, **capacity: int) -> Any:
        """A fresh `venue._core.Indicators` with this configuration (raises ConfigError,
        naming the field, for an invalid value)."""
        try:
            return _core.Indicators(**asdict(self), **capacity)
        except OverflowError as err:
            raise ConfigError(f"indicators: a window or id is out of range ({err})") from None

    def feature_names(self) -> list[str]:
        """The names of the features, in column order."""
        return list(self.indicators(order_capacity=1, level_capacity=1).feature_names())

    def to_dict(self) -> dict[str, int]:
        """As a plain dict (stored in model manifests)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IndicatorConfig:
        """From `to_dict()` output; unknown keys raise ConfigError."""
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"indicator config: unknown keys {sorted(unknown)}")
        return cls(**{k: int(v) for k, v in d.items()})


@dataclass
class FeatureFrame:
    """Features at each indicator step.

    - `X`: float32 array (steps x features); NaN where a feature is not defined yet.
    - `names`: the feature names (the model manifest stores them).
    - `steps`: `STEP_DTYPE` array, the step's last seq/ts and its top of book.
    - `config`: the indicator configuration.
    """

    X: np.ndarray
    names: list[str]
    steps: np.ndarray
    config: IndicatorConfig = field(default_factory=IndicatorConfig)

    def __len__(self) -> int:
        return len(self.X)

    @property
    def mid(self) -> np.ndarray:
        """`(bid + ask) / 2` at each step (float64); NaN where the book is one-sided."""
        s = self.steps
        two = (s["bid_qty"] > 0) & (s["ask_qty"] > 0)
        return np.where(two, (s["bid_px"] + s["ask_px"]) / 2.0, np.nan)


def _as_events(events: Any) -> np.ndarray:
    if not isinstance(events, np.ndarray) or events.dtype != EVENT_DTYPE:
        raise BatchFormatError(
            "events: expected a numpy array of venue.EVENT_DTYPE, got "
            f"{getattr(events, 'dtype', type(events).__name__)}"
        )
    if events.ndim != 1:
        raise BatchFormatError(f"events: expected a 1-D array, got {events.ndim} dimensions")
    return np.ascontiguousarray(events)


def features_from_events(events: np.ndarray, config: IndicatorConfig | None = None) -> FeatureFrame:
    """Runs the Rust indicators over an `EVENT_DTYPE` array (what `Engine.events()` or
    `Engine.process` return); one feature row per step.

    Events of other instruments than `config.instrument` are ignored.
    """
    config = config or IndicatorConfig()
    arr = _as_events(events)
    ind = config.indicators()
    feats, steps = ind.run(arr)
    n = len(steps) // STEP_DTYPE.itemsize
    X = np.frombuffer(feats, dtype=np.float32).reshape(n, _core.NUM_FEATURES)
    return FeatureFrame(
        X=X,
        names=list(ind.feature_names()),
        steps=np.frombuffer(steps, dtype=STEP_DTYPE),
        config=config,
    )


def features_from_book(
    bid_px: Any,
    bid_qty: Any,
    ask_px: Any,
    ask_qty: Any,
    *,
    bid_depth: Any = None,
    ask_depth: Any = None,
    trades: dict[str, Any] | None = None,
    ts: Any = None,
    config: IndicatorConfig | None = None,
) -> FeatureFrame:
    """Features from L2 snapshots (one step each), e.g. a LOBSTER orderbook file.

    `bid_px`, `bid_qty`, `ask_px`, `ask_qty` (integers, one per snapshot; an empty side has
    quantity 0) give the top of book; `bid_depth`/`ask_depth` the quantity of the best
    `config.depth_levels` levels (default: the top quantity). `trades`, optional, is a dict of
    equal-length integer arrays `step` (the snapshot index the fill precedes: it is applied
    just before that snapshot's step closes), `price`, `qty` and `sign` (+1 buyer-initiated,
    -1 seller-initiated), sorted by `step`.
    """
    config = config or IndicatorConfig()
    cols = [np.asarray(c) for c in (bid_px, bid_qty, ask_px, ask_qty)]
    n = len(cols[0])
    bd = cols[1] if bid_depth is None else np.asarray(bid_depth)
    ad = cols[3] if ask_depth is None else np.asarray(ask_depth)
    cols += [bd, ad]
    for name, c in zip(
        ("bid_px", "bid_qty", "ask_px", "ask_qty", "bid_depth", "ask_depth"), cols, strict=True
    ):
        if c.shape != (n,):
            raise BatchFormatError(f"book: {name} has shape {c.shape}, expected ({n},)")
        if c.dtype.kind not in "iu":
            raise BatchFormatError(f"book: {name} has dtype {c.dtype}, expected integers")
    book = np.zeros((n, 7), dtype=np.int64)
    for j, c in enumerate(cols, start=1):
        book[:, j] = c
    if trades is not None and len(trades.get("step", ())):
        t = {k: np.asarray(trades[k]) for k in ("step", "price", "qty", "sign")}
        m = len(t["step"])
        for k, v in t.items():
            if v.shape != (m,) or v.dtype.kind not in "iu":
                raise BatchFormatError(f"trades: {k} must be {m} integers, got {v.dtype} {v.shape}")
        if np.any(np.diff(t["step"]) < 0) or t["step"].min() < 0 or t["step"].max() >= n:
            raise BatchFormatError("trades: step must be sorted and within the snapshots")
        if not np.all(np.isin(t["sign"], (-1, 1))):
            raise BatchFormatError("trades: sign must be +1 or -1")
        fills = np.zeros((m, 7), dtype=np.int64)
        fills[:, 0] = 1
        fills[:, 1] = t["price"]
        fills[:, 2] = t["qty"]
        fills[:, 3] = t["sign"]
        # stable merge: the fills of step k go just before book row k
        keys = np.concatenate([t["step"] * 2, np.arange(n) * 2 + 1])
        records = np.concatenate([fills, book])[np.argsort(keys, kind="stable")]
    else:
        records = book
    ind = config.indicators()
    feats = ind.run_book(np.ascontiguousarray(records))
    X = np.frombuffer(feats, dtype=np.float32).reshape(n, _core.NUM_FEATURES)
    steps = np.zeros(n, dtype=STEP_DTYPE)
    steps["seq"] = np.arange(1, n + 1)
    steps["ts"] = np.arange(n) if ts is None else np.asarray(ts)
    for name, c in zip(STEP_DTYPE.names[2:], cols, strict=True):
        steps[name] = c
    return FeatureFrame(X=X, names=list(ind.feature_names()), steps=steps, config=config)


def mid_change_target(frame: FeatureFrame, horizon: int) -> np.ndarray:
    """The training target: `mid[t + horizon] - mid[t]` over steps (price units, float64);
    NaN where either mid is undefined (one-sided book) or `t + horizon` is past the end."""
    if horizon < 1:
        raise ConfigError(f"target: horizon must be at least 1 step, got {horizon}")
    mid = frame.mid
    y = np.full(len(mid), np.nan)
    if horizon < len(mid):
        y[:-horizon] = mid[horizon:] - mid[:-horizon]
    return y
