//! NASDAQ TotalView-ITCH 5.0: the binary framing and every message type of the
//! specification, decoded into [`Message`]; [`replay`] applies the order messages to one
//! book per stock.
//!
//! # Framing
//! A file is a sequence of messages, each preceded by its length as a big-endian `u16` (the
//! framing NASDAQ's historical files use). Every message starts with a type byte, the stock
//! locate (`u16`), the tracking number (`u16`) and a 6-byte timestamp (nanoseconds since
//! midnight); all integers are big-endian; prices are `u32` with 4 implied decimals (8 for
//! the MWCB levels); text fields are ASCII, left-justified and space-padded.
//!
//! Each type has a fixed length; a length prefix that disagrees with its type, an unknown
//! type, or a message cut short by the end of the file is a [`ReplayError`] naming the byte
//! offset of the message.

mod replay;

pub use replay::{replay, Outcome, StockBook};

use crate::error::ReplayError;

/// The message types of ITCH 5.0 with their lengths (type byte included), in the order of
/// the specification.
pub const TYPES: [(u8, usize, &str); 23] = [
    (b'S', 12, "system event"),
    (b'R', 39, "stock directory"),
    (b'H', 25, "stock trading action"),
    (b'Y', 20, "Reg SHO restriction"),
    (b'L', 26, "market participant position"),
    (b'V', 35, "MWCB decline level"),
    (b'W', 12, "MWCB status"),
    (b'K', 28, "IPO quoting period update"),
    (b'J', 35, "LULD auction collar"),
    (b'h', 21, "operational halt"),
    (b'A', 36, "add order"),
    (b'F', 40, "add order with MPID attribution"),
    (b'E', 31, "order executed"),
    (b'C', 36, "order executed with price"),
    (b'X', 23, "order cancel"),
    (b'D', 19, "order delete"),
    (b'U', 35, "order replace"),
    (b'P', 44, "trade (non-cross)"),
    (b'Q', 40, "cross trade"),
    (b'B', 19, "broken trade"),
    (b'I', 50, "net order imbalance indicator"),
    (b'N', 20, "retail price improvement indicator"),
    (
        b'O',
        48,
        "direct listing with capital raise price discovery",
    ),
];

/// The length and name of a message type, if it is one.
pub fn type_info(kind: u8) -> Option<(usize, &'static str)> {
    TYPES
        .iter()
        .find(|t| t.0 == kind)
        .map(|&(_, len, name)| (len, name))
}

/// An 8-character, space-padded stock symbol.
pub type Stock = [u8; 8];

/// The symbol without its padding.
pub fn symbol(s: &Stock) -> String {
    String::from_utf8_lossy(s).trim_end().to_owned()
}

/// The fields every message starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The type byte.
    pub kind: u8,
    /// The stock's locate code (0 for messages about no stock).
    pub stock_locate: u16,
    /// NASDAQ's internal tracking number.
    pub tracking: u16,
    /// Nanoseconds since midnight.
    pub timestamp: u64,
}

