"""Strategy components: features from engine events, xgboost models evaluated in Rust, copula
pair signals with Rust lookup tables, Hierarchical Risk Parity.

The workflow (docs/STRATEGY.md): simulate or replay events → `features_from_events` →
`train_regressor` / `save_model` → `load_model` (the Rust evaluator, checked against the
features the agent computes); pair series → `fit_copula` → `export_table` → `load_table`;
pair strategy returns → `hrp_weights`.

Training needs the optional packages xgboost and scipy; the live path (`load_model`,
`load_table`, the indicators) needs neither.
"""

from venue._core import (
    CopulaTableError,
    FeatureMismatchError,
    ModelError,
    PairMismatchError,
    StrategyError,
)
from venue.strategy.features import (
    STEP_DTYPE,
    FeatureFrame,
    IndicatorConfig,
    features_from_book,
    features_from_events,
    mid_change_target,
)
from venue.strategy.model import Model, load_model

__all__ = [
    "STEP_DTYPE",
    "CopulaTableError",
    "FeatureFrame",
    "FeatureMismatchError",
    "IndicatorConfig",
    "Model",
    "ModelError",
    "PairMismatchError",
    "StrategyError",
    "features_from_book",
    "features_from_events",
    "load_model",
    "mid_change_target",
]
