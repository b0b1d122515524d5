//! Parsing LOBSTER message and orderbook CSV files (no header, comma separated).
//!
//! Message rows: `time` (seconds after midnight, up to 9 decimals), `type` (1 to 7),
//! `order id`, `size`, `price` (dollars x 10000), `direction` (1 buy, -1 sell). Orderbook
//! rows: for each level `ask price, ask size, bid price, bid size`; row k is the visible book
//! after message k. Every failure is a [`ReplayError`] naming the file, the line and the
//! problem.

use std::sync::mpsc::{Receiver, Sender, SyncSender};

use crate::error::ReplayError;
use crate::text::{self, int, show};

/// One LOBSTER message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    /// Nanoseconds after midnight.
    pub ts: i64,
    /// Event type, 1 to 7 (see [`crate::lobster`]).
    pub kind: u8,
    /// LOBSTER's order id (0 for hidden executions and halts).
    pub order_id: i64,
    /// Shares.
    pub size: i64,
    /// Dollars x 10000 (for a halt: -1 halt, 0 quote resume, 1 trade resume).
    pub price: i64,
    /// 1 buy, -1 sell.
    pub direction: i8,
}

/// Seconds after midnight as nanoseconds. Digits past the ninth decimal are dropped: the
/// samples hold floating-point artefacts such as `43002.632812672004`.
fn time_ns(f: &[u8]) -> Option<i64> {
    let dot = f.iter().position(|&b| b == b'.').unwrap_or(f.len());
    let frac = f.get(dot + 1..).unwrap_or(&[]);
    if frac.len() > 9 && !frac[9..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if dot < f.len() && frac.is_empty() {
        return None;
    }
    text::fixed(&f[..(dot + 1 + frac.len().min(9)).min(f.len())], 9)
}

/// Names of the six message fields, for errors.
const MESSAGE_FIELDS: [&str; 6] = ["time", "type", "order id", "size", "price", "direction"];

/// Parses one message line (no newline).
pub fn parse_message(line: &[u8]) -> Result<Message, String> {
    let mut f: [&[u8]; 6] = [&[]; 6];
    let mut n = 0usize;
    for part in line.split(|&b| b == b',') {
        if n < 6 {
            f[n] = part;
        }
        n += 1;
    }
    if line.is_empty() {
        return Err("empty line".into());
    }
    if n < 6 {
        return Err(format!(
            "truncated row: {n} field{}, expected 6 ({})",
            if n == 1 { "" } else { "s" },
            MESSAGE_FIELDS.join(", ")
        ));
    }
    if n > 6 {
        return Err(format!(
            "{n} fields, expected 6 ({})",
            MESSAGE_FIELDS.join(", ")
        ));
    }
    let num = |i: usize| {
        int(f[i]).ok_or_else(|| format!("{} {} is not an integer", MESSAGE_FIELDS[i], show(f[i])))
    };
    let ts =
        time_ns(f[0]).ok_or_else(|| format!("time {} is not a number of seconds", show(f[0])))?;
    let kind = num(1)?;
    if !(1..=7).contains(&kind) {
        return Err(format!(
            "unknown event type {kind} (LOBSTER types are 1 to 7)"
        ));
    }
    let (order_id, size, price, direction) = (num(2)?, num(3)?, num(4)?, num(5)?);
    if size < 0 {
        return Err(format!("size {size} is negative"));
    }
    if direction != 1 && direction != -1 {
        return Err(format!(
            "direction {direction} is neither 1 (buy) nor -1 (sell)"
        ));
    }
    Ok(Message {
        ts,
        kind: kind as u8,
        order_id,
        size,
        price,
        direction: direction as i8,
    })
}

/// Parses a whole message file.
pub fn parse_messages(name: &str, text: &[u8]) -> Result<Vec<Message>, ReplayError> {
    let mut out = Vec::with_capacity(text.len() / 40 + 1);
    let (mut i, mut n) = (0usize, 0u64);
    while i < text.len() {
        n += 1;
        if let Some((m, next)) = fast_message(text, i) {
            out.push(m);
            i = next;
            continue;
        }
        // The slow path names the problem (and takes any line the fast path refused).
        let rest = &text[i..];
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = &rest[..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        out.push(parse_message(line).map_err(|p| ReplayError::line(name, n, p))?);
        i += end + 1;
    }
    if out.is_empty() {
        return Err(ReplayError::file(name, "no messages (empty file)"));
    }
    Ok(out)
}

/// One well-formed message line from `text[i..]` in one pass, and the position after it;
/// `None` if the line is anything else (then [`parse_message`] says what is wrong).
#[inline]
fn fast_message(text: &[u8], i: usize) -> Option<(Message, usize)> {
    let digit = |j: usize| {
        text.get(j)
            .map(|b| b.wrapping_sub(b'0'))
            .filter(|&d| d <= 9)
    };
    // Time: seconds, then up to 9 decimals kept (more are dropped, as in parse_message).
    let (secs, mut j) = field_at(text, i).filter(|&(v, _)| v >= 0 && text[i] != b'-')?;
    let mut ns: i64 = 0;
    if text.get(j) == Some(&b'.') {
        j += 1;
        let start = j;
        while let Some(d) = digit(j) {
            if j - start < 9 {
                ns = ns * 10 + d as i64;
            }
            j += 1;
        }
        let kept = (j - start).min(9);
        if kept == 0 {
            return None;
        }
        ns *= 10i64.pow(9 - kept as u32);
    }
    let ts = secs.checked_mul(1_000_000_000)?.checked_add(ns)?;
    let mut f = [0i64; 5];
    for v in &mut f {
        if text.get(j) != Some(&b',') {
            return None;
        }
        let (x, k) = field_at(text, j + 1)?;
        *v = x;
        j = k;
    }
    let [kind, order_id, size, price, direction] = f;
    if !(1..=7).contains(&kind) || size < 0 || (direction != 1 && direction != -1) {
        return None;
    }
    let next = match text.get(j) {
        None => j,
        Some(b'\n') => j + 1,
        Some(b'\r') if text.get(j + 1) == Some(&b'\n') => j + 2,
        _ => return None,
    };
    Some((
        Message {
            ts,
            kind: kind as u8,
            order_id,
            size,
            price,
            direction: direction as i8,
        },
        next,
    ))
}

/// Parses one orderbook line into `out` (`4 * levels` integers).
#[inline]
pub fn parse_row(line: &[u8], out: &mut [i64]) -> Result<(), String> {
    if line.is_empty() {
        return Err("empty line".into());
    }
    let want = out.len();
    let mut n = 0usize;
    let mut start = 0usize;
    // Walk the bytes once: each comma or the end closes a field.
    for i in 0..=line.len() {
        if i == line.len() || line[i] == b',' {
            let f = &line[start..i];
            if n < want {
                out[n] = int(f).ok_or_else(|| {
                    let (lvl, what) = (
                        n / 4 + 1,
                        ["ask price", "ask size", "bid price", "bid size"][n % 4],
                    );
                    format!(
                        "field {} ({what} {lvl}) {} is not an integer",
                        n + 1,
                        show(f)
                    )
                })?;
            }
            n += 1;
            start = i + 1;
        }
    }
    if n < want {
        return Err(format!(
            "truncated row: {n} fields, expected {want} ({} levels x ask price, ask size, bid price, bid size)",
            want / 4
        ));
    }
    if n > want {
        return Err(format!("{n} fields, expected {want} ({} levels)", want / 4));
    }
    Ok(())
}

/// Where the orderbook text comes from: all of it in memory, or chunks that end at line
/// boundaries from a thread that inflates it (see [`crate::zip::Zip::read_lines`]).
#[derive(Debug)]
pub enum BookText<'a> {
    /// The whole text.
    Whole(&'a [u8]),
    /// Chunks from a channel; used buffers go back through `back` for reuse.
    Chunks {
        /// Chunks (or the error that ended the stream); the channel closes at the end.
        rx: Receiver<Result<Vec<u8>, ReplayError>>,
        /// Spent chunks, to be refilled.
        back: Sender<Vec<u8>>,
    },
}

/// The orderbook rows of a file, parsed one by one.
///
/// Consecutive rows differ in a level or two, so a row is parsed *against the previous one*:
/// the longest common prefix and suffix of the two lines are found by comparing bytes (eight
/// at a time), the fields wholly inside them keep their values, and only the fields in
/// between are parsed (their count must be what the previous row had there, which keeps the
/// row's field count exact). A row that does not parse is handed to [`parse_row`] again for
/// the precise error.
#[derive(Debug)]
pub struct Rows<'a> {
    name: String,
    src: BookText<'a>,
    /// The current chunk when streaming.
    chunk: Vec<u8>,
    pos: usize,
    line: u64,
    ended: bool,
    /// The previous line (without its newline), empty before the first.
    prev: Vec<u8>,
    /// Offsets of the previous line's fields; empty when there is no usable previous line.
    starts: Vec<u32>,
    scratch: Vec<u32>,
}

/// The length of the common prefix of two byte strings.
#[inline]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_le_bytes(a[i..i + 8].try_into().expect("8 bytes"));
        let y = u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        if x != y {
            return i + ((x ^ y).trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// The length of the common suffix of two byte strings, at most `max`.
#[inline]
fn common_suffix(a: &[u8], b: &[u8], max: usize) -> usize {
    let (la, lb) = (a.len(), b.len());
    let mut i = 0;
    while i + 8 <= max {
        let x = u64::from_le_bytes(a[la - i - 8..la - i].try_into().expect("8 bytes"));
        let y = u64::from_le_bytes(b[lb - i - 8..lb - i].try_into().expect("8 bytes"));
        if x != y {
            return i + ((x ^ y).leading_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < max && a[la - 1 - i] == b[lb - 1 - i] {
        i += 1;
    }
    i
}

/// Parses one integer field at `text[i..]`: returns the value and the position after it.
#[inline(always)]
fn field_at(text: &[u8], mut i: usize) -> Option<(i64, usize)> {
    let neg = text.get(i) == Some(&b'-');
    i += neg as usize;
    let start = i;
    let mut v: i64 = 0;
    while let Some(&b) = text.get(i) {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v.wrapping_mul(10).wrapping_add(d as i64);
        i += 1;
    }
    let digits = i - start;
    if digits == 0 || digits > 18 {
        return None;
    }
    Some((if neg { -v } else { v }, i))
}

impl<'a> Rows<'a> {
    /// The rows of the orderbook file `name`.
    pub fn new(name: &str, src: BookText<'a>) -> Self {
        Rows {
            name: name.to_owned(),
            src,
            chunk: Vec::new(),
            pos: 0,
            line: 0,
            ended: false,
            prev: Vec::new(),
            starts: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The file's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 1-based line number of the row last read.
    pub fn line(&self) -> u64 {
        self.line
    }

    fn current(&self) -> &[u8] {
        match &self.src {
            BookText::Whole(t) => t,
            BookText::Chunks { .. } => &self.chunk,
        }
    }

    /// Makes sure unread text is at hand: `Ok(false)` at the end of the file.
    fn fill(&mut self) -> Result<bool, ReplayError> {
        while self.pos >= self.current().len() {
            if self.ended {
                return Ok(false);
            }
            match &self.src {
                BookText::Whole(_) => {
                    self.ended = true;
                }
                BookText::Chunks { rx, back } => match rx.recv() {
                    Ok(Ok(next)) => {
                        let spent = std::mem::replace(&mut self.chunk, next);
                        let _ = back.send(spent);
                        self.pos = 0;
                    }
                    Ok(Err(e)) => {
                        self.ended = true;
                        return Err(e);
                    }
                    Err(_) => self.ended = true,
                },
            }
        }
        Ok(true)
    }

    /// The first line, without reading it (for the number of levels).
    pub fn peek_line(&mut self) -> Result<Option<&[u8]>, ReplayError> {
        if !self.fill()? {
            return Ok(None);
        }
        let rest = &self.current()[self.pos..];
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = &rest[..end];
        Ok(Some(line.strip_suffix(b"\r").unwrap_or(line)))
    }

    /// Whether every row has been read (pulls the next chunk to know).
    pub fn at_end(&mut self) -> Result<bool, ReplayError> {
        Ok(!self.fill()?)
    }

    /// Counts the rows not read yet (reading them).
    pub fn count_rest(&mut self) -> Result<u64, ReplayError> {
        let mut n = 0;
        while self.fill()? {
            n += crate::text::count_lines(&self.current()[self.pos..]);
            self.pos = self.current().len();
        }
        Ok(n)
    }

    /// Parses the next row into `out`, which must hold the previous row's values (the same
    /// buffer every call): `Ok(false)` at the end of the file.
    #[inline]
    pub fn next_into(&mut self, out: &mut [i64]) -> Result<bool, ReplayError> {
        if !self.fill()? {
            return Ok(false);
        }
        self.line += 1;
        let text = match &self.src {
            BookText::Whole(t) => t,
            BookText::Chunks { .. } => &self.chunk[..],
        };
        let rest = &text[self.pos..];
        let nl = memchr::memchr(b'\n', rest);
        let end = nl.unwrap_or(rest.len());
        self.pos += end + usize::from(nl.is_some());
        let line = &rest[..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let ok = if self.starts.len() == out.len() {
            diff_row(&mut self.starts, &mut self.scratch, &self.prev, line, out)
        } else {
            full_row(&mut self.starts, line, out)
        };
        if !ok {
            self.starts.clear();
            parse_row(line, out).map_err(|p| ReplayError::line(&self.name, self.line, p))?;
            // parse_row takes nothing the fast paths refuse; should it, carry on with its
            // values and no previous row.
            return Ok(true);
        }
        self.prev.clear();
        self.prev.extend_from_slice(line);
        Ok(true)
    }
}

/// What the row-parsing thread sends: the number of levels first, then rows in batches, or
/// the error that stops it.
#[derive(Debug)]
pub enum RowItem {
    /// Levels per side (from the first row), always the first item.
    Levels(usize),
    /// Rows, `4 * levels` integers each.
    Batch(Vec<i64>),
    /// The problem that ended the file.
    Error(ReplayError),
}

/// Rows per batch sent by [`parse_rows`].
const BATCH_ROWS: usize = 2048;

/// Parses every row of `rows` and sends them in batches (the parsing thread's job); stops
/// quietly if the receiver has gone.
pub fn parse_rows(mut rows: Rows<'_>, tx: SyncSender<RowItem>, spent: Receiver<Vec<i64>>) {
    let send = |item: RowItem| tx.send(item).is_ok();
    let name = rows.name().to_owned();
    let levels = match rows.peek_line().and_then(|l| levels_of(&name, l)) {
        Ok(l) => l,
        Err(e) => {
            send(RowItem::Error(e));
            return;
        }
    };
    if !send(RowItem::Levels(levels)) {
        return;
    }
    let width = 4 * levels;
    let mut cells = vec![0i64; width];
    loop {
        let mut batch = spent.try_recv().unwrap_or_default();
        batch.clear();
        batch.reserve(BATCH_ROWS * width);
        let mut error = None;
        for _ in 0..BATCH_ROWS {
            match rows.next_into(&mut cells) {
                Ok(true) => batch.extend_from_slice(&cells),
                Ok(false) => break,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        let last = error.is_some() || batch.len() < BATCH_ROWS * width;
        if !batch.is_empty() && !send(RowItem::Batch(batch)) {
            return;
        }
        if let Some(e) = error {
            send(RowItem::Error(e));
        }
        if last {
            return;
        }
    }
}

/// The consuming end of [`parse_rows`]: rows one at a time.
#[derive(Debug)]
pub struct ParsedRows {
    name: String,
    rx: Receiver<RowItem>,
    back: Sender<Vec<i64>>,
    batch: Vec<i64>,
    pos: usize,
    width: usize,
    line: u64,
    ended: bool,
}

impl ParsedRows {
    /// Waits for the number of levels; `name` is the orderbook file's.
    pub fn new(
        name: &str,
        rx: Receiver<RowItem>,
        back: Sender<Vec<i64>>,
    ) -> Result<(ParsedRows, usize), ReplayError> {
        let levels = match rx.recv() {
            Ok(RowItem::Levels(l)) => l,
            Ok(RowItem::Error(e)) => return Err(e),
            _ => return Err(ReplayError::file(name, "the row parser stopped early")),
        };
        Ok((
            ParsedRows {
                name: name.to_owned(),
                rx,
                back,
                batch: Vec::new(),
                pos: 0,
                width: 4 * levels,
                line: 0,
                ended: false,
            },
            levels,
        ))
    }

    /// The orderbook file's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 1-based line of the row last returned.
    pub fn line(&self) -> u64 {
        self.line
    }

    fn fill(&mut self) -> Result<bool, ReplayError> {
        while self.pos >= self.batch.len() {
            if self.ended {
                return Ok(false);
            }
            match self.rx.recv() {
                Ok(RowItem::Batch(b)) => {
                    let spent = std::mem::replace(&mut self.batch, b);
                    let _ = self.back.send(spent);
                    self.pos = 0;
                }
                Ok(RowItem::Error(e)) => {
                    self.ended = true;
                    return Err(e);
                }
                Ok(RowItem::Levels(_)) | Err(_) => self.ended = true,
            }
        }
        Ok(true)
    }

    /// The next row, or `None` at the end of the file.
    #[inline]
    pub fn next_row(&mut self) -> Result<Option<&[i64]>, ReplayError> {
        if !self.fill()? {
            return Ok(None);
        }
        self.line += 1;
        let row = &self.batch[self.pos..self.pos + self.width];
        self.pos += self.width;
        Ok(Some(row))
    }

    /// Counts the rows not read yet (reading them).
    pub fn count_rest(&mut self) -> Result<u64, ReplayError> {
        let mut n = 0;
        while self.fill()? {
            n += ((self.batch.len() - self.pos) / self.width) as u64;
            self.pos = self.batch.len();
        }
        Ok(n)
    }
}

/// Parses all of `line`, recording its field offsets in `starts`.
fn full_row(starts: &mut Vec<u32>, line: &[u8], out: &mut [i64]) -> bool {
    starts.clear();
    let n = out.len();
    let mut i = 0;
    for (k, slot) in out.iter_mut().enumerate() {
        starts.push(i as u32);
        let Some((v, j)) = field_at(line, i) else {
            starts.clear();
            return false;
        };
        *slot = v;
        i = j;
        match line.get(i) {
            Some(b',') if k + 1 < n => i += 1,
            None if k + 1 == n => {}
            _ => {
                starts.clear();
                return false;
            }
        }
    }
    true
}

/// Parses `line` given the previous line `prev` (whose values `out` holds and whose field
/// offsets `starts` holds); on success `starts` holds the new line's offsets.
fn diff_row(
    starts: &mut Vec<u32>,
    scratch: &mut Vec<u32>,
    prev: &[u8],
    line: &[u8],
    out: &mut [i64],
) -> bool {
    let n = out.len();
    let p = common_prefix(prev, line);
    if p == prev.len() && p == line.len() {
        return true; // the same row again
    }
    let q = common_suffix(prev, line, prev.len().min(line.len()) - p);
    // Field k of the previous line ends at its comma (starts[k + 1] - 1) or the end.
    let end_of = |k: usize| {
        if k + 1 < n {
            starts[k + 1] as usize - 1
        } else {
            prev.len()
        }
    };
    // First field not wholly (with its delimiter) in the common prefix.
    let j0 = (0..n).find(|&k| end_of(k) >= p).unwrap_or(n);
    // First field whose preceding comma lies in the common suffix.
    let tail = prev.len() - q;
    let j1 = (j0..n)
        .find(|&k| k > 0 && starts[k] as usize > tail)
        .unwrap_or(n);
    let shift = line.len() as isize - prev.len() as isize;
    let tail_start = if j1 < n {
        (starts[j1] as isize + shift) as usize
    } else {
        line.len() + 1
    };
    scratch.clear();
    scratch.extend_from_slice(&starts[..j0]);
    let mut i = if j0 < n {
        starts[j0] as usize
    } else {
        line.len() + 1
    };
    for (k, slot) in out.iter_mut().enumerate().take(j1).skip(j0) {
        scratch.push(i as u32);
        let Some((v, j)) = field_at(line, i) else {
            return false;
        };
        *slot = v;
        i = j;
        match line.get(i) {
            Some(b',') if k + 1 < n => i += 1,
            None if k + 1 == n => i += 1,
            _ => return false,
        }
    }
    if i != tail_start {
        return false;
    }
    scratch.extend(starts[j1..].iter().map(|&s| (s as isize + shift) as u32));
    std::mem::swap(starts, scratch);
    true
}

/// The number of levels of an orderbook file from its first line: its fields / 4, checked
/// against the `_orderbook_N` in the file's name when there is one.
pub fn levels_of(name: &str, first: Option<&[u8]>) -> Result<usize, ReplayError> {
    let Some(first) = first else {
        return Err(ReplayError::file(name, "no rows (empty file)"));
    };
    let fields = first.split(|&b| b == b',').count();
    if first.is_empty() || fields % 4 != 0 {
        return Err(ReplayError::line(
            name,
            1,
            format!(
                "{fields} fields: an orderbook row has 4 per level (ask price, ask size, bid price, bid size)"
            ),
        ));
    }
    let levels = fields / 4;
    if let Some(l) = FileName::parse(name).map(|f| f.levels) {
        if l != levels {
            return Err(ReplayError::line(
                name,
                1,
                format!("{levels} levels in the row, but the file name says {l}"),
            ));
        }
    }
    Ok(levels)
}

/// The parts of a LOBSTER file name `TICKER_DATE_START_END_{message|orderbook}_LEVELS.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileName {
    /// `TICKER_DATE_START_END`.
    pub stem: String,
    /// `message` or `orderbook`.
    pub kind: String,
    /// Levels.
    pub levels: usize,
}

impl FileName {
    /// Parses the last path component of `path`, if it is a LOBSTER name.
    pub fn parse(path: &str) -> Option<FileName> {
        let base = path.rsplit(['/', '\\', '!']).next()?;
        let base = base.strip_suffix(".csv")?;
        let mut parts = base.rsplitn(3, '_');
        let levels = parts.next()?.parse().ok()?;
        let kind = parts.next()?;
        let stem = parts.next()?;
        if kind != "message" && kind != "orderbook" {
            return None;
        }
        Some(FileName {
            stem: stem.to_owned(),
            kind: kind.to_owned(),
            levels,
        })
    }
}

/// Checks that a message file and an orderbook file belong together by name: when both are
/// LOBSTER names, the same `TICKER_DATE_START_END` and levels. (The row counts are checked as
/// the replay reads them: a message without its row, or a row left over, is an error.)
pub fn check_names(message_name: &str, book_name: &str) -> Result<(), ReplayError> {
    if let (Some(m), Some(b)) = (FileName::parse(message_name), FileName::parse(book_name)) {
        if m.kind != "message" || b.kind != "orderbook" {
            return Err(ReplayError::file(
                book_name,
                format!(
                    "expected a message file and an orderbook file, got a {} file and a {} file",
                    m.kind, b.kind
                ),
            ));
        }
        if (&m.stem, m.levels) != (&b.stem, b.levels) {
            return Err(ReplayError::file(
                book_name,
                format!(
                    "does not pair with {message_name}: this file is {} at {} levels, the message file {} at {} levels",
                    b.stem, b.levels, m.stem, m.levels
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_message_with_nanosecond_time() {
        let m = parse_message(b"34200.18960767,1,11885113,21,2238100,1").unwrap();
        assert_eq!(
            m,
            Message {
                ts: 34_200_189_607_670,
                kind: 1,
                order_id: 11_885_113,
                size: 21,
                price: 2_238_100,
                direction: 1
            }
        );
        assert_eq!(parse_message(b"34200,7,0,0,-1,-1").unwrap().price, -1);
        // Float artefacts past the nanosecond are dropped, not rounded.
        let m = parse_message(b"43002.632812672004,4,5,100,2238100,1").unwrap();
        assert_eq!(m.ts, 43_002_632_812_672);
        for bad in [&b"43002."[..], b"43002.6328126720x4", b"-1.5"] {
            assert!(time_ns(bad).is_none(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn bad_messages_say_what_is_wrong() {
        let cases: [(&[u8], &str); 7] = [
            (b"34200.1,1,5,100", "truncated row: 4 fields, expected 6"),
            (b"34200.1,1,5,100,2238100,1,9", "7 fields, expected 6"),
            (b"34200.1,1,5,1x0,2238100,1", "size '1x0' is not an integer"),
            (b"34200.1,9,5,100,2238100,1", "unknown event type 9"),
            (b"34200.1,1,5,100,2238100,0", "direction 0 is neither"),
            (b"9:30,1,5,100,2238100,1", "time '9:30' is not a number"),
            (b"", "empty line"),
        ];
        for (line, want) in cases {
            let e = parse_message(line).unwrap_err();
            assert!(e.contains(want), "{e:?} should contain {want:?}");
        }
    }

    #[test]
    fn the_fast_message_path_agrees_with_the_line_parser() {
        let lines: [&[u8]; 6] = [
            b"34200.18960767,1,11885113,21,2238100,1",
            b"43002.632812672004,4,5,100,2238100,-1",
            b"34200,7,0,0,-1,-1",
            b"34200.000000001,5,0,1,2238200,1",
            b"0.5,6,-1,100,2238200,1",
            b"34201.1,3,99,0,1,-1",
        ];
        let mut text = Vec::new();
        for l in lines {
            text.extend_from_slice(l);
            text.extend_from_slice(b"\r\n");
        }
        let fast = parse_messages("m.csv", &text).unwrap();
        let slow: Vec<Message> = lines.iter().map(|l| parse_message(l).unwrap()).collect();
        assert_eq!(fast, slow);
        for l in lines {
            assert_eq!(fast_message(l, 0).map(|(m, _)| m), parse_message(l).ok());
        }
    }

    #[test]
    fn message_file_errors_name_the_file_and_line() {
        let text = b"34200.1,1,5,100,2238100,1\n34200.2,3,5,100,2238100\n";
        let e = parse_messages("m.csv", text).unwrap_err();
        assert_eq!(e.to_string(), "m.csv: line 2: truncated row: 5 fields, expected 6 (time, type, order id, size, price, direction)");
    }

    #[test]
    fn rows_parse_and_report_their_field() {
        let mut out = [0i64; 8];
        parse_row(
            b"2239500,100,2231800,100,9999999999,0,-9999999999,0",
            &mut out,
        )
        .unwrap();
        assert_eq!(
            out,
            [
                2_239_500,
                100,
                2_231_800,
                100,
                9_999_999_999,
                0,
                -9_999_999_999,
                0
            ]
        );
        let e = parse_row(b"2239500,100,2231800,100,2239600,x,2231700,5", &mut out).unwrap_err();
        assert!(e.contains("field 6 (ask size 2) 'x'"), "{e}");
        let e = parse_row(b"2239500,100,2231800", &mut out).unwrap_err();
        assert!(e.starts_with("truncated row: 3 fields, expected 8"), "{e}");
    }

    #[test]
    fn the_single_pass_reader_agrees_with_the_line_parser() {
        let text = b"1,2,-3,4\r\n5,6,7,8\n9,10,11,12";
        let mut r = Rows::new("o.csv", BookText::Whole(text));
        let mut out = [0i64; 4];
        let mut got = Vec::new();
        while r.next_into(&mut out).unwrap() {
            got.push((r.line(), out));
        }
        assert_eq!(
            got,
            [(1, [1, 2, -3, 4]), (2, [5, 6, 7, 8]), (3, [9, 10, 11, 12])]
        );
        for (bad, want) in [
            (&b"1,2,3,4\n5,6,7\n"[..], "truncated row: 3 fields"),
            (b"1,2,3,4\n5,6,x,8\n", "field 3 (bid price 1) 'x'"),
            (b"1,2,3,4\n5,6,7,8,9\n", "5 fields, expected 4"),
            (b"1,2,3,4\n\n", "empty line"),
        ] {
            let mut r = Rows::new("o.csv", BookText::Whole(bad));
            r.next_into(&mut out).unwrap();
            let e = r.next_into(&mut out).unwrap_err();
            assert!(e.problem.contains(want), "{e:?} should contain {want:?}");
            assert_eq!((e.file.as_str(), e.at), ("o.csv", crate::Location::Line(2)));
        }
    }

    #[test]
    fn rows_parsed_against_the_previous_one_equal_rows_parsed_alone() {
        // A random walk of 3-level rows: values change in place, levels shift, lengths vary.
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut rnd = |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        let mut row: Vec<i64> = (0..12).map(|k| 100 + k).collect();
        let mut text = Vec::new();
        let mut want = Vec::new();
        for _ in 0..3000 {
            match rnd(4) {
                0 => {
                    let k = rnd(12) as usize;
                    let digits = rnd(9) as u32 + 1;
                    let v = rnd(10u64.pow(digits)) as i64;
                    row[k] = if rnd(5) == 0 { v - 99 } else { v };
                }
                1 => row.rotate_left(4),
                2 => row.rotate_right(2),
                _ => {}
            }
            let line: Vec<String> = row.iter().map(|v| v.to_string()).collect();
            text.extend_from_slice(line.join(",").as_bytes());
            text.extend_from_slice(if rnd(3) == 0 { b"\r\n" } else { b"\n" });
            want.push(row.clone());
        }
        // Whole, and in chunks cut at line ends as the inflating thread sends them.
        let mut rows = Rows::new("o.csv", BookText::Whole(&text));
        let mut out = vec![0i64; 12];
        let mut got = Vec::new();
        while rows.next_into(&mut out).unwrap() {
            got.push(out.clone());
        }
        assert_eq!(got, want);
        let (tx, rx) = std::sync::mpsc::channel();
        let (back, _spent) = std::sync::mpsc::channel();
        let mut start = 0;
        for (i, _) in text.iter().enumerate().filter(|&(_, &b)| b == b'\n') {
            if i - start > 700 || i + 1 == text.len() {
                tx.send(Ok(text[start..=i].to_vec())).unwrap();
                start = i + 1;
            }
        }
        drop(tx);
        let mut rows = Rows::new("o.csv", BookText::Chunks { rx, back });
        let mut got = Vec::new();
        while rows.next_into(&mut out).unwrap() {
            got.push(out.clone());
        }
        assert_eq!(got, want);
    }

    #[test]
    fn levels_come_from_the_row_and_must_agree_with_the_name() {
        let row = Some(&b"1,2,3,4,5,6,7,8"[..]);
        assert_eq!(levels_of("x.csv", row).unwrap(), 2);
        let e = levels_of("A_2012-06-21_1_2_orderbook_5.csv", row).unwrap_err();
        assert!(e
            .problem
            .contains("2 levels in the row, but the file name says 5"));
        assert!(levels_of("x.csv", Some(b"1,2,3")).is_err());
        assert!(levels_of("x.csv", None)
            .unwrap_err()
            .problem
            .contains("empty file"));
    }

    #[test]
    fn pairs_are_checked_by_name() {
        let m = "AMZN_2012-06-21_34200000_57600000_message_1.csv";
        let b = "GOOG_2012-06-21_34200000_57600000_orderbook_1.csv";
        let e = check_names(m, b).unwrap_err();
        assert!(e.problem.contains("does not pair with"), "{e}");
        let e = check_names(
            m,
            &m.replace("_1.csv", "_5.csv")
                .replace("message", "orderbook"),
        );
        let e = e.unwrap_err();
        assert!(e.problem.contains("at 5 levels, the message file"), "{e}");
        let e = check_names(m, m).unwrap_err();
        assert!(
            e.problem.contains("got a message file and a message file"),
            "{e}"
        );
        check_names(m, &m.replace("message", "orderbook")).unwrap();
        check_names("mine.csv", "yours.csv").unwrap();
    }
}
