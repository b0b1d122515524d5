"""Copula fitting, h-functions, signals, and the Rust lookup table against direct evaluation."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("scipy")
from scipy import special

from venue import _core
from venue.errors import ConfigError
from venue.strategy import CopulaTableError, PairMismatchError
from venue.strategy.copula import (
    FAMILIES,
    ecdf,
    export_table,
    fit_copula,
    liew_wu_positions,
    load_table,
    mispricing_positions,
    pseudo_observations,
)

TRUTH = {
    "gaussian": (0.6,),
    "student_t": (0.6, 4.0),
    "clayton": (2.0,),
    "gumbel": (2.0,),
    "frank": (6.0,),
}


@pytest.mark.parametrize("name", list(TRUTH))
def test_h_is_the_integral_of_the_density(name):
    """h(u|v) = ∫_0^u c(s, v) ds: the h-function and the density agree (trapezoid rule on a
    fine grid), and h runs from 0 to 1."""
    fam, p = FAMILIES[name], TRUTH[name]
    s = np.linspace(1e-7, 1 - 1e-7, 40001)
    for v in (0.03, 0.3, 0.5, 0.8, 0.97):
        dens = np.exp(fam.logpdf(s, np.full_like(s, v), p))
        integral = np.concatenate([[0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(s))])
        for u in (0.05, 0.25, 0.5, 0.75, 0.95):
            i = np.searchsorted(s, u)
            assert abs(integral[i] - fam.h(s[i], v, p)) < 2e-4, (u, v)
        assert fam.h(1e-9, v, p) < 1e-3 and fam.h(1 - 1e-9, v, p) > 1 - 1e-3


@pytest.mark.parametrize("name", list(TRUTH))
def test_aic_picks_the_family_that_made_the_data(name):
    rng = np.random.default_rng(7)
    u, v = FAMILIES[name].sample(1500, TRUTH[name], rng)
    fit = fit_copula(u, v)
    assert fit.family.name == name
    np.testing.assert_allclose(fit.params, TRUTH[name], rtol=0.2)
    assert set(fit.candidates) == set(TRUTH)
    assert fit.aic == min(c["aic"] for c in fit.candidates.values())


def test_pseudo_observations_and_ecdf_agree_with_rust(tmp_path):
    rng = np.random.default_rng(1)
    x = np.round(rng.standard_normal(300), 1)  # ties
    y = rng.standard_normal(300)
    u, v = pseudo_observations(x), pseudo_observations(y)
    np.testing.assert_array_equal(u, ecdf(x, x))
    fit = fit_copula(u, v, families=["gaussian"])
    export_table(fit, tmp_path / "t.bin", pair=("X", "Y"), x_sample=x, y_sample=y, n=9)
    table = load_table(tmp_path / "t.bin")
    probe_x = np.concatenate([x, [-10.0, 10.0, 0.05]])
    probe_y = np.concatenate([y, [-10.0, 10.0, 0.05]])
    ru, rv = table.uv(probe_x, probe_y)
    np.testing.assert_array_equal(ru, ecdf(x, probe_x))
    np.testing.assert_array_equal(rv, ecdf(y, probe_y))


def test_rust_ndtri_matches_scipy():
    p = np.concatenate([np.linspace(1e-6, 1 - 1e-6, 5001), np.logspace(-300, -2, 200)])
    z = np.frombuffer(_core.ndtri_batch(np.ascontiguousarray(p)), dtype=np.float64)
    np.testing.assert_allclose(z, special.ndtri(p), rtol=1e-14, atol=1e-14)


@pytest.fixture(scope="module")
def fitted():
    out = {}
    rng = np.random.default_rng(3)
    for name, p in TRUTH.items():
        u, v = FAMILIES[name].sample(1500, p, rng)
        out[name] = (fit_copula(u, v, families=[name]), u, v)
    return out


@pytest.mark.parametrize("name", list(TRUTH))
def test_table_error_against_direct_evaluation(fitted, tmp_path, name):
    """257 x 257, even in normal scores up to |z| = 5: at uniformly drawn (u, v) the lookup
    is within 2e-3 of direct evaluation at worst and 1e-4 on average; deep in the tails
    (|z| up to 4.5) within 5e-3."""
    fit, u, v = fitted[name]
    path = export_table(fit, tmp_path / "t.bin", pair=("AAA", "BBB"), x_sample=u, y_sample=v)
    table = load_table(path, pair=("AAA", "BBB"))
    assert table.table.grid_size == 257 and table.table.family == name
    rng = np.random.default_rng(5)
    for pts, worst, mean in (
        (rng.random((2, 20000)), 2e-3, 1e-4),
        (special.ndtr(rng.uniform(-4.5, 4.5, (2, 20000))), 5e-3, 2e-4),
    ):
        a, b = table.h(pts[0], pts[1])
        ea = np.abs(a - fit.h_u_given_v(pts[0], pts[1]))
        eb = np.abs(b - fit.h_v_given_u(pts[0], pts[1]))
        assert max(ea.max(), eb.max()) < worst
        assert max(ea.mean(), eb.mean()) < mean


@pytest.mark.parametrize("name", list(TRUTH))
def test_entry_decisions_from_the_table(fitted, tmp_path, name):
    """Signals from looked-up and from directly evaluated probabilities: count the entry
    decisions that differ (a flip needs h within the table error of a threshold)."""
    fit, u, v = fitted[name]
    table = load_table(
        export_table(fit, tmp_path / "t.bin", pair=("X", "Y"), x_sample=u, y_sample=v)
    )
    rng = np.random.default_rng(9)
    su, sv = FAMILIES[name].sample(10000, fit.params, rng)
    direct = (fit.h_u_given_v(su, sv), fit.h_v_given_u(su, sv))
    looked = table.h(su, sv)
    lw_d = liew_wu_positions(*direct, alpha=0.05)
    lw_t = liew_wu_positions(*looked, alpha=0.05)
    entries_d = np.flatnonzero((lw_d != 0) & (np.concatenate([[0], lw_d[:-1]]) == 0))
    assert len(entries_d) > 100
    differ = int(np.sum(lw_d[entries_d] != lw_t[entries_d]))
    assert differ <= max(1, 0.01 * len(entries_d)), differ
    # the mispricing index accumulates, so one flipped decision moves later ones too
    mi_d = mispricing_positions(*direct, entry=0.6)[0]
    mi_t = mispricing_positions(*looked, entry=0.6)[0]
    assert np.mean(mi_d != mi_t) < 0.02


def test_python_and_rust_signal_rules_agree():
    rng = np.random.default_rng(2)
    a, b = rng.random(5000), rng.random(5000)
    b = np.where(rng.random(5000) < 0.5, 1 - a + rng.normal(0, 0.02, 5000), b).clip(0, 1)
    a[::97] = np.nan
    for alpha, ex in ((0.05, 0.5), (0.1, 0.3)):
        rust = np.frombuffer(_core.liew_wu_positions(a, b, alpha, ex), dtype=np.int8)
        np.testing.assert_array_equal(rust, liew_wu_positions(a, b, alpha=alpha, exit=ex))
    for entry, ex, stop in ((0.6, 0.0, 2.0), (0.3, 0.1, 1.0), (1.0, 0.0, np.inf)):
        rust = np.frombuffer(_core.mispricing_positions(a, b, entry, ex, stop), dtype=np.int8)
        py, _, _ = mispricing_positions(a, b, entry=entry, exit=ex, stop=stop)
        np.testing.assert_array_equal(rust, py)
        assert (py != 0).any()


def test_signal_rules_by_hand():
    pos = liew_wu_positions([0.5, 0.02, 0.3, 0.6, 0.97, 0.4], [0.5, 0.99, 0.5, 0.4, 0.01, 0.5])
    assert pos.tolist() == [0, 1, 1, 0, -1, 0]
    pos, mx, my = mispricing_positions([0.2, 0.1, 0.9, 0.9], [0.8, 0.9, 0.4, 0.5], entry=0.6)
    assert pos.tolist() == [0, 1, 1, 0]
    np.testing.assert_allclose(mx, [-0.3, -0.7, -0.3, 0.0])
    np.testing.assert_allclose(my, [0.3, 0.7, 0.6, 0.0])
    with pytest.raises(ConfigError):
        liew_wu_positions([0.5], [0.5], alpha=0.7)
    with pytest.raises(ConfigError):
        mispricing_positions([0.5], [0.5], entry=0.5, exit=0.6)


def test_table_for_the_wrong_pair_or_a_broken_file(fitted, tmp_path):
    fit, u, v = fitted["gaussian"]
    path = export_table(fit, tmp_path / "t.bin", pair=("AAA", "BBB"), x_sample=u, y_sample=v)
    with pytest.raises(
        PairMismatchError, match=r"fitted on \(AAA, BBB\), it is used for \(AAA, CCC\)"
    ):
        load_table(path, pair=("AAA", "CCC"))
    with pytest.raises(PairMismatchError, match="other order"):
        load_table(path, pair=("BBB", "AAA"))
    data = path.read_bytes()
    (tmp_path / "cut.bin").write_bytes(data[:-16])
    with pytest.raises(CopulaTableError, match="the body has"):
        load_table(tmp_path / "cut.bin")
    (tmp_path / "junk.bin").write_bytes(b"not a table at all")
    with pytest.raises(CopulaTableError, match="VCOPULA1"):
        load_table(tmp_path / "junk.bin")
    header = load_table(path).header
    assert header["pair"] == {"x": "AAA", "y": "BBB"} and header["family"] == "gaussian"
    with pytest.raises(ConfigError, match="pair"):
        export_table(fit, tmp_path / "x.bin", pair="AAA", x_sample=u, y_sample=v)  # type: ignore[arg-type]


def test_fit_rejects_bad_input():
    with pytest.raises(ConfigError, match="inside \\(0, 1\\)"):
        fit_copula(np.linspace(0, 1, 20), np.linspace(0, 1, 20))
    with pytest.raises(ConfigError, match="equal length"):
        fit_copula(np.full(20, 0.5), np.full(19, 0.5))
