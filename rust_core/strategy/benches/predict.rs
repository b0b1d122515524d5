//! One prediction of a 200-tree, depth-6, 16-feature ensemble (the target: at most
//! 3 µs), beside the node-by-node reference walk.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use venue_strategy::TreeEnsemble;

mod common;

fn predict(c: &mut Criterion) {
    let names: Vec<String> = (0..16).map(|i| format!("f{i}")).collect();
    let model = TreeEnsemble::from_json(&common::synthetic_model_json(200, 6, &names, 7))
        .expect("synthetic model");
    let rows = common::rows(1024, 16, 11);
    let mut g = c.benchmark_group("predict_200x6x16");
    let mut k = 0usize;
    g.bench_function("perfect_layout", |b| {
        b.iter(|| {
            k = (k + 1) & 1023;
            model.predict(black_box(&rows[k])).unwrap()
        })
    });
    g.bench_function("reference_walk", |b| {
        b.iter(|| {
            k = (k + 1) & 1023;
            model.predict_reference(black_box(&rows[k])).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, predict);
criterion_main!(benches);
