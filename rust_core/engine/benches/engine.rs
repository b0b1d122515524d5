//! Criterion benches of the engine's operations, each on a realistic book.
//!
//! - `add`: a passive limit order 0 to 19 ticks behind the touch of a ~5,000-order book;
//! - `cancel`, `reduce`, `replace`: of orders resting behind the touch of that book, in
//!   random order (blocks of 4,096 added untimed, then acted on; the book stays realistic);
//! - `sweep`: a marketable order that takes 5 levels of 4 orders (20 fills);
//! - `deep_book`: an add and a cancel at random depths of a 40,000-order, 4,000-level book;
//! - `stream`: the synthetic default-mix stream (see `bench::synthetic_stream`) end to end.
//!
//! Every message produces its events (the buffer is cleared every 4,096 messages, as in
//! `venue bench`). Every engine is made with room for 65,536 orders, as `venue bench` and the
//! Python `Engine()` default: the engine sizes its tables from it, and a much larger capacity
//! spreads the same orders over more memory (more cache misses per message). Run: `cargo bench -p venue-engine --bench engine`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use venue_engine::bench::{
    stream_engine, stream_instrument, stream_to_orders, synthetic_stream, Clock, CLEAR_EVERY,
    STREAM_INSTRUMENT, STREAM_PARTICIPANT,
};
use venue_engine::*;

/// A small deterministic generator for prices and picks.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

const MID: i64 = 1_000_000;

fn limit(ts: i64, cid: u64, side: Side, price: i64, qty: i64) -> OrderMsg {
    OrderMsg::limit(
        Ts(ts),
        STREAM_PARTICIPANT,
        STREAM_INSTRUMENT,
        ClientOrderId(cid),
        side,
        Price(price),
        Qty(qty),
    )
}

/// An engine holding the synthetic stream's book after its 5,000-order prefill and 20,000
/// more messages: ~5,000 orders on ~200 levels around `MID`, spread one tick or so.
fn realistic_book() -> Engine {
    let g = synthetic_stream(20_000, 1);
    let orders = stream_to_orders(&g.records).expect("synthetic streams are valid");
    let mut e = stream_engine(1 << 16, CLEAR_EVERY * 16);
    for chunk in orders.chunks(CLEAR_EVERY) {
        e.process_batch(chunk);
        e.clear_events();
    }
    e
}

/// Orders a block adds, cancels, reduces or replaces before the book is put back: the book
/// stays realistic (about 5,000 to 9,000 orders) however many iterations Criterion asks for.
const BLOCK: u64 = 4_096;

/// Unique client order ids for the orders the benches add.
struct Ids(u64);

impl Ids {
    fn next(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }
}

/// Adds `n` passive orders 0 to 19 ticks behind the touch to `e` (bids with even ids, asks
/// with odd ones), returning their ids in a shuffled order.
fn add_behind_touch(e: &mut Engine, n: u64, ids: &mut Ids, rng: &mut Rng) -> Vec<u64> {
    let bbo = e.bbo(STREAM_INSTRUMENT).unwrap();
    let (bid, ask) = (bbo.bid.unwrap().0 .0, bbo.ask.unwrap().0 .0);
    let mut out: Vec<u64> = (0..n)
        .map(|_| {
            // The side follows the parity of the id the order will get: even ids are bids.
            let depth = rng.below(20) as i64;
            let m = if e.next_order_id().0 % 2 == 0 {
                limit(0, ids.next(), Side::Buy, bid - depth, 100)
            } else {
                limit(0, ids.next(), Side::Sell, ask + depth, 100)
            };
            e.process(&m).0
        })
        .collect();
    e.clear_events();
    for i in (1..out.len()).rev() {
        out.swap(i, rng.below(i as u64 + 1) as usize);
    }
    out
}

/// The benches measure what they say only if nothing was rejected.
fn assert_no_rejects(e: &Engine) {
    if let Some(r) = e
        .events()
        .iter()
        .find(|ev| ev.kind() == EventKind::Rejected)
    {
        panic!("a bench message was rejected: {:?}", r.reason());
    }
}

fn cancel_all(e: &mut Engine, ids: &[u64]) {
    for &id in ids {
        e.process(&OrderMsg::cancel(Ts(0), STREAM_PARTICIPANT, OrderId(id)));
    }
    e.clear_events();
}