/// One decoded ITCH 5.0 message (the header is separate). Prices are as sent: `u32` with 4
/// implied decimals (MWCB levels: `u64` with 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Message {
    /// S: start/end of messages, system hours, market hours (`O S Q M E C`).
    SystemEvent { event_code: u8 },
    /// R: one stock's reference data, sent at the start of the day.
    StockDirectory {
        stock: Stock,
        market_category: u8,
        financial_status: u8,
        round_lot_size: u32,
        round_lots_only: u8,
        issue_classification: u8,
        issue_subtype: [u8; 2],
        authenticity: u8,
        short_sale_threshold: u8,
        ipo_flag: u8,
        luld_tier: u8,
        etp_flag: u8,
        etp_leverage_factor: u32,
        inverse_indicator: u8,
    },
    /// H: trading state `H` halted, `P` paused, `Q` quotation only, `T` trading.
    StockTradingAction {
        stock: Stock,
        trading_state: u8,
        reserved: u8,
        reason: [u8; 4],
    },
    /// Y: Reg SHO short-sale price test (`0 1 2`).
    RegSho { stock: Stock, action: u8 },
    /// L: a market participant's position in a stock.
    MarketParticipantPosition {
        mpid: [u8; 4],
        stock: Stock,
        primary_market_maker: u8,
        market_maker_mode: u8,
        participant_state: u8,
    },
    /// V: the three market-wide circuit breaker levels (8 implied decimals).
    MwcbDeclineLevel {
        level1: u64,
        level2: u64,
        level3: u64,
    },
    /// W: a market-wide circuit breaker level was breached.
    MwcbStatus { breached_level: u8 },
    /// K: IPO quotation release time and price.
    IpoQuotingPeriod {
        stock: Stock,
        release_time: u32,
        release_qualifier: u8,
        ipo_price: u32,
    },
    /// J: the LULD auction collar for a paused stock.
    LuldAuctionCollar {
        stock: Stock,
        reference_price: u32,
        upper_price: u32,
        lower_price: u32,
        extension: u32,
    },
    /// h: operational halt on a market (`Q B X`), action `H` halted or `T` resumed.
    OperationalHalt {
        stock: Stock,
        market_code: u8,
        action: u8,
    },
    /// A (attribution `None`) and F: a new displayed order.
    AddOrder {
        order_ref: u64,
        side: u8,
        shares: u32,
        stock: Stock,
        price: u32,
        attribution: Option<[u8; 4]>,
    },
    /// E: part or all of a displayed order executed at its price.
    OrderExecuted {
        order_ref: u64,
        shares: u32,
        match_number: u64,
    },
    /// C: an execution at a price other than the order's.
    OrderExecutedWithPrice {
        order_ref: u64,
        shares: u32,
        match_number: u64,
        printable: u8,
        price: u32,
    },
    /// X: part of an order cancelled.
    OrderCancel { order_ref: u64, shares: u32 },
    /// D: an order removed.
    OrderDelete { order_ref: u64 },
    /// U: an order replaced by a new one (new reference, loses priority).
    OrderReplace {
        original_ref: u64,
        new_ref: u64,
        shares: u32,
        price: u32,
    },
    /// P: an execution against a non-displayed order.
    Trade {
        order_ref: u64,
        side: u8,
        shares: u32,
        stock: Stock,
        price: u32,
        match_number: u64,
    },
    /// Q: the cross (auction) trade of a stock.
    CrossTrade {
        shares: u64,
        stock: Stock,
        cross_price: u32,
        match_number: u64,
        cross_type: u8,
    },
    /// B: a trade broken.
    BrokenTrade { match_number: u64 },
    /// I: auction imbalance information.
    Noii {
        paired_shares: u64,
        imbalance_shares: u64,
        imbalance_direction: u8,
        stock: Stock,
        far_price: u32,
        near_price: u32,
        current_reference_price: u32,
        cross_type: u8,
        price_variation: u8,
    },
    /// N: retail price improvement interest.
    Rpii { stock: Stock, interest_flag: u8 },
    /// O: direct listing with capital raise price discovery.
    Dlcr {
        stock: Stock,
        open_eligibility: u8,
        minimum_price: u32,
        maximum_price: u32,
        near_execution_price: u32,
        near_execution_time: u64,
        lower_price_range_collar: u32,
        upper_price_range_collar: u32,
    },
}

/// Big-endian field reader over one message body (lengths already checked).
struct Fields<'a> {
    b: &'a [u8],
    at: usize,
}

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let v: [u8; N] = self.b[self.at..self.at + N]
            .try_into()
            .expect("length checked");
        self.at += N;
        v
    }
    fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes(self.take())
    }
    fn u32(&mut self) -> u32 {
        u32::from_be_bytes(self.take())
    }
    fn u48(&mut self) -> u64 {
        let b: [u8; 6] = self.take();
        b.iter().fold(0u64, |v, &x| v << 8 | x as u64)
    }
    fn u64(&mut self) -> u64 {
        u64::from_be_bytes(self.take())
    }
}

