//! # venue-strategy
//!
//! Fast strategy components fed from engine events (being written).
