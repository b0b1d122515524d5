//! Crossing a taker against the opposite side: fills at the maker's price in price-time
//! priority, the four self-trade prevention modes, iceberg refresh to the back of the level,
//! and the fill-or-kill dry run. Also resting an order and removing one from the book, the
//! two other ways an order's liveness changes.

use crate::book::BookSide;
use crate::engine::Core;
use crate::index::ClientKey;
use crate::order::{Node, OrderPool, NIL};
use crate::sink::Who;
use crate::types::{EventKind, Reason, StpMode};

/// An order while it takes liquidity (a NEW order, or a REPLACE that lost its position).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Taker {
    /// Its identity in events.
    pub who: Who,
    /// Limit price, 0 for MARKET (the price its CANCELLED events show).
    pub price: i64,
    /// Open quantity.
    pub leaves: i64,
    /// The smallest opposite-side level key that crosses (`i64::MIN` for MARKET: all do).
    pub threshold: i64,
    /// Lowest maker price it may trade at (the price band; `i64::MIN` without one).
    pub lo: i64,
    /// Highest maker price it may trade at (the price band; `i64::MAX` without one).
    pub hi: i64,
}

impl Taker {
    /// Whether the taker may trade with level `l`: it crosses and lies within the band.
    #[inline(always)]
    fn may_take(&self, l: &crate::book::Level) -> bool {
        l.key >= self.threshold && l.price >= self.lo && l.price <= self.hi
    }
}

impl Core {
    /// The STP mode of a participant (NONE unless set).
    #[inline]
    pub(crate) fn stp_mode(&self, participant: u32) -> StpMode {
        if self.stp.is_empty() {
            StpMode::None
        } else {
            self.stp.get(&participant).copied().unwrap_or(StpMode::None)
        }
    }

    /// Forgets a pooled order that is no longer live: frees its slot and removes it from the
    /// order id and client order id indexes.
    #[inline]
    pub(crate) fn retire(&mut self, slot: u32) {
        let n = self.pool.get(slot);
        let id = n.order_id;
        let tag = ClientKey {
            client_order_id: n.client_order_id,
            participant: n.participant,
        }
        .tag();
        self.ids.clear(id);
        self.clients.remove(tag, slot);
        self.pool.free(slot);
    }

    /// Rests the pooled order in `slot` at the back of its price's level on `side` (its
    /// `displayed` already set) and publishes BOOK_ADD. A NEW order is also indexed by order
    /// id and by client order id (`Some(tag)`, the tag of its key); a REPLACE that re-rests
    /// (`None`) is indexed already.
    #[inline]
    pub(crate) fn rest(&mut self, side: &mut BookSide, slot: u32, new: Option<u32>, ts: i64) {
        let n = self.pool.get(slot);
        let price = n.price;
        if let Some(tag) = new {
            self.ids.set(n.order_id, slot);
            self.clients.insert(tag, slot);
        }
        let idx = side.level_at(price);
        side.push_back(&mut self.pool, idx, slot);
        self.sink.book(EventKind::BookAdd, ts, self.pool.get(slot));
    }

    /// Cancels all of a resting order (level `idx` of `side`): CANCELLED(`reason`, qty =
    /// leaves, leaves = 0), BOOK_DELETE, then removes it (and its level, if emptied).
    pub(crate) fn cancel_resting(
        &mut self,
        side: &mut BookSide,
        idx: usize,
        slot: u32,
        reason: Reason,
        ts: i64,
    ) {
        let n = self.pool.get_mut(slot);
        let qty = n.leaves;
        n.leaves = 0;
        let who = Who::of(n);
        let price = n.price;
        self.sink
            .order(EventKind::Cancelled, ts, &who, price, qty, 0, reason);
        self.sink
            .book(EventKind::BookDelete, ts, self.pool.get(slot));
        side.unlink(&mut self.pool, idx, slot);
        self.retire(slot);
    }

    /// Matches `t` against `opp` (the side opposite the taker) until the taker has no leaves
    /// or no level crosses. Returns true if self-trade prevention ended the taker.
    #[inline(always)]
    pub(crate) fn match_taker(&mut self, opp: &mut BookSide, t: &mut Taker, ts: i64) -> bool {
        // Most orders do not cross: decide that without the call.
        if opp.levels.last().is_some_and(|l| t.may_take(l)) {
            self.match_crossing(opp, t, ts)
        } else {
            false
        }
    }

    /// [`Core::match_taker`] once the best opposite level is known to cross.
    #[inline(never)]
    fn match_crossing(&mut self, opp: &mut BookSide, t: &mut Taker, ts: i64) -> bool {
        while t.leaves > 0 {
            let Some(lvl) = opp.levels.last_mut() else {
                break;
            };
            if !t.may_take(lvl) {
                break;
            }
            let slot = lvl.head;
            let next = self.pool.get(slot).next;
            self.pool.prefetch(next);
            let maker = self.pool.get_mut(slot);
            if maker.participant == t.who.participant {
                let mode = self.stp_mode(t.who.participant);
                if mode != StpMode::None {
                    if self.self_trade(opp, slot, t, mode, ts) {
                        return true;
                    }
                    continue;
                }
            }
            // Re-borrow: the STP branch above may have needed all of `self`.
            let lvl = opp.levels.last_mut().expect("the level checked above");
            let maker = self.pool.get_mut(slot);
            let f = t.leaves.min(maker.displayed);
            maker.leaves -= f;
            maker.displayed -= f;
            t.leaves -= f;
            lvl.displayed -= f as i128;
            self.sink.trade(ts, &t.who, t.leaves, maker, f);
            if maker.displayed > 0 {
                self.sink.book(EventKind::BookModify, ts, maker);
            } else if maker.leaves == 0 {
                self.sink.book(EventKind::BookDelete, ts, maker);
                let next = maker.next;
                lvl.head = next;
                lvl.count -= 1;
                if next == NIL {
                    opp.levels.pop();
                } else {
                    self.pool.get_mut(next).prev = NIL;
                }
                self.retire(slot);
            } else {
                self.refresh_iceberg(opp, slot, ts);
            }
        }
        false
    }