/// Runs `iters` timed operations in blocks of [`BLOCK`] on a realistic book: `prepare`
/// (untimed) adds the block's orders, `op` (timed) acts on the block's `k`-th order, `undo`
/// (untimed) puts the book back.
fn blocks(
    iters: u64,
    mut prepare: impl FnMut(&mut Engine, u64, &mut Ids, &mut Rng) -> Vec<u64>,
    mut op: impl FnMut(u64, u64, &mut Rng) -> OrderMsg,
    mut undo: impl FnMut(&mut Engine, &[u64]),
) -> Duration {
    let mut e = realistic_book();
    let (mut ids, mut rng) = (Ids(1 << 40), Rng(7));
    let mut total = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let n = BLOCK.min(iters - done);
        let block = prepare(&mut e, n, &mut ids, &mut rng);
        let msgs: Vec<OrderMsg> = (0..n)
            .map(|k| {
                op(
                    block.get(k as usize).copied().unwrap_or(0),
                    ids.next(),
                    &mut rng,
                )
            })
            .collect();
        let start = Instant::now();
        for m in &msgs {
            black_box(e.process(m));
        }
        total += start.elapsed();
        assert_no_rejects(&e);
        e.clear_events();
        undo(&mut e, &block);
        done += n;
    }
    total
}

fn add(c: &mut Criterion) {
    let mut g = c.benchmark_group("add");
    g.throughput(Throughput::Elements(1));
    g.bench_function("passive_behind_touch", |b| {
        b.iter_custom(|iters| {
            let mut e = realistic_book();
            let bbo = e.bbo(STREAM_INSTRUMENT).unwrap();
            let (bid, ask) = (bbo.bid.unwrap().0 .0, bbo.ask.unwrap().0 .0);
            let (mut ids, mut rng) = (Ids(1 << 40), Rng(7));
            let mut total = Duration::ZERO;
            let mut done = 0;
            while done < iters {
                let n = BLOCK.min(iters - done);
                let msgs: Vec<OrderMsg> = (0..n)
                    .map(|i| {
                        let depth = rng.below(20) as i64;
                        if i % 2 == 0 {
                            limit(0, ids.next(), Side::Buy, bid - depth, 100)
                        } else {
                            limit(0, ids.next(), Side::Sell, ask + depth, 100)
                        }
                    })
                    .collect();
                let mut added = Vec::with_capacity(n as usize);
                let start = Instant::now();
                for m in &msgs {
                    added.push(black_box(e.process(m)).0);
                }
                total += start.elapsed();
                assert_no_rejects(&e);
                e.clear_events();
                cancel_all(&mut e, &added);
                done += n;
            }
            total
        })
    });
    g.finish();
}

fn cancel_reduce_replace(c: &mut Criterion) {
    let mut g = c.benchmark_group("modify");
    g.throughput(Throughput::Elements(1));
    let p = STREAM_PARTICIPANT;
    g.bench_function("cancel", |b| {
        b.iter_custom(|iters| {
            blocks(
                iters,
                add_behind_touch,
                |id, _, _| OrderMsg::cancel(Ts(0), p, OrderId(id)),
                |_, _| {},
            )
        })
    });
    g.bench_function("reduce", |b| {
        b.iter_custom(|iters| {
            blocks(
                iters,
                add_behind_touch,
                |id, _, _| OrderMsg::reduce(Ts(0), p, OrderId(id), Qty(60)),
                cancel_all,
            )
        })
    });
    g.bench_function("replace_new_price", |b| {
        b.iter_custom(|iters| {
            let touch = std::cell::Cell::new((0i64, 0i64));
            blocks(
                iters,
                |e, n, ids, rng| {
                    let bbo = e.bbo(STREAM_INSTRUMENT).unwrap();
                    touch.set((bbo.bid.unwrap().0 .0, bbo.ask.unwrap().0 .0));
                    add_behind_touch(e, n, ids, rng)
                },
                |id, _, rng| {
                    // Each order moves to 1 to 20 ticks behind the touch on its side.
                    let depth = 1 + rng.below(20) as i64;
                    let (bid, ask) = touch.get();
                    let px = if id % 2 == 0 {
                        bid - depth
                    } else {
                        ask + depth
                    };
                    OrderMsg::replace(Ts(0), p, OrderId(id), Price(px), Qty(100))
                },
                cancel_all,
            )
        })
    });
    g.finish();
}

