//! `venue._core.Engine`: the engine object as Python sees it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use venue_engine::bench::{Clock, LatencyHistogram};
use venue_engine::{
    Collar, Controls, Engine, Event, InstrumentId, InstrumentSpec, LevelView, Limits, OrderId,
    OrderMsg, OrderView, ParticipantId, Price, PriceBand, Qty, Reference, Side, StpMode,
    TradingState, Ts, Width, ALL_INSTRUMENTS,
};

use crate::buffer::RawBuffer;
use crate::errors::{panic_message, to_py, BatchFormatError, ConfigError, InternalError};

/// Per-message timing while `timing_start` is on.
#[derive(Debug)]
struct Timing {
    clock: Clock,
    hist: LatencyHistogram,
    /// Clock reading at the previous single call's entry (0: none yet).
    last_entry: u64,
}

/// The Rust matching engine. Events accumulate in an internal buffer until taken.
#[pyclass(name = "Engine", module = "venue._core", subclass)]
#[derive(Debug)]
pub struct PyEngine {
    inner: Engine,
    /// Set when the engine panicked: its state can no longer be trusted.
    poisoned: Option<String>,
    timing: Option<Box<Timing>>,
    /// Aligned copy of a batch whose buffer is not 8-byte aligned (kept for reuse).
    scratch: Vec<OrderMsg>,
}

/// `(bid price, bid qty, ask price, ask qty)`; a missing side is `(None, 0)`.
type BboTuple = (Option<i64>, i64, Option<i64>, i64);

/// `(order id, participant, client order id, displayed, leaves)`.
type QueueEntry = (u64, u32, u64, i64, i64);

fn narrow<T: TryFrom<i64>>(v: i64, name: &str, what: &str) -> PyResult<T> {
    T::try_from(v).map_err(|_| ConfigError::new_err(format!("{name}={v} is not a valid {what}")))
}

/// Extracts an integer argument, naming it when it does not fit (instead of a bare
/// OverflowError/TypeError from the automatic conversion).
#[inline]
fn arg<'py, T>(v: &Bound<'py, PyAny>, name: &str, what: &str) -> PyResult<T>
where
    T: for<'a> FromPyObject<'a, 'py>,
{
    v.extract::<T>()
        .map_err(|_| ConfigError::new_err(format!("{name}={} is not a valid {what}", repr(v))))
}

/// The sender and the target order of a CANCEL, REDUCE or REPLACE.
#[inline]
fn target(
    participant: &Bound<'_, PyAny>,
    order_id: &Bound<'_, PyAny>,
) -> PyResult<(ParticipantId, OrderId)> {
    Ok((
        ParticipantId(arg(
            participant,
            "participant",
            "participant id (0..2**32)",
        )?),
        OrderId(arg(order_id, "order_id", "order id (0..2**64)")?),
    ))
}

fn repr(v: &Bound<'_, PyAny>) -> String {
    v.repr().map_or_else(|_| "?".to_owned(), |r| r.to_string())
}

fn side_arg(v: i64) -> PyResult<Side> {
    narrow::<u8>(v, "side", "side (0 buy, 1 sell)").and_then(|s| {
        Side::from_u8(s).ok_or_else(|| ConfigError::new_err(format!("side={v} is not 0 or 1")))
    })
}

fn order_dict<'py>(py: Python<'py>, o: &OrderView) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("order_id", o.order_id.0)?;
    d.set_item("instrument", o.instrument.0)?;
    d.set_item("participant", o.participant.0)?;
    d.set_item("client_order_id", o.client_order_id.0)?;
    d.set_item("side", o.side as u8)?;
    d.set_item("price", o.price.0)?;
    d.set_item("leaves", o.leaves.0)?;
    d.set_item("displayed", o.displayed.0)?;
    d.set_item("display_qty", o.display_qty.0)?;
    d.set_item("tif", o.tif as u8)?;
    d.set_item("flags", o.flags)?;
    Ok(d)
}

