//! Incremental market indicators of one instrument, fed from engine events (or from book
//! snapshots and trades when replaying L2 data), allocation-free once constructed.
//!
//! # The clock
//! Indicators advance in **steps**. Events are applied one by one ([`Indicators::on_event`]);
//! [`Indicators::end_step`] then samples the book. A step counts only if a book event or a
//! trade of the instrument was applied since the previous one, so the clock is "market data
//! updates". [`Indicators::on_events`] ends a step wherever the timestamp changes and at the
//! end of the slice: all the events of one engine message share its timestamp, so no step
//! sees a half-applied message (the BOOK_DELETE of a replace without its BOOK_ADD).
//! [`Indicators::step_with_book`] is the L2 path: it closes a step with a given [`Top`].
//!
//! On each step: the OFI increment is computed against the previous step's top of book and
//! pushed into the OFI windows. If the book is two-sided, the mid enters the mid series
//! (returns, realised volatility, EMAs); one-sided steps leave the mid series alone.
//! Trades enter the trade windows as they are applied (per fill).
//!
//! # Features
//! [`Indicators::features`] writes [`NUM_FEATURES`] values, named by
//! [`IndicatorConfig::feature_names`]. Prices enter as offsets from the mid (price units),
//! never as levels, so they keep their precision in `f32`. NaN marks a value that is not
//! defined yet (one-sided book, no trade yet, too little history); tree models route it
//! along their default branches.

mod book;
mod ema;
mod mid;
mod ofi;
mod trades;
mod window;

pub use book::{BookTracker, IdHasher};
pub use ema::Ema;
pub use mid::MidHistory;
pub use ofi::ofi_increment;
pub use trades::TradeWindow;
pub use window::RollingSum;

use venue_engine::{Event, EventKind};

use crate::error::{Result, StrategyError};

/// Top of book and depth at one step. An empty side has price and quantity 0 (a present
/// side always has a positive displayed quantity).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Top {
    /// Best bid price (0 if none).
    pub bid_px: i64,
    /// Displayed quantity at the best bid (0 if none).
    pub bid_qty: i64,
    /// Best ask price (0 if none).
    pub ask_px: i64,
    /// Displayed quantity at the best ask (0 if none).
    pub ask_qty: i64,
    /// Displayed quantity of the best `depth_levels` bid levels.
    pub bid_depth: i64,
    /// Displayed quantity of the best `depth_levels` ask levels.
    pub ask_depth: i64,
}

impl Top {
    /// Whether there is a bid.
    #[inline]
    pub fn has_bid(&self) -> bool {
        self.bid_qty > 0
    }

    /// Whether there is an ask.
    #[inline]
    pub fn has_ask(&self) -> bool {
        self.ask_qty > 0
    }

    /// Whether both sides are present.
    #[inline]
    pub fn two_sided(&self) -> bool {
        self.has_bid() && self.has_ask()
    }
}

/// Number of values [`Indicators::features`] writes.
pub const NUM_FEATURES: usize = 16;

/// Windows and spans of the indicators. Every window counts steps (or fills, for the
/// trade windows) and must be at least 1; the short windows must be shorter than the long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorConfig {
    /// The instrument whose events are used.
    pub instrument: u32,
    /// Levels a side summed by the depth features.
    pub depth_levels: usize,
    /// Steps summed by the short OFI window.
    pub ofi_short: usize,
    /// Steps summed by the long OFI window.
    pub ofi_long: usize,
    /// Fills in the trade-imbalance and VWAP window.
    pub trade_window: usize,
    /// Span of the fast mid EMA (`alpha = 2 / (span + 1)`), in two-sided steps.
    pub ema_fast: u32,
    /// Span of the slow mid EMA.
    pub ema_slow: u32,
    /// Mid changes in the realised-volatility window.
    pub vol_window: usize,
    /// Two-sided steps of the short return.
    pub ret_short: usize,
    /// Two-sided steps of the long return.
    pub ret_long: usize,
    /// Resting orders the book tracker reserves room for.
    pub order_capacity: usize,
    /// Price levels a side the book tracker reserves room for.
    pub level_capacity: usize,
}

