//! Pre-trade risk controls and venue protections (`docs/SEMANTICS.md`, "Risk controls").
//!
//! Everything here is off until configured: with risk off the engine pays one predictable
//! branch per message. With risk on, [`Risk::pre_trade`] runs for every NEW (after the checks
//! of the contract, before acceptance) and [`Risk::pre_replace`] for every REPLACE that passed
//! its own checks; [`Risk::observe`] then folds the message's events into per-account state
//! (positions, open quantity and notional, cash, a mark price per instrument). Risk state is
//! therefore a pure function of the input messages and administrative calls: a journal still
//! replays the engine exactly.
//!
//! Per participant: a throttle (token bucket over message time), client order ids unique for
//! the session, a loss limit and a breach count that trip the kill switch. Per account
//! (participant × instrument, with participant-wide and engine-wide defaults): maximum order
//! quantity and notional, maximum net position, a credit limit, restricted instruments.
//! Per instrument: a price collar and an LULD-style price band with a pause.

mod admin;
pub mod band;
pub mod bucket;

use crate::events::{Event, OrderMsg};
use crate::index::{FastBuild, FastMap};
use crate::types::*;
use crate::validate::NewOrder;
pub use admin::RiskPosition;
pub use band::Width;
use bucket::TokenBucket;
use std::collections::{BTreeMap, HashSet};

/// A set of client order ids with the engine's one-multiply hasher.
type IdSet = HashSet<u64, FastBuild>;

/// "No limit" for the `i64` limits of [`Limits`] and [`Controls`].
pub const NO_LIMIT: i64 = i64::MAX;

/// Per-account limits (one participant on one instrument). `NO_LIMIT` disables a limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest quantity of one order (NEW qty, REPLACE new qty).
    pub max_order_qty: i64,
    /// Largest `price × qty` of one order (a MARKET order is valued at the mark price).
    pub max_order_notional: i64,
    /// Largest absolute net position, counting every open order as if it filled:
    /// a buy needs `position + open buys + qty <= max_position`, a sell
    /// `open sells + qty - position <= max_position`.
    pub max_position: i64,
    /// Largest `open order notional + |position| × mark` after the order.
    pub credit_limit: i64,
    /// Every NEW on this instrument is rejected (RISK_RESTRICTED).
    pub restricted: bool,
}

impl Limits {
    /// No limit at all (the default).
    pub const NONE: Limits = Limits {
        max_order_qty: NO_LIMIT,
        max_order_notional: NO_LIMIT,
        max_position: NO_LIMIT,
        credit_limit: NO_LIMIT,
        restricted: false,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::NONE
    }
}

/// Per-participant controls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Controls {
    /// Token bucket for NEW and REPLACE: `(tokens per second, burst)`; `None` = unthrottled.
    pub throttle: Option<(u64, u64)>,
    /// Reject a NEW whose client order id this participant already used in an accepted
    /// order this session (RISK_CLIENT_ID_REUSED), not only among its live orders.
    pub unique_client_ids: bool,
    /// Trip the kill switch when the participant's PnL (cash plus positions at the mark,
    /// over all instruments) falls below `-loss_limit`. Checked at each of its fills.
    pub loss_limit: i64,
    /// Trip the kill switch at this many risk rejections (kill-switch rejections excluded).
    pub max_breaches: i64,
}

impl Controls {
    /// No control at all (the default).
    pub const NONE: Controls = Controls {
        throttle: None,
        unique_client_ids: false,
        loss_limit: NO_LIMIT,
        max_breaches: NO_LIMIT,
    };
}

impl Default for Controls {
    fn default() -> Self {
        Controls::NONE
    }
}

/// What a collar or band measures distance from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference {
    /// The instrument's last trade price (no check until the first trade).
    LastTrade,
    /// The midpoint of the best bid and offer (no check while either side is empty).
    Mid,
    /// A fixed price.
    Fixed(i64),
}

/// A price collar: a LIMIT NEW or REPLACE further than `width` from the reference is
/// rejected (RISK_PRICE_COLLAR).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Collar {
    /// Reference price.
    pub reference: Reference,
    /// Allowed distance.
    pub width: Width,
}