/// Decodes one message body (type byte first). Errors say what is wrong; the caller adds
/// the file and offset.
pub fn decode(body: &[u8]) -> Result<(Header, Message), String> {
    let Some(&kind) = body.first() else {
        return Err("empty message (length 0)".into());
    };
    let Some((len, name)) = type_info(kind) else {
        return Err(format!(
            "unknown message type {:?} (0x{kind:02x})",
            kind as char
        ));
    };
    if body.len() != len {
        return Err(format!(
            "a {name} message ('{}') is {len} bytes, this one is {}",
            kind as char,
            body.len()
        ));
    }
    let mut f = Fields { b: body, at: 1 };
    let header = Header {
        kind,
        stock_locate: f.u16(),
        tracking: f.u16(),
        timestamp: f.u48(),
    };
    let m = match kind {
        b'S' => Message::SystemEvent { event_code: f.u8() },
        b'R' => Message::StockDirectory {
            stock: f.take(),
            market_category: f.u8(),
            financial_status: f.u8(),
            round_lot_size: f.u32(),
            round_lots_only: f.u8(),
            issue_classification: f.u8(),
            issue_subtype: f.take(),
            authenticity: f.u8(),
            short_sale_threshold: f.u8(),
            ipo_flag: f.u8(),
            luld_tier: f.u8(),
            etp_flag: f.u8(),
            etp_leverage_factor: f.u32(),
            inverse_indicator: f.u8(),
        },
        b'H' => Message::StockTradingAction {
            stock: f.take(),
            trading_state: f.u8(),
            reserved: f.u8(),
            reason: f.take(),
        },
        b'Y' => Message::RegSho {
            stock: f.take(),
            action: f.u8(),
        },
        b'L' => Message::MarketParticipantPosition {
            mpid: f.take(),
            stock: f.take(),
            primary_market_maker: f.u8(),
            market_maker_mode: f.u8(),
            participant_state: f.u8(),
        },
        b'V' => Message::MwcbDeclineLevel {
            level1: f.u64(),
            level2: f.u64(),
            level3: f.u64(),
        },
        b'W' => Message::MwcbStatus {
            breached_level: f.u8(),
        },
        b'K' => Message::IpoQuotingPeriod {
            stock: f.take(),
            release_time: f.u32(),
            release_qualifier: f.u8(),
            ipo_price: f.u32(),
        },
        b'J' => Message::LuldAuctionCollar {
            stock: f.take(),
            reference_price: f.u32(),
            upper_price: f.u32(),
            lower_price: f.u32(),
            extension: f.u32(),
        },
        b'h' => Message::OperationalHalt {
            stock: f.take(),
            market_code: f.u8(),
            action: f.u8(),
        },
        b'A' | b'F' => Message::AddOrder {
            order_ref: f.u64(),
            side: f.u8(),
            shares: f.u32(),
            stock: f.take(),
            price: f.u32(),
            attribution: (kind == b'F').then(|| f.take()),
        },
        b'E' => Message::OrderExecuted {
            order_ref: f.u64(),
            shares: f.u32(),
            match_number: f.u64(),
        },
        b'C' => Message::OrderExecutedWithPrice {
            order_ref: f.u64(),
            shares: f.u32(),
            match_number: f.u64(),
            printable: f.u8(),
            price: f.u32(),
        },
        b'X' => Message::OrderCancel {
            order_ref: f.u64(),
            shares: f.u32(),
        },
        b'D' => Message::OrderDelete { order_ref: f.u64() },
        b'U' => Message::OrderReplace {
            original_ref: f.u64(),
            new_ref: f.u64(),
            shares: f.u32(),
            price: f.u32(),
        },
        b'P' => Message::Trade {
            order_ref: f.u64(),
            side: f.u8(),
            shares: f.u32(),
            stock: f.take(),
            price: f.u32(),
            match_number: f.u64(),
        },
        b'Q' => Message::CrossTrade {
            shares: f.u64(),
            stock: f.take(),
            cross_price: f.u32(),
            match_number: f.u64(),
            cross_type: f.u8(),
        },
        b'B' => Message::BrokenTrade {
            match_number: f.u64(),
        },
        b'I' => Message::Noii {
            paired_shares: f.u64(),
            imbalance_shares: f.u64(),
            imbalance_direction: f.u8(),
            stock: f.take(),
            far_price: f.u32(),
            near_price: f.u32(),
            current_reference_price: f.u32(),
            cross_type: f.u8(),
            price_variation: f.u8(),
        },
        b'N' => Message::Rpii {
            stock: f.take(),
            interest_flag: f.u8(),
        },
        b'O' => Message::Dlcr {
            stock: f.take(),
            open_eligibility: f.u8(),
            minimum_price: f.u32(),
            maximum_price: f.u32(),
            near_execution_price: f.u32(),
            near_execution_time: f.u64(),
            lower_price_range_collar: f.u32(),
            upper_price_range_collar: f.u32(),
        },
        _ => unreachable!("type_info knows only these types"),
    };
    debug_assert_eq!(f.at, len, "every byte of a {name} message is a field");
    Ok((header, m))
}

