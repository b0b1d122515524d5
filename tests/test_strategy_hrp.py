"""Hierarchical Risk Parity: the cases with known answers, and invariants on random input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("scipy")

from venue.errors import ConfigError
from venue.strategy.hrp import (
    cluster_variance,
    hrp_from_returns,
    hrp_weights,
    quasi_diagonal_order,
    recursive_bisection,
)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_diagonal_covariance_gives_inverse_variance_weights(n):
    var = np.linspace(0.5, 4.0, n)[::-1] ** 2
    w = hrp_weights(np.diag(var))
    ivp = (1 / var) / (1 / var).sum()
    np.testing.assert_allclose(w, ivp, rtol=1e-12)


@pytest.mark.parametrize("rho", [-0.9, 0.0, 0.5, 0.99])
def test_two_assets(rho):
    s1, s2 = 0.1, 0.3
    cov = np.array([[s1 * s1, rho * s1 * s2], [rho * s1 * s2, s2 * s2]])
    w = hrp_weights(cov)
    np.testing.assert_allclose(w, [s2**2 / (s1**2 + s2**2), s1**2 / (s1**2 + s2**2)])


def test_clusters_are_kept_together_and_split_first():
    """Two tight blocks {0, 2} and {1, 3}: the tree puts each block together, so the first
    bisection is between the blocks, and each block shares by inverse variance."""
    sd = np.array([0.1, 0.2, 0.1, 0.4])
    corr = np.array(
        [
            [1.0, 0.1, 0.9, 0.1],
            [0.1, 1.0, 0.1, 0.9],
            [0.9, 0.1, 1.0, 0.1],
            [0.1, 0.9, 0.1, 1.0],
        ]
    )
    cov = corr * np.outer(sd, sd)
    order = quasi_diagonal_order(cov)
    assert {frozenset(order[:2].tolist()), frozenset(order[2:].tolist())} == {
        frozenset({0, 2}),
        frozenset({1, 3}),
    }
    w = hrp_weights(cov)
    a, b = np.array([0, 2]), np.array([1, 3])
    va, vb = cluster_variance(cov, a), cluster_variance(cov, b)
    np.testing.assert_allclose(w[a].sum(), vb / (va + vb))
    np.testing.assert_allclose(w[1] / w[3], sd[3] ** 2 / sd[1] ** 2)


@st.composite
def covariances(draw):
    n = draw(st.integers(1, 9))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n + 2))
    return a @ a.T / (n + 2) + np.eye(n) * 1e-3


@settings(max_examples=60, deadline=None)
@given(covariances(), st.sampled_from(["single", "average", "complete", "ward"]))
def test_weights_are_a_long_only_budget(cov, method):
    w = hrp_weights(cov, method=method)
    assert w.shape == (len(cov),)
    assert np.all(w >= 0)
    np.testing.assert_allclose(w.sum(), 1.0, rtol=1e-12)
    # the weights depend on the order only: bisection of the same order gives them again
    np.testing.assert_array_equal(
        w, recursive_bisection(cov, quasi_diagonal_order(cov, method=method))
    )


def test_from_returns_and_bad_input():
    rng = np.random.default_rng(0)
    r = rng.standard_normal((500, 4)) * [0.01, 0.02, 0.03, 0.04]
    w = hrp_from_returns(r)
    assert np.argmax(w) == 0 and np.argmin(w) == 3
    with pytest.raises(ConfigError, match="square"):
        hrp_weights(np.ones((2, 3)))
    with pytest.raises(ConfigError, match="asset 1 has"):
        hrp_weights(np.diag([1.0, 0.0]))
    with pytest.raises(ConfigError, match="symmetric"):
        hrp_weights(np.array([[1.0, 0.5], [0.1, 1.0]]))
    with pytest.raises(ConfigError, match="permutation"):
        recursive_bisection(np.eye(3), [0, 0, 1])
