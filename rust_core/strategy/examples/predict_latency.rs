//! Latency of one prediction (200 trees, depth 6, 16 features: rows with and without
//! missing values, and the node-by-node reference) and of the whole tick →
//! features → prediction → order path, in a release build:
//! `cargo run --release -p venue-strategy --example predict_latency`.
//!
//! Each sample times a short batch of 8 calls and divides; percentiles over 20,000 samples.
//! Short batches keep preemption (a busy shared machine) out of most samples, so the median
//! is the cost of the code; the tail shows the machine.

use std::hint::black_box;
use std::time::Instant;
use venue_engine::{ClientOrderId, ParticipantId, Qty, Ts};
use venue_strategy::{IndicatorConfig, Indicators, SignalPipeline, TreeEnsemble};

#[path = "../benches/common/mod.rs"]
mod common;

const PER_SAMPLE: usize = 8;

fn report(name: &str, mut f: impl FnMut(usize) -> f32) {
    let mut ns: Vec<f64> = (0..20_000)
        .map(|s| {
            let t0 = Instant::now();
            let mut acc = 0f32;
            for k in 0..PER_SAMPLE {
                acc += f(s * PER_SAMPLE + k);
            }
            black_box(acc);
            t0.elapsed().as_nanos() as f64 / PER_SAMPLE as f64
        })
        .collect();
    ns.sort_by(f64::total_cmp);
    let q = |p: f64| ns[((ns.len() - 1) as f64 * p) as usize];
    println!(
        "{name}: p50 {:.0} ns, p90 {:.0} ns, p99 {:.0} ns, min {:.0} ns",
        q(0.5),
        q(0.9),
        q(0.99),
        ns[0]
    );
}

fn main() {
    let cfg = IndicatorConfig::default();
    let names = cfg.feature_names();
    let model = TreeEnsemble::from_json(&common::synthetic_model_json(200, 6, &names, 7))
        .expect("synthetic model");
    let rows = common::rows(1024, 16, 11);
    let complete: Vec<Vec<f32>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|x| if x.is_nan() { 0.0 } else { *x })
                .collect()
        })
        .collect();
    report("predict, rows with 5% missing values", |k| {
        model.predict(black_box(&rows[k & 1023])).unwrap()
    });
    report("predict, rows without missing values", |k| {
        model.predict(black_box(&complete[k & 1023])).unwrap()
    });
    report("predict_reference (node by node)", |k| {
        model.predict_reference(black_box(&rows[k & 1023])).unwrap()
    });
    let (prefill, ticks) = common::tick_stream();
    let mut indicators = Indicators::new(cfg).expect("config");
    indicators.on_events(&prefill);
    let mut pipe = SignalPipeline::new(indicators, model, 0.001, -0.001).expect("pipeline");
    report("tick -> indicators -> features -> predict -> order", |k| {
        let tick = &ticks[k % ticks.len()];
        let d = pipe.on_events(black_box(tick));
        let o = pipe.order(
            d,
            Ts(tick[0].ts),
            ParticipantId(7),
            ClientOrderId(k as u64),
            Qty(1),
        );
        o.map_or(0.0, |o| o.price as f32)
    });
}
