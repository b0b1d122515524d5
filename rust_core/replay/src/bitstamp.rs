//! Bitstamp: replay the v1 websocket capture (`<local ms> <event> <json>` per line) and
//! compare the book with the top-20 snapshots in the same file.
//!
//! Events: `order_created`, `order_changed` (the order's new amount), `order_deleted`,
//! `trade` and `order_book` (20 levels a side). Prices become cents, amounts satoshi.
//!
//! # The rules
//! - The capture starts with orders already resting, which no event introduces: the first
//!   snapshot seeds the book (each level as anonymous liquidity of [`HISTORICAL`]); it is
//!   not counted in the comparison.
//! - `order_created` adds an order at the back of its level. A new order that crosses the
//!   opposite side shows that the anonymous liquidity it crosses is gone (it was filled
//!   or cancelled while no event could say so: deletes of unknown orders after a fill carry
//!   amount 0): that liquidity is removed. Known orders are left alone (their own deletes
//!   follow).
//! - `order_changed` sets a known order's amount (a smaller amount keeps the queue place);
//!   `order_deleted` removes a known order; for an order never seen it takes its amount from
//!   the level's anonymous liquidity. `trade` is recorded, not applied (the order events
//!   carry its effect).
//! - At every later snapshot, the best bid and ask and all 20 levels a side are compared with
//!   the engine's. Nothing is adopted from snapshots after the first: they come on another
//!   channel, without sequence numbers, so adopting them would import their lag.

use venue_engine::{
    ClientOrderId, Engine, FeedError, InstrumentId, InstrumentSpec, LevelView, Price, Qty, Side, Ts,
};

use crate::error::ReplayError;
use crate::lobster::{Book, HISTORICAL};
use crate::text::{self, show};

/// Levels per side in a snapshot.
pub const SNAPSHOT_LEVELS: usize = 20;

/// The first snapshot that differed from the engine's book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreement {
    /// The snapshot's line (1-based).
    pub line: u64,
    /// The engine's top levels.
    pub engine: Book,
    /// The snapshot.
    pub snapshot: Book,
}

/// The result of a Bitstamp replay.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Lines read.
    pub lines: u64,
    /// Events by kind: created, changed, deleted, trade, order_book.
    pub events: [u64; 5],
    /// Snapshots compared (all but the seeding one).
    pub snapshots: u64,
    /// Of which the best bid and best ask (price and amount) agree.
    pub best_agree: u64,
    /// Of which all 20 levels a side agree.
    pub full_agree: u64,
    /// The first snapshot whose best bid or ask disagreed.
    pub first_best_disagreement: Option<Disagreement>,
    /// Changes and deletes of orders never created in the capture.
    pub unknown_orders: u64,
    /// Levels of anonymous liquidity removed because a new order crossed them.
    pub uncrossed: u64,
    /// Trades: (ms, cents, satoshi).
    pub trades: Vec<(i64, i64, i64)>,
    /// The book at the end (every level).
    pub book: Book,
}

impl Outcome {
    /// Share of compared snapshots whose best bid and ask agree.
    pub fn best_share(&self) -> f64 {
        ratio(self.best_agree, self.snapshots)
    }

    /// Share of compared snapshots whose 20 levels a side agree.
    pub fn full_share(&self) -> f64 {
        ratio(self.full_agree, self.snapshots)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The raw text of `"key": value` in a flat JSON object: a string's contents (no escapes
/// expected in this feed) or a number's characters.
fn field<'a>(json: &'a [u8], key: &str) -> Option<&'a [u8]> {
    let pat = format!("\"{key}\"");
    let at = memchr::memmem::find(json, pat.as_bytes())? + pat.len();
    let rest = &json[at..];
    let colon = rest.iter().position(|&b| b == b':')?;
    let rest = rest[colon + 1..].trim_ascii_start();
    if let Some(s) = rest.strip_prefix(b"\"") {
        let end = memchr::memchr(b'"', s)?;
        Some(&s[..end])
    } else {
        let end = rest
            .iter()
            .position(|&b| b == b',' || b == b'}' || b == b']' || b.is_ascii_whitespace())
            .unwrap_or(rest.len());
        Some(&rest[..end])
    }
}

