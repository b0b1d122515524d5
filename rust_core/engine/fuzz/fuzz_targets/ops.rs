//! Fuzz target `ops`: arbitrary bytes decoded as engine operations. The engine must never
//! panic, every invariant of `venue_engine_fuzz::Checker` must hold after every operation,
//! and a second engine fed the same operations must give the same events and state hash.
//!
//! Run: `cargo +nightly fuzz run ops` from `rust_core/engine` (see docs/FUZZING.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ops = venue_engine_fuzz::decode(data);
    if let Err(why) = venue_engine_fuzz::run_twice(&ops) {
        panic!("{why}");
    }
});