    /// An iceberg at the head of the best level whose displayed slice is exhausted but which
    /// has hidden reserve: BOOK_DELETE (leaves = its leaves), a new slice, moved to the back
    /// of its level, BOOK_ADD.
    fn refresh_iceberg(&mut self, opp: &mut BookSide, slot: u32, ts: i64) {
        let lvl = opp.levels.last_mut().expect("the maker's level");
        let pool: &mut OrderPool = &mut self.pool;
        let n = pool.get_mut(slot);
        self.sink.book(EventKind::BookDelete, ts, n);
        n.displayed = Node::slice(n.display_qty, n.leaves);
        lvl.displayed += n.displayed as i128;
        if lvl.count > 1 {
            let next = n.next;
            let tail = lvl.tail;
            n.prev = tail;
            n.next = NIL;
            pool.get_mut(next).prev = NIL;
            pool.get_mut(tail).next = slot;
            lvl.head = next;
            lvl.tail = slot;
        }
        self.sink.book(EventKind::BookAdd, ts, pool.get(slot));
    }

    /// The taker meets its own participant's order at the head of the best level and the
    /// participant's STP mode is not NONE. Returns true if the taker is done.
    fn self_trade(
        &mut self,
        opp: &mut BookSide,
        slot: u32,
        t: &mut Taker,
        mode: StpMode,
        ts: i64,
    ) -> bool {
        let best = opp.levels.len() - 1;
        let cancel_taker = |core: &mut Core, t: &mut Taker, qty: i64| {
            t.leaves -= qty;
            core.sink.order(
                EventKind::Cancelled,
                ts,
                &t.who,
                t.price,
                qty,
                t.leaves,
                Reason::SelfTrade,
            );
        };
        match mode {
            StpMode::None => false,
            StpMode::CancelNewest => {
                cancel_taker(self, t, t.leaves);
                true
            }
            StpMode::CancelOldest => {
                self.cancel_resting(opp, best, slot, Reason::SelfTrade, ts);
                false
            }
            StpMode::CancelBoth => {
                self.cancel_resting(opp, best, slot, Reason::SelfTrade, ts);
                cancel_taker(self, t, t.leaves);
                true
            }
            StpMode::DecrementAndCancel => {
                let maker_leaves = self.pool.get(slot).leaves;
                let d = t.leaves.min(maker_leaves);
                if maker_leaves == d {
                    self.cancel_resting(opp, best, slot, Reason::SelfTrade, ts);
                } else {
                    let lvl = &mut opp.levels[best];
                    let n = self.pool.get_mut(slot);
                    n.leaves -= d;
                    let shown = n.displayed.min(n.leaves);
                    lvl.displayed -= (n.displayed - shown) as i128;
                    n.displayed = shown;
                    let who = Who::of(n);
                    self.sink.order(
                        EventKind::Cancelled,
                        ts,
                        &who,
                        n.price,
                        d,
                        n.leaves,
                        Reason::SelfTrade,
                    );
                    self.sink
                        .book(EventKind::BookModify, ts, self.pool.get(slot));
                }
                cancel_taker(self, t, d);
                t.leaves == 0
            }
        }
    }
}

/// The fill-or-kill dry run of `docs/SEMANTICS.md`: whether a taker of `participant` (STP
/// mode `mode`) for `qty` would fill entirely against `opp` (levels crossing `threshold`
/// whose price lies within `band`, the price band `(lo, hi)`).
///
/// Levels are walked best first and each level's orders in FIFO order, accumulating their
/// displayed quantity. Meeting an order of the same participant whose mode is neither NONE
/// nor CANCEL_OLDEST ends the walk: the FOK fills only if the accumulated quantity already
/// covers `qty`. A level without such an order contributes all its orders' leaves (hidden
/// reserve comes back to the same level); orders of the same participant under
/// CANCEL_OLDEST contribute nothing. Sums saturate (a saturated sum covers any `qty`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn fok_fillable(
    opp: &BookSide,
    pool: &OrderPool,
    participant: u32,
    mode: StpMode,
    threshold: i64,
    band: (i64, i64),
    qty: i64,
) -> bool {
    let mut acc: i64 = 0;
    for lvl in opp.levels.iter().rev() {
        if lvl.key < threshold || lvl.price < band.0 || lvl.price > band.1 {
            break;
        }
        let mut shown: i64 = 0;
        let mut total: i64 = 0;
        let mut s = lvl.head;
        while s != NIL {
            let n = pool.get(s);
            s = n.next;
            if n.participant == participant && mode != StpMode::None {
                if mode == StpMode::CancelOldest {
                    continue;
                }
                return acc.saturating_add(shown) >= qty;
            }
            shown = shown.saturating_add(n.displayed);
            total = total.saturating_add(n.leaves);
        }
        acc = acc.saturating_add(total);
        if acc >= qty {
            return true;
        }
    }
    false
}
