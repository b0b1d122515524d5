//! The real samples in `../shared/data` (skipped, with a note, when the folder is absent):
//! every LOBSTER row matches; the ITCH excerpt frames into its documented messages.

use std::path::PathBuf;

use venue_replay::lobster::{replay_path, Options};

fn data(sub: &str) -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(sub);
    if d.exists() {
        Some(d)
    } else {
        eprintln!("skipped: {} is not there", d.display());
        None
    }
}

#[test]
fn every_row_of_every_lobster_sample_matches() {
    let Some(dir) = data("lobster") else { return };
    let mut zips: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "zip"))
        .collect();
    zips.sort();
    assert_eq!(zips.len(), 5);
    for z in zips {
        let r = replay_path(&z, None, Options::default()).unwrap();
        let o = &r.outcome;
        assert_eq!(o.mismatched, 0, "{}: {:?}", z.display(), o.first_mismatch);
        assert_eq!(o.rows, o.exact + o.adopted);
        assert_eq!(o.rows, r.messages);
        assert!(
            o.exact * 10 > o.rows * 8,
            "{}: {} exact",
            z.display(),
            o.exact
        );
    }
}

#[test]
fn the_itch_excerpt_frames_into_its_documented_messages() {
    let Some(dir) = data("itch50") else { return };
    let path = dir.join("sample.itch");
    let bytes = std::fs::read(&path).unwrap();
    let out = venue_replay::itch::replay("sample.itch", &bytes, None, 5).unwrap();
    assert_eq!(out.messages, 1000);
    let by: Vec<(char, u64)> = out.by_type.iter().map(|t| (t.0, t.2)).collect();
    assert_eq!(by, [('S', 1), ('R', 993), ('H', 3), ('Y', 3)]);
    assert_eq!(out.stocks, 993);
    // Cut in the middle of a message: the error names the message's offset.
    let e = venue_replay::itch::replay("cut.itch", &bytes[..bytes.len() - 5], None, 5).unwrap_err();
    assert!(e.problem.starts_with("truncated"), "{e}");
}
