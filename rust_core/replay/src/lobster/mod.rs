//! LOBSTER: rebuild the book from the message file and check it against the orderbook file
//! after every message.
//!
//! # The rules (the same as `venue/replay/reference.py`, the slow oracle)
//! - Events are applied to the book through the engine's feed API, never re-matched:
//!   type 1 adds an order at the back of its level; 2 (partial cancel) reduces it; 3 (delete)
//!   removes it whatever size it names (a partial fill outside the window may have happened);
//!   4 executes it (a TRADE with the order as maker); 5 (hidden execution) and 6 (cross trade)
//!   are trades that leave the visible book alone; 7 sets the trading state (price -1 halt
//!   and 0 quote resume: HALTED, since the engine has no quote-only state; 1: OPEN).
//! - A level-N file shows only events within the top N levels, so types 2 to 4 often name an
//!   order never added. They then take their size from the level's *anonymous liquidity*
//!   (orders of [`HISTORICAL`] with client order id 0).
//! - After every message each side's top N levels are compared with the orderbook row. When
//!   a level enters the window from below (worse than the previous row's N-th level, when
//!   that row showed N levels; every level at the first row), what the messages said about it
//!   is stale: it is *adopted* from the row as a feed handler takes a snapshot (its orders
//!   are replaced by anonymous liquidity of the row's size, and levels the row shows are
//!   not there are removed). A row equal before that is *exact*, equal after it *adopted*,
//!   otherwise *mismatched* (the side is then set to the row so that one error does not
//!   cascade).

pub mod parse;
pub mod replay;

use std::path::Path;
use std::sync::mpsc;
use std::time::Instant;

pub use parse::{parse_message, parse_messages, BookText, Message, Rows};
pub use replay::{Book, Mismatch, Options, Outcome, Trade, TradeKind, HISTORICAL};

use crate::error::{read_file, ReplayError};
use crate::zip::Zip;

/// A message file and its orderbook file, in memory.
#[derive(Clone, Debug)]
pub struct Input {
    /// Name of the message file (a zip member as `ZIP!MEMBER`).
    pub message_name: String,
    /// The message CSV.
    pub message: Vec<u8>,
    /// Name of the orderbook file.
    pub book_name: String,
    /// The orderbook CSV.
    pub book: Vec<u8>,
}

/// Where the two files are: a zip, or two CSV files.
#[derive(Debug)]
pub enum Source {
    /// A LOBSTER sample zip (its bytes), holding one message and one orderbook file.
    Zip(Zip),
    /// Already plain CSV.
    Csv(Input),
}

