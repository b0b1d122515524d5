//! Shared by the benches and the latency example: a synthetic xgboost-format model (random
//! perfect trees) and a synthetic tick stream, so they need neither Python nor xgboost.
#![allow(dead_code)] // each bench uses part of it

use venue_engine::{Event, EventKind};

/// A deterministic pseudo-random stream (SplitMix64).
#[derive(Debug)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// xgboost JSON text for `trees` full binary trees of `depth` over `features` features
/// named `names` (thresholds and features random, a quarter of the nodes default-left).
pub fn synthetic_model_json(trees: usize, depth: usize, names: &[String], seed: u64) -> String {
    let features = names.len();
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    for _ in 0..trees {
        let n = (1usize << (depth + 1)) - 1;
        let internal = (1usize << depth) - 1;
        let (mut l, mut r, mut f, mut c, mut d) = (vec![], vec![], vec![], vec![], vec![]);
        for i in 0..n {
            if i < internal {
                l.push((2 * i + 1) as i64);
                r.push((2 * i + 2) as i64);
                f.push((rng.next_u64() % features as u64) as i64);
                c.push(rng.unit() * 2.0 - 1.0);
                d.push(i64::from(rng.next_u64() % 4 == 0));
            } else {
                l.push(-1);
                r.push(-1);
                f.push(0);
                c.push((rng.unit() - 0.5) * 0.01);
                d.push(0);
            }
        }
        out.push(format!(
            r#"{{"left_children": {l:?}, "right_children": {r:?}, "split_indices": {f:?},
            "split_conditions": {c:?}, "default_left": {d:?}, "split_type": {:?},
            "tree_param": {{"num_nodes": "{n}", "size_leaf_vector": "1"}}}}"#,
            vec![0; n]
        ));
    }
    let names: Vec<String> = names.iter().map(|s| format!("\"{s}\"")).collect();
    format!(
        r#"{{"learner": {{"feature_names": [{}], "feature_types": [],
        "learner_model_param": {{"base_score": "[1E-1]", "num_feature": "{features}",
          "num_class": "0", "num_target": "1"}},
        "objective": {{"name": "reg:squarederror"}},
        "gradient_booster": {{"name": "gbtree", "model": {{"tree_info": {:?},
          "trees": [{}]}}}}}}, "version": [3, 2, 0]}}"#,
        names.join(","),
        vec![0; trees],
        out.join(",")
    )
}

/// Random rows of `features` values in [-1, 1), one in twenty missing.
pub fn rows(n: usize, features: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            (0..features)
                .map(|_| {
                    if rng.next_u64() % 20 == 0 {
                        f32::NAN
                    } else {
                        rng.unit() * 2.0 - 1.0
                    }
                })
                .collect()
        })
        .collect()
}

pub fn event(ts: i64, kind: EventKind, id: u64, side: u8, price: i64, qty: i64) -> Event {
    Event {
        ts,
        order_id: id,
        side,
        price,
        qty,
        leaves: qty,
        kind: kind as u8,
        ..Event::default()
    }
}

/// A prefill (20 levels a side) and a cycle of ticks that leaves the book as it found it:
/// an order joins near the touch, then a taker fills it completely.
pub fn tick_stream() -> (Vec<Event>, Vec<Vec<Event>>) {
    let mut prefill = vec![];
    for l in 0..20 {
        prefill.push(event(0, EventKind::BookAdd, 1 + l, 0, 9_999 - l as i64, 10));
        prefill.push(event(
            0,
            EventKind::BookAdd,
            101 + l,
            1,
            10_001 + l as i64,
            10,
        ));
    }
    let mut rng = Rng(5);
    let mut ticks = vec![];
    for j in 0..512u64 {
        let side = (j % 2) as u8;
        let off = (rng.next_u64() % 3) as i64;
        let price = if side == 0 {
            10_000 - off
        } else {
            10_000 + off
        };
        let qty = 1 + (rng.next_u64() % 9) as i64;
        let id = 1_000 + j;
        let ts = 2 * j as i64 + 1;
        ticks.push(vec![event(ts, EventKind::BookAdd, id, side, price, qty)]);
        let mut fill = event(ts + 1, EventKind::Trade, 5_000 + j, 1 - side, price, qty);
        fill.maker_order_id = id;
        ticks.push(vec![
            fill,
            event(ts + 1, EventKind::BookDelete, id, side, price, 0),
        ]);
    }
    (prefill, ticks)
}