impl PyEngine {
    /// Runs `f` on the engine, turning a panic into `InternalError` and poisoning the engine.
    #[inline]
    fn with<T>(&mut self, f: impl FnOnce(&mut Engine) -> T) -> PyResult<T> {
        if let Some(why) = &self.poisoned {
            return Err(poisoned_err(why));
        }
        match catch_unwind(AssertUnwindSafe(|| f(&mut self.inner))) {
            Ok(v) => Ok(v),
            Err(p) => Err(self.poison(&*p)),
        }
    }

    /// As `with`, for read-only queries.
    #[inline]
    fn read<T>(&self, f: impl FnOnce(&Engine) -> T) -> PyResult<T> {
        if let Some(why) = &self.poisoned {
            return Err(poisoned_err(why));
        }
        catch_unwind(AssertUnwindSafe(|| f(&self.inner)))
            .map_err(|p| InternalError::new_err(format!("engine panicked: {}", panic_message(&*p))))
    }

    fn poison(&mut self, payload: &(dyn std::any::Any + Send)) -> PyErr {
        let why = panic_message(payload);
        self.poisoned = Some(why.clone());
        InternalError::new_err(format!("engine panicked: {why}"))
    }

    /// One message from a single call; times the call-to-call interval when timing is on.
    #[inline]
    fn one(&mut self, msg: OrderMsg) -> PyResult<u64> {
        if let Some(t) = self.timing.as_deref_mut() {
            let now = t.clock.now();
            if t.last_entry != 0 {
                t.hist
                    .record(t.clock.ticks_to_ns(now.wrapping_sub(t.last_entry)));
            }
            t.last_entry = now;
        }
        self.with(|e| e.process(&msg).0)
    }

