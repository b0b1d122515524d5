//! Integer newtypes and the enumerations of the engine's contract.
//!
//! Prices are integer price units, quantities integer quantity units, time integer
//! nanoseconds. The numeric values of every enumeration are part of the wire and
//! numpy contract (see `docs/SEMANTICS.md`) and never change.

use core::fmt;

macro_rules! newtype {
    ($(#[$m:meta])* $name:ident, $inner:ty) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(transparent)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

newtype!(
    /// A price in integer price units; an instrument's tick size is a multiple of one unit.
    Price,
    i64
);
newtype!(
    /// A quantity in integer quantity units; an instrument's lot size is a multiple of one unit.
    Qty,
    i64
);
newtype!(
    /// A timestamp in nanoseconds, always supplied by the caller.
    Ts,
    i64
);
newtype!(
    /// An engine-assigned order id: 1, 2, 3, ... for each accepted order.
    OrderId,
    u64
);
newtype!(
    /// The participant's own order id, unique among its live orders.
    ClientOrderId,
    u64
);
newtype!(
    /// The owner of an order.
    ParticipantId,
    u32
);
newtype!(
    /// An instrument, assigned 0, 1, 2, ... by [`crate::Engine::add_instrument`].
    InstrumentId,
    u32
);
newtype!(
    /// An event sequence number: 1, 2, 3, ... across the whole engine.
    Seq,
    u64
);

/// Mass cancel and expiry target meaning "every instrument".
pub const ALL_INSTRUMENTS: InstrumentId = InstrumentId(u32::MAX);

/// Defines a `#[repr(u8)]` enum with a fallible conversion from its raw value.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $value:expr),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        pub enum $name {
            $($(#[$vm])* $variant = $value),+
        }

        impl $name {
            /// Every variant, in increasing code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The variant with this raw code, if any.
            #[inline]
            pub const fn from_u8(v: u8) -> Option<Self> {
                match v {
                    $($value => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The variant's name as written in `docs/SEMANTICS.md`.
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => stringify!($variant),)+
                }
            }
        }
    };
}

code_enum!(
    /// Buy or sell.
    Side {
        /// Bids.
        Buy = 0,
        /// Offers.
        Sell = 1,
    }
);

impl Side {
    /// The other side.
    #[inline]
    pub const fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

code_enum!(
    /// Limit or market.
    OrderType {
        /// Trades at its limit price or better; may rest.
        Limit = 0,
        /// Trades at any price; never rests (IOC or FOK only).
        Market = 1,
    }
);

code_enum!(
    /// Time in force.
    Tif {
        /// Good till cancelled.
        Gtc = 0,
        /// Good for the day: cancelled by [`crate::Engine::expire_day_orders`].
        Day = 1,
        /// Immediate or cancel: what does not fill at once is cancelled.
        Ioc = 2,
        /// Fill or kill: fills entirely at once, or is cancelled entirely.
        Fok = 3,
    }
);

/// Order flag: reject instead of taking liquidity.
pub const FLAG_POST_ONLY: u8 = 1;

/// An iceberg may hold at most this many display slices (`qty <= display_qty *
/// MAX_ICEBERG_SLICES`), so that one message never causes unbounded work: each refresh is
/// three events.
pub const MAX_ICEBERG_SLICES: i64 = 10_000;

code_enum!(
    /// What an input message asks for.
    Action {
        /// A new order.
        New = 0,
        /// Cancel an order.
        Cancel = 1,
        /// Reduce an order's open quantity in place.
        Reduce = 2,
        /// Change an order's price and/or quantity.
        Replace = 3,
        /// Cancel all of a participant's orders (on one instrument, or all).
        MassCancel = 4,
    }
);

code_enum!(
    /// Self-trade prevention mode, set per participant.
    StpMode {
        /// Self-trades are allowed.
        None = 0,
        /// The incoming order's remainder is cancelled.
        CancelNewest = 1,
        /// The resting order is cancelled; the incoming order goes on matching.
        CancelOldest = 2,
        /// Both are cancelled.
        CancelBoth = 3,
        /// Both are reduced by the smaller quantity; the smaller is cancelled.
        DecrementAndCancel = 4,
    }
);

code_enum!(
    /// Whether an instrument accepts new orders.
    TradingState {
        /// Continuous trading.
        Open = 0,
        /// New orders and replaces are rejected; cancels and reduces still work.
        Halted = 1,
    }
);

code_enum!(
    /// What an [`crate::Event`] reports.
    EventKind {
        /// A new order was accepted and given an order id.
        Accepted = 0,
        /// A message was rejected; see the reason.
        Rejected = 1,
        /// A fill between a taker and a maker.
        Trade = 2,
        /// Some or all of an order's open quantity was cancelled; see the reason.
        Cancelled = 3,
        /// An order's price and/or quantity changed (reduce or replace).
        Replaced = 4,
        /// Market-by-order feed: an order entered the back of a level.
        BookAdd = 5,
        /// Market-by-order feed: a resting order's quantity changed in place.
        BookModify = 6,
        /// Market-by-order feed: an order left a level.
        BookDelete = 7,
        /// An instrument's trading state changed: `qty` is the new [`TradingState`], `reason`
        /// the cause (NONE for an API or scheduled halt, PRICE_BAND for a band pause),
        /// `leaves` when the halt ends (0 if open-ended).
        TradingState = 8,
    }
);

code_enum!(
    /// Why a message was rejected or an order cancelled. One code space for both.
    Reason {
        /// Not a reject or cancel.
        None = 0,
        /// No instrument has this id.
        UnknownInstrument = 1,
        /// Side is not 0 or 1.
        InvalidSide = 2,
        /// Unknown order type or flag bits.
        InvalidOrderType = 3,
        /// Unknown or disallowed time in force.
        InvalidTif = 4,
        /// Limit price not positive.
        InvalidPrice = 5,
        /// Price not a multiple of the tick size.
        OffTick = 6,
        /// Quantity not positive, or a reduce that does not reduce.
        InvalidQty = 7,
        /// Quantity not a multiple of the lot size.
        OffLot = 8,
        /// Quantity under the instrument's minimum.
        QtyBelowMin = 9,
        /// Quantity over the instrument's maximum.
        QtyAboveMax = 10,
        /// Iceberg display quantity not allowed or out of range.
        InvalidDisplayQty = 11,
        /// The participant already has a live order with this client order id.
        DuplicateClientOrderId = 12,
        /// No live order has this id.
        UnknownOrder = 13,
        /// The order belongs to another participant.
        NotOwner = 14,
        /// A post-only order would take liquidity.
        PostOnlyWouldCross = 15,
        /// Unknown message action.
        InvalidAction = 16,
        /// The instrument is halted.
        InstrumentHalted = 17,
        /// Cancelled at the owner's request.
        UserCancel = 32,
        /// The unfilled part of an IOC or market order.
        IocRemainder = 33,
        /// A fill-or-kill order that could not fill entirely.
        FokUnfilled = 34,
        /// Self-trade prevention.
        SelfTrade = 35,
        /// Mass cancel.
        MassCancel = 36,
        /// A DAY order at the end of the day.
        Expired = 37,
        /// Risk: order quantity over the account's maximum.
        RiskMaxOrderQty = 64,
        /// Risk: order notional over the account's maximum.
        RiskMaxOrderNotional = 65,
        /// Risk: limit price outside the instrument's collar.
        RiskPriceCollar = 66,
        /// Risk: the worst-case position would pass the account's maximum.
        RiskMaxPosition = 67,
        /// Risk: open notional plus position notional would pass the credit limit.
        RiskCreditLimit = 68,
        /// Risk: the participant's message rate is over its throttle.
        RiskThrottle = 69,
        /// Risk: the client order id was already used this session.
        RiskClientIdReused = 70,
        /// Risk: the participant may not trade this instrument.
        RiskRestricted = 71,
        /// Risk: the participant's kill switch is tripped (reject), or just tripped (cancel).
        KillSwitch = 72,
        /// Venue protection: a taker stopped at the price band (cancel of the remainder; cause
        /// of a band pause).
        PriceBand = 73,
    }
);
