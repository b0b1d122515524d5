//! Criterion benches of the engine's operations, each on a realistic book.
//!
//! - `add`: a passive limit order behind the touch of a ~5,000-order book;
//! - `cancel`, `reduce`, `replace`: of resting orders in random order;
//! - `sweep`: a marketable order that takes 5 levels of 4 orders (20 fills);
//! - `deep_book`: an add and a cancel at random depths of a 40,000-order, 4,000-level book;
//! - `stream`: the synthetic default-mix stream (see `bench::synthetic_stream`) end to end.
//!
//! Every message produces its events (the buffer is cleared every 4,096 messages, as in
//! `venue bench`). Run: `cargo bench -p venue-engine --bench engine`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use venue_engine::bench::{
    stream_engine, stream_to_orders, synthetic_stream, CLEAR_EVERY, STREAM_INSTRUMENT,
    STREAM_PARTICIPANT,
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
    let mut e = stream_engine(1 << 20, CLEAR_EVERY * 16);
    for chunk in orders.chunks(CLEAR_EVERY) {
        e.process_batch(chunk);
        e.clear_events();
    }
    e
}

/// An engine with `n` resting bids spread over `levels` levels below `MID`; their ids are
/// returned in a shuffled order.
fn resting_bids(n: u64, levels: u64, seed: u64) -> (Engine, Vec<u64>) {
    let mut e = stream_engine((n as usize).max(1024) * 2, CLEAR_EVERY * 16);
    let mut rng = Rng(seed);
    let mut ids = Vec::with_capacity(n as usize);
    for i in 0..n {
        let px = MID - 1 - rng.below(levels) as i64;
        let id = e.process(&limit(i as i64, i + 1, Side::Buy, px, 100));
        ids.push(id.0);
        if e.events().len() >= CLEAR_EVERY * 8 {
            e.clear_events();
        }
    }
    e.clear_events();
    for i in (1..ids.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        ids.swap(i, j);
    }
    (e, ids)
}

/// Times `iters` messages made by `msg(i)` on `engine`, clearing events as `venue bench` does.
fn time_msgs(engine: &mut Engine, iters: u64, mut msg: impl FnMut(u64) -> OrderMsg) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        black_box(engine.process(&msg(i)));
        if i % CLEAR_EVERY as u64 == 0 {
            engine.clear_events();
        }
    }
    start.elapsed()
}

fn add(c: &mut Criterion) {
    let mut g = c.benchmark_group("add");
    g.throughput(Throughput::Elements(1));
    g.bench_function("passive_behind_touch", |b| {
        b.iter_custom(|iters| {
            let mut e = realistic_book();
            let bbo = e.bbo(STREAM_INSTRUMENT).unwrap();
            let (bid, ask) = (bbo.bid.unwrap().0 .0, bbo.ask.unwrap().0 .0);
            let mut rng = Rng(7);
            time_msgs(&mut e, iters, |i| {
                let depth = rng.below(20) as i64;
                if i % 2 == 0 {
                    limit(i as i64, 1 << 40 | i, Side::Buy, bid - depth, 10)
                } else {
                    limit(i as i64, 1 << 40 | i, Side::Sell, ask + depth, 10)
                }
            })
        })
    });
    g.finish();
}

fn cancel_reduce_replace(c: &mut Criterion) {
    let mut g = c.benchmark_group("modify");
    g.throughput(Throughput::Elements(1));
    g.bench_function("cancel", |b| {
        b.iter_custom(|iters| {
            let (mut e, ids) = resting_bids(iters, 200, 3);
            time_msgs(&mut e, iters, |i| {
                OrderMsg::cancel(Ts(i as i64), STREAM_PARTICIPANT, OrderId(ids[i as usize]))
            })
        })
    });
    g.bench_function("reduce", |b| {
        b.iter_custom(|iters| {
            let (mut e, ids) = resting_bids(iters, 200, 4);
            time_msgs(&mut e, iters, |i| {
                let id = OrderId(ids[i as usize]);
                OrderMsg::reduce(Ts(i as i64), STREAM_PARTICIPANT, id, Qty(60))
            })
        })
    });
    g.bench_function("replace_new_price", |b| {
        b.iter_custom(|iters| {
            let (mut e, ids) = resting_bids(iters, 200, 5);
            let mut rng = Rng(9);
            time_msgs(&mut e, iters, |i| {
                let id = OrderId(ids[i as usize]);
                let px = Price(MID - 1 - rng.below(200) as i64);
                OrderMsg::replace(Ts(i as i64), STREAM_PARTICIPANT, id, px, Qty(100))
            })
        })
    });
    g.finish();
}

fn sweep(c: &mut Criterion) {
    let mut g = c.benchmark_group("marketable");
    g.throughput(Throughput::Elements(1));
    // Five ask levels of four orders each; the buy takes them all: 20 fills, 5 levels gone.
    let setup = || {
        let mut e = stream_engine(64, 256);
        let mut cid = 1;
        for level in 0..5 {
            for _ in 0..4 {
                e.process(&limit(0, cid, Side::Sell, MID + level, 10));
                cid += 1;
            }
        }
        e.clear_events();
        e
    };
    let taker = limit(1, 1_000, Side::Buy, MID + 4, 200);
    g.bench_function("sweep_5_levels_20_fills", |b| {
        b.iter_batched_ref(
            setup,
            |e| black_box(e.process(black_box(&taker))),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn deep_book(c: &mut Criterion) {
    let mut g = c.benchmark_group("deep_book");
    g.throughput(Throughput::Elements(2));
    // 20,000 bids over 2,000 levels and as many asks: adds and cancels anywhere in depth.
    g.bench_function("add_and_cancel_at_random_depth", |b| {
        b.iter_custom(|iters| {
            let mut e = stream_engine(1 << 17, CLEAR_EVERY * 16);
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