    fn instrument_arg(&self, instrument: i64) -> PyResult<InstrumentId> {
        let id = InstrumentId(narrow(instrument, "instrument", "instrument id")?);
        if (id.0 as usize) < self.inner.instrument_count() {
            Ok(id)
        } else {
            Err(to_py(venue_engine::EngineError::UnknownInstrument(id)))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Risk configuration arguments (venue/risk.py validates first; these name what is wrong).
// ---------------------------------------------------------------------------------------

/// `-1` means "the default of every participant".
fn participant_or_default(p: i64) -> PyResult<Option<ParticipantId>> {
    if p == -1 {
        return Ok(None);
    }
    Ok(Some(ParticipantId(narrow(
        p,
        "participant",
        "participant id or -1",
    )?)))
}

fn non_negative(v: i64, name: &str) -> PyResult<i64> {
    if v < 0 {
        return Err(ConfigError::new_err(format!(
            "{name} must be >= 0, got {v}"
        )));
    }
    Ok(v)
}

/// `(kind, price)`: 0 last trade, 1 mid, 2 fixed at `price`.
fn reference_arg(kind: i64, price: i64) -> PyResult<Reference> {
    match kind {
        0 => Ok(Reference::LastTrade),
        1 => Ok(Reference::Mid),
        2 if price > 0 => Ok(Reference::Fixed(price)),
        2 => Err(ConfigError::new_err(format!(
            "reference_price must be > 0 for a fixed reference, got {price}"
        ))),
        _ => Err(ConfigError::new_err(format!(
            "reference={kind} is not 0 (last trade), 1 (mid) or 2 (fixed)"
        ))),
    }
}

/// `(unit, width)`: 0 ticks, 1 basis points.
fn width_arg(unit: i64, width: i64) -> PyResult<Width> {
    let w = non_negative(width, "width")?;
    match unit {
        0 => Ok(Width::Ticks(w)),
        1 => Ok(Width::Bps(w)),
        _ => Err(ConfigError::new_err(format!(
            "unit={unit} is not 0 (ticks) or 1 (bps)"
        ))),
    }
}

fn poisoned_err(why: &str) -> PyErr {
    InternalError::new_err(format!(
        "this engine panicked earlier ({why}) and can no longer be used; create a new one"
    ))
}

#[pymethods]
impl PyEngine {
    #[new]
    #[pyo3(signature = (order_capacity = 65536, event_capacity = 65536))]
    fn new(order_capacity: usize, event_capacity: usize) -> PyResult<Self> {
        let inner = catch_unwind(|| Engine::with_capacity(order_capacity, event_capacity))
            .map_err(|p| {
                InternalError::new_err(format!("engine panicked: {}", panic_message(&*p)))
            })?;
        Ok(PyEngine {
            inner,
            poisoned: None,
            timing: None,
            scratch: Vec::new(),
        })
    }

    #[pyo3(signature = (tick_size = 1, lot_size = 1, min_qty = 1, max_qty = 1_000_000_000))]
    fn add_instrument(
        &mut self,
        tick_size: i64,
        lot_size: i64,
        min_qty: i64,
        max_qty: i64,
    ) -> PyResult<u32> {
        let spec = InstrumentSpec {
            tick_size: Price(tick_size),
            lot_size: Qty(lot_size),
            min_qty: Qty(min_qty),
            max_qty: Qty(max_qty),
        };
        self.with(|e| e.add_instrument(spec))?
            .map(|id| id.0)
            .map_err(to_py)
    }

    fn instrument_count(&self) -> PyResult<usize> {
        self.read(|e| e.instrument_count())
    }

    fn set_stp_mode(&mut self, participant: i64, mode: i64) -> PyResult<()> {
        let p = ParticipantId(narrow(participant, "participant", "participant id")?);
        let m = narrow::<u8>(mode, "mode", "StpMode")
            .ok()
            .and_then(StpMode::from_u8)
            .ok_or_else(|| ConfigError::new_err(format!("mode={mode} is not a StpMode (0..=4)")))?;
        self.with(|e| e.set_stp_mode(p, m))
    }

    fn set_trading_state(&mut self, instrument: i64, state: i64) -> PyResult<()> {
        let id = self.instrument_arg(instrument)?;
        let s = narrow::<u8>(state, "state", "TradingState")
            .ok()
            .and_then(TradingState::from_u8)
            .ok_or_else(|| {
                ConfigError::new_err(format!("state={state} is not a TradingState (0 or 1)"))
            })?;
        self.with(|e| e.set_trading_state(id, s))?.map_err(to_py)
    }

    fn trading_state(&self, instrument: i64) -> PyResult<u8> {
        let id = self.instrument_arg(instrument)?;
        Ok(self.read(|e| e.trading_state(id))?.map_or(0, |s| s as u8))
    }

    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (ts, participant, instrument, side, price, qty, order_type = None, tif = None,
                        flags = None, display_qty = 0, client_order_id = None))]
    fn submit(
        &mut self,
        ts: i64,
        participant: &Bound<'_, PyAny>,
        instrument: &Bound<'_, PyAny>,
        side: &Bound<'_, PyAny>,
        price: i64,
        qty: i64,
        order_type: Option<&Bound<'_, PyAny>>,
        tif: Option<&Bound<'_, PyAny>>,
        flags: Option<&Bound<'_, PyAny>>,
        display_qty: i64,
        client_order_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let code = |v: Option<&Bound<'_, PyAny>>, name: &str| -> PyResult<u8> {
            v.map_or(Ok(0), |v| arg(v, name, "code (0..=255)"))
        };
        self.one(OrderMsg {
            ts,
            client_order_id: client_order_id.map_or(Ok(0), |v| {
                arg(v, "client_order_id", "client order id (0..2**64)")
            })?,
            price,
            qty,
            display_qty,
            instrument: arg(instrument, "instrument", "instrument id (0..2**32)")?,
            participant: arg(participant, "participant", "participant id (0..2**32)")?,
            side: arg(side, "side", "side code (0..=255)")?,
            order_type: code(order_type, "order_type")?,
            tif: code(tif, "tif")?,
            flags: code(flags, "flags")?,
            ..OrderMsg::default()
        })
    }

    fn cancel(
        &mut self,
        ts: i64,
        participant: &Bound<'_, PyAny>,
        order_id: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let (p, id) = target(participant, order_id)?;
        let msg = OrderMsg::cancel(Ts(ts), p, id);
        self.one(msg).map(drop)
    }

