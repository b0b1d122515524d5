//! The engine's risk surface: configuration, the kill switch, halts and pauses, time, and the
//! risk wrapper around every message once risk is on.

use super::{Collar, Controls, Limits, PriceBand, Reference, RiskStats, Width};
use crate::engine::{Engine, EngineError};
use crate::events::OrderMsg;
use crate::sink::Who;
use crate::types::*;

/// An account's risk state as the queries show it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RiskPosition {
    /// Signed net position.
    pub position: i64,
    /// Leaves of live buy orders.
    pub open_buy: i64,
    /// Leaves of live sell orders.
    pub open_sell: i64,
    /// Σ leaves × limit price of live orders.
    pub open_notional: i128,
    /// Σ −signed fill × trade price.
    pub cash: i128,
    /// Largest |position| reached.
    pub max_abs_position: i64,
}

fn check_width(w: Width, what: &str) -> Result<(), EngineError> {
    let v = match w {
        Width::Ticks(v) | Width::Bps(v) => v,
    };
    if v < 0 {
        return Err(EngineError::InvalidInstrument(format!(
            "{what} width must be >= 0, got {v}"
        )));
    }
    Ok(())
}

fn check_reference(r: Reference, what: &str) -> Result<(), EngineError> {
    if let Reference::Fixed(p) = r {
        if p <= 0 {
            return Err(EngineError::InvalidInstrument(format!(
                "{what} fixed reference price must be > 0, got {p}"
            )));
        }
    }
    Ok(())
}

impl Engine {
    /// Sets the limits of `participant` on `instrument` ([`ALL_INSTRUMENTS`]: on every
    /// instrument without its own rule), or with `participant` None the default of every
    /// participant without a rule. Turns risk on.
    pub fn set_risk_limits(
        &mut self,
        participant: Option<ParticipantId>,
        instrument: InstrumentId,
        limits: Limits,
    ) {
        match participant {
            Some(p) => {
                self.risk.rules.insert((p.0, instrument.0), limits);
            }
            None => self.risk.default_limits = limits,
        }
        self.risk.refresh();
    }

    /// Sets the controls of `participant`, or with None the default. Turns risk on.
    /// A changed throttle starts full.
    pub fn set_risk_controls(&mut self, participant: Option<ParticipantId>, controls: Controls) {
        match participant {
            Some(p) => {
                self.risk.controls.insert(p.0, controls);
            }
            None => self.risk.default_controls = controls,
        }
        self.risk.refresh();
    }

    /// Sets (or with None removes) an instrument's price collar. Turns risk on.
    pub fn set_collar(
        &mut self,
        instrument: InstrumentId,
        collar: Option<Collar>,
    ) -> Result<(), EngineError> {
        self.instrument(instrument)
            .ok_or(EngineError::UnknownInstrument(instrument))?;
        if let Some(c) = collar {
            check_width(c.width, "collar")?;
            check_reference(c.reference, "collar")?;
        }
        self.risk.ensure_inst(instrument.0).collar = collar;
        self.risk.refresh();
        Ok(())
    }

    /// Sets (or with None removes) an instrument's price band. Turns risk on. A `Mid`
    /// reference or a negative width or time is an error naming the field.
    pub fn set_price_band(
        &mut self,
        instrument: InstrumentId,
        band: Option<PriceBand>,
    ) -> Result<(), EngineError> {
        let tick = self
            .instrument(instrument)
            .ok_or(EngineError::UnknownInstrument(instrument))?
            .tick_size
            .0;
        if let Some(b) = band {
            check_width(b.width, "band")?;
            check_reference(b.reference, "band")?;
            if b.reference == Reference::Mid {
                return Err(EngineError::InvalidInstrument(
                    "band reference cannot be Mid".into(),
                ));
            }
            if b.limit_ns < 0 || b.pause_ns < 0 {
                return Err(EngineError::InvalidInstrument(format!(
                    "band limit_ns and pause_ns must be >= 0, got {} and {}",
                    b.limit_ns, b.pause_ns
                )));
            }
        }
        let ins = self.risk.ensure_inst(instrument.0);
        ins.band = band;
        ins.tick = tick;
        ins.anchor = match band.map(|b| b.reference) {
            Some(Reference::Fixed(p)) => p,
            _ => 0,
        };
        ins.limit_since = None;
        ins.rebuild_band();
        self.risk.refresh();
        Ok(())
    }

