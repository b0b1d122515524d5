"""Training xgboost regressors on indicator features (target: the mid change over the next
`horizon` steps) and saving them for the Rust evaluator, with a manifest.

Needs the optional package `xgboost` (the CPU-only wheel `xgboost-cpu` is enough).

>>> from venue.strategy.synth import simulate_events
>>> from venue.strategy.features import features_from_events
>>> frame = features_from_events(simulate_events(2000, seed=4))
>>> X, y = make_dataset(frame, horizon=5)
>>> booster = train_regressor(X, y, frame.names, n_estimators=5, max_depth=3)
>>> booster.num_boosted_rounds()
5
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from venue.errors import ConfigError
from venue.strategy.features import FeatureFrame, IndicatorConfig, mid_change_target
from venue.strategy.model import MANIFEST_FORMAT, Model, load_model, manifest_path

__all__ = ["make_dataset", "save_model", "train_from_events", "train_regressor"]


def _xgb() -> Any:
    try:
        import xgboost
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("training needs xgboost: pip install xgboost-cpu (or xgboost)") from None
    return xgboost


def make_dataset(frame: FeatureFrame, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """`(X, y)`: the frame's float32 features and the target `mid[t + horizon] - mid[t]`,
    without the rows whose target is undefined. Features may hold NaN (missing)."""
    y = mid_change_target(frame, horizon)
    keep = ~np.isnan(y)
    return frame.X[keep], y[keep].astype(np.float32)


def train_regressor(
    X: np.ndarray,
    y: np.ndarray,
    feature_names: list[str],
    *,
    n_estimators: int = 200,
    max_depth: int = 6,
    learning_rate: float = 0.1,
    seed: int = 0,
    **params: Any,
) -> Any:
    """Trains an `xgboost.Booster` (objective `reg:squarederror`, `tree_method=hist`, one
    thread: deterministic) on float32 features named `feature_names`. Extra `params` go to
    `xgboost.train`'s parameter dict."""
    xgb = _xgb()
    X = np.ascontiguousarray(X, dtype=np.float32)
    if X.ndim != 2 or X.shape[1] != len(feature_names):
        raise ConfigError(
            f"train: X has shape {X.shape}, expected (rows, {len(feature_names)}) for the "
            "feature names given"
        )
    if len(y) != len(X) or len(X) == 0:
        raise ConfigError(f"train: {len(X)} rows of X but {len(y)} targets")
    dtrain = xgb.DMatrix(X, label=np.asarray(y, dtype=np.float32), feature_names=feature_names)
    p = {
        "objective": "reg:squarederror",
        "tree_method": "hist",
        "max_depth": max_depth,
        "eta": learning_rate,
        "seed": seed,
        "nthread": 1,
    }
    p.update(params)
    return xgb.train(p, dtrain, num_boost_round=n_estimators)


def save_model(
    booster: Any,
    path: str | Path,
    *,
    config: IndicatorConfig | None = None,
    horizon: int | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Writes `path` (xgboost's JSON; the name must end in `.json`) and its manifest
    `NAME.manifest.json`: feature names, indicator config, target, the model file's sha256.
    Returns the manifest's path."""
    xgb = _xgb()
    path = Path(path)
    if path.suffix != ".json":
        raise ConfigError(f"save_model: {path} must end in .json (xgboost's JSON format)")
    names = booster.feature_names
    if not names:
        raise ConfigError("save_model: the booster has no feature names; train with names")
    if config is not None and list(names) != config.feature_names():
        raise ConfigError(
            "save_model: the booster's feature names are not those of the indicator config"
        )
    booster.save_model(str(path))
    data = path.read_bytes()
    cfg = json.loads(booster.save_config())
    manifest = {
        "format": MANIFEST_FORMAT,
        "version": 1,
        "model_file": path.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "features": list(names),
        "indicators": None if config is None else config.to_dict(),
        "target": None if horizon is None else {"kind": "mid_change", "horizon": horizon},
        "xgboost_version": xgb.__version__,
        "objective": cfg["learner"]["objective"]["name"],
        "num_trees": booster.num_boosted_rounds(),
    }
    if extra:
        manifest.update(extra)
    mpath = manifest_path(path)
    mpath.write_text(json.dumps(manifest, indent=2) + "\n")
    return mpath


def train_from_events(
    events: np.ndarray,
    path: str | Path,
    *,
    config: IndicatorConfig | None = None,
    horizon: int = 10,
    **train_params: Any,
) -> Model:
    """The whole path in one call: features from `events`, target over `horizon` steps,
    training, saving `path` and its manifest, and loading it back into the Rust evaluator."""
    from venue.strategy.features import features_from_events

    config = config or IndicatorConfig()
    frame = features_from_events(events, config)
    X, y = make_dataset(frame, horizon)
    booster = train_regressor(X, y, frame.names, **train_params)
    save_model(booster, path, config=config, horizon=horizon)
    return load_model(path, expect=config)
