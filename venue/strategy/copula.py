"""Copula pairs trading: fitting with scipy, signals, and the lookup table for the Rust live
path.

- Marginals are empirical: `u = rank / (n + 1)` (ties share the highest rank), the same rule
  the Rust table applies to live observations (`CopulaTable.u_of_x`).
- Families: Gaussian, Student-t, Clayton, Gumbel, Frank, fitted by maximum likelihood on the
  pseudo-observations (canonical maximum likelihood); the family with the lowest AIC wins.
  Clayton and Gumbel only model positive dependence (no rotations here): on a negatively
  dependent pair they fit near independence and lose on AIC.
- `h(u|v) = P(U <= u | V = v) = dC/dv`, and `h(v|u)`: all five families are exchangeable, so
  `h(v|u)` is `h` with the arguments swapped.
- Signals: Liew and Wu (2013) on the conditional probabilities; the cumulative mispricing
  index of Xie et al. (2016). Positions: +1 long x and short y, -1 the reverse, 0 flat.
- `export_table` writes the conditional probabilities on a grid even in normal scores (see
  docs/STRATEGY.md) with the pair's names and marginal samples; `load_table` reads it into the
  Rust `CopulaTable` and checks the pair.

>>> rng = np.random.default_rng(0)
>>> u, v = GAUSSIAN.sample(2000, (0.7,), rng)
>>> fit = fit_copula(u, v)
>>> fit.family.name, round(fit.params[0], 1)
('gaussian', 0.7)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from venue import _core
from venue.errors import ConfigError

__all__ = [
    "CLAYTON",
    "FAMILIES",
    "FRANK",
    "GAUSSIAN",
    "GUMBEL",
    "STUDENT_T",
    "CopulaFamily",
    "CopulaFit",
    "PairTable",
    "export_table",
    "fit_copula",
    "liew_wu_positions",
    "load_table",
    "mispricing_positions",
    "pseudo_observations",
]

_EPS = 1e-12


def pseudo_observations(x: Any) -> np.ndarray:
    """`rank / (n + 1)` of each value of `x` within `x` (ties share the highest rank)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or len(x) < 2 or not np.all(np.isfinite(x)):
        raise ConfigError("copula: a series must be 1-D, finite, with at least 2 values")
    return stats.rankdata(x, method="max") / (len(x) + 1.0)


def ecdf(sample: Any, x: Any) -> np.ndarray:
    """The empirical CDF of `sample` at `x`, as the Rust table computes it: `rank / (n + 1)`
    with `rank` the count of sample values `<= x`, kept within `[1, n]`."""
    s = np.sort(np.asarray(sample, dtype=np.float64))
    rank = np.clip(np.searchsorted(s, np.asarray(x, dtype=np.float64), side="right"), 1, len(s))
    return rank / (len(s) + 1.0)


def _clip(p: np.ndarray) -> np.ndarray:
    return np.clip(p, _EPS, 1.0 - _EPS)


# --- families ---------------------------------------------------------------------------------


def _gauss_logpdf(u, v, p):
    (r,) = p
    x, y = special.ndtri(u), special.ndtri(v)
    q = 1.0 - r * r
    return -0.5 * np.log(q) - (r * r * (x * x + y * y) - 2.0 * r * x * y) / (2.0 * q)


def _gauss_h(u, v, p):
    (r,) = p
    x, y = special.ndtri(u), special.ndtri(v)
    return special.ndtr((x - r * y) / np.sqrt(1.0 - r * r))


def _t_logpdf(u, v, p):
    r, nu = p
    x, y = stats.t.ppf(u, nu), stats.t.ppf(v, nu)
    q = 1.0 - r * r
    const = (
        special.gammaln((nu + 2.0) / 2.0)
        + special.gammaln(nu / 2.0)
        - 2.0 * special.gammaln((nu + 1.0) / 2.0)
        - 0.5 * np.log(q)
    )
    quad = (x * x + y * y - 2.0 * r * x * y) / (nu * q)
    return (
        const
        - (nu + 2.0) / 2.0 * np.log1p(quad)
        + (nu + 1.0) / 2.0 * (np.log1p(x * x / nu) + np.log1p(y * y / nu))
    )


