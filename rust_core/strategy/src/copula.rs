//! Copula pairs trading on the live path: a table of the conditional probabilities
//! `h(u|v) = P(U <= u | V = v)` and `h(v|u)` fitted in Python, looked up with bilinear
//! interpolation in normal-score space, plus the empirical marginals that turn the pair's
//! observations into `(u, v)`, and the two signal rules.
//!
//! # The table file
//! Written by `venue.strategy.copula.export_table`; little-endian:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `VCOPULA1` |
//! | 8 | `u64` length `L` of the header |
//! | `L` | header, UTF-8 JSON: `pair` `{x, y}`, `family`, `params`, `grid` `{n, z_max}`, `marginals` `{x, y}` (sample counts), and whatever else the writer records |
//! | `8 n²` | `f64` `h(u|v)` at `(z_i, z_j)`, row `i` for `u`, column `j` for `v` |
//! | `8 n²` | `f64` `h(v|u)` at the same points |
//! | `8 n_x` | `f64` sorted sample of the x series (the empirical marginal of `u`) |
//! | `8 n_y` | `f64` sorted sample of the y series |
//!
//! The grid is even in normal scores: `z_i = -z_max + i (2 z_max / (n - 1))`, that is
//! `u_i = Φ(z_i)`. A grid even in `u` would put a handful of points where the conditional
//! probabilities change fastest (the corners); in normal scores they are smooth.

use serde_json::Value;

use crate::error::{Result, StrategyError};
use crate::normal::ndtri;

/// The file's first eight bytes.
pub const TABLE_MAGIC: &[u8; 8] = b"VCOPULA1";

/// A copula's conditional probabilities on a grid, and the pair's marginals.
#[derive(Clone, Debug)]
pub struct CopulaTable {
    x: String,
    y: String,
    family: String,
    header: Value,
    n: usize,
    z_max: f64,
    inv_dz: f64,
    h_u_given_v: Vec<f64>,
    h_v_given_u: Vec<f64>,
    marginal_x: Vec<f64>,
    marginal_y: Vec<f64>,
}

fn table_err(msg: String) -> StrategyError {
    StrategyError::Table(msg)
}

fn header_usize(v: &Value, path: &str) -> Result<usize> {
    v.as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| table_err(format!("header {path} = {v} is not a non-negative integer")))
}

fn header_get<'a>(v: &'a Value, key: &str, path: &str) -> Result<&'a Value> {
    v.get(key)
        .ok_or_else(|| table_err(format!("header {path}{key} is missing")))
}

fn header_str(v: &Value, key: &str, path: &str) -> Result<String> {
    header_get(v, key, path)?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| table_err(format!("header {path}{key} is not a string")))
}

