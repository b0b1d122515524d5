//! Applying ITCH 5.0 order messages to one book per stock, through the engine's feed API.
//!
//! - A and F add a displayed order (the order reference is its client order id; references
//!   are unique across the day); E executes part of it at its price and C at the message's
//!   price (a TRADE with the order as maker); X cancels part; D deletes; U replaces it with a
//!   new reference, price and size (a delete and an add: it loses its priority).
//! - P (a trade against a non-displayed order) and Q (a cross) are trades that leave the
//!   displayed book alone; H sets the stock's trading state (`T` open; `H`, `P`, `Q` halted,
//!   since the engine has no quotation-only state).
//! - A stock's instrument is created when its locate code is first seen (a directory
//!   message, or an order). Prices keep ITCH's 4 decimals (price units of $0.0001).
//! - An execution, cancel, delete or replace of a reference never added (a file that starts
//!   mid-day) is counted and skipped: unlike LOBSTER, it carries no price to apply it to.

use std::collections::BTreeMap;

use venue_engine::{
    ClientOrderId, Engine, FeedError, InstrumentId, InstrumentSpec, LevelView, OrderId, Price, Qty,
    Side, TradingState, Ts,
};

use super::{decode, frames, symbol, Message, Stock, TYPES};
use crate::error::ReplayError;
use crate::lobster::HISTORICAL;

/// One stock's book at the end of the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StockBook {
    /// Locate code.
    pub locate: u16,
    /// Symbol (from the directory, or the first order).
    pub symbol: String,
    /// Bids, best first: (price x 10000, shares, orders).
    pub bids: Vec<(i64, i64, u32)>,
    /// Asks, best first.
    pub asks: Vec<(i64, i64, u32)>,
    /// Orders added (A, F, and the new half of U).
    pub adds: u64,
    /// Executions (E, C) and trades (P, Q).
    pub trades: u64,
    /// The last trading state (`T`, `H`, `P`, `Q`), `T` if none was sent.
    pub trading_state: char,
}

/// The result of an ITCH replay.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Messages read.
    pub messages: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Messages by type, in the specification's order (types that occur).
    pub by_type: Vec<(char, &'static str, u64)>,
    /// Executions, cancels, deletes and replaces of references never added.
    pub unknown_refs: u64,
    /// System events: (timestamp, event code).
    pub system_events: Vec<(u64, char)>,
    /// Stocks named in the file (directory or orders).
    pub stocks: u64,
    /// The books: of the chosen symbol, or of every stock that had orders.
    pub books: Vec<StockBook>,
}

struct Stocks {
    /// Locate -> instrument.
    inst: Vec<Option<InstrumentId>>,
    /// Instrument -> (locate, symbol, adds, trades, state).
    info: Vec<(u16, Stock, u64, u64, u8)>,
}

impl Stocks {
    fn get(&mut self, eng: &mut Engine, locate: u16, stock: Option<&Stock>) -> InstrumentId {
        let slot = &mut self.inst[locate as usize];
        let id = *slot.get_or_insert_with(|| {
            self.info.push((locate, *b"        ", 0, 0, b'T'));
            eng.add_instrument(InstrumentSpec {
                tick_size: Price(1),
                lot_size: Qty(1),
                min_qty: Qty(1),
                max_qty: Qty(i64::MAX),
            })
            .expect("a valid instrument")
        });
        let info = &mut self.info[id.0 as usize];
        if let Some(s) = stock {
            if info.1 == *b"        " {
                info.1 = *s;
            }
        }
        id
    }
}

fn side(b: u8) -> Result<Side, String> {
    match b {
        b'B' => Ok(Side::Buy),
        b'S' => Ok(Side::Sell),
        other => Err(format!(
            "side {:?} is neither 'B' (buy) nor 'S' (sell)",
            other as char
        )),
    }
}