def _t_h(u, v, p):
    r, nu = p
    x, y = stats.t.ppf(u, nu), stats.t.ppf(v, nu)
    scale = np.sqrt((nu + y * y) * (1.0 - r * r) / (nu + 1.0))
    return stats.t.cdf((x - r * y) / scale, nu + 1.0)


def _clayton_logsum(u, v, th):
    """`log(u^-th + v^-th - 1)` without overflow."""
    a, b = -th * np.log(u), -th * np.log(v)
    m = np.maximum(a, b)
    return m + np.log(np.exp(a - m) + np.exp(b - m) - np.exp(-m))


def _clayton_logpdf(u, v, p):
    (th,) = p
    return (
        np.log1p(th)
        - (th + 1.0) * (np.log(u) + np.log(v))
        - (2.0 + 1.0 / th) * _clayton_logsum(u, v, th)
    )


def _clayton_h(u, v, p):
    (th,) = p
    return np.exp(-(th + 1.0) * np.log(v) - (1.0 / th + 1.0) * _clayton_logsum(u, v, th))


def _gumbel_parts(u, v, th):
    x, y = -np.log(u), -np.log(v)
    log_a = np.logaddexp(th * np.log(x), th * np.log(y))
    return x, y, log_a


def _gumbel_logpdf(u, v, p):
    (th,) = p
    x, y, log_a = _gumbel_parts(u, v, th)
    a_1th = np.exp(log_a / th)
    return (
        -a_1th
        + x
        + y
        + (th - 1.0) * (np.log(x) + np.log(y))
        + (-2.0 + 2.0 / th) * log_a
        + np.log1p((th - 1.0) * np.exp(-log_a / th))
    )


def _gumbel_h(u, v, p):
    (th,) = p
    _, y, log_a = _gumbel_parts(u, v, th)
    return np.exp(-np.exp(log_a / th) + (1.0 / th - 1.0) * log_a + (th - 1.0) * np.log(y) + y)


def _frank_logpdf(u, v, p):
    (th,) = p
    den = np.expm1(-th) + np.expm1(-th * u) * np.expm1(-th * v)
    return np.log(-th * np.expm1(-th)) - th * (u + v) - 2.0 * np.log(np.abs(den))


def _frank_h(u, v, p):
    (th,) = p
    num = np.exp(-th * v) * np.expm1(-th * u)
    den = np.expm1(-th) + np.expm1(-th * u) * np.expm1(-th * v)
    return num / den


def _kendall_tau(u: np.ndarray, v: np.ndarray) -> float:
    tau = stats.kendalltau(u, v).statistic
    return 0.0 if not np.isfinite(tau) else float(tau)