impl CopulaTable {
    /// Reads a table file's bytes. The error says which part is malformed.
    pub fn from_bytes(data: &[u8]) -> Result<Self> {
        if data.len() < 16 || &data[..8] != TABLE_MAGIC {
            return Err(table_err(
                "not a copula table: the file does not start with VCOPULA1".into(),
            ));
        }
        let hlen = u64::from_le_bytes(data[8..16].try_into().expect("8 bytes"));
        let hlen = usize::try_from(hlen)
            .ok()
            .filter(|&h| h <= data.len() - 16)
            .ok_or_else(|| {
                table_err(format!(
                    "header length {hlen} runs past the end of the file ({} bytes)",
                    data.len()
                ))
            })?;
        let header: Value = serde_json::from_slice(&data[16..16 + hlen])
            .map_err(|e| table_err(format!("header is not valid JSON: {e}")))?;
        let pair = header_get(&header, "pair", "")?;
        let x = header_str(pair, "x", "pair.")?;
        let y = header_str(pair, "y", "pair.")?;
        let family = header_str(&header, "family", "")?;
        let grid = header_get(&header, "grid", "")?;
        let n = header_usize(header_get(grid, "n", "grid.")?, "grid.n")?;
        if !(2..=8193).contains(&n) {
            return Err(table_err(format!("header grid.n = {n} is not in 2..=8193")));
        }
        let z_max = header_get(grid, "z_max", "grid.")?
            .as_f64()
            .filter(|z| z.is_finite() && *z > 0.0)
            .ok_or_else(|| table_err("header grid.z_max is not a positive number".into()))?;
        let marg = header_get(&header, "marginals", "")?;
        let nx = header_usize(header_get(marg, "x", "marginals.")?, "marginals.x")?;
        let ny = header_usize(header_get(marg, "y", "marginals.")?, "marginals.y")?;
        if nx == 0 || ny == 0 {
            return Err(table_err(
                "header marginals: a marginal sample is empty".into(),
            ));
        }
        let want = 8 * (2 * n * n + nx + ny);
        let body = &data[16 + hlen..];
        if body.len() != want {
            return Err(table_err(format!(
                "the body has {} bytes; a {n} x {n} grid and marginals of {nx} and {ny} \
                 values need {want}",
                body.len()
            )));
        }
        let floats: Vec<f64> = body
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect();
        let (h_u_given_v, rest) = floats.split_at(n * n);
        let (h_v_given_u, rest) = rest.split_at(n * n);
        let (marginal_x, marginal_y) = rest.split_at(nx);
        for (name, t) in [("h(u|v)", h_u_given_v), ("h(v|u)", h_v_given_u)] {
            if let Some(i) = t.iter().position(|p| !(0.0..=1.0).contains(p)) {
                return Err(table_err(format!(
                    "{name} at grid point ({}, {}) is {}, not a probability",
                    i / n,
                    i % n,
                    t[i]
                )));
            }
        }
        for (name, m) in [("x", marginal_x), ("y", marginal_y)] {
            if let Some(i) = m
                .windows(2)
                .position(|w| w[0] > w[1] || w[0].is_nan() || w[1].is_nan())
            {
                return Err(table_err(format!(
                    "the {name} marginal sample is not sorted (or has NaN) at index {i}"
                )));
            }
        }
        Ok(CopulaTable {
            x,
            y,
            family,
            header,
            n,
            z_max,
            inv_dz: (n - 1) as f64 / (2.0 * z_max),
            h_u_given_v: h_u_given_v.to_vec(),
            h_v_given_u: h_v_given_u.to_vec(),
            marginal_x: marginal_x.to_vec(),
            marginal_y: marginal_y.to_vec(),
        })
    }

    /// The pair `(x, y)` the table was fitted on.
    pub fn pair(&self) -> (&str, &str) {
        (&self.x, &self.y)
    }

    /// The copula family chosen at fitting.
    pub fn family(&self) -> &str {
        &self.family
    }

    /// The whole header (parameters, AIC, what the writer recorded).
    pub fn header(&self) -> &Value {
        &self.header
    }

    /// Grid points per axis.
    pub fn grid_size(&self) -> usize {
        self.n
    }

    /// The largest normal score on the grid.
    pub fn z_max(&self) -> f64 {
        self.z_max
    }

    /// Checks that the table is for `x` and `y`, in that order.
    pub fn check_pair(&self, x: &str, y: &str) -> Result<()> {
        if self.x == x && self.y == y {
            return Ok(());
        }
        let hint = if self.x == y && self.y == x {
            " (the same pair in the other order: u and v, and the signals, would be swapped)"
        } else {
            ""
        };
        Err(StrategyError::PairMismatch(format!(
            "the table was fitted on ({}, {}), it is used for ({x}, {y}){hint}",
            self.x, self.y
        )))
    }

    /// `(h(u|v), h(v|u))` by bilinear interpolation in normal scores. Scores beyond
    /// `z_max` are clamped to the grid's edge. NaN if `u` or `v` is NaN or outside [0, 1].
    #[inline]
    pub fn h(&self, u: f64, v: f64) -> (f64, f64) {
        if !((0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v)) {
            return (f64::NAN, f64::NAN);
        }
        let (i, a) = self.cell(ndtri(u));
        let (j, b) = self.cell(ndtri(v));
        (
            bilinear(&self.h_u_given_v, self.n, i, j, a, b),
            bilinear(&self.h_v_given_u, self.n, i, j, a, b),
        )
    }

    /// Grid cell and fraction of a normal score.
    #[inline]
    fn cell(&self, z: f64) -> (usize, f64) {
        let pos = (z.clamp(-self.z_max, self.z_max) + self.z_max) * self.inv_dz;
        let i = (pos as usize).min(self.n - 2);
        (i, pos - i as f64)
    }