/// An LULD-style price band: no trade prints outside `width` of the reference. A taker
/// stops at the band; if the instrument stays in that limit state for `limit_ns`, it is
/// HALTED for `pause_ns`, then OPEN again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceBand {
    /// `Fixed(p)`: anchored at `p`, re-anchored at the last trade whenever a pause ends.
    /// `LastTrade`: follows every trade (until the first trade, no band). `Mid` is not
    /// allowed for bands.
    pub reference: Reference,
    /// Half-width of the band.
    pub width: Width,
    /// How long the limit state lasts before the pause (ns).
    pub limit_ns: i64,
    /// How long the pause lasts (ns).
    pub pause_ns: i64,
}

/// Per-account state.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Account {
    pub participant: u32,
    pub instrument: u32,
    pub limits: Limits,
    pub position: i64,
    pub open_buy: i64,
    pub open_sell: i64,
    pub open_notional: i128,
    pub cash: i128,
    pub max_abs_position: i64,
}

/// Per-participant state.
#[derive(Clone, Debug)]
pub(crate) struct Participant {
    pub controls: Controls,
    pub bucket: Option<TokenBucket>,
    pub killed: bool,
    pub breaches: i64,
    pub used_ids: Option<IdSet>,
    /// Indexes of its accounts.
    pub accounts: Vec<u32>,
}

/// Per-instrument risk state.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Inst {
    pub collar: Option<Collar>,
    pub band: Option<PriceBand>,
    /// Last trade price (0 before the first trade).
    pub mark: i64,
    /// Band anchor for `Reference::Fixed` bands (re-anchored after a pause).
    pub anchor: i64,
    /// Start of the current limit state, if any.
    pub limit_since: Option<i64>,
    /// When the current pause or timed halt ends, if any.
    pub halted_until: Option<i64>,
    /// Whether the current halt is a band pause.
    pub paused: bool,
    /// The instrument's tick size (set with the band).
    pub tick: i64,
    /// The band's edges now (recomputed when the band, its anchor or the mark changes).
    pub edges: Option<(i64, i64)>,
}

impl Inst {
    /// Recomputes the cached band edges.
    pub fn rebuild_band(&mut self) {
        self.edges = self.band.and_then(|b| {
            let r = match b.reference {
                Reference::Fixed(_) => self.anchor,
                _ => self.mark,
            };
            (r > 0).then(|| band::band(r, b.width, self.tick))
        });
    }
}

/// Counters for reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RiskStats {
    /// Risk rejections (REJECTED events) by reason code (64 and up).
    pub rejections: BTreeMap<u8, u64>,
    /// Risk cancels (CANCELLED events: KILL_SWITCH, PRICE_BAND) by reason code.
    pub cancels: BTreeMap<u8, u64>,
    /// Times a kill switch was tripped (on demand or automatically).
    pub kill_switch_trips: u64,
    /// Times an instrument went to HALTED (pauses and halts).
    pub halts: u64,
}

/// All risk configuration and state of an engine.
#[derive(Clone, Debug, Default)]
pub(crate) struct Risk {
    /// Whether anything is configured (the engine's one branch).
    pub on: bool,
    pub default_limits: Limits,
    pub default_controls: Controls,
    /// Limits per (participant, instrument or `ALL_INSTRUMENTS`).
    pub rules: BTreeMap<(u32, u32), Limits>,
    pub controls: BTreeMap<u32, Controls>,
    pub accounts: Vec<Account>,
    pub account_index: FastMap<u64, u32>,
    pub parts: Vec<Participant>,
    pub part_index: FastMap<u32, u32>,
    pub insts: Vec<Inst>,
    /// Participants whose kill switch must trip after this message.
    pub pending_kills: Vec<u32>,
    /// Earliest time-based transition (pause end, limit-state timeout), `i64::MAX` if none.
    pub next_timer: i64,
    pub stats: RiskStats,
    /// For a REDUCE/REPLACE in flight: the target's (leaves, price) before it.
    pub before: Option<(i64, i64)>,
    /// Taker limit price of the message in flight (its TRADE events are valued at it).
    pub taker_price: i64,
    /// A band stop of the message in flight: (instrument, ts).
    pub stop: Option<(u32, i64)>,
    /// One-entry cache of the last participant looked up: (id, index). Entries are never
    /// removed, so a cached index stays valid.
    pub last_part: Option<(u32, u32)>,
    /// One-entry cache of the last account looked up: (key, index), as `last_part`.
    pub last_account: Option<(u64, u32)>,
}

