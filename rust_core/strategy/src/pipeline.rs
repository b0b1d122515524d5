//! The hot path of a model-driven agent: engine events in, indicators updated, features
//! written, the tree ensemble evaluated, a decision and an order out. No allocation after
//! construction.

use venue_engine::{
    ClientOrderId, Event, InstrumentId, OrderMsg, ParticipantId, Price, Qty, Side, Tif, Ts,
};

use crate::error::{Result, StrategyError};
use crate::indicators::{Indicators, NUM_FEATURES};
use crate::trees::TreeEnsemble;

/// What the model says to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Nothing.
    Hold,
    /// The predicted mid change is above the buy threshold.
    Buy,
    /// The predicted mid change is below the sell threshold.
    Sell,
}

/// Indicators, a model over their features and two thresholds on its prediction.
///
/// Built only if the model's feature names are exactly the indicators' (else
/// [`StrategyError::FeatureMismatch`] lists the differences).
#[derive(Clone, Debug)]
pub struct SignalPipeline {
    indicators: Indicators,
    model: TreeEnsemble,
    row: [f32; NUM_FEATURES],
    buy_above: f32,
    sell_below: f32,
    prediction: f32,
}

impl SignalPipeline {
    /// Buys when the prediction exceeds `buy_above`, sells when it is below `sell_below`
    /// (`sell_below <= buy_above`).
    pub fn new(
        indicators: Indicators,
        model: TreeEnsemble,
        buy_above: f32,
        sell_below: f32,
    ) -> Result<Self> {
        model.check_features(&indicators.feature_names())?;
        if sell_below.is_nan() || buy_above.is_nan() || sell_below > buy_above {
            return Err(StrategyError::Config(format!(
                "pipeline: sell_below ({sell_below}) must not exceed buy_above ({buy_above}), and neither may be NaN"
            )));
        }
        Ok(SignalPipeline {
            indicators,
            model,
            row: [f32::NAN; NUM_FEATURES],
            buy_above,
            sell_below,
            prediction: f32::NAN,
        })
    }

    /// The indicators.
    pub fn indicators(&self) -> &Indicators {
        &self.indicators
    }

    /// The model.
    pub fn model(&self) -> &TreeEnsemble {
        &self.model
    }

    /// The features of the last decision.
    pub fn features(&self) -> &[f32; NUM_FEATURES] {
        &self.row
    }

    /// The prediction of the last decision (NaN before the first).
    pub fn prediction(&self) -> f32 {
        self.prediction
    }

    /// Applies `events` (ending steps at timestamp changes, see [`Indicators::on_events`]);
    /// if at least one step was taken, evaluates the model once on the latest state.
    #[inline]
    pub fn on_events(&mut self, events: &[Event]) -> Decision {
        if self.indicators.on_events(events) == 0 {
            return Decision::Hold;
        }
        self.decide()
    }

    /// Features, prediction and decision on the current state.
    #[inline]
    pub fn decide(&mut self) -> Decision {
        self.indicators.write_features(&mut self.row);
        // the row length is the model's: checked by the feature-name check at construction
        self.prediction = self.model.predict(&self.row).unwrap_or(f32::NAN);
        if self.prediction > self.buy_above {
            Decision::Buy
        } else if self.prediction < self.sell_below {
            Decision::Sell
        } else {
            Decision::Hold
        }
    }

    /// The order for a decision: an IOC limit at the opposite touch (a buy at the best
    /// ask, a sell at the best bid) for `qty`; none for [`Decision::Hold`] or an empty
    /// opposite side.
    #[inline]
    pub fn order(
        &self,
        decision: Decision,
        ts: Ts,
        participant: ParticipantId,
        client_order_id: ClientOrderId,
        qty: Qty,
    ) -> Option<OrderMsg> {
        let top = self.indicators.top();
        let (side, price) = match decision {
            Decision::Hold => return None,
            Decision::Buy if top.has_ask() => (Side::Buy, top.ask_px),
            Decision::Sell if top.has_bid() => (Side::Sell, top.bid_px),
            _ => return None,
        };
        let instrument = InstrumentId(self.indicators.config().instrument);
        Some(
            OrderMsg::limit(
                ts,
                participant,
                instrument,
                client_order_id,
                side,
                Price(price),
                qty,
            )
            .with_tif(Tif::Ioc),
        )
    }
}