/// The `[["price", "amount"], ...]` array under `key`, as (cents, satoshi).
fn levels(json: &[u8], key: &str) -> Result<Vec<(i64, i64)>, String> {
    let pat = format!("\"{key}\"");
    let at = memchr::memmem::find(json, pat.as_bytes())
        .ok_or_else(|| format!("no \"{key}\" in the snapshot"))?
        + pat.len();
    let rest = &json[at..];
    let open = memchr::memchr(b'[', rest).ok_or_else(|| format!("\"{key}\" is not an array"))?;
    let mut out = Vec::with_capacity(SNAPSHOT_LEVELS);
    let mut i = open + 1;
    loop {
        let r = rest[i..].trim_ascii_start();
        i = rest.len() - r.len();
        match r.first() {
            Some(b']') => return Ok(out),
            Some(b',') => {
                i += 1;
                continue;
            }
            Some(b'[') => {}
            _ => return Err(format!("\"{key}\" level {} is malformed", out.len() + 1)),
        }
        let close = memchr::memchr(b']', &rest[i..])
            .ok_or_else(|| format!("\"{key}\" level {} is not closed", out.len() + 1))?;
        let pair = &rest[i + 1..i + close];
        let mut parts = pair.split(|&b| b == b',').map(|p| {
            let p = p.trim_ascii();
            p.strip_prefix(b"\"")
                .and_then(|p| p.strip_suffix(b"\""))
                .unwrap_or(p)
        });
        let (p, a) = (parts.next().unwrap_or(b""), parts.next().unwrap_or(b""));
        let n = out.len() + 1;
        let price = text::fixed(p, 2).ok_or_else(|| {
            format!(
                "\"{key}\" level {n}: price {} is not a decimal with at most 2 places",
                show(p)
            )
        })?;
        let amount = text::fixed(a, 8).ok_or_else(|| {
            format!(
                "\"{key}\" level {n}: amount {} is not a decimal with at most 8 places",
                show(a)
            )
        })?;
        out.push((price, amount));
        i += close + 1;
    }
}

/// A JSON number that may carry float noise (`236.28999999999999`, `9.99e-07`), rounded to
/// `scale` decimals.
fn float_fixed(f: &[u8], scale: i32) -> Option<i64> {
    let v: f64 = std::str::from_utf8(f).ok()?.parse().ok()?;
    let x = (v * 10f64.powi(scale)).round();
    (0.0..9.0e18).contains(&x).then_some(x as i64)
}

/// The book being rebuilt.
struct Rebuild {
    eng: Engine,
    inst: InstrumentId,
    got: Vec<LevelView>,
    out: Outcome,
}

impl Rebuild {
    fn top(&mut self, side: Side, n: usize) -> Vec<(i64, i64)> {
        self.eng.depth(self.inst, side, n, &mut self.got);
        self.got.iter().map(|l| (l.price.0, l.qty.0)).collect()
    }

    /// Removes the anonymous liquidity on the side opposite `side` that a new order at
    /// `price` crosses.
    fn uncross(&mut self, ts: Ts, side: Side, price: i64) -> Result<(), FeedError> {
        let opp = side.opposite();
        let crossed: Vec<i64> = self
            .top(opp, usize::MAX)
            .into_iter()
            .map(|l| l.0)
            .take_while(|&p| match side {
                Side::Buy => p <= price,
                Side::Sell => p >= price,
            })
            .collect();
        for p in crossed {
            let taken = self.eng.feed_take_anonymous(
                ts,
                self.inst,
                opp,
                Price(p),
                Qty(i64::MAX),
                HISTORICAL,
                false,
            )?;
            self.out.uncrossed += u64::from(taken.0 > 0);
        }
        Ok(())
    }
}