    fn reduce(
        &mut self,
        ts: i64,
        participant: &Bound<'_, PyAny>,
        order_id: &Bound<'_, PyAny>,
        qty: i64,
    ) -> PyResult<()> {
        let (p, id) = target(participant, order_id)?;
        let msg = OrderMsg::reduce(Ts(ts), p, id, Qty(qty));
        self.one(msg).map(drop)
    }

    fn replace(
        &mut self,
        ts: i64,
        participant: &Bound<'_, PyAny>,
        order_id: &Bound<'_, PyAny>,
        price: i64,
        qty: i64,
    ) -> PyResult<()> {
        let (p, id) = target(participant, order_id)?;
        let msg = OrderMsg::replace(Ts(ts), p, id, Price(price), Qty(qty));
        self.one(msg).map(drop)
    }

    #[pyo3(signature = (ts, participant, instrument = None))]
    fn mass_cancel(
        &mut self,
        ts: i64,
        participant: &Bound<'_, PyAny>,
        instrument: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let msg = OrderMsg::mass_cancel(
            Ts(ts),
            ParticipantId(arg(
                participant,
                "participant",
                "participant id (0..2**32)",
            )?),
            InstrumentId(instrument.map_or(Ok(ALL_INSTRUMENTS.0), |v| {
                arg(v, "instrument", "instrument id (0..2**32)")
            })?),
        );
        self.one(msg).map(drop)
    }

    #[pyo3(signature = (ts, instrument = ALL_INSTRUMENTS.0 as i64))]
    fn expire_day_orders(&mut self, ts: i64, instrument: i64) -> PyResult<()> {
        let id = if instrument == i64::from(ALL_INSTRUMENTS.0) {
            ALL_INSTRUMENTS
        } else {
            self.instrument_arg(instrument)?
        };
        self.with(|e| e.expire_day_orders(Ts(ts), id))
    }

    /// Processes a C-contiguous buffer of 64-byte order records with the GIL released;
    /// returns how many events the batch produced.
    fn process_buffer(&mut self, py: Python<'_>, orders: &Bound<'_, PyAny>) -> PyResult<usize> {
        if let Some(why) = &self.poisoned {
            return Err(poisoned_err(why));
        }
        let raw = RawBuffer::get(orders)?;
        let bytes = raw.bytes();
        let size = core::mem::size_of::<OrderMsg>();
        if bytes.len() % size != 0 {
            return Err(BatchFormatError::new_err(format!(
                "the batch holds {} bytes, not a whole number of {size}-byte order records \
                 (use venue.ORDER_DTYPE)",
                bytes.len()
            )));
        }
        let n = bytes.len() / size;
        let aligned = bytes
            .as_ptr()
            .align_offset(core::mem::align_of::<OrderMsg>())
            == 0;
        let msgs: &[OrderMsg] = if n == 0 {
            &[]
        } else if aligned {
            // SAFETY: the buffer holds n * 64 readable bytes, is aligned for OrderMsg, and
            // every bit pattern is a valid OrderMsg (plain integers). It stays borrowed, and
            // not mutated by us, while `raw` lives.
            unsafe { std::slice::from_raw_parts(bytes.as_ptr() as *const OrderMsg, n) }
        } else {
            self.scratch.clear();
            self.scratch.extend(bytes.chunks_exact(size).map(|c| {
                // SAFETY: c is exactly 64 bytes; read_unaligned copies them into a valid OrderMsg.
                unsafe { std::ptr::read_unaligned(c.as_ptr() as *const OrderMsg) }
            }));
            &self.scratch
        };
        let before = self.inner.events().len();
        let engine = &mut self.inner;
        let timing = self.timing.as_deref_mut();
        let result = py.detach(|| {
            catch_unwind(AssertUnwindSafe(|| match timing {
                None => engine.process_batch(msgs),
                Some(t) => {
                    for m in msgs {
                        let t0 = t.clock.now();
                        engine.process(m);
                        let t1 = t.clock.now();
                        t.hist.record(t.clock.ticks_to_ns(t1.wrapping_sub(t0)));
                    }
                }
            }))
        });
        drop(raw);
        match result {
            Ok(()) => Ok(self.inner.events().len() - before),
            Err(p) => Err(self.poison(&*p)),
        }
    }

