"""The Rust indicators against the plain Python/numpy reference (venue.strategy.reference),
column by column, on synthetic flow (event path) and on real LOBSTER snapshots (book path)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from venue import EVENT_DTYPE
from venue.errors import BatchFormatError, ConfigError
from venue.strategy import IndicatorConfig, features_from_book, features_from_events
from venue.strategy.features import mid_change_target
from venue.strategy.reference import reference_features, reference_steps
from venue.strategy.synth import simulate_events

SMALL = IndicatorConfig(
    depth_levels=2,
    ofi_short=3,
    ofi_long=7,
    trade_window=5,
    ema_fast=3,
    ema_slow=20,
    vol_window=4,
    ret_short=2,
    ret_long=5,
)
TOP_FIELDS = ("bid_px", "bid_qty", "ask_px", "ask_qty", "bid_depth", "ask_depth")


def assert_columns_equal(X: np.ndarray, R: np.ndarray, names: list[str]) -> None:
    """Each feature column equal to the reference (as float32), NaN where it is NaN."""
    assert X.shape == R.shape
    ref = R.astype(np.float32)
    for j, name in enumerate(names):
        a, b = X[:, j], ref[:, j]
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"NaN pattern of {name}")
        ok = ~np.isnan(a)
        np.testing.assert_allclose(a[ok], b[ok], rtol=1e-6, atol=1e-6, err_msg=name)


@pytest.mark.parametrize(
    ("config", "flow"),
    [
        (IndicatorConfig(), {}),
        (SMALL, {}),
        # a thin market: market orders often empty a side (one-sided and empty books)
        (SMALL, {"p_limit": 0.35, "p_cancel": 0.25}),
    ],
    ids=["default", "short-windows", "thin-book"],
)
@pytest.mark.parametrize("seed", [1, 2])
def test_event_path_matches_reference(config, flow, seed):
    events = simulate_events(1500, seed=seed, **flow)
    frame = features_from_events(events, config)
    tops, trades = reference_steps(events, config)
    got_tops = np.column_stack([frame.steps[f] for f in TOP_FIELDS])
    np.testing.assert_array_equal(got_tops, tops)
    assert frame.names == config.feature_names()
    assert_columns_equal(frame.X, reference_features(tops, trades, config), frame.names)
    if flow:  # the thin book really is one-sided at times
        assert ((tops[:, 1] == 0) | (tops[:, 3] == 0)).any()


def test_steps_end_at_timestamp_changes_with_last_seq():
    events = simulate_events(300, seed=5)
    frame = features_from_events(events)
    # each step's seq is the last event of its timestamp
    last_of_ts = {int(t): int(s) for t, s in zip(events["ts"], events["seq"], strict=True)}
    for seq, ts in zip(frame.steps["seq"], frame.steps["ts"], strict=True):
        assert last_of_ts[int(ts)] == int(seq)
    assert len(np.unique(frame.steps["ts"])) == len(frame)


def test_other_instruments_are_ignored():
    a = simulate_events(800, seed=3, instrument=0)
    b = simulate_events(800, seed=4, instrument=1, mid0=20_000)
    merged = np.concatenate([a, b])
    merged = merged[np.argsort(merged["ts"], kind="stable")]
    merged["seq"] = np.arange(1, len(merged) + 1)
    alone = features_from_events(b, IndicatorConfig(instrument=1))
    mixed = features_from_events(merged, IndicatorConfig(instrument=1))
    np.testing.assert_array_equal(alone.X, mixed.X)
    assert (mixed.steps["bid_px"][mixed.steps["bid_qty"] > 0] > 15_000).all()


def test_book_path_matches_reference():
    events = simulate_events(1200, seed=8)
    tops, trades = reference_steps(events, SMALL)
    frame = features_from_book(
        *(tops[:, j] for j in range(4)),
        bid_depth=tops[:, 4],
        ask_depth=tops[:, 5],
        trades=trades,
        config=SMALL,
    )
    assert_columns_equal(frame.X, reference_features(tops, trades, SMALL), frame.names)
    # and the event path gives the same rows
    np.testing.assert_array_equal(frame.X, features_from_events(events, SMALL).X)


LOBSTER = (
    Path(__file__).resolve().parents[2]
    / "shared/data/lobster/LOBSTER_SampleFile_AMZN_2012-06-21_1.zip"
)


@pytest.mark.skipif(not LOBSTER.exists(), reason="shared LOBSTER sample not present")
def test_book_path_on_lobster_snapshots():
    """Real NASDAQ data: LOBSTER's level-1 orderbook rows as snapshots, its executions of
    visible orders (type 4) as fills; the aggressor is the other side of the resting order."""
    with zipfile.ZipFile(LOBSTER) as z:
        names = z.namelist()
        book_name = next(n for n in names if "orderbook" in n)
        msg_name = next(n for n in names if "message" in n)
        rows = 6000
        book = np.loadtxt(io.TextIOWrapper(z.open(book_name)), delimiter=",", max_rows=rows)
        msgs = np.loadtxt(io.TextIOWrapper(z.open(msg_name)), delimiter=",", max_rows=rows)
    ask_px, ask_qty, bid_px, bid_qty = (book[:, j].astype(np.int64) for j in range(4))
    execs = np.flatnonzero(msgs[:, 1] == 4)
    trades = {
        "step": execs.astype(np.int64),
        "price": msgs[execs, 4].astype(np.int64),
        "qty": msgs[execs, 3].astype(np.int64),
        "sign": -msgs[execs, 5].astype(np.int64),
    }
    assert len(execs) > 50
    cfg = IndicatorConfig()
    frame = features_from_book(bid_px, bid_qty, ask_px, ask_qty, trades=trades, config=cfg)
    tops = np.column_stack([bid_px, bid_qty, ask_px, ask_qty, bid_qty, ask_qty])
    assert_columns_equal(frame.X, reference_features(tops, trades, cfg), frame.names)


def test_target_is_the_future_mid_change():
    frame = features_from_events(simulate_events(400, seed=9))
    y = mid_change_target(frame, 3)
    mid = frame.mid
    np.testing.assert_array_equal(y[:-3], mid[3:] - mid[:-3])
    assert np.isnan(y[-3:]).all()
    with pytest.raises(ConfigError, match="horizon"):
        mid_change_target(frame, 0)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ConfigError, match="ofi_short \\(10\\) must be less than ofi_long \\(5\\)"):
        features_from_events(simulate_events(10), IndicatorConfig(ofi_long=5))
    with pytest.raises(ConfigError, match="trade_window must be at least 1"):
        IndicatorConfig(trade_window=0).feature_names()
    with pytest.raises(ConfigError, match="out of range"):
        IndicatorConfig(ema_fast=-1).feature_names()
    with pytest.raises(BatchFormatError, match="EVENT_DTYPE"):
        features_from_events(np.zeros(3, dtype=np.int64))
    with pytest.raises(BatchFormatError, match="bid_qty"):
        features_from_book(np.zeros(3, np.int64), np.zeros(2, np.int64), [0, 0, 0], [0, 0, 0])
    with pytest.raises(BatchFormatError, match="sign"):
        features_from_book(
            np.array([1]),
            np.array([1]),
            np.array([2]),
            np.array([1]),
            trades={"step": [0], "price": [1], "qty": [1], "sign": [0]},
        )


def test_empty_input():
    frame = features_from_events(np.zeros(0, dtype=EVENT_DTYPE))
    assert frame.X.shape == (0, 16) and len(frame.steps) == 0
