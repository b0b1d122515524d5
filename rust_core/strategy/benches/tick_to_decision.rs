//! The whole hot path for one tick (the events of one engine message): indicators updated,
//! 16 features written, a 200-tree depth-6 model evaluated, a decision and an order built.
//! The target: under 10 µs.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use venue_engine::{ClientOrderId, ParticipantId, Qty, Ts};
use venue_strategy::{IndicatorConfig, Indicators, SignalPipeline, TreeEnsemble};

mod common;

fn tick_to_decision(c: &mut Criterion) {
    let cfg = IndicatorConfig::default();
    let names = cfg.feature_names();
    let model = TreeEnsemble::from_json(&common::synthetic_model_json(200, 6, &names, 7))
        .expect("synthetic model");
    let (prefill, ticks) = common::tick_stream();
    let mut indicators = Indicators::new(cfg).expect("config");
    indicators.on_events(&prefill);
    let mut pipe = SignalPipeline::new(indicators, model, 0.001, -0.001).expect("pipeline");
    let mut k = 0usize;
    let mut cl_ord = 0u64;
    c.bench_function("tick_to_decision_200x6x16", |b| {
        b.iter(|| {
            let tick = &ticks[k];
            k = (k + 1) % ticks.len();
            let decision = pipe.on_events(black_box(tick));
            cl_ord += 1;
            black_box(pipe.order(
                decision,
                Ts(tick[0].ts),
                ParticipantId(7),
                ClientOrderId(cl_ord),
                Qty(1),
            ))
        })
    });
    assert_eq!(pipe.indicators().book().anomalies(), 0);
}

criterion_group!(benches, tick_to_decision);
criterion_main!(benches);