    /// The empirical CDF of the x series at `x`: `rank / (n + 1)` where `rank` counts the
    /// sample values `<= x`, kept within `[1, n]` so `u` is never 0 or 1. NaN for NaN.
    #[inline]
    pub fn u_of_x(&self, x: f64) -> f64 {
        ecdf(&self.marginal_x, x)
    }

    /// The empirical CDF of the y series at `y`, as [`CopulaTable::u_of_x`].
    #[inline]
    pub fn v_of_y(&self, y: f64) -> f64 {
        ecdf(&self.marginal_y, y)
    }
}

#[inline]
fn bilinear(t: &[f64], n: usize, i: usize, j: usize, a: f64, b: f64) -> f64 {
    let r0 = &t[i * n + j..i * n + j + 2];
    let r1 = &t[(i + 1) * n + j..(i + 1) * n + j + 2];
    (1.0 - a) * ((1.0 - b) * r0[0] + b * r0[1]) + a * ((1.0 - b) * r1[0] + b * r1[1])
}

#[inline]
fn ecdf(sorted: &[f64], x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let rank = sorted.partition_point(|&s| s <= x).clamp(1, sorted.len());
    rank as f64 / (sorted.len() + 1) as f64
}

/// A pair position: +1 long x and short y, -1 short x and long y, 0 flat.
pub type PairPosition = i8;

/// The rule of Liew and Wu (2013), "Pairs trading: a copula approach": x is cheap relative
/// to y when `h(u|v) <= alpha` and `h(v|u) >= 1 - alpha` (buy x, sell y: +1), dear in the
/// mirror case (-1). A long-x position closes when `h(u|v)` is back to `exit` or above, a
/// short-x position when it is back to `1 - exit` or below. NaN inputs change nothing.
///
/// ```
/// use venue_strategy::copula::LiewWu;
/// let mut s = LiewWu::new(0.05, 0.5).unwrap();
/// assert_eq!(s.update(0.02, 0.97), 1);  // x cheap given y: long x, short y
/// assert_eq!(s.update(0.30, 0.60), 1);  // still below the exit
/// assert_eq!(s.update(0.55, 0.45), 0);  // back past 0.5: flat
/// ```
#[derive(Clone, Copy, Debug)]
pub struct LiewWu {
    alpha: f64,
    exit: f64,
    position: PairPosition,
}

impl LiewWu {
    /// Entry threshold `alpha` in (0, 0.5) and exit level `exit` in [alpha, 1 - alpha].
    pub fn new(alpha: f64, exit: f64) -> Result<Self> {
        if !(alpha > 0.0 && alpha < 0.5) {
            return Err(StrategyError::Config(format!(
                "liew_wu: alpha must be in (0, 0.5), got {alpha}"
            )));
        }
        if !(exit >= alpha && exit <= 1.0 - alpha) {
            return Err(StrategyError::Config(format!(
                "liew_wu: exit must be in [alpha, 1 - alpha] = [{alpha}, {}], got {exit}",
                1.0 - alpha
            )));
        }
        Ok(LiewWu {
            alpha,
            exit,
            position: 0,
        })
    }

    /// The current position.
    pub fn position(&self) -> PairPosition {
        self.position
    }

    /// Feeds one observation's conditional probabilities; returns the position after it.
    #[inline]
    pub fn update(&mut self, h_u_given_v: f64, h_v_given_u: f64) -> PairPosition {
        let (a, b) = (h_u_given_v, h_v_given_u);
        if a.is_nan() || b.is_nan() {
            return self.position;
        }
        self.position = match self.position {
            0 if a <= self.alpha && b >= 1.0 - self.alpha => 1,
            0 if a >= 1.0 - self.alpha && b <= self.alpha => -1,
            1 if a >= self.exit => 0,
            -1 if a <= 1.0 - self.exit => 0,
            p => p,
        };
        self.position
    }
}