#[inline]
fn akey(p: u32, i: u32) -> u64 {
    (p as u64) << 32 | i as u64
}

impl Risk {
    /// Resolves the limits of an account: (p, i), else (p, ALL), else the default.
    fn limits_for(&self, p: u32, i: u32) -> Limits {
        self.rules
            .get(&(p, i))
            .or_else(|| self.rules.get(&(p, ALL_INSTRUMENTS.0)))
            .copied()
            .unwrap_or(self.default_limits)
    }

    fn controls_for(&self, p: u32) -> Controls {
        self.controls
            .get(&p)
            .copied()
            .unwrap_or(self.default_controls)
    }

    /// Index of a participant's state, created on first use.
    #[inline]
    pub fn part(&mut self, p: u32) -> usize {
        if let Some((q, i)) = self.last_part {
            if q == p {
                return i as usize;
            }
        }
        if let Some(&i) = self.part_index.get(&p) {
            self.last_part = Some((p, i));
            return i as usize;
        }
        let controls = self.controls_for(p);
        let i = self.parts.len();
        self.parts.push(Participant {
            controls,
            bucket: controls.throttle.map(|(r, b)| TokenBucket::new(r, b)),
            killed: false,
            breaches: 0,
            used_ids: controls.unique_client_ids.then(IdSet::default),
            accounts: Vec::new(),
        });
        self.part_index.insert(p, i as u32);
        i
    }

    /// Index of an account's state, created on first use.
    #[inline]
    pub fn account(&mut self, p: u32, i: u32) -> usize {
        let key = akey(p, i);
        if let Some((k, a)) = self.last_account {
            if k == key {
                return a as usize;
            }
        }
        if let Some(&a) = self.account_index.get(&key) {
            self.last_account = Some((key, a));
            return a as usize;
        }
        let limits = self.limits_for(p, i);
        let a = self.accounts.len();
        self.accounts.push(Account {
            participant: p,
            instrument: i,
            limits,
            ..Account::default()
        });
        self.account_index.insert(akey(p, i), a as u32);
        let pi = self.part(p);
        self.parts[pi].accounts.push(a as u32);
        a
    }

    /// Makes room for instrument `i`.
    pub fn ensure_inst(&mut self, i: u32) -> &mut Inst {
        let i = i as usize;
        if self.insts.len() <= i {
            self.insts.resize(i + 1, Inst::default());
        }
        &mut self.insts[i]
    }

    /// Re-reads limits and controls into existing state after a configuration change.
    pub fn refresh(&mut self) {
        for a in 0..self.accounts.len() {
            let (p, i) = (self.accounts[a].participant, self.accounts[a].instrument);
            self.accounts[a].limits = self.limits_for(p, i);
        }
        let ids: Vec<(u32, u32)> = self.part_index.iter().map(|(&p, &i)| (p, i)).collect();
        for (p, i) in ids {
            let c = self.controls_for(p);
            let st = &mut self.parts[i as usize];
            if st.controls.throttle != c.throttle {
                st.bucket = c.throttle.map(|(r, b)| TokenBucket::new(r, b));
            }
            if c.unique_client_ids && st.used_ids.is_none() {
                st.used_ids = Some(IdSet::default());
            }
            st.controls = c;
        }
        self.on = true;
        self.reschedule();
    }

    /// Counts a risk rejection by reason.
    #[inline]
    pub fn count(&mut self, r: Reason) {
        *self.stats.rejections.entry(r as u8).or_insert(0) += 1;
    }

    /// A taker of instrument `i` stopped at the band at `ts`: the limit state begins after
    /// the message's events are observed (so its own earlier fills do not end it).
    pub fn band_stop(&mut self, i: u32, ts: i64) {
        self.stop = Some((i, ts));
    }

