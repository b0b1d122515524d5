"""Hierarchical Risk Parity (López de Prado, 2016, "Building diversified portfolios that
outperform out of sample"), for sizing capital across pairs.

The three steps and the choices made:

1. **Tree clustering.** Correlation distance `d_ij = sqrt((1 - rho_ij) / 2)`, given to
   `scipy.cluster.hierarchy.linkage` as a condensed distance matrix, single linkage by
   default (the paper's choice; `method=` takes any scipy method). The paper's code snippet
   passes the square matrix `d` to `linkage`, which scipy then reads as observations and
   clusters on Euclidean distances between the columns of `d`; we use `d` itself, the
   distance the paper defines.
2. **Quasi-diagonalisation.** The leaf order of the dendrogram (`leaves_list`, scipy's
   order, not optimal leaf ordering): correlated assets end up next to each other.
3. **Recursive bisection.** Split the ordered list in halves (the left half gets
   `len // 2` items); each half's variance is that of its inverse-variance portfolio
   `w' C w` with `w ∝ 1 / diag(C)`; the halves get `alpha = 1 - V_left / (V_left + V_right)`
   and `1 - alpha` of their parent's weight.

The weights are non-negative and sum to one. With a diagonal covariance they are the
inverse-variance weights; with two assets, `w_1 = sigma_2^2 / (sigma_1^2 + sigma_2^2)`
whatever the correlation.

>>> hrp_weights(np.diag([1.0, 4.0])).round(3).tolist()
[0.8, 0.2]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform

from venue.errors import ConfigError

__all__ = [
    "cluster_variance",
    "correlation_distance",
    "hrp_from_returns",
    "hrp_weights",
    "quasi_diagonal_order",
    "recursive_bisection",
]


def _check_cov(cov: Any) -> np.ndarray:
    c = np.asarray(cov, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] == 0:
        raise ConfigError(f"hrp: the covariance must be a square matrix, got shape {c.shape}")
    if not np.all(np.isfinite(c)):
        raise ConfigError("hrp: the covariance has non-finite entries")
    if not np.allclose(c, c.T, rtol=1e-10, atol=1e-14):
        raise ConfigError("hrp: the covariance is not symmetric")
    d = np.diag(c)
    if np.any(d <= 0):
        raise ConfigError(
            f"hrp: every variance must be positive; asset {int(np.argmin(d))} has {d.min()}"
        )
    return c


def correlation_distance(corr: Any) -> np.ndarray:
    """`sqrt((1 - rho) / 2)`, in [0, 1], zero on the diagonal."""
    rho = np.clip(np.asarray(corr, dtype=np.float64), -1.0, 1.0)
    d = np.sqrt((1.0 - rho) / 2.0)
    np.fill_diagonal(d, 0.0)
    return d


def quasi_diagonal_order(cov: Any, *, method: str = "single") -> np.ndarray:
    """The assets' order after tree clustering (the dendrogram's leaves, left to right)."""
    c = _check_cov(cov)
    n = len(c)
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    sd = np.sqrt(np.diag(c))
    dist = correlation_distance(c / np.outer(sd, sd))
    link = linkage(squareform(dist, checks=False), method=method)
    return leaves_list(link).astype(np.int64)


def cluster_variance(cov: np.ndarray, items: np.ndarray) -> float:
    """Variance of the inverse-variance portfolio of `items`."""
    sub = cov[np.ix_(items, items)]
    w = 1.0 / np.diag(sub)
    w /= w.sum()
    return float(w @ sub @ w)


def recursive_bisection(cov: Any, order: Any) -> np.ndarray:
    """Weights by recursive bisection of `order` (see the module docs)."""
    c = _check_cov(cov)
    order = np.asarray(order, dtype=np.int64)
    if sorted(order.tolist()) != list(range(len(c))):
        raise ConfigError("hrp: the order must be a permutation of the assets")
    w = np.ones(len(c))
    clusters = [order]
    while clusters:
        nxt = []
        for items in clusters:
            if len(items) < 2:
                continue
            half = len(items) // 2
            left, right = items[:half], items[half:]
            v_left, v_right = cluster_variance(c, left), cluster_variance(c, right)
            alpha = 1.0 - v_left / (v_left + v_right)
            w[left] *= alpha
            w[right] *= 1.0 - alpha
            nxt += [left, right]
        clusters = nxt
    return w


def hrp_weights(cov: Any, *, method: str = "single") -> np.ndarray:
    """HRP weights for a covariance matrix (assets in the matrix's order)."""
    c = _check_cov(cov)
    return recursive_bisection(c, quasi_diagonal_order(c, method=method))


def hrp_from_returns(returns: Any, *, method: str = "single") -> np.ndarray:
    """HRP weights from a (periods x assets) array of returns (sample covariance)."""
    r = np.asarray(returns, dtype=np.float64)
    if r.ndim != 2 or r.shape[0] < 2:
        raise ConfigError(f"hrp: returns must be (periods >= 2, assets), got shape {r.shape}")
    return hrp_weights(np.atleast_2d(np.cov(r, rowvar=False)), method=method)
