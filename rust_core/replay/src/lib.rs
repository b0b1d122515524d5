//! # venue-replay
//!
//! Real order flow into the venue's engine, checked against the market's own book:
//!
//! - [`lobster`]: LOBSTER message and orderbook CSV files (or the sample zips). The book is
//!   rebuilt from the messages through the engine's feed API (applied, never re-matched) and
//!   compared with the orderbook row after every message.
//! - [`itch`]: NASDAQ TotalView-ITCH 5.0: the length-prefixed binary framing, every message
//!   type of the specification, and the order messages (A, F, E, C, X, D, U) applied to one
//!   book per stock.
//! - [`bitstamp`]: the Bitstamp v1 websocket capture (orders created, changed, deleted;
//!   trades; top-20 snapshots): the book rebuilt from the orders and compared with each
//!   snapshot.
//!
//! Bad input is a [`ReplayError`] naming the file, the line or byte offset, and the problem;
//! never a panic.

pub mod bitstamp;
pub mod error;
pub mod itch;
pub mod lobster;
pub mod text;
pub mod zip;

pub use error::{Location, ReplayError};