    /// Applies a band stop recorded by [`Risk::band_stop`]: the limit state begins (if it
    /// has not already).
    pub fn apply_band_stop(&mut self) {
        let Some((i, ts)) = self.stop.take() else {
            return;
        };
        let ins = self.ensure_inst(i);
        if ins.limit_since.is_none() {
            ins.limit_since = Some(ts);
            if let Some(b) = ins.band {
                self.next_timer = self.next_timer.min(ts.saturating_add(b.limit_ns));
            }
        }
    }

    /// Forgets an instrument's limit state, pause and timed halt (its state was set
    /// directly by `set_trading_state`).
    pub fn clear_timers(&mut self, i: u32) {
        let ins = self.ensure_inst(i);
        ins.limit_since = None;
        ins.halted_until = None;
        ins.paused = false;
        self.reschedule();
    }

    /// Recomputes the earliest pending transition.
    pub fn reschedule(&mut self) {
        self.next_timer = self
            .insts
            .iter()
            .filter_map(|ins| match (ins.halted_until, ins.limit_since, ins.band) {
                (Some(end), _, _) => Some(end),
                (None, Some(since), Some(b)) => Some(since.saturating_add(b.limit_ns)),
                _ => None,
            })
            .min()
            .unwrap_or(i64::MAX);
    }

    /// A risk rejection: counted; a breach unless it is the kill switch's own; may trip.
    #[cold]
    fn breach(&mut self, pi: usize, p: u32, r: Reason) -> Reason {
        self.count(r);
        if r != Reason::KillSwitch {
            let st = &mut self.parts[pi];
            st.breaches += 1;
            if st.breaches >= st.controls.max_breaches && !st.killed {
                self.pending_kills.push(p);
            }
        }
        r
    }

    /// The reference price of a collar or band, if it is defined now.
    #[inline]
    fn reference(r: Reference, mark: i64, bid: Option<i64>, ask: Option<i64>) -> Option<i64> {
        match r {
            Reference::LastTrade => (mark > 0).then_some(mark),
            Reference::Mid => match (bid, ask) {
                (Some(b), Some(a)) => Some(((b as i128 + a as i128) / 2) as i64),
                _ => None,
            },
            Reference::Fixed(p) => Some(p),
        }
    }

    /// The band `[lo, hi]` trades on instrument `i` must print within, if any.
    #[inline]
    pub fn band_of(&self, i: u32, tick: i64) -> Option<(i64, i64)> {
        let ins = self.insts.get(i as usize)?;
        debug_assert!(
            ins.band.is_none() || ins.tick == tick,
            "band tick out of step"
        );
        ins.edges
    }

