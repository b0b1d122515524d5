//! # venue-strategy
//!
//! Fast strategy components for the venue simulator, in plain Rust (no Python, no C
//! library): what a model-driven agent runs on the hot path, tick to order.
//!
//! - [`indicators`]: incremental, allocation-free market indicators of one instrument fed
//!   from engine events: mid, microprice, spread, queue and depth imbalance, order-flow
//!   imbalance, trade-sign imbalance, VWAP, EMAs, realised volatility, returns.
//! - [`trees`]: an evaluator for xgboost regression models saved as JSON, equal to
//!   `Booster.predict` (same `f32` arithmetic).
//! - [`copula`]: lookup tables of a fitted copula's conditional probabilities and the
//!   Liew-Wu and mispricing-index pair signals.
//! - [`pipeline`]: events to indicators to features to prediction to an order.
//! - [`normal`]: the normal quantile function the copula lookup needs.
//!
//! Fitting (xgboost training, copula selection, HRP) is Python: `venue.strategy`.

pub mod copula;
pub mod error;
pub mod indicators;
pub mod normal;
pub mod pipeline;
pub mod trees;

pub use copula::{CopulaTable, LiewWu, MispricingIndex};
pub use error::{Result, StrategyError};
pub use indicators::{IndicatorConfig, Indicators, Top, NUM_FEATURES};
pub use pipeline::{Decision, SignalPipeline};
pub use trees::TreeEnsemble;