/// Replays an ITCH 5.0 file (`name` for errors). With `symbol`, only that stock's book is
/// reported (all stocks are replayed: order references are shared); `depth` levels a side.
pub fn replay(
    name: &str,
    data: &[u8],
    want: Option<&str>,
    depth: usize,
) -> Result<Outcome, ReplayError> {
    let mut eng = Engine::with_capacity(1 << 16, 1 << 10);
    let mut stocks = Stocks {
        inst: vec![None; 1 << 16],
        info: Vec::new(),
    };
    let mut counts: BTreeMap<u8, u64> = BTreeMap::new();
    let mut out = Outcome::default();
    let oid_of = |eng: &Engine, r: u64| eng.order_by_client_id(HISTORICAL, ClientOrderId(r));
    for frame in frames(name, data) {
        let (off, body) = frame?;
        let err = |p: String| ReplayError::offset(name, off, p);
        let feed = |e: FeedError| err(e.to_string());
        let (h, m) = decode(body).map_err(err)?;
        *counts.entry(h.kind).or_default() += 1;
        out.messages += 1;
        let ts = Ts(h.timestamp as i64);
        match m {
            Message::SystemEvent { event_code } => {
                out.system_events.push((h.timestamp, event_code as char));
            }
            Message::StockDirectory { stock, .. } => {
                stocks.get(&mut eng, h.stock_locate, Some(&stock));
            }
            Message::StockTradingAction {
                stock,
                trading_state,
                ..
            } => {
                let i = stocks.get(&mut eng, h.stock_locate, Some(&stock));
                let state = match trading_state {
                    b'T' => TradingState::Open,
                    b'H' | b'P' | b'Q' => TradingState::Halted,
                    s => {
                        return Err(err(format!(
                            "trading state {:?} is not one of H, P, Q, T",
                            s as char
                        )))
                    }
                };
                eng.set_trading_state(i, state)
                    .expect("the instrument exists");
                stocks.info[i.0 as usize].4 = trading_state;
            }
            Message::AddOrder {
                order_ref,
                side: s,
                shares,
                stock,
                price,
                ..
            } => {
                let i = stocks.get(&mut eng, h.stock_locate, Some(&stock));
                if oid_of(&eng, order_ref).is_some() {
                    return Err(err(format!("order reference {order_ref} is added twice")));
                }
                let s = side(s).map_err(err)?;
                eng.feed_add(
                    ts,
                    i,
                    s,
                    Price(price as i64),
                    Qty(shares as i64),
                    HISTORICAL,
                    ClientOrderId(order_ref),
                )
                .map_err(|e| err(format!("add order {order_ref}: {e}")))?;
                stocks.info[i.0 as usize].2 += 1;
            }
            Message::OrderExecuted {
                order_ref, shares, ..
            }
            | Message::OrderExecutedWithPrice {
                order_ref, shares, ..
            }
            | Message::OrderCancel { order_ref, shares } => {
                let Some(oid) = oid_of(&eng, order_ref) else {
                    out.unknown_refs += 1;
                    continue;
                };
                if shares == 0 {
                    continue;
                }
                let qty = Qty(shares as i64);
                match m {
                    Message::OrderCancel { .. } => {
                        eng.feed_reduce(ts, oid, qty).map_err(feed)?;
                    }
                    _ => {
                        let o = eng.order(oid).expect("a live order");
                        let price = match m {
                            Message::OrderExecutedWithPrice { price, .. } => Price(price as i64),
                            _ => o.price,
                        };
                        eng.feed_execute(ts, oid, qty, price).map_err(feed)?;
                        stocks.info[o.instrument.0 as usize].3 += 1;
                    }
                }
            }
            Message::OrderDelete { order_ref } => match oid_of(&eng, order_ref) {
                Some(oid) => {
                    eng.feed_delete(ts, oid).map_err(feed)?;
                }
                None => out.unknown_refs += 1,
            },
            Message::OrderReplace {
                original_ref,
                new_ref,
                shares,
                price,
            } => {
                let Some(oid) = oid_of(&eng, original_ref) else {
                    out.unknown_refs += 1;
                    continue;
                };
                let o = eng.order(oid).expect("a live order");
                eng.feed_delete(ts, oid).map_err(feed)?;
                if oid_of(&eng, new_ref).is_some() {
                    return Err(err(format!("order reference {new_ref} is added twice")));
                }
                let added = replace_add(&mut eng, ts, o.instrument, o.side, price, shares, new_ref);
                added.map_err(|e| err(format!("replace {original_ref} by {new_ref}: {e}")))?;
                stocks.info[o.instrument.0 as usize].2 += 1;
            }
            Message::Trade {
                side: s,
                shares,
                stock,
                price,
                ..
            } => {
                let i = stocks.get(&mut eng, h.stock_locate, Some(&stock));
                let s = side(s).map_err(err)?;
                if shares > 0 && price > 0 {
                    eng.feed_trade(ts, i, s.opposite(), Price(price as i64), Qty(shares as i64))
                        .map_err(feed)?;
                }
                stocks.info[i.0 as usize].3 += 1;
            }
            Message::CrossTrade {
                shares,
                stock,
                cross_price,
                ..
            } => {
                let i = stocks.get(&mut eng, h.stock_locate, Some(&stock));
                let shares = shares.min(i64::MAX as u64) as i64;
                if shares > 0 && cross_price > 0 {
                    eng.feed_trade(ts, i, Side::Buy, Price(cross_price as i64), Qty(shares))
                        .map_err(feed)?;
                }
                stocks.info[i.0 as usize].3 += 1;
            }
            Message::RegSho { stock, .. }
            | Message::MarketParticipantPosition { stock, .. }
            | Message::IpoQuotingPeriod { stock, .. }
            | Message::LuldAuctionCollar { stock, .. }
            | Message::OperationalHalt { stock, .. }
            | Message::Noii { stock, .. }
            | Message::Rpii { stock, .. }
            | Message::Dlcr { stock, .. } => {
                if h.stock_locate != 0 {
                    stocks.get(&mut eng, h.stock_locate, Some(&stock));
                }
            }
            Message::MwcbDeclineLevel { .. }
            | Message::MwcbStatus { .. }
            | Message::BrokenTrade { .. } => {}
        }
        eng.clear_events();
    }
    if out.messages == 0 {
        return Err(ReplayError::file(name, "no messages (empty file)"));
    }
    out.bytes = data.len() as u64;
    out.by_type = TYPES
        .iter()
        .filter_map(|&(k, _, n)| counts.get(&k).map(|&c| (k as char, n, c)))
        .collect();
    out.stocks = stocks.info.len() as u64;
    let mut lv: Vec<LevelView> = Vec::new();
    let mut levels = |eng: &Engine, i: InstrumentId, s: Side| {
        eng.depth(i, s, depth, &mut lv);
        lv.iter()
            .map(|l| (l.price.0, l.qty.0, l.orders))
            .collect::<Vec<_>>()
    };
    for (idx, &(locate, stock, adds, trades, state)) in stocks.info.iter().enumerate() {
        let sym = symbol(&stock);
        let chosen = match want {
            Some(w) => sym == w,
            None => adds > 0 || trades > 0,
        };
        if chosen {
            let i = InstrumentId(idx as u32);
            out.books.push(StockBook {
                locate,
                symbol: sym,
                bids: levels(&eng, i, Side::Buy),
                asks: levels(&eng, i, Side::Sell),
                adds,
                trades,
                trading_state: state as char,
            });
        }
    }
    if let Some(w) = want {
        if out.books.is_empty() {
            return Err(ReplayError::file(
                name,
                format!("symbol {w:?} does not occur in the file"),
            ));
        }
    }
    Ok(out)
}

