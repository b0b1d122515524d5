"""The Rust tree evaluator against xgboost's own `Booster.predict`, and model loading."""

from __future__ import annotations

import json

import numpy as np
import pytest

xgb = pytest.importorskip("xgboost")

from venue.strategy import (  # noqa: E402
    FeatureMismatchError,
    IndicatorConfig,
    ModelError,
    StrategyError,
    features_from_events,
    load_model,
)
from venue.strategy.synth import simulate_events  # noqa: E402
from venue.strategy.train import (  # noqa: E402
    make_dataset,
    save_model,
    train_from_events,
    train_regressor,
)


@pytest.fixture(scope="module")
def dataset():
    frame = features_from_events(simulate_events(3000, seed=11))
    X, y = make_dataset(frame, horizon=5)
    rng = np.random.default_rng(0)
    X = X.copy()
    X[rng.random(X.shape) < 0.15] = np.nan  # missing values on every feature
    return X, y, frame.names


def xgb_predict(booster, X, names):
    return booster.predict(xgb.DMatrix(X, feature_names=names))


@pytest.mark.parametrize(
    "params",
    [
        {"n_estimators": 40, "max_depth": 6},
        {"n_estimators": 25, "max_depth": 3, "learning_rate": 0.3},
        # unbalanced trees with lossguide growth
        {"n_estimators": 15, "max_depth": 0, "grow_policy": "lossguide", "max_leaves": 24},
        # deeper than the perfect layout takes (depth > 10): the node-by-node walk
        {"n_estimators": 5, "max_depth": 14, "min_child_weight": 0, "eta": 1.0},
        # a base score of our choosing, no boosting from the average
        {"n_estimators": 10, "max_depth": 4, "base_score": 0.75},
    ],
    ids=["depth6", "depth3", "lossguide", "deep", "base-score"],
)
def test_rust_equals_booster_predict(dataset, tmp_path, params):
    X, y, names = dataset
    n_train = 2000
    booster = train_regressor(X[:n_train], y[:n_train], names, **params)
    path = tmp_path / "m.json"
    save_model(booster, path, config=IndicatorConfig(), horizon=5)
    model = load_model(path, expect=IndicatorConfig())
    if params.get("max_depth") == 14:
        assert model.ensemble.depth > 10
    rows = X[n_train:]  # held-out rows, with missing values
    want = xgb_predict(booster, rows, names)
    got = model.predict(rows)
    assert np.max(np.abs(got - want)) <= 1e-6
    # the single-row path and the node-by-node reference agree too
    for row, w in zip(rows[:200], want[:200], strict=True):
        assert abs(model.predict_row(row) - w) <= 1e-6
        assert abs(model.ensemble.predict_reference(np.ascontiguousarray(row)) - w) <= 1e-6


def test_all_missing_and_extreme_rows(dataset, tmp_path):
    X, y, names = dataset
    booster = train_regressor(X, y, names, n_estimators=20, max_depth=5)
    save_model(booster, tmp_path / "m.json")
    model = load_model(tmp_path / "m.json")
    rows = np.array(
        [
            np.full(16, np.nan),
            np.full(16, np.inf),
            np.full(16, -np.inf),
            np.zeros(16),
            np.full(16, 3.4e38),
        ],
        dtype=np.float32,
    )
    want = booster.inplace_predict(rows, missing=np.nan)
    np.testing.assert_allclose(model.predict(rows), want, rtol=0, atol=1e-6)


def test_feature_mismatch_is_a_clear_error(dataset, tmp_path):
    X, y, names = dataset
    booster = train_regressor(X, y, names, n_estimators=3, max_depth=2)
    save_model(booster, tmp_path / "m.json", config=IndicatorConfig())
    other = IndicatorConfig(ofi_short=5)
    with pytest.raises(FeatureMismatchError) as err:
        load_model(tmp_path / "m.json", expect=other)
    text = str(err.value)
    assert "not provided: ofi_10" in text and "not in the model: ofi_5" in text
    assert "first difference at position 4: model 'ofi_10', provider 'ofi_5'" in text
    with pytest.raises(FeatureMismatchError, match="uses 16 features, the provider computes 2"):
        load_model(tmp_path / "m.json", expect=["spread", "micro_offset"])


def test_manifest_guards_the_model_file(dataset, tmp_path):
    X, y, names = dataset
    booster = train_regressor(X, y, names, n_estimators=3, max_depth=2)
    path = tmp_path / "m.json"
    save_model(booster, path)
    # replaced after saving: the hash no longer matches
    other = train_regressor(X, y * 2, names, n_estimators=3, max_depth=2)
    other.save_model(str(path))
    with pytest.raises(ModelError, match="sha256 differs"):
        load_model(path)
    # no manifest
    lone = tmp_path / "lone.json"
    other.save_model(str(lone))
    with pytest.raises(ModelError, match=r"no manifest lone\.manifest\.json"):
        load_model(lone)
    assert load_model(lone, require_manifest=False).ensemble.num_trees == 3


def test_unsupported_models_are_refused(dataset, tmp_path):
    X, y, names = dataset
    dtrain = xgb.DMatrix(X[:500], label=(y[:500] > 0).astype(np.float32), feature_names=names)
    logistic = xgb.train({"objective": "binary:logistic", "max_depth": 2}, dtrain, 2)
    logistic.save_model(str(tmp_path / "logistic.json"))
    with pytest.raises(ModelError, match="objective 'binary:logistic' is not supported"):
        load_model(tmp_path / "logistic.json", require_manifest=False)
    (tmp_path / "broken.json").write_text('{"learner": {}}')
    with pytest.raises(ModelError, match=r"learner\.learner_model_param is missing"):
        load_model(tmp_path / "broken.json", require_manifest=False)
    doc = json.loads((tmp_path / "logistic.json").read_text())
    doc["learner"]["objective"]["name"] = "reg:squarederror"
    doc["learner"]["gradient_booster"]["model"]["trees"][0]["split_indices"][0] = 99
    (tmp_path / "bad_index.json").write_text(json.dumps(doc))
    with pytest.raises(ModelError, match=r"trees\[0\].split_indices\[0\] = 99 is not a feature"):
        load_model(tmp_path / "bad_index.json", require_manifest=False)


def test_row_of_the_wrong_length(dataset, tmp_path):
    X, y, names = dataset
    booster = train_regressor(X, y, names, n_estimators=2, max_depth=2)
    save_model(booster, tmp_path / "m.json")
    model = load_model(tmp_path / "m.json")
    with pytest.raises(StrategyError, match="the row has 3 values, the model takes 16"):
        model.predict_row(np.zeros(3))


def test_one_call_workflow(tmp_path):
    events = simulate_events(2500, seed=21)
    cfg = IndicatorConfig(ofi_short=5, ofi_long=20)
    model = train_from_events(
        events, tmp_path / "flow.json", config=cfg, horizon=5, n_estimators=30, max_depth=4
    )
    assert model.feature_names == cfg.feature_names()
    assert model.indicator_config == cfg
    assert model.manifest["target"] == {"kind": "mid_change", "horizon": 5}
    # it learned something: the predictions correlate with the future mid change
    frame = features_from_events(simulate_events(2500, seed=22), cfg)
    X, y = make_dataset(frame, 5)
    assert np.corrcoef(model.predict(X), y)[0, 1] > 0.2