/// The cumulative mispricing index of Xie, Liew, Wu and Zou (2016), "Pairs trading with
/// copulas": `M_x += h(u|v) - 0.5`, `M_y += h(v|u) - 0.5` at each observation. Open +1
/// (long x, short y) when `M_x <= -entry` and `M_y >= entry`, -1 in the mirror case. A +1
/// position closes when `M_x >= -exit` or `M_y <= exit` (a mispricing has reverted), -1
/// when `M_x <= exit` or `M_y >= -exit`; either closes when `|M_x|` or `|M_y|` reaches
/// `stop`. Both indices restart at 0 when a position closes. NaN inputs change nothing.
///
/// ```
/// use venue_strategy::copula::MispricingIndex;
/// let mut s = MispricingIndex::new(0.6, 0.0, 2.0).unwrap();
/// assert_eq!(s.update(0.2, 0.8), 0); // M = (-0.3, 0.3)
/// assert_eq!(s.update(0.1, 0.9), 1); // M = (-0.7, 0.7): long x, short y
/// assert_eq!(s.update(0.9, 0.4), 1); // M = (-0.3, 0.6)
/// assert_eq!(s.update(0.9, 0.5), 0); // M_x = 0.1 >= 0: reverted, flat, indices reset
/// assert_eq!(s.indices(), (0.0, 0.0));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct MispricingIndex {
    entry: f64,
    exit: f64,
    stop: f64,
    m_x: f64,
    m_y: f64,
    position: PairPosition,
}

impl MispricingIndex {
    /// Entry level `entry > 0`, exit level `0 <= exit < entry`, stop level `stop > entry`
    /// (`f64::INFINITY` for none).
    pub fn new(entry: f64, exit: f64, stop: f64) -> Result<Self> {
        if !(entry > 0.0 && entry.is_finite()) {
            return Err(StrategyError::Config(format!(
                "mispricing_index: entry must be positive, got {entry}"
            )));
        }
        if !(exit >= 0.0 && exit < entry) {
            return Err(StrategyError::Config(format!(
                "mispricing_index: exit must be in [0, entry) = [0, {entry}), got {exit}"
            )));
        }
        if stop.is_nan() || stop <= entry {
            return Err(StrategyError::Config(format!(
                "mispricing_index: stop must exceed entry ({entry}), got {stop}"
            )));
        }
        Ok(MispricingIndex {
            entry,
            exit,
            stop,
            m_x: 0.0,
            m_y: 0.0,
            position: 0,
        })
    }

    /// The current position.
    pub fn position(&self) -> PairPosition {
        self.position
    }

    /// The cumulative indices `(M_x, M_y)`.
    pub fn indices(&self) -> (f64, f64) {
        (self.m_x, self.m_y)
    }

    /// Feeds one observation's conditional probabilities; returns the position after it.
    #[inline]
    pub fn update(&mut self, h_u_given_v: f64, h_v_given_u: f64) -> PairPosition {
        if h_u_given_v.is_nan() || h_v_given_u.is_nan() {
            return self.position;
        }
        self.m_x += h_u_given_v - 0.5;
        self.m_y += h_v_given_u - 0.5;
        let (mx, my, d, e) = (self.m_x, self.m_y, self.entry, self.exit);
        let stopped = mx.abs() >= self.stop || my.abs() >= self.stop;
        let close = match self.position {
            0 => {
                if mx <= -d && my >= d {
                    self.position = 1;
                } else if mx >= d && my <= -d {
                    self.position = -1;
                }
                false
            }
            1 => mx >= -e || my <= e || stopped,
            _ => mx <= e || my >= -e || stopped,
        };
        if close {
            self.position = 0;
            self.m_x = 0.0;
            self.m_y = 0.0;
        }
        self.position
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table file for an independence copula (`h(u|v) = u`, `h(v|u) = v`).
    fn independence_table(n: usize, z_max: f64, pair: (&str, &str)) -> Vec<u8> {
        let header = format!(
            r#"{{"pair": {{"x": "{}", "y": "{}"}}, "family": "independence", "params": {{}},
               "grid": {{"n": {n}, "z_max": {z_max}}}, "marginals": {{"x": 3, "y": 2}}}}"#,
            pair.0, pair.1
        );
        let mut out = TABLE_MAGIC.to_vec();
        out.extend((header.len() as u64).to_le_bytes());
        out.extend(header.as_bytes());
        let z = |i: usize| -z_max + i as f64 * 2.0 * z_max / (n - 1) as f64;
        // Φ by bisection on ndtri: slow, obvious
        let phi = |z: f64| {
            let (mut lo, mut hi) = (0.0f64, 1.0f64);
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if ndtri(mid) < z {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            0.5 * (lo + hi)
        };
        for which in 0..2 {
            for i in 0..n {
                for j in 0..n {
                    let p = if which == 0 { phi(z(i)) } else { phi(z(j)) };
                    out.extend(p.to_le_bytes());
                }
            }
        }
        for m in [1.0f64, 2.0, 3.0, 10.0, 20.0] {
            out.extend(m.to_le_bytes());
        }
        out
    }