    /// Trips a participant's kill switch now (at `ts`): its live orders are cancelled
    /// (KILL_SWITCH) and its NEW and REPLACE messages rejected until [`Engine::reset_kill`].
    /// Turns risk on. Tripping a tripped switch does nothing.
    pub fn kill(&mut self, ts: Ts, participant: ParticipantId) {
        if !self.risk.on {
            self.risk.refresh();
        }
        self.trip(ts.0, participant.0);
    }

    /// Re-enables a participant after its kill switch tripped; its breach count restarts at 0.
    pub fn reset_kill(&mut self, participant: ParticipantId) {
        if let Some(&pi) = self.risk.part_index.get(&participant.0) {
            let st = &mut self.risk.parts[pi as usize];
            st.killed = false;
            st.breaches = 0;
        }
    }

    /// Whether a participant's kill switch is tripped.
    pub fn is_killed(&self, participant: ParticipantId) -> bool {
        self.risk
            .part_index
            .get(&participant.0)
            .is_some_and(|&pi| self.risk.parts[pi as usize].killed)
    }

    /// Halts an instrument at `ts` until `until` (`Ts(0)`: until [`Engine::resume`]): a
    /// TRADING_STATE event. Turns risk on (for the timer).
    pub fn halt(&mut self, ts: Ts, instrument: InstrumentId, until: Ts) -> Result<(), EngineError> {
        self.instrument(instrument)
            .ok_or(EngineError::UnknownInstrument(instrument))?;
        if !self.risk.on {
            self.risk.refresh();
        }
        self.risk.ensure_inst(instrument.0).paused = false;
        self.set_state(
            ts.0,
            instrument.0,
            TradingState::Halted,
            until.0,
            Reason::None,
        );
        Ok(())
    }

    /// Reopens a halted instrument at `ts`: a TRADING_STATE event (none if already open).
    pub fn resume(&mut self, ts: Ts, instrument: InstrumentId) -> Result<(), EngineError> {
        self.instrument(instrument)
            .ok_or(EngineError::UnknownInstrument(instrument))?;
        self.risk.ensure_inst(instrument.0).paused = false;
        self.set_state(ts.0, instrument.0, TradingState::Open, 0, Reason::None);
        Ok(())
    }

    /// Lets time pass to `ts` with no message: pauses and halts that are due begin or end.
    pub fn advance_time(&mut self, ts: Ts) {
        if self.risk.on {
            self.run_timers(ts.0);
        }
    }

    /// An account's risk state (zeros if it never traded or ordered with risk on).
    pub fn risk_position(
        &self,
        participant: ParticipantId,
        instrument: InstrumentId,
    ) -> RiskPosition {
        let key = (participant.0 as u64) << 32 | instrument.0 as u64;
        self.risk
            .account_index
            .get(&key)
            .map(|&a| {
                let a = &self.risk.accounts[a as usize];
                RiskPosition {
                    position: a.position,
                    open_buy: a.open_buy,
                    open_sell: a.open_sell,
                    open_notional: a.open_notional,
                    cash: a.cash,
                    max_abs_position: a.max_abs_position,
                }
            })
            .unwrap_or_default()
    }

    /// A participant's PnL: cash plus positions at each instrument's last trade price.
    pub fn risk_pnl(&self, participant: ParticipantId) -> i128 {
        self.risk.pnl(participant.0)
    }

    /// Counters: risk rejections and cancels by reason, kill switch trips, halts.
    pub fn risk_stats(&self) -> &RiskStats {
        &self.risk.stats
    }

    /// The largest |position| each participant reached on any instrument, by participant id
    /// (participants that never held a position are left out).
    pub fn risk_max_positions(&self) -> Vec<(ParticipantId, i64)> {
        let mut m = std::collections::BTreeMap::new();
        for a in &self.risk.accounts {
            let e = m.entry(a.participant).or_insert(0i64);
            *e = (*e).max(a.max_abs_position);
        }
        m.into_iter()
            .filter(|&(_, q)| q > 0)
            .map(|(p, q)| (ParticipantId(p), q))
            .collect()
    }

    /// The price band `(lo, hi)` trades of an instrument must print within now, if any.
    pub fn price_band(&self, instrument: InstrumentId) -> Option<(Price, Price)> {
        let tick = self.instrument(instrument)?.tick_size.0;
        self.risk
            .band_of(instrument.0, tick)
            .map(|(lo, hi)| (Price(lo), Price(hi)))
    }

