//! SEAM for pre-trade risk checks.
//!
//! [`pre_trade`] is called for every NEW order after all the checks of `docs/SEMANTICS.md`
//! have passed and before the order is accepted (before it gets an order id). An `Err`
//! becomes REJECTED with that reason; risk reasons use codes 64 and up, which
//! [`crate::Reason`] reserves. It must not change engine state on rejection, so that a
//! journal of input messages still replays the engine exactly. Today it accepts everything.

use crate::events::OrderMsg;
use crate::types::Reason;
use crate::validate::NewOrder;

/// The pre-trade risk hook: `Ok` to accept, `Err(reason)` to reject.
#[inline(always)]
pub(crate) fn pre_trade(msg: &OrderMsg, order: &NewOrder) -> Result<(), Reason> {
    let _ = (msg, order);
    Ok(())
}