@dataclass(frozen=True)
class CopulaFamily:
    """A one- or two-parameter copula family: log density, `h`, bounds and a starting
    point for maximum likelihood."""

    name: str
    param_names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    _logpdf: Callable[..., np.ndarray] = field(repr=False)
    _h: Callable[..., np.ndarray] = field(repr=False)
    _start: Callable[[float], tuple[float, ...]] = field(repr=False)

    @property
    def n_params(self) -> int:
        return len(self.param_names)

    def logpdf(self, u: Any, v: Any, params: Sequence[float]) -> np.ndarray:
        """Log copula density at `(u, v)`."""
        u, v = _clip(np.asarray(u, float)), _clip(np.asarray(v, float))
        return self._logpdf(u, v, tuple(params))

    def h(self, u: Any, v: Any, params: Sequence[float]) -> np.ndarray:
        """`h(u|v) = P(U <= u | V = v)`; `h(v|u)` is `h(v, u)`."""
        u, v = _clip(np.asarray(u, float)), _clip(np.asarray(v, float))
        return np.clip(self._h(u, v, tuple(params)), 0.0, 1.0)

    def loglik(self, u: np.ndarray, v: np.ndarray, params: Sequence[float]) -> float:
        """Sum of the log density over the observations."""
        ll = float(np.sum(self.logpdf(u, v, params)))
        return ll if math.isfinite(ll) else -math.inf

    def fit(self, u: np.ndarray, v: np.ndarray) -> tuple[tuple[float, ...], float]:
        """Maximum-likelihood parameters and the log-likelihood."""
        start = self._start(_kendall_tau(u, v))
        if self.n_params == 1:
            (lo, hi) = self.bounds[0]
            res = optimize.minimize_scalar(
                lambda t: -self.loglik(u, v, (t,)),
                bounds=(lo, hi),
                method="bounded",
                options={"xatol": 1e-7},
            )
            params: tuple[float, ...] = (float(res.x),)
        else:
            res = optimize.minimize(
                lambda p: -self.loglik(u, v, p),
                x0=np.clip(start, [b[0] for b in self.bounds], [b[1] for b in self.bounds]),
                bounds=self.bounds,
                method="L-BFGS-B",
            )
            params = tuple(float(x) for x in res.x)
        return params, self.loglik(u, v, params)

    def sample(
        self, n: int, params: Sequence[float], rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """`n` draws of `(u, v)` by conditional inversion: `v` uniform, then `u` solving
        `h(u|v) = w` for a uniform `w` (vectorised bisection)."""
        v = rng.random(n)
        w = rng.random(n)
        lo, hi = np.zeros(n), np.ones(n)
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            below = self.h(mid, v, params) < w
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        return 0.5 * (lo + hi), v


def _frank_start(tau: float) -> tuple[float, ...]:
    return (5.0 * tau if tau != 0 else 0.1,)


GAUSSIAN = CopulaFamily(
    "gaussian",
    ("rho",),
    ((-0.999, 0.999),),
    _gauss_logpdf,
    _gauss_h,
    lambda tau: (math.sin(math.pi * tau / 2.0),),
)
STUDENT_T = CopulaFamily(
    "student_t",
    ("rho", "nu"),
    ((-0.999, 0.999), (2.0, 100.0)),
    _t_logpdf,
    _t_h,
    lambda tau: (math.sin(math.pi * tau / 2.0), 6.0),
)
CLAYTON = CopulaFamily(
    "clayton",
    ("theta",),
    ((1e-4, 40.0),),
    _clayton_logpdf,
    _clayton_h,
    lambda tau: (max(2.0 * tau / (1.0 - tau), 1e-3),),
)
GUMBEL = CopulaFamily(
    "gumbel",
    ("theta",),
    ((1.0 + 1e-6, 30.0),),
    _gumbel_logpdf,
    _gumbel_h,
    lambda tau: (max(1.0 / (1.0 - tau), 1.0 + 1e-3),),
)
FRANK = CopulaFamily(
    "frank",
    ("theta",),
    ((-60.0, 60.0),),
    _frank_logpdf,
    _frank_h,
    _frank_start,
)
FAMILIES: dict[str, CopulaFamily] = {
    f.name: f for f in (GAUSSIAN, STUDENT_T, CLAYTON, GUMBEL, FRANK)
}
"""The candidate families, by name."""


@dataclass(frozen=True)
class CopulaFit:
    """The chosen family, its parameters, and every candidate's AIC."""

    family: CopulaFamily
    params: tuple[float, ...]
    loglik: float
    aic: float
    candidates: dict[str, dict[str, Any]]
    n_obs: int

    def h_u_given_v(self, u: Any, v: Any) -> np.ndarray:
        """`P(U <= u | V = v)`, evaluated directly."""
        return self.family.h(u, v, self.params)

    def h_v_given_u(self, u: Any, v: Any) -> np.ndarray:
        """`P(V <= v | U = u)`, evaluated directly."""
        return self.family.h(v, u, self.params)


def fit_copula(u: Any, v: Any, families: Sequence[str | CopulaFamily] | None = None) -> CopulaFit:
    """Fits each family by maximum likelihood to pseudo-observations `(u, v)` in (0, 1) and
    keeps the lowest AIC (`2k - 2 log L`). Use `pseudo_observations` to get `u`, `v` from raw
    series."""
    u, v = np.asarray(u, float), np.asarray(v, float)
    if u.shape != v.shape or u.ndim != 1 or len(u) < 10:
        raise ConfigError("fit_copula: u and v must be 1-D, of equal length, at least 10")
    if np.any((u <= 0) | (u >= 1) | (v <= 0) | (v >= 1)) or not np.all(np.isfinite(u + v)):
        raise ConfigError("fit_copula: u and v must lie strictly inside (0, 1)")
    chosen = [FAMILIES[f] if isinstance(f, str) else f for f in (families or FAMILIES)]
    candidates: dict[str, dict[str, Any]] = {}
    best: CopulaFit | None = None
    for fam in chosen:
        params, ll = fam.fit(u, v)
        aic = 2.0 * fam.n_params - 2.0 * ll
        candidates[fam.name] = {"params": list(params), "loglik": ll, "aic": aic}
        if math.isfinite(aic) and (best is None or aic < best.aic):
            best = CopulaFit(fam, params, ll, aic, candidates, len(u))
    if best is None:
        raise ConfigError("fit_copula: no family could be fitted (log-likelihood not finite)")
    return CopulaFit(best.family, best.params, best.loglik, best.aic, candidates, len(u))


# --- signals ----------------------------------------------------------------------------------


def liew_wu_positions(
    h_u_given_v: Any, h_v_given_u: Any, *, alpha: float = 0.05, exit: float = 0.5
) -> np.ndarray:
    """Positions (int8) of the Liew-Wu rule at each observation: open +1 (x cheap) when
    `h(u|v) <= alpha` and `h(v|u) >= 1 - alpha`, -1 in the mirror case; close +1 when
    `h(u|v) >= exit`, -1 when `h(u|v) <= 1 - exit`. NaN observations change nothing. The
    same rule as the Rust `LiewWu`."""
    if not (0.0 < alpha < 0.5) or not (alpha <= exit <= 1.0 - alpha):
        raise ConfigError(f"liew_wu: need 0 < alpha < 0.5 <= ... got alpha={alpha}, exit={exit}")
    a, b = np.asarray(h_u_given_v, float), np.asarray(h_v_given_u, float)
    out = np.zeros(len(a), dtype=np.int8)
    pos = 0
    for i in range(len(a)):
        x, y = a[i], b[i]
        if not (np.isnan(x) or np.isnan(y)):
            if pos == 0:
                if x <= alpha and y >= 1.0 - alpha:
                    pos = 1
                elif x >= 1.0 - alpha and y <= alpha:
                    pos = -1
            elif pos == 1 and x >= exit:
                pos = 0
            elif pos == -1 and x <= 1.0 - exit:
                pos = 0
        out[i] = pos
    return out


def mispricing_positions(
    h_u_given_v: Any,
    h_v_given_u: Any,
    *,
    entry: float = 0.6,
    exit: float = 0.0,
    stop: float = 2.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions (int8) of the cumulative mispricing-index rule, and the indices `M_x`,
    `M_y` after each observation (reset to 0 when a position closes).

    `M_x += h(u|v) - 0.5`, `M_y += h(v|u) - 0.5`; open +1 when `M_x <= -entry` and
    `M_y >= entry`, -1 in the mirror case; close +1 when `M_x >= -exit` or `M_y <= exit`,
    -1 when `M_x <= exit` or `M_y >= -exit`, either when `|M_x|` or `|M_y|` reaches `stop`.
    The same rule as the Rust `MispricingIndex`."""
    if not (entry > 0) or not (0 <= exit < entry) or not (stop > entry):
        raise ConfigError(
            f"mispricing_index: need entry > 0, 0 <= exit < entry < stop; got "
            f"entry={entry}, exit={exit}, stop={stop}"
        )
    a, b = np.asarray(h_u_given_v, float), np.asarray(h_v_given_u, float)
    n = len(a)
    out = np.zeros(n, dtype=np.int8)
    mx_out, my_out = np.zeros(n), np.zeros(n)
    pos, mx, my = 0, 0.0, 0.0
    for i in range(n):
        if not (np.isnan(a[i]) or np.isnan(b[i])):
            mx += a[i] - 0.5
            my += b[i] - 0.5
            stopped = abs(mx) >= stop or abs(my) >= stop
            close = False
            if pos == 0:
                if mx <= -entry and my >= entry:
                    pos = 1
                elif mx >= entry and my <= -entry:
                    pos = -1
            elif pos == 1:
                close = mx >= -exit or my <= exit or stopped
            else:
                close = mx <= exit or my >= -exit or stopped
            if close:
                pos, mx, my = 0, 0.0, 0.0
        out[i], mx_out[i], my_out[i] = pos, mx, my
    return out, mx_out, my_out


# --- the table for the live path ---------------------------------------------------------------

_MAGIC = b"VCOPULA1"


def export_table(
    fit: CopulaFit,
    path: str | Path,
    *,
    pair: tuple[str, str],
    x_sample: Any,
    y_sample: Any,
    n: int = 257,
    z_max: float = 5.0,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Writes the table file the Rust `CopulaTable` reads (format in docs/STRATEGY.md).

    `h(u|v)` and `h(v|u)` are evaluated directly on an `n` x `n` grid even in normal scores,
    `z_i = -z_max + i * 2 z_max / (n - 1)`, `u_i = Φ(z_i)`; `pair` names the x and y
    instruments; `x_sample`, `y_sample` are the series the marginals were taken from (stored
    sorted: the live path maps observations to `(u, v)` with them).
    """
    if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
        raise ConfigError("export_table: pair must be a tuple of two instrument names")
    if not (2 <= n <= 8193) or not (0 < z_max <= 10):
        raise ConfigError(
            f"export_table: need 2 <= n <= 8193 and 0 < z_max <= 10, got {n}, {z_max}"
        )
    xs = np.sort(np.asarray(x_sample, dtype=np.float64))
    ys = np.sort(np.asarray(y_sample, dtype=np.float64))
    if len(xs) == 0 or len(ys) == 0 or not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
        raise ConfigError("export_table: the marginal samples must be non-empty and finite")
    z = np.linspace(-z_max, z_max, n)
    g = special.ndtr(z)
    uu, vv = np.meshgrid(g, g, indexing="ij")  # row i: u_i, column j: v_j
    h_uv = fit.h_u_given_v(uu, vv)
    h_vu = fit.h_v_given_u(uu, vv)
    header = {
        "format": "venue-copula-table",
        "version": 1,
        "pair": {"x": pair[0], "y": pair[1]},
        "family": fit.family.name,
        "params": dict(zip(fit.family.param_names, fit.params, strict=True)),
        "aic": fit.aic,
        "loglik": fit.loglik,
        "n_obs": fit.n_obs,
        "candidates": fit.candidates,
        "grid": {"n": n, "z_max": z_max, "spacing": "normal-score"},
        "marginals": {"x": len(xs), "y": len(ys), "rule": "rank/(n+1)"},
    }
    if extra:
        header.update(extra)
    hbytes = json.dumps(header).encode()
    path = Path(path)
    with path.open("wb") as f:
        f.write(_MAGIC)
        f.write(len(hbytes).to_bytes(8, "little"))
        f.write(hbytes)
        for arr in (h_uv, h_vu, xs, ys):
            f.write(np.ascontiguousarray(arr, dtype="<f8").tobytes())
    return path


@dataclass
class PairTable:
    """A copula table loaded into Rust (`venue._core.CopulaTable`), vectorised for Python."""

    table: Any

    @property
    def pair(self) -> tuple[str, str]:
        return tuple(self.table.pair)  # type: ignore[return-value]

    @property
    def header(self) -> dict[str, Any]:
        return json.loads(self.table.header_json())

    def h(self, u: Any, v: Any) -> tuple[np.ndarray, np.ndarray]:
        """`(h(u|v), h(v|u))` by table lookup (bilinear in normal scores)."""
        u = np.ascontiguousarray(u, dtype=np.float64).ravel()
        v = np.ascontiguousarray(v, dtype=np.float64).ravel()
        a, b = self.table.h_batch(u, v)
        return np.frombuffer(a, dtype=np.float64), np.frombuffer(b, dtype=np.float64)

    def uv(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Observations of the pair's series mapped to `(u, v)` by the stored marginals."""
        x = np.ascontiguousarray(x, dtype=np.float64).ravel()
        y = np.ascontiguousarray(y, dtype=np.float64).ravel()
        a, b = self.table.uv_batch(x, y)
        return np.frombuffer(a, dtype=np.float64), np.frombuffer(b, dtype=np.float64)


def load_table(path: str | Path, *, pair: tuple[str, str] | None = None) -> PairTable:
    """Reads a table file into Rust. With `pair`, raises PairMismatchError unless the table
    was fitted on exactly that `(x, y)`; CopulaTableError if the file is malformed."""
    t = _core.CopulaTable.from_bytes(Path(path).read_bytes())
    if pair is not None:
        t.check_pair(pair[0], pair[1])
    return PairTable(t)