/// The length-prefixed messages of a file: `(offset of the length prefix, body)`; a prefix
/// or body cut short by the end of the file is an error naming its offset.
pub fn frames<'a>(
    name: &'a str,
    data: &'a [u8],
) -> impl Iterator<Item = Result<(u64, &'a [u8]), ReplayError>> + 'a {
    let mut at = 0usize;
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || at >= data.len() {
            return None;
        }
        let off = at as u64;
        if data.len() - at < 2 {
            failed = true;
            return Some(Err(ReplayError::offset(
                name,
                off,
                "truncated: 1 byte left where a 2-byte length prefix should be",
            )));
        }
        let len = u16::from_be_bytes([data[at], data[at + 1]]) as usize;
        let body = &data[at + 2..];
        if body.len() < len {
            failed = true;
            let what = body.first().map_or("a message".to_owned(), |&k| {
                format!("a message of type {:?}", k as char)
            });
            return Some(Err(ReplayError::offset(
                name,
                off,
                format!(
                    "truncated: {what} of {len} bytes, but only {} bytes are left",
                    body.len()
                ),
            )));
        }
        at += 2 + len;
        Some(Ok((off, &body[..len])))
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds one framed message: header fields then the body after the timestamp.
    pub(crate) fn frame(kind: u8, locate: u16, ts: u64, rest: &[u8]) -> Vec<u8> {
        let mut body = vec![kind];
        body.extend_from_slice(&locate.to_be_bytes());
        body.extend_from_slice(&0u16.to_be_bytes());
        body.extend_from_slice(&ts.to_be_bytes()[2..]);
        body.extend_from_slice(rest);
        let mut out = (body.len() as u16).to_be_bytes().to_vec();
        out.extend_from_slice(&body);
        out
    }

    pub(crate) fn stock(s: &str) -> Vec<u8> {
        format!("{s:<8}").into_bytes()
    }

    #[test]
    fn lengths_add_up_to_the_specification() {
        // Header (11 bytes) + fields, as listed in the ITCH 5.0 specification.
        let fields: [(u8, usize); 23] = [
            (b'S', 1),
            (b'R', 8 + 1 + 1 + 4 + 1 + 1 + 2 + 1 + 1 + 1 + 1 + 1 + 4 + 1),
            (b'H', 8 + 1 + 1 + 4),
            (b'Y', 8 + 1),
            (b'L', 4 + 8 + 1 + 1 + 1),
            (b'V', 24),
            (b'W', 1),
            (b'K', 8 + 4 + 1 + 4),
            (b'J', 8 + 16),
            (b'h', 8 + 1 + 1),
            (b'A', 8 + 1 + 4 + 8 + 4),
            (b'F', 8 + 1 + 4 + 8 + 4 + 4),
            (b'E', 8 + 4 + 8),
            (b'C', 8 + 4 + 8 + 1 + 4),
            (b'X', 8 + 4),
            (b'D', 8),
            (b'U', 8 + 8 + 4 + 4),
            (b'P', 8 + 1 + 4 + 8 + 4 + 8),
            (b'Q', 8 + 8 + 4 + 8 + 1),
            (b'B', 8),
            (b'I', 8 + 8 + 1 + 8 + 4 + 4 + 4 + 1 + 1),
            (b'N', 8 + 1),
            (b'O', 8 + 1 + 4 + 4 + 4 + 8 + 4 + 4),
        ];
        for (k, n) in fields {
            assert_eq!(type_info(k).unwrap().0, 11 + n, "type {}", k as char);
            // Every type decodes from a body of its length.
            let body = frame(k, 1, 5, &vec![0u8; n]);
            let (h, _) = decode(&body[2..]).unwrap();
            assert_eq!((h.kind, h.stock_locate, h.timestamp), (k, 1, 5));
        }
    }

    #[test]
    fn decodes_an_add_order_with_attribution() {
        let mut rest = 42u64.to_be_bytes().to_vec();
        rest.push(b'S');
        rest.extend_from_slice(&100u32.to_be_bytes());
        rest.extend_from_slice(&stock("AAPL"));
        rest.extend_from_slice(&1_234_500u32.to_be_bytes());
        rest.extend_from_slice(b"GSCO");
        let f = frame(b'F', 7, 34_200_000_000_123, &rest);
        let (h, m) = decode(&f[2..]).unwrap();
        assert_eq!(h.timestamp, 34_200_000_000_123);
        assert_eq!(
            m,
            Message::AddOrder {
                order_ref: 42,
                side: b'S',
                shares: 100,
                stock: *b"AAPL    ",
                price: 1_234_500,
                attribution: Some(*b"GSCO"),
            }
        );
    }

    #[test]
    fn bad_frames_name_the_offset_and_problem() {
        let mut data = frame(b'D', 1, 1, &7u64.to_be_bytes());
        let good = data.len() as u64;
        data.extend_from_slice(&frame(b'D', 1, 2, &8u64.to_be_bytes())[..10]);
        let got: Vec<_> = frames("x.itch", &data).collect();
        assert!(got[0].is_ok());
        let e = got[1].clone().unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.at),
            ("x.itch", crate::Location::Offset(good))
        );
        assert!(
            e.problem
                .contains("truncated: a message of type 'D' of 19 bytes"),
            "{e}"
        );
        let e = decode(b"Z12345678901").unwrap_err();
        assert!(e.contains("unknown message type 'Z'"), "{e}");
        let e = decode(&frame(b'D', 1, 1, &[0; 7])[2..]).unwrap_err();
        assert!(e.contains("is 19 bytes, this one is 18"), "{e}");
    }
}