    /// The pre-trade checks of a NEW (after the contract's checks 1-10), in the documented
    /// order. On success the participant's throttle token is taken and its client order id
    /// recorded.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn pre_trade(
        &mut self,
        m: &OrderMsg,
        o: &NewOrder,
        tick: i64,
        bid: Option<i64>,
        ask: Option<i64>,
    ) -> Result<(), Reason> {
        let p = m.participant;
        let pi = self.part(p);
        let ai = self.account(p, o.instrument);
        let st = &mut self.parts[pi];
        if st.killed {
            return Err(self.breach(pi, p, Reason::KillSwitch));
        }
        let lim = self.accounts[ai].limits;
        if lim.restricted {
            return Err(self.breach(pi, p, Reason::RiskRestricted));
        }
        if let Some(b) = st.bucket.as_mut() {
            if !b.available(m.ts) {
                return Err(self.breach(pi, p, Reason::RiskThrottle));
            }
        }
        if let (true, Some(ids)) = (st.controls.unique_client_ids, &st.used_ids) {
            if ids.contains(&m.client_order_id) {
                return Err(self.breach(pi, p, Reason::RiskClientIdReused));
            }
        }
        let market = o.order_type == OrderType::Market;
        let limit_price = (!market).then_some(o.price);
        if let Err(r) = self.exposure(
            ai,
            o.instrument,
            o.side,
            limit_price,
            o.qty,
            0,
            0,
            tick,
            bid,
            ask,
        ) {
            return Err(self.breach(pi, p, r));
        }
        let st = &mut self.parts[pi];
        if let Some(b) = st.bucket.as_mut() {
            b.take();
        }
        if let (true, Some(ids)) = (st.controls.unique_client_ids, st.used_ids.as_mut()) {
            ids.insert(m.client_order_id);
        }
        Ok(())
    }

    /// The pre-trade checks of a REPLACE of a live order (`side`, `old_leaves` at
    /// `old_price`) that passed the contract's checks: kill switch, throttle, then the
    /// exposure checks with the order's old exposure removed.
    #[allow(clippy::too_many_arguments)]
    pub fn pre_replace(
        &mut self,
        m: &OrderMsg,
        instrument: u32,
        side: Side,
        old_leaves: i64,
        old_price: i64,
        tick: i64,
        bid: Option<i64>,
        ask: Option<i64>,
    ) -> Result<(), Reason> {
        let p = m.participant;
        let pi = self.part(p);
        let ai = self.account(p, instrument);
        let st = &mut self.parts[pi];
        if st.killed {
            return Err(self.breach(pi, p, Reason::KillSwitch));
        }
        if let Some(b) = st.bucket.as_mut() {
            if !b.available(m.ts) {
                return Err(self.breach(pi, p, Reason::RiskThrottle));
            }
        }
        let r = self.exposure(
            ai,
            instrument,
            side,
            Some(m.price),
            m.qty,
            old_leaves,
            old_price,
            tick,
            bid,
            ask,
        );
        if let Err(r) = r {
            return Err(self.breach(pi, p, r));
        }
        if let Some(b) = self.parts[pi].bucket.as_mut() {
            b.take();
        }
        Ok(())
    }

    /// Order size, notional, collar, position and credit checks of an order of `qty` at
    /// `limit_price` (None for MARKET) replacing `old_leaves` at `old_price` (0 for a NEW).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn exposure(
        &self,
        ai: usize,
        instrument: u32,
        side: Side,
        limit_price: Option<i64>,
        qty: i64,
        old_leaves: i64,
        old_price: i64,
        tick: i64,
        bid: Option<i64>,
        ask: Option<i64>,
    ) -> Result<(), Reason> {
        let a = &self.accounts[ai];
        let lim = a.limits;
        const NONE: Inst = Inst {
            collar: None,
            band: None,
            mark: 0,
            anchor: 0,
            limit_since: None,
            halted_until: None,
            paused: false,
            tick: 0,
            edges: None,
        };
        let ins = self.insts.get(instrument as usize).unwrap_or(&NONE);
        if qty > lim.max_order_qty {
            return Err(Reason::RiskMaxOrderQty);
        }
        let value_price = limit_price.unwrap_or(ins.mark);
        let notional = value_price as i128 * qty as i128;
        if notional > lim.max_order_notional as i128 {
            return Err(Reason::RiskMaxOrderNotional);
        }
        if let (Some(c), Some(px)) = (ins.collar, limit_price) {
            if let Some(r) = Self::reference(c.reference, ins.mark, bid, ask) {
                if !band::within(px, r, c.width, tick) {
                    return Err(Reason::RiskPriceCollar);
                }
            }
        }
        let worst = match side {
            Side::Buy => a.position as i128 + (a.open_buy - old_leaves) as i128 + qty as i128,
            Side::Sell => (a.open_sell - old_leaves) as i128 + qty as i128 - a.position as i128,
        };
        if worst > lim.max_position as i128 {
            return Err(Reason::RiskMaxPosition);
        }
        let used = a.open_notional - old_leaves as i128 * old_price as i128
            + notional
            + (a.position as i128).abs() * ins.mark as i128;
        if used > lim.credit_limit as i128 {
            return Err(Reason::RiskCreditLimit);
        }
        Ok(())
    }

    /// Folds one message's events into the accounts: ACCEPTED adds open quantity and
    /// notional, TRADE moves positions, cash and the mark and takes open quantity away,
    /// CANCELLED takes open quantity away, REPLACED swaps the old exposure for the new.
    /// Checks loss limits of the participants that traded.
    pub fn observe(&mut self, events: &[Event]) {
        for e in events {
            match EventKind::from_u8(e.kind) {
                Some(EventKind::Accepted) => {
                    let a = self.account(e.participant, e.instrument);
                    let a = &mut self.accounts[a];
                    open(a, e.side, e.qty, e.price);
                }
                Some(EventKind::Cancelled) => {
                    let a = self.account(e.participant, e.instrument);
                    let a = &mut self.accounts[a];
                    open(a, e.side, -e.qty, e.price);
                    if e.reason >= 64 {
                        *self.stats.cancels.entry(e.reason).or_insert(0) += 1;
                    }
                }
                Some(EventKind::Replaced) => {
                    if let Some((old_leaves, old_price)) = self.before.take() {
                        let a = self.account(e.participant, e.instrument);
                        let a = &mut self.accounts[a];
                        open(a, e.side, -old_leaves, old_price);
                        open(a, e.side, e.qty, e.price);
                    }
                }
                Some(EventKind::Trade) => {
                    let (f, px) = (e.qty, e.price);
                    let side = Side::from_u8(e.side).unwrap_or(Side::Buy);
                    let tp = self.taker_price;
                    let t = self.account(e.participant, e.instrument);
                    fill(&mut self.accounts[t], side, f, px, tp);
                    let mk = self.account(e.maker_participant, e.instrument);
                    fill(&mut self.accounts[mk], side.opposite(), f, px, px);
                    // A trade strictly inside the band ends the limit state.
                    if let Some(ins) = self.insts.get_mut(e.instrument as usize) {
                        if let (Some(_), Some((lo, hi))) = (ins.limit_since, ins.edges) {
                            if lo < px && px < hi {
                                ins.limit_since = None;
                            }
                        }
                    }
                    let ins = self.ensure_inst(e.instrument);
                    if ins.mark != px {
                        ins.mark = px;
                        if matches!(ins.band, Some(b) if b.reference == Reference::LastTrade) {
                            ins.rebuild_band();
                        }
                    }
                    self.check_loss(e.participant);
                    self.check_loss(e.maker_participant);
                }
                _ => {}
            }
        }
    }

    /// Queues a kill-switch trip if the participant's PnL is below its loss limit.
    #[inline]
    fn check_loss(&mut self, p: u32) {
        let pi = self.part(p);
        let st = &self.parts[pi];
        if st.controls.loss_limit == NO_LIMIT || st.killed {
            return;
        }
        let mut pnl: i128 = 0;
        for &a in &st.accounts {
            let a = &self.accounts[a as usize];
            let mark = self.insts.get(a.instrument as usize).map_or(0, |i| i.mark);
            pnl += a.cash + a.position as i128 * mark as i128;
        }
        if pnl < -(st.controls.loss_limit as i128) && !self.pending_kills.contains(&p) {
            self.pending_kills.push(p);
        }
    }

    /// A participant's PnL: cash plus positions at the mark, over all instruments.
    pub fn pnl(&self, p: u32) -> i128 {
        let Some(&pi) = self.part_index.get(&p) else {
            return 0;
        };
        self.parts[pi as usize]
            .accounts
            .iter()
            .map(|&a| {
                let a = &self.accounts[a as usize];
                let mark = self.insts.get(a.instrument as usize).map_or(0, |i| i.mark);
                a.cash + a.position as i128 * mark as i128
            })
            .sum()
    }
}

