//! Replays every LOBSTER sample zip in a folder and prints the counts and the speed
//! (messages per second, decompression and parsing included). Run in release:
//!
//! ```text
//! cargo run --release -p venue-replay --example replay_speed [FOLDER] [REPEATS]
//! ```
//! FOLDER defaults to `../shared/data/lobster` beside the repository.

use std::path::PathBuf;

use venue_replay::lobster::{run, Options, Source};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/lobster")
    });
    let repeats: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let mut zips: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "zip"))
        .collect();
    zips.sort();
    println!(
        "{:<45} {:>8} {:>8} {:>8} {:>5} {:>12} {:>12} {:>24}",
        "file",
        "rows",
        "exact",
        "adopted",
        "miss",
        "best msg/s",
        "median msg/s",
        "ms inflate/parse/replay"
    );
    for z in zips {
        let mut speeds = Vec::new();
        let mut best: Option<venue_replay::lobster::Report> = None;
        for _ in 0..repeats {
            let src = Source::open(&z, None).expect("readable sample");
            let r = run(src, Options::default()).expect("replayable sample");
            speeds.push(r.messages_per_s());
            if best.as_ref().is_none_or(|b| r.seconds < b.seconds) {
                best = Some(r);
            }
        }
        speeds.sort_by(|a, b| a.total_cmp(b));
        let r = best.expect("at least one run");
        let o = &r.outcome;
        println!(
            "{:<45} {:>8} {:>8} {:>8} {:>5} {:>12.0} {:>12.0} {:>24}",
            z.file_name().unwrap().to_string_lossy(),
            o.rows,
            o.exact,
            o.adopted,
            o.mismatched,
            speeds[speeds.len() - 1],
            speeds[speeds.len() / 2],
            format!(
                "{:.0}/{:.0}/{:.0}",
                r.seconds_inflate * 1e3,
                r.seconds_parse * 1e3,
                (r.seconds - r.seconds_inflate - r.seconds_parse) * 1e3
            )
        );
    }
}