/// The new half of a replace: the same side and instrument, the new reference and price.
fn replace_add(
    eng: &mut Engine,
    ts: Ts,
    instrument: InstrumentId,
    side: Side,
    price: u32,
    shares: u32,
    new_ref: u64,
) -> Result<OrderId, FeedError> {
    eng.feed_add(
        ts,
        instrument,
        side,
        Price(price as i64),
        Qty(shares as i64),
        HISTORICAL,
        ClientOrderId(new_ref),
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::{frame, stock};
    use super::*;

    fn add(kind: u8, locate: u16, r: u64, side: u8, shares: u32, sym: &str, price: u32) -> Vec<u8> {
        let mut b = r.to_be_bytes().to_vec();
        b.push(side);
        b.extend_from_slice(&shares.to_be_bytes());
        b.extend_from_slice(&stock(sym));
        b.extend_from_slice(&price.to_be_bytes());
        if kind == b'F' {
            b.extend_from_slice(b"MPID");
        }
        frame(kind, locate, 1, &b)
    }

    fn refs(kind: u8, r: u64, shares: Option<u32>, extra: &[u8]) -> Vec<u8> {
        let mut b = r.to_be_bytes().to_vec();
        if let Some(s) = shares {
            b.extend_from_slice(&s.to_be_bytes());
        }
        b.extend_from_slice(extra);
        frame(kind, 1, 2, &b)
    }

    #[test]
    fn order_messages_build_the_book() {
        let mut data = Vec::new();
        data.extend(add(b'A', 1, 10, b'B', 100, "XYZ", 100_0000));
        data.extend(add(b'F', 1, 11, b'B', 50, "XYZ", 100_0000));
        data.extend(add(b'A', 1, 12, b'S', 70, "XYZ", 101_0000));
        data.extend(add(b'A', 1, 13, b'B', 30, "XYZ", 99_5000));
        // E: 40 of order 10 at its price; C: 5 of order 11 at another price (printable).
        data.extend(refs(b'E', 10, Some(40), &9u64.to_be_bytes()));
        let mut c = 10u64.to_be_bytes().to_vec();
        c.push(b'Y');
        c.extend_from_slice(&100_1000u32.to_be_bytes());
        data.extend(refs(b'C', 11, Some(5), &c));
        // X: cancel 20 of order 12; D: delete order 13; U: replace 10 by 20 at 100.5.
        data.extend(refs(b'X', 12, Some(20), &[]));
        data.extend(refs(b'D', 13, None, &[]));
        let mut u = 20u64.to_be_bytes().to_vec();
        u.extend_from_slice(&25u32.to_be_bytes());
        u.extend_from_slice(&100_5000u32.to_be_bytes());
        data.extend(refs(b'U', 10, None, &u));
        // Unknown references are counted, not fatal.
        data.extend(refs(b'D', 999, None, &[]));
        let out = replay("t.itch", &data, Some("XYZ"), 10).unwrap();
        let b = &out.books[0];
        assert_eq!(b.symbol, "XYZ");
        assert_eq!(b.bids, vec![(100_5000, 25, 1), (100_0000, 45, 1)]);
        assert_eq!(b.asks, vec![(101_0000, 50, 1)]);
        assert_eq!((b.adds, b.trades), (5, 2));
        assert_eq!(out.unknown_refs, 1);
        let by: Vec<(char, u64)> = out.by_type.iter().map(|t| (t.0, t.2)).collect();
        assert_eq!(
            by,
            [
                ('A', 3),
                ('F', 1),
                ('E', 1),
                ('C', 1),
                ('X', 1),
                ('D', 2),
                ('U', 1)
            ]
        );
    }

    #[test]
    fn a_bad_side_or_a_duplicate_reference_names_the_offset() {
        let first = add(b'A', 1, 10, b'B', 100, "XYZ", 100_0000);
        let mut data = first.clone();
        data.extend(add(b'A', 1, 11, b'Z', 100, "XYZ", 100_0000));
        let e = replay("t.itch", &data, None, 5).unwrap_err();
        assert_eq!(e.at, crate::Location::Offset(first.len() as u64));
        assert!(e.problem.contains("side 'Z'"), "{e}");
        let mut data = first.clone();
        data.extend(first.clone());
        let e = replay("t.itch", &data, None, 5).unwrap_err();
        assert!(e.problem.contains("added twice"), "{e}");
        let e = replay("t.itch", &first, Some("ABC"), 5).unwrap_err();
        assert!(e.problem.contains("\"ABC\" does not occur"), "{e}");
    }
}