    /// Whether any risk control is configured.
    pub fn risk_enabled(&self) -> bool {
        self.risk.on
    }

    // ---------------------------------------------------------------------------------

    /// [`Engine::process`] with risk on: timers, the message, then its events folded into
    /// the accounts, then any kill switch it tripped.
    #[inline(never)]
    pub(crate) fn process_with_risk(&mut self, m: &OrderMsg) -> OrderId {
        self.run_timers(m.ts);
        let start = self.core.sink.events.len();
        self.risk.before = None;
        self.risk.taker_price = 0;
        match Action::from_u8(m.action) {
            Some(Action::New) if m.order_type == OrderType::Limit as u8 => {
                self.risk.taker_price = m.price;
            }
            Some(Action::Reduce | Action::Replace) => {
                if let Ok(slot) = self.target(m) {
                    let n = self.core.pool.get(slot);
                    self.risk.before = Some((n.leaves, n.price));
                    self.risk.taker_price = m.price;
                }
            }
            _ => {}
        }
        let id = self.dispatch(m);
        self.risk.observe(&self.core.sink.events[start..]);
        self.risk.apply_band_stop();
        let mut kills = std::mem::take(&mut self.risk.pending_kills);
        for &p in &kills {
            self.trip(m.ts, p);
        }
        kills.clear();
        self.risk.pending_kills = kills;
        id
    }

    /// Trips `p`'s kill switch: CANCELLED(KILL_SWITCH) for every live order, then rejects.
    pub(crate) fn trip(&mut self, ts: i64, p: u32) {
        let pi = self.risk.part(p);
        if self.risk.parts[pi].killed {
            return;
        }
        self.risk.parts[pi].killed = true;
        self.risk.stats.kill_switch_trips += 1;
        let start = self.core.sink.events.len();
        self.cancel_where(ts, Reason::KillSwitch, |n| n.participant == p);
        self.risk.observe(&self.core.sink.events[start..]);
    }

    /// Sets an instrument's state with a TRADING_STATE event (none if unchanged), and the
    /// time it ends (`until` 0: open-ended).
    fn set_state(&mut self, ts: i64, i: u32, state: TradingState, until: i64, why: Reason) {
        let book = &mut self.books[i as usize];
        let ins = self.risk.ensure_inst(i);
        ins.halted_until = (state == TradingState::Halted && until > 0).then_some(until);
        if state == TradingState::Open {
            ins.limit_since = None;
            if let Some(PriceBand {
                reference: Reference::Fixed(_),
                ..
            }) = ins.band
            {
                if ins.mark > 0 {
                    ins.anchor = ins.mark;
                    ins.rebuild_band();
                }
            }
        }
        self.risk.reschedule();
        if book.state == state {
            return;
        }
        book.state = state;
        if state == TradingState::Halted {
            self.risk.stats.halts += 1;
        }
        let who = Who {
            order_id: 0,
            client_order_id: 0,
            participant: 0,
            instrument: i,
            side: Side::Buy,
        };
        let leaves = if state == TradingState::Halted {
            until
        } else {
            0
        };
        self.core.sink.order(
            EventKind::TradingState,
            ts,
            &who,
            0,
            state as i64,
            leaves,
            why,
        );
    }

    /// Runs the transitions due at `ts`: limit states that lasted `limit_ns` pause; pauses
    /// and timed halts that ended reopen.
    #[inline]
    pub(crate) fn run_timers(&mut self, ts: i64) {
        if ts < self.risk.next_timer {
            return;
        }
        for i in 0..self.risk.insts.len() {
            let ins = self.risk.insts[i];
            if let Some(end) = ins.halted_until {
                if ts >= end {
                    let why = if ins.paused {
                        Reason::PriceBand
                    } else {
                        Reason::None
                    };
                    self.risk.insts[i].paused = false;
                    self.set_state(ts, i as u32, TradingState::Open, 0, why);
                }
                continue;
            }
            if let (Some(since), Some(b)) = (ins.limit_since, ins.band) {
                if ts >= since.saturating_add(b.limit_ns)
                    && self.books[i].state == TradingState::Open
                {
                    self.risk.insts[i].paused = true;
                    self.risk.insts[i].limit_since = None;
                    let end = ts.saturating_add(b.pause_ns.max(1));
                    self.set_state(ts, i as u32, TradingState::Halted, end, Reason::PriceBand);
                }
            }
        }
        self.risk.reschedule();
    }
}