    /// Drains the event buffer: 80-byte records laid out as EVENT_LAYOUT.
    fn take_events<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        if let Some(why) = &self.poisoned {
            return Err(poisoned_err(why));
        }
        let events: &[Event] = self.inner.events();
        // SAFETY: Event is #[repr(C)] plain integers with no implicit padding (80 bytes, all
        // fields written), so its memory is initialised bytes.
        let bytes = unsafe {
            std::slice::from_raw_parts(events.as_ptr() as *const u8, std::mem::size_of_val(events))
        };
        let out = PyBytes::new(py, bytes);
        self.with(|e| e.clear_events())?;
        Ok(out)
    }

    fn pending_events(&self) -> PyResult<usize> {
        self.read(|e| e.events().len())
    }

    fn bbo(&self, instrument: i64) -> PyResult<BboTuple> {
        let id = self.instrument_arg(instrument)?;
        let b = self.read(|e| e.bbo(id))?.unwrap_or_default();
        Ok((
            b.bid.map(|(p, _)| p.0),
            b.bid.map_or(0, |(_, q)| q.0),
            b.ask.map(|(p, _)| p.0),
            b.ask.map_or(0, |(_, q)| q.0),
        ))
    }

    fn depth(&self, instrument: i64, side: i64, n: usize) -> PyResult<Vec<(i64, i64, u32)>> {
        let id = self.instrument_arg(instrument)?;
        let side = side_arg(side)?;
        let mut out: Vec<LevelView> = Vec::new();
        self.read(|e| e.depth(id, side, n, &mut out))?;
        Ok(out.iter().map(|l| (l.price.0, l.qty.0, l.orders)).collect())
    }

    fn queue(&self, instrument: i64, side: i64, price: i64) -> PyResult<Vec<QueueEntry>> {
        let id = self.instrument_arg(instrument)?;
        let side = side_arg(side)?;
        let mut out: Vec<OrderView> = Vec::new();
        self.read(|e| e.queue(id, side, Price(price), &mut out))?;
        Ok(out
            .iter()
            .map(|o| {
                (
                    o.order_id.0,
                    o.participant.0,
                    o.client_order_id.0,
                    o.displayed.0,
                    o.leaves.0,
                )
            })
            .collect())
    }

    fn order<'py>(&self, py: Python<'py>, order_id: u64) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.read(|e| e.order(OrderId(order_id)))?
            .map(|o| order_dict(py, &o))
            .transpose()
    }

    fn live_orders(&self) -> PyResult<usize> {
        self.read(|e| e.live_orders())
    }

    fn next_seq(&self) -> PyResult<u64> {
        self.read(|e| e.next_seq().0)
    }

    fn next_order_id(&self) -> PyResult<u64> {
        self.read(|e| e.next_order_id().0)
    }

    fn state_hash(&self) -> PyResult<u64> {
        self.read(|e| e.state_hash())
    }

    // ----- risk controls (docs/SEMANTICS.md, "Risk controls") -----

    /// Limits of one participant (-1: the default) on one instrument (-1: all).
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (participant, instrument, max_order_qty, max_order_notional,
                        max_position, credit_limit, restricted))]
    fn set_risk_limits(
        &mut self,
        participant: i64,
        instrument: i64,
        max_order_qty: i64,
        max_order_notional: i64,
        max_position: i64,
        credit_limit: i64,
        restricted: bool,
    ) -> PyResult<()> {
        let p = participant_or_default(participant)?;
        let i = if instrument == -1 {
            ALL_INSTRUMENTS
        } else {
            self.instrument_arg(instrument)?
        };
        if p.is_none() && i != ALL_INSTRUMENTS {
            return Err(ConfigError::new_err(
                "default limits (participant -1) apply to every instrument: pass instrument -1",
            ));
        }
        let limits = Limits {
            max_order_qty: non_negative(max_order_qty, "max_order_qty")?,
            max_order_notional: non_negative(max_order_notional, "max_order_notional")?,
            max_position: non_negative(max_position, "max_position")?,
            credit_limit: non_negative(credit_limit, "credit_limit")?,
            restricted,
        };
        self.with(|e| e.set_risk_limits(p, i, limits))
    }

    /// Controls of one participant (-1: the default). `throttle_rate` 0: no throttle.
    fn set_risk_controls(
        &mut self,
        participant: i64,
        throttle_rate: i64,
        throttle_burst: i64,
        unique_client_ids: bool,
        loss_limit: i64,
        max_breaches: i64,
    ) -> PyResult<()> {
        let p = participant_or_default(participant)?;
        let throttle = match (throttle_rate, throttle_burst) {
            (0, _) => None,
            (r, b) if r > 0 && b > 0 => Some((r as u64, b as u64)),
            (r, b) => {
                return Err(ConfigError::new_err(format!(
                    "throttle needs rate > 0 and burst > 0 (or rate 0 for none), got {r} and {b}"
                )))
            }
        };
        if max_breaches < 1 {
            return Err(ConfigError::new_err(format!(
                "max_breaches must be >= 1, got {max_breaches}"
            )));
        }
        let controls = Controls {
            throttle,
            unique_client_ids,
            loss_limit: non_negative(loss_limit, "loss_limit")?,
            max_breaches,
        };
        self.with(|e| e.set_risk_controls(p, controls))
    }

    /// Price collar of an instrument; `reference` -1 removes it.
    fn set_collar(
        &mut self,
        instrument: i64,
        reference: i64,
        reference_price: i64,
        unit: i64,
        width: i64,
    ) -> PyResult<()> {
        let id = self.instrument_arg(instrument)?;
        let collar = if reference == -1 {
            None
        } else {
            Some(Collar {
                reference: reference_arg(reference, reference_price)?,
                width: width_arg(unit, width)?,
            })
        };
        self.with(|e| e.set_collar(id, collar))?.map_err(to_py)
    }

    /// Price band of an instrument; `reference` -1 removes it.
    #[allow(clippy::too_many_arguments)]
    fn set_price_band(
        &mut self,
        instrument: i64,
        reference: i64,
        reference_price: i64,
        unit: i64,
        width: i64,
        limit_ns: i64,
        pause_ns: i64,
    ) -> PyResult<()> {
        let id = self.instrument_arg(instrument)?;
        let band = if reference == -1 {
            None
        } else {
            if reference == 1 {
                return Err(ConfigError::new_err(
                    "a price band cannot use the mid reference",
                ));
            }
            Some(PriceBand {
                reference: reference_arg(reference, reference_price)?,
                width: width_arg(unit, width)?,
                limit_ns: non_negative(limit_ns, "limit_ns")?,
                pause_ns: non_negative(pause_ns, "pause_ns")?,
            })
        };
        self.with(|e| e.set_price_band(id, band))?.map_err(to_py)
    }

    /// Trips a participant's kill switch at `ts`.
    fn kill(&mut self, ts: i64, participant: i64) -> PyResult<()> {
        let p = ParticipantId(narrow(participant, "participant", "participant id")?);
        self.with(|e| e.kill(Ts(ts), p))
    }

    /// Resets a participant's kill switch.
    fn reset_kill(&mut self, participant: i64) -> PyResult<()> {
        let p = ParticipantId(narrow(participant, "participant", "participant id")?);
        self.with(|e| e.reset_kill(p))
    }

    fn is_killed(&self, participant: i64) -> PyResult<bool> {
        let p = ParticipantId(narrow(participant, "participant", "participant id")?);
        self.read(|e| e.is_killed(p))
    }

    /// Halts an instrument at `ts` until `until` (0: until resume).
    #[pyo3(signature = (ts, instrument, until = 0))]
    fn halt(&mut self, ts: i64, instrument: i64, until: i64) -> PyResult<()> {
        let id = self.instrument_arg(instrument)?;
        self.with(|e| e.halt(Ts(ts), id, Ts(until)))?.map_err(to_py)
    }

    fn resume(&mut self, ts: i64, instrument: i64) -> PyResult<()> {
        let id = self.instrument_arg(instrument)?;
        self.with(|e| e.resume(Ts(ts), id))?.map_err(to_py)
    }

    /// Lets time pass to `ts`: due pauses and halts begin or end (events may follow).
    fn advance_time(&mut self, ts: i64) -> PyResult<()> {
        self.with(|e| e.advance_time(Ts(ts)))
    }

    /// `(position, open_buy, open_sell, open_notional, cash, max_abs_position)`.
    fn risk_position(
        &self,
        participant: i64,
        instrument: i64,
    ) -> PyResult<(i64, i64, i64, i128, i128, i64)> {
        let p = ParticipantId(narrow(participant, "participant", "participant id")?);
        let id = self.instrument_arg(instrument)?;
        let r = self.read(|e| e.risk_position(p, id))?;
        Ok((
            r.position,
            r.open_buy,
            r.open_sell,
            r.open_notional,
            r.cash,
            r.max_abs_position,
        ))
    }

    fn risk_pnl(&self, participant: i64) -> PyResult<i128> {
        let p = ParticipantId(narrow(participant, "participant", "participant id")?);
        self.read(|e| e.risk_pnl(p))
    }

    /// The price band `(lo, hi)` of an instrument now, or None.
    fn price_band(&self, instrument: i64) -> PyResult<Option<(i64, i64)>> {
        let id = self.instrument_arg(instrument)?;
        Ok(self.read(|e| e.price_band(id))?.map(|(a, b)| (a.0, b.0)))
    }

    fn risk_enabled(&self) -> PyResult<bool> {
        self.read(|e| e.risk_enabled())
    }

    /// `{"rejections": {code: n}, "cancels": {code: n}, "kill_switch_trips": n,
    /// "halts": n, "max_position": {participant: largest |position|}}`.
    fn risk_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let (stats, maxpos) = self.read(|e| (e.risk_stats().clone(), e.risk_max_positions()))?;
        let d = PyDict::new(py);
        let rej = PyDict::new(py);
        for (k, v) in &stats.rejections {
            rej.set_item(*k, *v)?;
        }
        let can = PyDict::new(py);
        for (k, v) in &stats.cancels {
            can.set_item(*k, *v)?;
        }
        let mp = PyDict::new(py);
        for (p, q) in maxpos {
            mp.set_item(p.0, q)?;
        }
        d.set_item("rejections", rej)?;
        d.set_item("cancels", can)?;
        d.set_item("kill_switch_trips", stats.kill_switch_trips)?;
        d.set_item("halts", stats.halts)?;
        d.set_item("max_position", mp)?;
        Ok(d)
    }

    /// Starts timing every message (see the stub for what is timed).
    fn timing_start(&mut self) -> PyResult<()> {
        let (clock, hist) =
            catch_unwind(|| (Clock::new(), LatencyHistogram::new())).map_err(|p| {
                InternalError::new_err(format!("timer panicked: {}", panic_message(&*p)))
            })?;
        self.timing = Some(Box::new(Timing {
            clock,
            hist,
            last_entry: 0,
        }));
        Ok(())
    }

    /// Stops timing; returns count, p50, p90, p99, p999, p9999, max and min in ns, and the
    /// histogram's non-empty buckets.
    fn timing_stop<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = self
            .timing
            .take()
            .ok_or_else(|| ConfigError::new_err("timing_stop() without timing_start()"))?;
        let h = &t.hist;
        let d = PyDict::new(py);
        d.set_item("count", h.count())?;
        for (key, q) in [
            ("p50", 0.5),
            ("p90", 0.9),
            ("p99", 0.99),
            ("p999", 0.999),
            ("p9999", 0.9999),
        ] {
            d.set_item(key, h.quantile(q))?;
        }
        d.set_item("max", h.max())?;
        d.set_item("min", h.min())?;
        // (bucket top ns, count) pairs: rounds pool exactly with `merge_latency`.
        d.set_item("buckets", h.nonzero_buckets())?;
        Ok(d)
    }
}
