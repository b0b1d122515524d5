//! Property tests: random sequences of operations on the engine (every order type and time in
//! force, icebergs, post-only, self-crossing orders under every STP mode, cancels, reduces,
//! replaces, mass cancels, expiry, halts, raw messages with any field values). After every
//! operation the invariants of `fuzz/src/lib.rs` (`Checker`) must hold; the same operations on
//! a second engine must give the same events and state hash; nothing may panic.
//!
//! The operations and the checker are shared with the cargo-fuzz target `ops`.

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod harness;

use harness::{run_twice, Driver, Op};
use proptest::prelude::*;
use venue_engine::OrderMsg;

fn new_order() -> impl Strategy<Value = Op> {
    (
        (
            0u8..4,
            prop_oneof![9 => 0u8..3, 1 => Just(3u8)],
            prop_oneof![12 => 0u8..2, 1 => any::<u8>()],
        ),
        (-5i8..=5, prop_oneof![12 => 1u8..25, 1 => any::<u8>()]),
        prop_oneof![
            12 => prop::sample::select(harness::ORDER_KINDS.to_vec()),
            1 => (any::<u8>(), any::<u8>(), any::<u8>()),
        ],
        (prop_oneof![4 => Just(0u8), 1 => 1u8..6], any::<u8>()),
    )
        .prop_map(
            |(
                (participant, instrument, side),
                (off, lots),
                (order_type, tif, flags),
                (dl, coid),
            )| {
                Op::New {
                    participant,
                    instrument,
                    side,
                    off,
                    lots,
                    order_type,
                    tif,
                    flags,
                    display_lots: dl,
                    coid,
                }
            },
        )
}

/// A GTC limit on its own side of the middle: builds depth.
fn passive_order() -> impl Strategy<Value = Op> {
    (
        0u8..4,
        0u8..3,
        0u8..2,
        0i8..5,
        prop_oneof![12 => 1u8..25, 1 => 200u8..=255],
        prop_oneof![3 => Just(0u8), 1 => 1u8..4],
        any::<u8>(),
    )
        .prop_map(
            |(participant, instrument, side, away, lots, dl, coid)| Op::New {
                participant,
                instrument,
                side,
                off: if side == 0 { -away } else { away },
                lots,
                order_type: 0,
                tif: 0,
                flags: 0,
                display_lots: dl,
                coid,
            },
        )
}

fn raw_order() -> impl Strategy<Value = Op> {
    let small_or_any = || prop_oneof![4 => -3i64..120, 1 => any::<i64>()];
    (
        (any::<i64>(), 0u64..40, 0u64..8),
        (small_or_any(), small_or_any(), small_or_any()),
        (0u32..5, 0u32..4),
        (0u8..7, 0u8..3, 0u8..3, 0u8..5, 0u8..3),
    )
        .prop_map(
            |(
                (ts, order_id, client_order_id),
                (price, qty, display_qty),
                (instrument, participant),
                (action, side, order_type, tif, flags),
            )| {
                Op::Raw(OrderMsg {
                    ts,
                    order_id,
                    client_order_id,
                    price,
                    qty,
                    display_qty,
                    instrument,
                    participant,
                    action,
                    side,
                    order_type,
                    tif,
                    flags,
                    _pad: [0; 3],
                })
            },
        )
}

fn target() -> impl Strategy<Value = u16> {
    prop_oneof![8 => 0u16..0x100, 1 => 0x8000u16..0x8100, 1 => 0xC000u16..0xC010]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => new_order(),
        6 => passive_order(),
        3 => raw_order(),
        3 => (target(), prop::bool::weighted(0.15))
            .prop_map(|(target, other)| Op::Cancel { target, other }),
        3 => (target(), prop::bool::weighted(0.15), -2i8..6)
            .prop_map(|(target, other, lots)| Op::Reduce { target, other, lots }),
        4 => (target(), prop::bool::weighted(0.15), prop::option::of(-5i8..=5), -4i8..6)
            .prop_map(|(target, other, off, lots)| Op::Replace { target, other, off, lots }),
        1 => (0u8..4, 0u8..5)
            .prop_map(|(participant, instrument)| Op::MassCancel { participant, instrument }),
        1 => (0u8..4).prop_map(|instrument| Op::Expire { instrument }),
        2 => (0u8..4, 0u8..5).prop_map(|(participant, mode)| Op::SetStp { participant, mode }),
        1 => (0u8..3, prop::bool::weighted(0.3))
            .prop_map(|(instrument, halted)| Op::SetState { instrument, halted }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // Failing cases are saved beside this file and rerun first.
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    /// Every invariant holds after every operation, and equal histories give equal events and
    /// state hashes.
    #[test]
    fn invariants_hold_and_runs_are_deterministic(ops in prop::collection::vec(op(), 1..150)) {
        if let Err(why) = run_twice(&ops) {
            prop_assert!(false, "{}", why);
        }
    }

    /// Arbitrary bytes, decoded as the fuzz target decodes them, never break the engine.
    #[test]
    fn decoded_bytes_keep_invariants(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        let ops = harness::decode(&data);
        if let Err(why) = run_twice(&ops) {
            prop_assert!(false, "{}", why);
        }
    }
}

/// The checker is not vacuous: a forged event stream that breaks an invariant is caught.
#[test]
fn checker_catches_a_broken_stream() {
    let mut d = Driver::new();
    d.apply(&Op::New {
        participant: 1,
        instrument: 0,
        side: 1,
        off: 1,
        lots: 5,
        order_type: 0,
        tif: 0,
        flags: 0,
        display_lots: 0,
        coid: 1,
    })
    .expect("a resting sell");
    // Replaying the same events again reuses sequence numbers and order ids.
    let replayed = d.log.clone();
    let mut checker = harness::Checker::new();
    checker
        .on_events(&replayed)
        .expect("the original stream is consistent");
    let err = checker.on_events(&replayed).unwrap_err();
    assert!(err.contains("sequence"), "{err}");
}

/// Self-trade prevention paths are reached by the generators (a smoke check that the
/// distribution is not degenerate): a same-participant cross under each STP mode.
#[test]
fn self_cross_under_every_stp_mode() {
    for mode in 0u8..5 {
        let ops = vec![
            Op::SetStp {
                participant: 1,
                mode,
            },
            Op::New {
                participant: 1,
                instrument: 0,
                side: 1,
                off: 0,
                lots: 5,
                order_type: 0,
                tif: 0,
                flags: 0,
                display_lots: 2,
                coid: 1,
            },
            Op::New {
                participant: 1,
                instrument: 0,
                side: 0,
                off: 1,
                lots: 3,
                order_type: 0,
                tif: 0,
                flags: 0,
                display_lots: 0,
                coid: 2,
            },
        ];
        run_twice(&ops).unwrap_or_else(|why| panic!("mode {mode}: {why}"));
    }
}