impl Default for IndicatorConfig {
    fn default() -> Self {
        IndicatorConfig {
            instrument: 0,
            depth_levels: 5,
            ofi_short: 10,
            ofi_long: 50,
            trade_window: 20,
            ema_fast: 10,
            ema_slow: 100,
            vol_window: 50,
            ret_short: 10,
            ret_long: 50,
            order_capacity: 16_384,
            level_capacity: 1_024,
        }
    }
}

impl IndicatorConfig {
    /// Checks every value; the error names the field.
    pub fn validate(&self) -> Result<()> {
        let positive = [
            ("depth_levels", self.depth_levels),
            ("ofi_short", self.ofi_short),
            ("ofi_long", self.ofi_long),
            ("trade_window", self.trade_window),
            ("ema_fast", self.ema_fast as usize),
            ("ema_slow", self.ema_slow as usize),
            ("vol_window", self.vol_window),
            ("ret_short", self.ret_short),
            ("ret_long", self.ret_long),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(StrategyError::Config(format!(
                    "indicators: {name} must be at least 1, got 0"
                )));
            }
            if v > 1_000_000 {
                return Err(StrategyError::Config(format!(
                    "indicators: {name} must be at most 1000000, got {v}"
                )));
            }
        }
        let ordered = [
            ("ofi_short", self.ofi_short, "ofi_long", self.ofi_long),
            (
                "ema_fast",
                self.ema_fast as usize,
                "ema_slow",
                self.ema_slow as usize,
            ),
            ("ret_short", self.ret_short, "ret_long", self.ret_long),
        ];
        for (a, va, b, vb) in ordered {
            if va >= vb {
                return Err(StrategyError::Config(format!(
                    "indicators: {a} ({va}) must be less than {b} ({vb})"
                )));
            }
        }
        Ok(())
    }

    /// The names of the features, in the order [`Indicators::features`] writes them.
    /// Window lengths are part of the names, so a model trained with other windows does
    /// not match.
    pub fn feature_names(&self) -> Vec<String> {
        vec![
            "spread".into(),
            "micro_offset".into(),
            "queue_imbalance".into(),
            format!("depth_imbalance_{}", self.depth_levels),
            format!("ofi_{}", self.ofi_short),
            format!("ofi_{}", self.ofi_long),
            format!("trade_imbalance_{}", self.trade_window),
            format!("vwap_offset_{}", self.trade_window),
            format!("ema_offset_{}", self.ema_fast),
            format!("ema_offset_{}", self.ema_slow),
            format!("rv_{}", self.vol_window),
            format!("ret_{}", self.ret_short),
            format!("ret_{}", self.ret_long),
            "bid_qty".into(),
            "ask_qty".into(),
            format!("depth_{}", self.depth_levels),
        ]
    }
}

/// The indicators of one instrument. See the module documentation for the clock.
///
/// ```
/// use venue_engine::{Event, EventKind};
/// use venue_strategy::indicators::{IndicatorConfig, Indicators, NUM_FEATURES};
/// let mut ind = Indicators::new(IndicatorConfig::default()).unwrap();
/// let add = |ts, id, side, price, qty| Event {
///     ts, order_id: id, side, price, qty, kind: EventKind::BookAdd as u8, ..Event::default()
/// };
/// ind.on_events(&[add(1, 1, 0, 100, 5), add(2, 2, 1, 102, 15)]);
/// assert_eq!(ind.steps(), 2);
/// assert_eq!((ind.mid(), ind.spread()), (101.0, 2.0));
/// assert_eq!(ind.microprice(), (100.0 * 15.0 + 102.0 * 5.0) / 20.0);
/// let mut row = [0f32; NUM_FEATURES];
/// ind.features(&mut row).unwrap();
/// assert_eq!(row[2], -0.5); // queue imbalance (5 - 15) / 20
/// ```
#[derive(Clone, Debug)]
pub struct Indicators {
    cfg: IndicatorConfig,
    book: BookTracker,
    top: Top,
    dirty: bool,
    steps: u64,
    ofi_short: RollingSum<i64>,
    ofi_long: RollingSum<i64>,
    trades: TradeWindow,
    ema_fast: Ema,
    ema_slow: Ema,
    mids: MidHistory,
}

