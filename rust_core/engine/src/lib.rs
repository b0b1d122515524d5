//! # venue-engine
//!
//! An L3 price-time priority matching engine for many instruments: integer prices, quantities
//! and nanosecond timestamps; every outcome an [`Event`] with a sequence number; rejections are
//! events with a [`Reason`], never errors; a deterministic state hash; no allocation per message
//! in steady state; no clock, randomness or I/O. The exact semantics are in
//! `docs/SEMANTICS.md` of the repository.
//!
//! ```
//! use venue_engine::*;
//!
//! let mut eng = Engine::new();
//! let xyz = eng.add_instrument(InstrumentSpec::default()).unwrap();
//! let (alice, bob) = (ParticipantId(1), ParticipantId(2));
//! eng.process(&OrderMsg::limit(Ts(1), alice, xyz, ClientOrderId(1), Side::Sell, Price(101), Qty(10)));
//! eng.process(&OrderMsg::limit(Ts(2), bob, xyz, ClientOrderId(1), Side::Buy, Price(101), Qty(4)));
//! let trades: Vec<_> = eng.events().iter().filter(|e| e.kind() == EventKind::Trade).collect();
//! assert_eq!((trades[0].price, trades[0].qty), (101, 4));
//! assert_eq!(eng.bbo(xyz).unwrap().ask, Some((Price(101), Qty(6))));
//! ```

pub mod bench;
mod book;
pub mod engine;
pub mod events;
mod feed;
mod hash;
mod index;
pub mod instrument;
mod matching;
mod order;
mod prefetch;
mod risk;
mod sink;
pub mod types;
mod validate;

pub use engine::{Bbo, Engine, EngineError, LevelView, OrderView};
pub use events::{Event, OrderMsg, EVENT_LAYOUT, ORDER_MSG_LAYOUT};
pub use feed::{FeedError, ANONYMOUS};
pub use instrument::InstrumentSpec;
pub use risk::{
    Collar, Controls, Limits, PriceBand, Reference, RiskPosition, RiskStats, Width, NO_LIMIT,
};
pub use types::*;