    #[test]
    fn lookup_interpolates_in_normal_scores() {
        let t = CopulaTable::from_bytes(&independence_table(65, 4.0, ("A", "B"))).unwrap();
        assert_eq!(
            (t.pair(), t.family(), t.grid_size()),
            (("A", "B"), "independence", 65)
        );
        for &(u, v) in &[(0.5, 0.5), (0.1, 0.9), (0.01, 0.3), (0.97, 0.999)] {
            let (a, b) = t.h(u, v);
            // linear in z between grid points: Φ is smooth, so the error is small
            assert!(
                (a - u).abs() < 2e-3 && (b - v).abs() < 2e-3,
                "({u}, {v}) -> ({a}, {b})"
            );
        }
        // exactly on a grid point (z = 0): exact
        assert_eq!(t.h(0.5, 0.5), (0.5, 0.5));
        assert!(t.h(f64::NAN, 0.5).0.is_nan() && t.h(0.5, 1.5).1.is_nan());
        // beyond z_max: the edge value
        let (a, _) = t.h(1e-12, 0.5);
        assert!(a > 0.0 && a < 1e-4);
    }

    #[test]
    fn empirical_marginals() {
        let t = CopulaTable::from_bytes(&independence_table(5, 3.0, ("A", "B"))).unwrap();
        // x sample [1, 2, 3]: n + 1 = 4
        assert_eq!(t.u_of_x(0.0), 0.25); // rank 0 kept at 1
        assert_eq!(t.u_of_x(2.0), 0.5);
        assert_eq!(t.u_of_x(2.5), 0.5);
        assert_eq!(t.u_of_x(9.0), 0.75);
        assert_eq!(t.v_of_y(15.0), 1.0 / 3.0);
        assert!(t.u_of_x(f64::NAN).is_nan());
    }

    #[test]
    fn pair_and_format_errors() {
        let bytes = independence_table(5, 3.0, ("A", "B"));
        let t = CopulaTable::from_bytes(&bytes).unwrap();
        assert!(t.check_pair("A", "B").is_ok());
        let e = t.check_pair("B", "A").unwrap_err().to_string();
        assert!(e.contains("other order"), "{e}");
        assert!(matches!(
            t.check_pair("A", "C"),
            Err(StrategyError::PairMismatch(_))
        ));
        let e = CopulaTable::from_bytes(&bytes[..bytes.len() - 8])
            .unwrap_err()
            .to_string();
        assert!(e.contains("the body has"), "{e}");
        let e = CopulaTable::from_bytes(b"nonsense-bytes-here")
            .unwrap_err()
            .to_string();
        assert!(e.contains("VCOPULA1"), "{e}");
        let mut bad = bytes.clone();
        let at = bad.len() - 5 * 8 - 8; // the last h(v|u) value
        bad[at..at + 8].copy_from_slice(&1.5f64.to_le_bytes());
        let e = CopulaTable::from_bytes(&bad).unwrap_err().to_string();
        assert!(e.contains("not a probability"), "{e}");
    }

    #[test]
    fn signal_rules() {
        let mut lw = LiewWu::new(0.1, 0.5).unwrap();
        assert_eq!(lw.update(0.95, 0.05), -1);
        assert_eq!(lw.update(f64::NAN, 0.5), -1);
        assert_eq!(lw.update(0.6, 0.4), -1);
        assert_eq!(lw.update(0.5, 0.5), 0);
        assert_eq!(lw.update(0.2, 0.95), 0); // only one condition holds
        assert!(LiewWu::new(0.6, 0.5).is_err() && LiewWu::new(0.1, 0.95).is_err());

        let mut mi = MispricingIndex::new(0.5, 0.0, 1.0).unwrap();
        assert_eq!(mi.update(0.9, 0.1), 0);
        assert_eq!(mi.update(0.9, 0.1), -1); // M = (0.8, -0.8)
        assert_eq!(mi.update(0.9, 0.4), 0); // M_x = 1.2 >= stop
        assert_eq!(mi.indices(), (0.0, 0.0));
        assert!(MispricingIndex::new(0.5, 0.5, 2.0).is_err());
        assert!(MispricingIndex::new(0.5, 0.0, 0.4).is_err());
    }
}