/// Adds `qty` (negative to remove) of open orders at `price` to an account.
#[inline]
fn open(a: &mut Account, side: u8, qty: i64, price: i64) {
    if side == Side::Buy as u8 {
        a.open_buy += qty;
    } else {
        a.open_sell += qty;
    }
    a.open_notional += qty as i128 * price as i128;
}

/// A fill of `f` at `px` for an order of `side` whose open notional was counted at `own`.
#[inline]
fn fill(a: &mut Account, side: Side, f: i64, px: i64, own: i64) {
    let signed = if side == Side::Buy { f } else { -f };
    a.position += signed;
    a.cash -= signed as i128 * px as i128;
    open(a, side as u8, -f, own);
    a.max_abs_position = a.max_abs_position.max(a.position.abs());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_order(side: Side, price: i64, qty: i64) -> NewOrder {
        NewOrder {
            instrument: 0,
            side,
            order_type: OrderType::Limit,
            tif: Tif::Gtc,
            flags: 0,
            price,
            qty,
            display_qty: 0,
        }
    }

    fn msg(p: u32, cid: u64, ts: i64) -> OrderMsg {
        OrderMsg::limit(
            Ts(ts),
            ParticipantId(p),
            InstrumentId(0),
            ClientOrderId(cid),
            Side::Buy,
            Price(100),
            Qty(1),
        )
    }

    #[test]
    fn position_counts_open_orders() {
        let mut r = Risk {
            default_limits: Limits {
                max_position: 10,
                ..Limits::NONE
            },
            ..Risk::default()
        };
        r.refresh();
        assert!(r
            .pre_trade(&msg(1, 1, 0), &new_order(Side::Buy, 100, 6), 1, None, None)
            .is_ok());
        // As if the engine accepted and rested it.
        let a = r.account(1, 0);
        open(&mut r.accounts[a], Side::Buy as u8, 6, 100);
        assert_eq!(
            r.pre_trade(&msg(1, 2, 0), &new_order(Side::Buy, 100, 5), 1, None, None),
            Err(Reason::RiskMaxPosition)
        );
        // Selling is fine: it reduces the worst case.
        assert!(r
            .pre_trade(
                &msg(1, 3, 0),
                &new_order(Side::Sell, 100, 10),
                1,
                None,
                None
            )
            .is_ok());
        assert_eq!(
            r.stats.rejections.get(&(Reason::RiskMaxPosition as u8)),
            Some(&1)
        );
    }

    #[test]
    fn breaches_trip_the_kill_switch() {
        let mut r = Risk {
            default_limits: Limits {
                max_order_qty: 5,
                ..Limits::NONE
            },
            default_controls: Controls {
                max_breaches: 2,
                ..Controls::NONE
            },
            ..Risk::default()
        };
        r.refresh();
        let big = new_order(Side::Buy, 100, 6);
        assert_eq!(
            r.pre_trade(&msg(7, 1, 0), &big, 1, None, None),
            Err(Reason::RiskMaxOrderQty)
        );
        assert!(r.pending_kills.is_empty());
        assert_eq!(
            r.pre_trade(&msg(7, 2, 0), &big, 1, None, None),
            Err(Reason::RiskMaxOrderQty)
        );
        assert_eq!(r.pending_kills, vec![7]);
    }

    #[test]
    fn collar_against_mid() {
        let mut r = Risk::default();
        r.ensure_inst(0).collar = Some(Collar {
            reference: Reference::Mid,
            width: Width::Bps(100),
        });
        r.refresh();
        let o = new_order(Side::Buy, 1020, 1);
        // No mid: not checked.
        assert!(r.pre_trade(&msg(1, 1, 0), &o, 1, None, Some(1000)).is_ok());
        assert_eq!(
            r.pre_trade(&msg(1, 2, 0), &o, 1, Some(998), Some(1002)),
            Err(Reason::RiskPriceCollar)
        );
        let o = new_order(Side::Buy, 1010, 1);
        assert!(r
            .pre_trade(&msg(1, 3, 0), &o, 1, Some(998), Some(1002))
            .is_ok());
    }

    #[test]
    fn fills_move_position_cash_and_mark() {
        let mut r = Risk::default();
        r.refresh();
        r.taker_price = 105;
        let mut ev = Event {
            seq: 1,
            ts: 0,
            order_id: 2,
            client_order_id: 1,
            price: 100,
            qty: 4,
            leaves: 0,
            maker_order_id: 1,
            instrument: 0,
            participant: 1,
            maker_participant: 2,
            kind: EventKind::Accepted as u8,
            side: Side::Buy as u8,
            reason: 0,
            _pad: 0,
        };
        ev.price = 105;
        let acc = ev;
        ev.kind = EventKind::Trade as u8;
        ev.price = 100;
        r.observe(&[acc, ev]);
        let t = &r.accounts[r.account_index[&akey(1, 0)] as usize];
        assert_eq!(
            (t.position, t.cash, t.open_buy, t.open_notional),
            (4, -400, 0, 0)
        );
        let m = &r.accounts[r.account_index[&akey(2, 0)] as usize];
        assert_eq!((m.position, m.cash, m.open_sell), (-4, 400, -4));
        assert_eq!(r.insts[0].mark, 100);
        assert_eq!(r.pnl(1), 0);
    }
}
