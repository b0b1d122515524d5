//! The standard normal distribution: the inverse CDF (Wichura's algorithm AS 241, PPND16,
//! relative accuracy about 1e-16), used to map probabilities to normal scores.

/// `Φ⁻¹(p)`, the standard normal quantile, for `p` in (0, 1); `-inf` at 0, `+inf` at 1 and
/// NaN outside [0, 1] or for NaN.
///
/// Wichura, M. J. (1988), "Algorithm AS 241: The percentage points of the normal
/// distribution", Applied Statistics 37(3), 477-484.
///
/// ```
/// use venue_strategy::normal::ndtri;
/// assert!((ndtri(0.975) - 1.959_963_984_540_054).abs() < 1e-14);
/// assert_eq!(ndtri(0.5), 0.0);
/// ```
// the coefficients as published, digit for digit
#[allow(clippy::excessive_precision)]
pub fn ndtri(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q
            * (((((((r * 2_509.080_928_730_122_7 + 33_430.575_583_588_13) * r
                + 67_265.770_927_008_7)
                * r
                + 45_921.953_931_549_87)
                * r
                + 13_731.693_765_509_461)
                * r
                + 1_971.590_950_306_551_3)
                * r
                + 133.141_667_891_784_38)
                * r
                + 3.387_132_872_796_366_5)
            / (((((((r * 5_226.495_278_852_546 + 28_729.085_735_721_943) * r
                + 39_307.895_800_092_71)
                * r
                + 21_213.794_301_586_597)
                * r
                + 5_394.196_021_424_751)
                * r
                + 687.187_007_492_057_9)
                * r
                + 42.313_330_701_600_91)
                * r
                + 1.0);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    let mut r = (-tail.ln()).sqrt();
    let val = if r <= 5.0 {
        r -= 1.6;
        (((((((r * 7.745_450_142_783_414e-4 + 0.022_723_844_989_269_184) * r
            + 0.241_780_725_177_450_6)
            * r
            + 1.270_458_252_452_368_4)
            * r
            + 3.647_848_324_763_204_5)
            * r
            + 5.769_497_221_460_691)
            * r
            + 4.630_337_846_156_545)
            * r
            + 1.423_437_110_749_683_5)
            / (((((((r * 1.050_750_071_644_416_9e-9 + 5.475_938_084_995_345e-4) * r
                + 0.015_198_666_563_616_457)
                * r
                + 0.148_103_976_427_480_08)
                * r
                + 0.689_767_334_985_100_1)
                * r
                + 1.676_384_830_183_803_8)
                * r
                + 2.053_191_626_637_759)
                * r
                + 1.0)
    } else {
        r -= 5.0;
        (((((((r * 2.010_334_399_292_288_1e-7 + 2.711_555_568_743_487_6e-5) * r
            + 0.001_242_660_947_388_078_4)
            * r
            + 0.026_532_189_526_576_124)
            * r
            + 0.296_560_571_828_504_9)
            * r
            + 1.784_826_539_917_291_3)
            * r
            + 5.463_784_911_164_114)
            * r
            + 6.657_904_643_501_103)
            / (((((((r * 2.044_263_103_389_939_7e-15 + 1.421_511_758_316_446e-7) * r
                + 1.846_318_317_510_054_8e-5)
                * r
                + 7.868_691_311_456_133e-4)
                * r
                + 0.014_875_361_290_850_615)
                * r
                + 0.136_929_880_922_735_8)
                * r
                + 0.599_832_206_555_887_9)
                * r
                + 1.0)
    };
    if q < 0.0 {
        -val
    } else {
        val
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_quantiles() {
        // values from scipy.special.ndtri
        let cases = [
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
            (0.001, -3.090_232_306_167_813_5),
            (1e-10, -6.361_340_902_404_056),
            (0.3, -0.524_400_512_708_040_9),
            (0.999_999, 4.753_424_308_817_087),
        ];
        for (p, z) in cases {
            let got = ndtri(p);
            assert!(
                (got - z).abs() <= 1e-13 * z.abs().max(1.0),
                "ndtri({p}) = {got}, not {z}"
            );
        }
        assert!(ndtri(-0.1).is_nan() && ndtri(1.5).is_nan() && ndtri(f64::NAN).is_nan());
        assert_eq!(ndtri(0.0), f64::NEG_INFINITY);
    }

    #[test]
    fn symmetric_and_increasing() {
        let mut prev = f64::NEG_INFINITY;
        for i in 1..4000 {
            let p = i as f64 / 4000.0;
            let z = ndtri(p);
            assert!(z > prev, "not increasing at {p}");
            assert!((z + ndtri(1.0 - p)).abs() < 1e-12, "not symmetric at {p}");
            prev = z;
        }
    }
}