impl Source {
    /// Reads `path`: a zip (by its content) or a message CSV. For a CSV, `orderbook` names
    /// the orderbook file; without it, the LOBSTER name with `_orderbook_` for `_message_`
    /// is tried.
    pub fn open(path: &Path, orderbook: Option<&Path>) -> Result<Source, ReplayError> {
        let name = path.display().to_string();
        let bytes = read_file(path)?;
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            if let Some(ob) = orderbook {
                return Err(ReplayError::file(
                    &ob.display().to_string(),
                    format!("--orderbook is for a message CSV; the zip {name} holds its own"),
                ));
            }
            return Ok(Source::Zip(Zip::new(&name, bytes)?));
        }
        let book_path = match orderbook {
            Some(p) => p.to_path_buf(),
            None => {
                let file = path.file_name().map(|f| f.to_string_lossy().into_owned());
                let guess = file
                    .filter(|f| f.contains("_message_"))
                    .map(|f| path.with_file_name(f.replace("_message_", "_orderbook_")));
                match guess {
                    Some(g) if g.exists() => g,
                    _ => {
                        return Err(ReplayError::file(
                            &name,
                            "a message CSV needs its orderbook file (--orderbook CSV)",
                        ))
                    }
                }
            }
        };
        Ok(Source::Csv(Input {
            message_name: name,
            message: bytes,
            book_name: book_path.display().to_string(),
            book: read_file(&book_path)?,
        }))
    }

    /// A zip's message and orderbook members, found by name (`..._message_N.csv` and
    /// `..._orderbook_N.csv`, exactly one of each).
    pub fn pair(z: &Zip) -> Result<(&crate::zip::Member, &crate::zip::Member), ReplayError> {
        let pick = |kind: &str| -> Result<&crate::zip::Member, ReplayError> {
            let found: Vec<_> = z
                .members()
                .iter()
                .filter(|m| parse::FileName::parse(&m.name).is_some_and(|f| f.kind == kind))
                .collect();
            match found.as_slice() {
                [one] => Ok(one),
                [] => Err(ReplayError::file(
                    z.name(),
                    format!("holds no LOBSTER {kind} file (TICKER_DATE_START_END_{kind}_N.csv)"),
                )),
                many => Err(ReplayError::file(
                    z.name(),
                    format!(
                        "holds {} {kind} files ({}): unpack it and name the pair",
                        many.len(),
                        many.iter()
                            .map(|m| m.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            }
        };
        Ok((pick("message")?, pick("orderbook")?))
    }
}

/// A replay's outcome and how long it took.
#[derive(Clone, Debug)]
pub struct Report {
    /// Counts, trades, events, the final book.
    pub outcome: Outcome,
    /// Messages replayed.
    pub messages: u64,
    /// Seconds from the files' bytes in memory (zip included) to the last comparison.
    pub seconds: f64,
    /// Of which: decompressing the message file (0 for CSV files; the orderbook file is
    /// inflated on a second thread meanwhile).
    pub seconds_inflate: f64,
    /// Of which: parsing the message file.
    pub seconds_parse: f64,
}

impl Report {
    /// Messages per second, parsing and decompression included.
    pub fn messages_per_s(&self) -> f64 {
        if self.seconds > 0.0 {
            self.messages as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// Bytes of orderbook text per chunk when a zip member is inflated on its own thread.
const CHUNK: usize = 1 << 20;

/// Checks the pair, parses and replays: the whole job after the files are read.
///
/// Three threads share the work: one inflates the orderbook member of a zip in chunks of
/// whole lines, one parses those rows into integers, and this one inflates and parses the
/// message file and then replays it, taking parsed rows as they come.
pub fn run(source: Source, opts: Options) -> Result<Report, ReplayError> {
    let start = Instant::now();
    let secs = || start.elapsed().as_secs_f64();
    let (z, input) = match source {
        Source::Zip(z) => (Some(z), None),
        Source::Csv(i) => (None, Some(i)),
    };
    let pair = z.as_ref().map(Source::pair).transpose()?;
    let (message_name, book_name) = match (&z, &pair, &input) {
        (Some(z), Some((m, b)), _) => (
            format!("{}!{}", z.name(), m.name),
            format!("{}!{}", z.name(), b.name),
        ),
        (_, _, Some(i)) => (i.message_name.clone(), i.book_name.clone()),
        _ => unreachable!("a zip or a CSV pair"),
    };
    parse::check_names(&message_name, &book_name)?;
    std::thread::scope(|s| {
        let (row_tx, row_rx) = mpsc::sync_channel::<parse::RowItem>(8);
        let (row_back, row_spent) = mpsc::channel::<Vec<i64>>();
        let book_text = match (&z, &pair, &input) {
            (Some(z), Some((_, b)), _) => {
                let (tx, rx) = mpsc::sync_channel::<Result<Vec<u8>, ReplayError>>(4);
                let (back, spent) = mpsc::channel::<Vec<u8>>();
                s.spawn(move || {
                    let fresh = || spent.try_recv().unwrap_or_default();
                    let sent = z.read_lines(b, CHUNK, fresh, |piece| tx.send(Ok(piece)).is_ok());
                    if let Err(e) = sent {
                        let _ = tx.send(Err(e));
                    }
                });
                BookText::Chunks { rx, back }
            }
            (_, _, Some(i)) => BookText::Whole(&i.book),
            _ => unreachable!("a zip or a CSV pair"),
        };
        let rows = Rows::new(&book_name, book_text);
        s.spawn(move || parse::parse_rows(rows, row_tx, row_spent));
        let inflated;
        let messages = match (&z, &pair, &input) {
            (Some(z), Some((m, _)), _) => {
                let text = z.read(m)?;
                inflated = secs();
                parse_messages(&message_name, &text)?
            }
            (_, _, Some(i)) => {
                inflated = 0.0;
                parse_messages(&message_name, &i.message)?
            }
            _ => unreachable!("a zip or a CSV pair"),
        };
        let parsed = secs();
        let (rows, levels) = parse::ParsedRows::new(&book_name, row_rx, row_back)?;
        let outcome = replay::replay(&message_name, &messages, rows, levels, opts)?;
        Ok(Report {
            outcome,
            messages: messages.len() as u64,
            seconds: secs(),
            seconds_inflate: inflated,
            seconds_parse: parsed - inflated,
        })
    })
}

/// [`Source::open`] then [`run`].
pub fn replay_path(
    path: &Path,
    orderbook: Option<&Path>,
    opts: Options,
) -> Result<Report, ReplayError> {
    run(Source::open(path, orderbook)?, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(msgs: &str, book: &str) -> Source {
        Source::Csv(Input {
            message_name: "T_2012-06-21_0_1_message_1.csv".into(),
            message: msgs.as_bytes().to_vec(),
            book_name: "T_2012-06-21_0_1_orderbook_1.csv".into(),
            book: book.as_bytes().to_vec(),
        })
    }

    #[test]
    fn halts_cross_trades_and_hidden_executions_leave_the_book_alone() {
        let msgs = "1.0,1,11,100,2238100,1\n\
                    2.0,7,0,0,-1,-1\n\
                    3.0,6,-1,300,2238150,1\n\
                    4.0,5,0,20,2238150,1\n\
                    5.0,7,0,0,0,-1\n";
        let book = "9999999999,0,2238100,100\n".repeat(5);
        let r = run(
            csv(msgs, &book),
            Options {
                collect_events: true,
            },
        )
        .unwrap();
        let o = &r.outcome;
        assert_eq!((o.exact, o.adopted, o.mismatched), (5, 0, 0));
        assert!(o.halted, "quote resume (0) is still halted");
        let kinds: Vec<TradeKind> = o
            .trades
            .iter()
            .map(|t| match t.kind {
                6 => TradeKind::Cross,
                5 => TradeKind::Hidden,
                _ => TradeKind::Visible,
            })
            .collect();
        assert_eq!(kinds, [TradeKind::Cross, TradeKind::Hidden]);
        let trades = o
            .events
            .iter()
            .filter(|e| e.kind() == venue_engine::EventKind::Trade)
            .count();
        assert_eq!(trades, 2);
        assert_eq!(o.book.bids, [(2_238_100, 100)]);
    }

    #[test]
    fn unknown_orders_take_from_adopted_liquidity_and_a_level_from_below_is_adopted() {
        // Row 1 adopts bid 100 x 50 (placed before the file). Message 2 executes 20 of an
        // order never added: taken from that anonymous liquidity. Message 3 deletes the
        // rest; the level below (99, never seen) comes into view and is adopted.
        let msgs = "1.0,1,5,10,1010000,-1\n2.0,4,77,20,1000000,1\n3.0,3,77,30,1000000,1\n";
        let book = "1010000,10,1000000,50\n1010000,10,1000000,30\n1010000,10,990000,40\n";
        let r = run(csv(msgs, book), Options::default()).unwrap();
        let o = &r.outcome;
        // Row 1 is adopted too: it shows a bid no message introduced.
        assert_eq!((o.exact, o.adopted, o.mismatched), (1, 2, 0));
        assert_eq!(o.anonymous, 2);
        assert_eq!(o.book.bids, [(990_000, 40)]);
    }

    #[test]
    fn a_message_the_book_cannot_take_names_its_line() {
        // (Row 1 adopts what it shows, so the duplicate comes after it.)
        let msgs = "1.0,1,4,10,1010000,-1\n2.0,1,5,5,1010000,-1\n3.0,1,5,5,1010000,-1\n";
        let book = "1010000,10,-9999999999,0\n1010000,15,-9999999999,0\n".to_owned()
            + "1010000,20,-9999999999,0\n";
        let e = run(csv(msgs, &book), Options::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "T_2012-06-21_0_1_message_1.csv: line 3: order id 5 is added twice"
        );
        let msgs = "1.0,1,6,0,1010000,-1\n";
        let e = run(csv(msgs, "1010000,10,-9999999999,0\n"), Options::default()).unwrap_err();
        assert!(e.problem.contains("quantity 0 is not positive"), "{e}");
    }
}