/// Replays a Bitstamp capture (`name` for errors; `.xz` is the caller's to undo).
pub fn replay(name: &str, text: &[u8]) -> Result<Outcome, ReplayError> {
    let mut eng = Engine::new();
    let inst = eng
        .add_instrument(InstrumentSpec {
            tick_size: Price(1),
            lot_size: Qty(1),
            min_qty: Qty(1),
            max_qty: Qty(i64::MAX),
        })
        .expect("a valid instrument");
    let mut r = Rebuild {
        eng,
        inst,
        got: Vec::new(),
        out: Outcome::default(),
    };
    let mut seeded = false;
    for (line_no, line) in text::lines(text) {
        r.out.lines = line_no;
        let err = |p: String| ReplayError::line(name, line_no, p);
        if line.is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, |&b| b == b' ');
        let (ms, event, json) = (
            parts.next().unwrap_or(b""),
            parts.next().unwrap_or(b""),
            parts.next().unwrap_or(b""),
        );
        let ms = text::int(ms).ok_or_else(|| {
            err(format!(
                "time {} is not an integer of milliseconds (expected `<ms> <event> <json>`)",
                show(ms)
            ))
        })?;
        let ts = Ts(ms.saturating_mul(1_000_000));
        let num = |key: &str, scale: u32| -> Result<i64, ReplayError> {
            let f = field(json, key).ok_or_else(|| err(format!("no \"{key}\" field")))?;
            text::fixed(f, scale).ok_or_else(|| {
                err(format!(
                    "\"{key}\" {} is not a decimal with at most {scale} places",
                    show(f)
                ))
            })
        };
        let feed = |e: FeedError| err(e.to_string());
        match event {
            b"order_created" | b"order_changed" | b"order_deleted" => {
                let kind = match event {
                    b"order_created" => 0,
                    b"order_changed" => 1,
                    _ => 2,
                };
                r.out.events[kind] += 1;
                let (id, price, amount) = (num("id", 0)?, num("price", 2)?, num("amount", 8)?);
                let side = match num("order_type", 0)? {
                    0 => Side::Buy,
                    1 => Side::Sell,
                    t => return Err(err(format!("order_type {t} is neither 0 (buy) nor 1 (sell)"))),
                };
                let coid = ClientOrderId(id as u64);
                let known = r.eng.order_by_client_id(HISTORICAL, coid);
                match (kind, known) {
                    (0, Some(_)) => return Err(err(format!("order {id} is created twice"))),
                    (0, None) => {
                        if amount > 0 {
                            r.eng
                                .feed_add(ts, inst, side, Price(price), Qty(amount), HISTORICAL, coid)
                                .map_err(feed)?;
                            r.uncross(ts, side, price).map_err(feed)?;
                        }
                    }
                    (1, Some(oid)) => {
                        let leaves = r.eng.order(oid).map_or(0, |o| o.leaves.0);
                        if amount <= 0 {
                            r.eng.feed_delete(ts, oid).map_err(feed)?;
                        } else if amount < leaves {
                            r.eng.feed_reduce(ts, oid, Qty(leaves - amount)).map_err(feed)?;
                        } else if amount > leaves {
                            // More than before: it loses its place, as on any venue.
                            r.eng.feed_delete(ts, oid).map_err(feed)?;
                            r.eng
                                .feed_add(ts, inst, side, Price(price), Qty(amount), HISTORICAL, coid)
                                .map_err(feed)?;
                        }
                    }
                    (2, Some(oid)) => {
                        r.eng.feed_delete(ts, oid).map_err(feed)?;
                    }
                    (_, None) => {
                        r.out.unknown_orders += 1;
                        if kind == 2 && amount > 0 && price > 0 {
                            r.eng
                                .feed_take_anonymous(ts, inst, side, Price(price), Qty(amount), HISTORICAL, false)
                                .map_err(feed)?;
                        }
                    }
                    _ => unreachable!("kinds are 0 to 2"),
                }
            }
            b"trade" => {
                r.out.events[3] += 1;
                let f = |key: &str, scale: i32| {
                    let v = field(json, key).ok_or_else(|| err(format!("no \"{key}\" field")))?;
                    float_fixed(v, scale)
                        .ok_or_else(|| err(format!("\"{key}\" {} is not a number", show(v))))
                };
                r.out.trades.push((ms, f("price", 2)?, f("amount", 8)?));
            }
            b"order_book" => {
                r.out.events[4] += 1;
                let bids = levels(json, "bids").map_err(err)?;
                let asks = levels(json, "asks").map_err(err)?;
                if !seeded {
                    for (side, lv) in [(Side::Buy, &bids), (Side::Sell, &asks)] {
                        for &(p, a) in lv.iter().take(SNAPSHOT_LEVELS) {
                            r.eng
                                .feed_set_level(ts, inst, side, Price(p), Qty(a), HISTORICAL)
                                .map_err(feed)?;
                        }
                    }
                    seeded = true;
                    continue;
                }
                let n = SNAPSHOT_LEVELS.min(bids.len()).max(SNAPSHOT_LEVELS.min(asks.len()));
                let (gb, ga) = (r.top(Side::Buy, n), r.top(Side::Sell, n));
                r.out.snapshots += 1;
                let best = gb.first() == bids.first() && ga.first() == asks.first();
                r.out.best_agree += u64::from(best);
                let full = gb[..] == bids[..bids.len().min(n)] && ga[..] == asks[..asks.len().min(n)];
                r.out.full_agree += u64::from(full);
                if !best && r.out.first_best_disagreement.is_none() {
                    r.out.first_best_disagreement = Some(Disagreement {
                        line: line_no,
                        engine: Book { bids: gb, asks: ga },
                        snapshot: Book { bids, asks },
                    });
                }
            }
            other => {
                return Err(err(format!(
                    "unknown event {} (expected order_created, order_changed, order_deleted, trade or order_book)",
                    show(other)
                )))
            }
        }
        r.eng.clear_events();
    }
    if r.out.lines == 0 {
        return Err(ReplayError::file(name, "no events (empty file)"));
    }
    r.out.book = Book {
        bids: r.top(Side::Buy, usize::MAX),
        asks: r.top(Side::Sell, usize::MAX),
    };
    Ok(r.out)
}
