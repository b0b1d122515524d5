//! The one error type of the crate: misuse and malformed inputs, each with a message that
//! names the place and the problem. Nothing on the hot path allocates an error except on
//! misuse (a feature row of the wrong length, an out-of-range probability).

use core::fmt;

/// What went wrong, by kind; the message says where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StrategyError {
    /// An indicator or signal configuration value is out of range.
    Config(String),
    /// A model file is malformed, or uses a feature this evaluator does not support.
    Model(String),
    /// A model's features are not the ones the feature provider computes.
    FeatureMismatch(String),
    /// A copula table is malformed.
    Table(String),
    /// A copula table was built for another pair of instruments.
    PairMismatch(String),
    /// A call argument is out of range (a row of the wrong length, a probability outside
    /// (0, 1), ...).
    Input(String),
}

impl StrategyError {
    /// The message without the kind.
    pub fn message(&self) -> &str {
        match self {
            StrategyError::Config(m)
            | StrategyError::Model(m)
            | StrategyError::FeatureMismatch(m)
            | StrategyError::Table(m)
            | StrategyError::PairMismatch(m)
            | StrategyError::Input(m) => m,
        }
    }
}

impl fmt::Display for StrategyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            StrategyError::Config(_) => "invalid configuration",
            StrategyError::Model(_) => "invalid model",
            StrategyError::FeatureMismatch(_) => "feature mismatch",
            StrategyError::Table(_) => "invalid copula table",
            StrategyError::PairMismatch(_) => "copula table for another pair",
            StrategyError::Input(_) => "invalid input",
        };
        write!(f, "{kind}: {}", self.message())
    }
}

impl std::error::Error for StrategyError {}

/// Result with [`StrategyError`].
pub type Result<T> = core::result::Result<T, StrategyError>;