impl Indicators {
    /// Indicators with the given windows; the error names an invalid field.
    pub fn new(cfg: IndicatorConfig) -> Result<Self> {
        cfg.validate()?;
        Ok(Indicators {
            book: BookTracker::new(cfg.instrument, cfg.order_capacity, cfg.level_capacity),
            top: Top::default(),
            dirty: false,
            steps: 0,
            ofi_short: RollingSum::new(cfg.ofi_short),
            ofi_long: RollingSum::new(cfg.ofi_long),
            trades: TradeWindow::new(cfg.trade_window),
            ema_fast: Ema::with_span(cfg.ema_fast),
            ema_slow: Ema::with_span(cfg.ema_slow),
            mids: MidHistory::new(cfg.ret_long, cfg.vol_window),
            cfg,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &IndicatorConfig {
        &self.cfg
    }

    /// The feature names ([`IndicatorConfig::feature_names`]).
    pub fn feature_names(&self) -> Vec<String> {
        self.cfg.feature_names()
    }

    /// The rebuilt book.
    pub fn book(&self) -> &BookTracker {
        &self.book
    }

    /// Applies one engine event: BOOK_* events update the book, TRADE events the trade
    /// windows (maker price, fill quantity, aggressor side). Other kinds and instruments are
    /// ignored.
    #[inline]
    pub fn on_event(&mut self, e: &Event) {
        if e.instrument != self.cfg.instrument {
            return;
        }
        if e.kind == EventKind::Trade as u8 {
            self.on_trade(e.price, e.qty, e.side == 0);
        } else if self.book.apply(e) {
            self.dirty = true;
        }
    }

    /// Applies a fill of `qty` at `price`; `buyer_initiated` when the aggressor bought.
    #[inline]
    pub fn on_trade(&mut self, price: i64, qty: i64, buyer_initiated: bool) {
        self.trades.push(price, qty, buyer_initiated);
        self.dirty = true;
    }

    /// Ends a step from the rebuilt book if anything changed since the last one; returns
    /// whether a step was taken.
    #[inline]
    pub fn end_step(&mut self) -> bool {
        if !self.dirty {
            return false;
        }
        let top = self.book.top(self.cfg.depth_levels);
        self.sample(top);
        true
    }

    /// Ends a step with a top of book given by the caller (L2 replay), whatever the
    /// tracker holds.
    #[inline]
    pub fn step_with_book(&mut self, top: &Top) {
        self.sample(*top);
    }

    #[inline]
    fn sample(&mut self, top: Top) {
        let e = ofi_increment(&self.top, &top);
        self.ofi_short.push(e);
        self.ofi_long.push(e);
        if top.two_sided() {
            let mid2 = top.bid_px + top.ask_px;
            self.mids.push(mid2);
            let mid = mid2 as f64 / 2.0;
            self.ema_fast.update(mid);
            self.ema_slow.update(mid);
        }
        self.top = top;
        self.dirty = false;
        self.steps += 1;
    }

    /// Applies `events` in order, ending a step after the last event of each timestamp and
    /// after the last event of the slice; returns the number of steps taken.
    pub fn on_events(&mut self, events: &[Event]) -> usize {
        let mut steps = 0;
        self.on_events_with(events, |_, _| steps += 1);
        steps
    }

    /// As [`Indicators::on_events`], calling `f(self, last event of the step)` after each
    /// step (to read features, decide, record a row).
    pub fn on_events_with(&mut self, events: &[Event], mut f: impl FnMut(&Self, &Event)) {
        for (i, e) in events.iter().enumerate() {
            self.on_event(e);
            let boundary = events.get(i + 1).is_none_or(|next| next.ts != e.ts);
            if boundary && self.end_step() {
                f(self, e);
            }
        }
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The top of book sampled at the last step.
    pub fn top(&self) -> &Top {
        &self.top
    }

    /// `(bid + ask) / 2` at the last step; NaN if one-sided.
    #[inline]
    pub fn mid(&self) -> f64 {
        if self.top.two_sided() {
            (self.top.bid_px + self.top.ask_px) as f64 / 2.0
        } else {
            f64::NAN
        }
    }

    /// Size-weighted mid `(bid * ask_qty + ask * bid_qty) / (bid_qty + ask_qty)`; NaN if
    /// one-sided.
    #[inline]
    pub fn microprice(&self) -> f64 {
        let t = &self.top;
        if !t.two_sided() {
            return f64::NAN;
        }
        (t.bid_px as f64 * t.ask_qty as f64 + t.ask_px as f64 * t.bid_qty as f64)
            / (t.bid_qty + t.ask_qty) as f64
    }

    /// `ask - bid` (price units); NaN if one-sided.
    #[inline]
    pub fn spread(&self) -> f64 {
        if self.top.two_sided() {
            (self.top.ask_px - self.top.bid_px) as f64
        } else {
            f64::NAN
        }
    }

    /// `(bid_qty - ask_qty) / (bid_qty + ask_qty)` at the touch (an empty side counts 0);
    /// NaN if the book is empty.
    #[inline]
    pub fn queue_imbalance(&self) -> f64 {
        imbalance(self.top.bid_qty, self.top.ask_qty)
    }

    /// The same over the best `depth_levels` levels a side.
    #[inline]
    pub fn depth_imbalance(&self) -> f64 {
        imbalance(self.top.bid_depth, self.top.ask_depth)
    }

    /// Sum of the OFI increments over the last `ofi_short` steps (fewer while filling).
    #[inline]
    pub fn ofi_short(&self) -> i64 {
        self.ofi_short.sum()
    }

    /// Sum of the OFI increments over the last `ofi_long` steps.
    #[inline]
    pub fn ofi_long(&self) -> i64 {
        self.ofi_long.sum()
    }

    /// Signed-volume imbalance of the last `trade_window` fills; NaN before any fill.
    #[inline]
    pub fn trade_imbalance(&self) -> f64 {
        self.trades.imbalance()
    }

    /// VWAP of the last `trade_window` fills; NaN before any fill.
    #[inline]
    pub fn vwap(&self) -> f64 {
        self.trades.vwap()
    }

    /// Fast EMA of the mid; NaN before the first two-sided step.
    #[inline]
    pub fn ema_fast(&self) -> f64 {
        self.ema_fast.value()
    }

    /// Slow EMA of the mid.
    #[inline]
    pub fn ema_slow(&self) -> f64 {
        self.ema_slow.value()
    }

    /// Realised volatility of the mid over the last `vol_window` changes (price units).
    #[inline]
    pub fn realized_vol(&self) -> f64 {
        self.mids.realized_vol()
    }

    /// `mid_now - mid_{k two-sided steps ago}` (price units), `k <= ret_long`; NaN if the
    /// history is too short or `k` exceeds `ret_long`.
    #[inline]
    pub fn ret(&self, k: usize) -> f64 {
        self.mids.ret(k)
    }

    /// `ln(mid_now / mid_{k steps ago})`, as [`Indicators::ret`].
    #[inline]
    pub fn log_ret(&self, k: usize) -> f64 {
        self.mids.log_ret(k)
    }

    /// Writes the [`NUM_FEATURES`] features (names in [`IndicatorConfig::feature_names`])
    /// into `out`, which must have exactly that length.
    #[inline]
    pub fn features(&self, out: &mut [f32]) -> Result<()> {
        let len = out.len();
        let out: &mut [f32; NUM_FEATURES] = out.try_into().map_err(|_| {
            StrategyError::Input(format!(
                "features: the output row has {len} values, the indicators write {NUM_FEATURES}"
            ))
        })?;
        self.write_features(out);
        Ok(())
    }

    /// [`Indicators::features`] into a fixed-size array.
    #[inline]
    pub fn write_features(&self, out: &mut [f32; NUM_FEATURES]) {
        let mid = self.mid();
        let t = &self.top;
        *out = [
            self.spread() as f32,
            (self.microprice() - mid) as f32,
            self.queue_imbalance() as f32,
            self.depth_imbalance() as f32,
            self.ofi_short() as f32,
            self.ofi_long() as f32,
            self.trade_imbalance() as f32,
            (self.vwap() - mid) as f32,
            (mid - self.ema_fast()) as f32,
            (mid - self.ema_slow()) as f32,
            self.realized_vol() as f32,
            self.ret(self.cfg.ret_short) as f32,
            self.ret(self.cfg.ret_long) as f32,
            t.bid_qty as f32,
            t.ask_qty as f32,
            (t.bid_depth + t.ask_depth) as f32,
        ];
    }
}

#[inline]
fn imbalance(b: i64, a: i64) -> f64 {
    let total = b + a;
    if total == 0 {
        f64::NAN
    } else {
        (b - a) as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(ts: i64, kind: EventKind, id: u64, side: u8, price: i64, qty: i64) -> Event {
        Event {
            ts,
            order_id: id,
            side,
            price,
            qty,
            kind: kind as u8,
            ..Event::default()
        }
    }

    #[test]
    fn steps_close_at_timestamp_changes_and_skip_idle_ones() {
        let mut ind = Indicators::new(IndicatorConfig::default()).unwrap();
        let events = [
            ev(1, EventKind::BookAdd, 1, 0, 100, 5),
            ev(1, EventKind::BookAdd, 2, 1, 104, 5),
            ev(2, EventKind::Accepted, 3, 0, 99, 1), // not a book event: no step
            ev(3, EventKind::BookDelete, 1, 0, 100, 0),
            ev(3, EventKind::BookAdd, 1, 0, 102, 5), // a replace: one step, not two
        ];
        let mut mids = vec![];
        ind.on_events_with(&events, |i, e| mids.push((e.ts, i.mid())));
        assert_eq!(mids, vec![(1, 102.0), (3, 103.0)]);
        assert_eq!(ind.ret(1), 1.0);
        // OFI: step 1 from an empty book: +5 bid, -5 ask = 0; step 2: bid up to 102 (+5)
        assert_eq!(ind.ofi_short(), 5);
    }

    #[test]
    fn trades_use_the_aggressor_side() {
        let mut ind = Indicators::new(IndicatorConfig::default()).unwrap();
        let mut t = ev(1, EventKind::Trade, 9, 1, 100, 4);
        ind.on_event(&t);
        t.side = 0;
        t.qty = 12;
        t.price = 101;
        ind.on_event(&t);
        assert_eq!(ind.trade_imbalance(), (12.0 - 4.0) / 16.0);
        assert_eq!(ind.vwap(), (400.0 + 1212.0) / 16.0);
        assert!(ind.end_step());
    }

    #[test]
    fn config_errors_name_the_field() {
        let cfg = IndicatorConfig {
            ofi_long: 5,
            ..IndicatorConfig::default()
        };
        let err = Indicators::new(cfg).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid configuration: indicators: ofi_short (10) must be less than ofi_long (5)"
        );
        let cfg = IndicatorConfig {
            trade_window: 0,
            ..IndicatorConfig::default()
        };
        assert!(Indicators::new(cfg)
            .unwrap_err()
            .to_string()
            .contains("trade_window must be at least 1"));
    }

    #[test]
    fn feature_row_length_is_checked() {
        let ind = Indicators::new(IndicatorConfig::default()).unwrap();
        let mut short = [0f32; 3];
        assert!(matches!(
            ind.features(&mut short),
            Err(StrategyError::Input(_))
        ));
        assert_eq!(ind.feature_names().len(), NUM_FEATURES);
    }
}