fn sweep(c: &mut Criterion) {
    let mut g = c.benchmark_group("marketable");
    g.throughput(Throughput::Elements(1));
    // A second instrument beside the realistic book of instrument 0 gets five ask levels of
    // four orders each (refilled, untimed, before each sweep); a buy takes them all: 20
    // fills, 5 levels gone. Each sweep is timed with the bench clock (an rdtsc pair, ~9 ns).
    g.bench_function("sweep_5_levels_20_fills", |b| {
        b.iter_custom(|iters| {
            let clock = Clock::new();
            let mut e = realistic_book();
            let other = e.add_instrument(stream_instrument()).unwrap();
            let order = |cid: u64, side: Side, price: i64, qty: i64| {
                OrderMsg::limit(
                    Ts(0),
                    STREAM_PARTICIPANT,
                    other,
                    ClientOrderId(cid),
                    side,
                    Price(price),
                    Qty(qty),
                )
            };
            let mut ids = Ids(1 << 40);
            let mut ticks = 0u64;
            for _ in 0..iters {
                for level in 0..5 {
                    for _ in 0..4 {
                        e.process(&order(ids.next(), Side::Sell, MID + level, 10));
                    }
                }
                e.clear_events();
                let taker = order(ids.next(), Side::Buy, MID + 4, 200);
                let t0 = clock.now();
                black_box(e.process(&taker));
                ticks += clock.now() - t0;
                let fills = e.events().iter().filter(|ev| ev.kind() == EventKind::Trade);
                assert_eq!(fills.count(), 20, "the sweep must take all 20 orders");
            }
            Duration::from_nanos(clock.ticks_to_ns(ticks))
        })
    });
    g.finish();
}

fn deep_book(c: &mut Criterion) {
    let mut g = c.benchmark_group("deep_book");
    g.throughput(Throughput::Elements(2));
    // 20,000 bids over 2,000 levels and as many asks: adds and cancels anywhere in depth.
    g.bench_function("add_and_cancel_at_random_depth", |b| {
        b.iter_custom(|iters| {
            let mut e = stream_engine(1 << 16, CLEAR_EVERY * 16);
            let mut rng = Rng(11);
            let mut live: Vec<u64> = Vec::with_capacity(40_000);
            let mut cid = 0u64;
            for i in 0..40_000 {
                cid += 1;
                let d = rng.below(2_000) as i64;
                let m = if i % 2 == 0 {
                    limit(0, cid, Side::Buy, MID - 1 - d, 10)
                } else {
                    limit(0, cid, Side::Sell, MID + 1 + d, 10)
                };
                live.push(e.process(&m).0);
                if e.events().len() > CLEAR_EVERY * 8 {
                    e.clear_events();
                }
            }
            e.clear_events();
            let mut rng = Rng(13);
            let start = Instant::now();
            for i in 0..iters {
                cid += 1;
                let d = rng.below(2_000) as i64;
                let m = if i % 2 == 0 {
                    limit(i as i64, cid, Side::Buy, MID - 1 - d, 10)
                } else {
                    limit(i as i64, cid, Side::Sell, MID + 1 + d, 10)
                };
                let id = e.process(&m).0;
                let j = rng.below(live.len() as u64) as usize;
                let victim = std::mem::replace(&mut live[j], id);
                e.process(&OrderMsg::cancel(
                    Ts(i as i64),
                    STREAM_PARTICIPANT,
                    OrderId(victim),
                ));
                if i % 2048 == 0 {
                    e.clear_events();
                }
            }
            start.elapsed()
        })
    });
    g.finish();
}

fn stream(c: &mut Criterion) {
    let g_out = synthetic_stream(200_000, 42);
    let orders = stream_to_orders(&g_out.records).expect("synthetic streams are valid");
    let mut g = c.benchmark_group("stream");
    g.throughput(Throughput::Elements(orders.len() as u64));
    g.sample_size(10);
    g.bench_function("default_mix_205k_msgs", |b| {
        b.iter_batched_ref(
            || stream_engine(1 << 16, CLEAR_EVERY * 16),
            |e| {
                for chunk in orders.chunks(CLEAR_EVERY) {
                    e.process_batch(chunk);
                    e.clear_events();
                }
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = add, cancel_reduce_replace, sweep, deep_book, stream
}
criterion_main!(benches);
