//! Exponential moving average over a sample clock.

/// `ema_t = ema_{t-1} + alpha (x_t - ema_{t-1})`, started at the first sample, with
/// `alpha = 2 / (span + 1)`.
///
/// ```
/// use venue_strategy::indicators::Ema;
/// let mut ema = Ema::with_span(3); // alpha = 0.5
/// ema.update(10.0);
/// ema.update(20.0);
/// assert_eq!(ema.value(), 15.0);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Ema {
    alpha: f64,
    value: f64,
    started: bool,
}

impl Ema {
    /// An EMA with smoothing factor `alpha` in (0, 1].
    pub fn new(alpha: f64) -> Self {
        Ema {
            alpha,
            value: f64::NAN,
            started: false,
        }
    }

    /// An EMA with `alpha = 2 / (span + 1)`.
    pub fn with_span(span: u32) -> Self {
        Self::new(2.0 / (f64::from(span) + 1.0))
    }

    /// The smoothing factor.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Adds a sample.
    #[inline]
    pub fn update(&mut self, x: f64) {
        if self.started {
            self.value += self.alpha * (x - self.value);
        } else {
            self.value = x;
            self.started = true;
        }
    }

    /// The current average; NaN before the first sample.
    #[inline]
    pub fn value(&self) -> f64 {
        self.value
    }
}
