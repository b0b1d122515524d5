"""Loading a trained model for the live path: the xgboost JSON evaluated by the Rust tree
evaluator (`venue._core.TreeEnsemble`, no xgboost needed), with its manifest checked.

A model is two files written by `venue.strategy.train.save_model`: `NAME.json` (xgboost's
own JSON) and `NAME.manifest.json`:

```
{"format": "venue-model", "version": 1, "model_file": "NAME.json", "sha256": "...",
 "features": [...], "indicators": {...}, "target": {"kind": "mid_change", "horizon": 10},
 "xgboost_version": "3.2.0", "objective": "reg:squarederror", "params": {...}}
```
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from venue import _core
from venue.strategy.features import IndicatorConfig

__all__ = ["MANIFEST_FORMAT", "Model", "load_model", "manifest_path"]

MANIFEST_FORMAT = "venue-model"


def manifest_path(model_path: str | Path) -> Path:
    """`NAME.manifest.json` beside `NAME.json`."""
    p = Path(model_path)
    return p.with_name(p.stem + ".manifest.json")


@dataclass
class Model:
    """A tree ensemble evaluated in Rust, and its manifest."""

    ensemble: Any
    manifest: dict[str, Any]
    path: Path | None = None

    @property
    def feature_names(self) -> list[str]:
        """The model's feature names, in column order."""
        return list(self.ensemble.feature_names)

    @property
    def indicator_config(self) -> IndicatorConfig | None:
        """The indicator configuration the features were computed with, if recorded."""
        cfg = self.manifest.get("indicators")
        return None if cfg is None else IndicatorConfig.from_dict(cfg)

    def check_features(self, names: list[str]) -> None:
        """Raises FeatureMismatchError unless the model's features are exactly `names`."""
        self.ensemble.check_features(list(names))

    def predict(self, X: Any) -> np.ndarray:
        """Predictions (float32) for a 2-D array of rows (NaN = missing), in Rust."""
        X = np.ascontiguousarray(X, dtype=np.float32)
        if X.ndim != 2:
            X = X.reshape(-1, self.ensemble.num_features)
        out = self.ensemble.predict_batch(X, X.shape[0])
        return np.frombuffer(out, dtype=np.float32)

    def predict_row(self, row: Any) -> float:
        """The prediction for one row."""
        return float(self.ensemble.predict(np.ascontiguousarray(row, dtype=np.float32)))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_model(
    path: str | Path,
    *,
    expect: IndicatorConfig | list[str] | None = None,
    require_manifest: bool = True,
) -> Model:
    """Loads `path` (an xgboost JSON model) into the Rust evaluator.

    With its manifest (required unless `require_manifest=False`): the model file's hash must
    match, and the manifest's feature names must be the model's. With `expect` (the
    indicator configuration the agent runs, or a list of feature names), the model's features
    must be exactly those: else FeatureMismatchError, listing what differs.

    Raises ModelError for a malformed or unsupported model or manifest.
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _core.ModelError(
            f"{path}: not a JSON model (binary? save it with a .json name)"
        ) from None
    ensemble = _core.TreeEnsemble.from_json(text)
    mpath = manifest_path(path)
    manifest: dict[str, Any] = {}
    if mpath.exists():
        try:
            manifest = json.loads(mpath.read_text())
        except json.JSONDecodeError as err:
            raise _core.ModelError(f"{mpath}: not valid JSON ({err})") from None
        if manifest.get("format") != MANIFEST_FORMAT:
            raise _core.ModelError(f"{mpath}: format is not '{MANIFEST_FORMAT}'")
        if manifest.get("sha256") != _sha256(data):
            raise _core.ModelError(
                f"{mpath}: the model file's sha256 differs from the manifest's: {path.name} "
                "was changed or replaced after it was saved"
            )
        ensemble.check_features(list(manifest.get("features", [])))
    elif require_manifest:
        raise _core.ModelError(
            f"{path}: no manifest {mpath.name} beside it (save with "
            "venue.strategy.train.save_model, or pass require_manifest=False)"
        )
    if expect is not None:
        names = expect.feature_names() if isinstance(expect, IndicatorConfig) else list(expect)
        ensemble.check_features(names)
    return Model(ensemble=ensemble, manifest=manifest, path=path)
