"""The QuestDB sink: trades, quotes and engine (L3) events streamed into QuestDB tables with
designated timestamps, over InfluxDB line protocol (ILP) on HTTP, with the `questdb` client.

    sink = QuestDBSink.from_url("questdb://localhost:9000", symbols=["XYZ"], run_id="r1")
    sink.write_events(events)                     # an EVENT_DTYPE array
    sink.write_quotes(ts, 0, 9990, 300, 10010, 200)
    report = sink.close()                         # says what was written where
    print(report)

Tables (created by QuestDB on first write; docs/PROTOCOL.md, "QuestDB tables", has the
schemas and example queries). Every row has the `run` symbol, so runs can share tables, and
the designated timestamp `timestamp` is the event's ts (plus `ts_offset`, e.g. the session
date's midnight for simulated time):
- `trades`: one row per TRADE event;
- `quotes`: one row per `write_quotes` call (best bid and offer after a change);
- `l3_events`: one row per engine event of every kind (the full order-by-order record).

Never loses data silently. Rows go into a client buffer; every `flush_rows` rows (or
`flush_interval` seconds) the buffer is handed to a background thread that sends it and
retries with exponential backoff while the server is unreachable or refuses. If the
unsent data grows past `max_pending_bytes` (a server that cannot keep up, or is gone),
further buffers are appended to a spill file of ILP text instead (loadable later with
`curl -F data=@FILE http://host:9000/imp` or any ILP client). `close()` waits up to
`close_timeout` seconds for the sender, spills what is still unsent, and returns a
`SinkReport`: rows written per table, failed attempts, the last error, rows spilled and
where.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

__all__ = ["TABLES", "QuestDBSink", "SinkReport"]

log = logging.getLogger("venue.io.questdb")

TABLES = ("trades", "quotes", "l3_events")
"""The tables the sink writes (before `table_prefix`)."""

_KINDS = (
    "ACCEPTED",
    "REJECTED",
    "TRADE",
    "CANCELLED",
    "REPLACED",
    "BOOK_ADD",
    "BOOK_MODIFY",
    "BOOK_DELETE",
)
_SIDES = ("buy", "sell")
_TRADE = 2
_I64 = 1 << 63


def _reason_names() -> dict[int, str]:
    from venue.enums import Reason

    return {r.value: r.name for r in Reason}


def _i64(v: int) -> int:
    """A u64 as the i64 with the same bits (QuestDB has no unsigned LONG)."""
    return v - (1 << 64) if v >= _I64 else v


@dataclass
class SinkReport:
    """What a sink did: rows written per table, rows it could not send and where they are."""

    target: str
    rows_written: dict[str, int] = field(default_factory=dict)
    rows_spilled: int = 0
    spill_path: Path | None = None
    failed_attempts: int = 0
    last_error: str | None = None

    @property
    def complete(self) -> bool:
        """True when every row reached the server."""
        return self.rows_spilled == 0

    def __str__(self) -> str:
        written = ", ".join(f"{n} {t}" for t, n in sorted(self.rows_written.items())) or "none"
        text = f"{self.target}: rows written: {written}"
        if self.failed_attempts:
            text += f"; {self.failed_attempts} failed attempts (last: {self.last_error})"
        if self.rows_spilled:
            text += f"; {self.rows_spilled} rows NOT sent, saved to {self.spill_path}"
        return text


class QuestDBSink:
    """Streams a run's events into QuestDB (see the module docstring).

    `symbols[i]` names instrument i. `sender_conf` overrides the client configuration string
    (default `http::addr=host:port;...`); `protocol_version` 1 is plain-text ILP, understood
    by every QuestDB version (the sink sends integers only).
    """

    def __init__(
        self,
        host: str,
        port: int = 9000,
        *,
        symbols: Sequence[str] = (),
        run_id: str = "run",
        ts_offset: int = 0,
        table_prefix: str = "",
        flush_rows: int = 50_000,
        flush_interval: float = 1.0,
        max_pending_bytes: int = 256 << 20,
        spill_dir: str | Path = ".",
        retry_backoff: float = 0.1,
        retry_max_backoff: float = 5.0,
        close_timeout: float = 30.0,
        protocol_version: int = 1,
        sender_conf: str | None = None,
    ) -> None:
        from questdb import Sender

        self.target = f"questdb://{host}:{port}"
        self.symbols = list(symbols)
        self.run_id = run_id
        self.ts_offset = ts_offset
        self.tables = {t: table_prefix + t for t in TABLES}
        self.flush_rows = flush_rows
        self.flush_interval = flush_interval
        self.max_pending_bytes = max_pending_bytes
        self.spill_path = Path(spill_dir) / f"questdb-{run_id}-unsent.ilp"
        self.retry_backoff = retry_backoff
        self.retry_max_backoff = retry_max_backoff
        self.close_timeout = close_timeout
        conf = sender_conf or (
            f"http::addr={host}:{port};protocol_version={protocol_version};auto_flush=off;"
            "retry_timeout=0;request_timeout=10000;"
        )
        # Two senders with one configuration: this thread builds buffers with one, the
        # background thread sends with the other (so a slow request never blocks the caller).
        self._factory = Sender.from_conf(conf)
        self._factory.establish()
        self._sender = Sender.from_conf(conf)
        self._sender.establish()
        self._reasons = _reason_names()
        self._buf = self._factory.new_buffer()
        self._buf_rows: Counter[str] = Counter()
        self._last_handoff = time.monotonic()
        self._queue: deque[tuple[Any, Counter[str]]] = deque()
        self._pending_bytes = 0
        self._cond = threading.Condition()
        self._closing = False
        self._deadline = 0.0
        self._written: Counter[str] = Counter()
        self._spilled = 0
        self._failed = 0
        self._last_error: str | None = None
        self._thread = threading.Thread(target=self._run, name="questdb-sink", daemon=True)
        self._thread.start()

    @classmethod
    def from_url(cls, url: str, **options: Any) -> QuestDBSink:
        """A sink for `questdb://host[:port]` (port 9000 by default); `options` as for the
        constructor. ValueError naming the problem for another URL."""
        parsed = urlparse(url)
        if parsed.scheme != "questdb" or not parsed.hostname:
            raise ValueError(f"--record {url!r}: expected questdb://host:port")
        try:
            port = parsed.port or 9000
        except ValueError as err:
            raise ValueError(f"--record {url!r}: bad port ({err})") from None
        return cls(parsed.hostname, port, **options)

    # ------------------------------------------------------------------------------------------
    # Rows
    # ------------------------------------------------------------------------------------------

    def _symbol(self, instrument: int) -> str:
        return self.symbols[instrument] if instrument < len(self.symbols) else str(instrument)

    def write_events(self, events: np.ndarray) -> None:
        """Adds a row to `l3_events` for every event and to `trades` for every TRADE."""
        from questdb import TimestampNanos

        if len(events) == 0:
            return
        buf = self._buf
        run = self.run_id
        offset = self.ts_offset
        trades_table, l3_table = self.tables["trades"], self.tables["l3_events"]
        reasons = self._reasons
        ntrades = 0
        cols = [
            events[name].tolist()
            for name in (
                "seq", "ts", "order_id", "client_order_id", "price", "qty", "leaves",
                "maker_order_id", "instrument", "participant", "maker_participant", "kind",
                "side", "reason",
            )
        ]  # fmt: skip
        for (
            seq,
            ts,
            oid,
            coid,
            price,
            qty,
            leaves,
            moid,
            inst,
            part,
            mpart,
            kind,
            side,
            reason,
        ) in zip(*cols, strict=True):
            at = TimestampNanos(ts + offset)
            symbol = self._symbol(inst)
            side_name = _SIDES[side] if side < 2 else str(side)
            is_trade = kind == _TRADE
            buf.row(
                l3_table,
                symbols={
                    "run": run,
                    "symbol": symbol,
                    "kind": _KINDS[kind] if kind < len(_KINDS) else str(kind),
                    "side": side_name,
                    "reason": reasons.get(reason, str(reason)) if reason else None,
                },
                columns={
                    "seq": _i64(seq),
                    "order_id": _i64(oid),
                    "client_order_id": _i64(coid),
                    "participant": part,
                    "price": price,
                    "qty": qty,
                    "leaves": leaves,
                    "maker_order_id": _i64(moid) if is_trade else None,
                    "maker_participant": mpart if is_trade else None,
                },
                at=at,
            )
            if is_trade:
                ntrades += 1
                buf.row(
                    trades_table,
                    symbols={"run": run, "symbol": symbol, "aggressor": side_name},
                    columns={
                        "seq": _i64(seq),
                        "price": price,
                        "qty": qty,
                        "taker_order_id": _i64(oid),
                        "maker_order_id": _i64(moid),
                        "taker_participant": part,
                        "maker_participant": mpart,
                    },
                    at=at,
                )
        self._buf_rows["l3_events"] += len(events)
        if ntrades:
            self._buf_rows["trades"] += ntrades
        self._maybe_handoff()

    def write_quotes(
        self,
        ts: Any,
        instrument: Any,
        bid_price: Any,
        bid_qty: Any,
        ask_price: Any,
        ask_qty: Any,
    ) -> None:
        """Adds rows to `quotes`: scalars for one quote, or equal-length arrays for many. An
        empty side is a price of None (or 0 in an array) and becomes NULL."""
        from questdb import TimestampNanos

        columns = [np.atleast_1d(np.asarray(c, dtype=object)) for c in
                   (ts, instrument, bid_price, bid_qty, ask_price, ask_qty)]  # fmt: skip
        n = len(columns[0])
        if any(len(c) != n for c in columns):
            raise ValueError("write_quotes: all columns must have the same length")
        table = self.tables["quotes"]
        for t, inst, bp, bq, ap, aq in zip(*columns, strict=True):
            has_bid = bp is not None and bp != 0
            has_ask = ap is not None and ap != 0
            self._buf.row(
                table,
                symbols={"run": self.run_id, "symbol": self._symbol(int(inst))},
                columns={
                    "bid_price": int(bp) if has_bid else None,
                    "bid_qty": int(bq) if has_bid else None,
                    "ask_price": int(ap) if has_ask else None,
                    "ask_qty": int(aq) if has_ask else None,
                },
                at=TimestampNanos(int(t) + self.ts_offset),
            )
        self._buf_rows["quotes"] += n
        self._maybe_handoff()

    def buffer_bytes(self) -> bytes:
        """The ILP text of the rows not yet handed to the sender (for tests and debugging)."""
        return bytes(self._buf)

    # ------------------------------------------------------------------------------------------
    # Hand-off, sending, spilling
    # ------------------------------------------------------------------------------------------

    def _maybe_handoff(self) -> None:
        rows = sum(self._buf_rows.values())
        if rows >= self.flush_rows or (
            rows and time.monotonic() - self._last_handoff >= self.flush_interval
        ):
            self.flush()

    def flush(self) -> None:
        """Hands the rows written so far to the sender thread (does not wait)."""
        self._last_handoff = time.monotonic()
        if not self._buf_rows:
            return
        buf, rows = self._buf, self._buf_rows
        self._buf, self._buf_rows = self._factory.new_buffer(), Counter()
        size = len(buf)
        with self._cond:
            if self._pending_bytes + size > self.max_pending_bytes:
                overflow = True
            else:
                overflow = False
                self._queue.append((buf, rows))
                self._pending_bytes += size
                self._cond.notify()
        if overflow:
            log.warning(
                "%s: %d bytes unsent (limit %d): spilling to %s",
                self.target,
                self._pending_bytes,
                self.max_pending_bytes,
                self.spill_path,
            )
            self._spill(buf, rows)

    def _spill(self, buf: Any, rows: Counter[str]) -> None:
        self.spill_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.spill_path, "ab") as out:
            out.write(bytes(buf))
        with self._cond:
            self._spilled += sum(rows.values())

    def _run(self) -> None:
        from questdb import QuestDBError

        backoff = self.retry_backoff
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait()
                if not self._queue:
                    return
                buf, rows = self._queue[0]
            try:
                self._sender.flush(buf, clear=False)
            except QuestDBError as err:
                with self._cond:
                    self._failed += 1
                    self._last_error = str(err)
                    give_up = self._closing and time.monotonic() >= self._deadline
                if give_up:
                    self._drain_to_spill()
                    return
                log.warning("%s: send failed (%s); retrying in %.1f s", self.target, err, backoff)
                with self._cond:
                    self._cond.wait(backoff)
                backoff = min(backoff * 2, self.retry_max_backoff)
                continue
            backoff = self.retry_backoff
            with self._cond:
                self._queue.popleft()
                self._pending_bytes -= len(buf)
                self._written.update(rows)

    def _drain_to_spill(self) -> None:
        with self._cond:
            items = list(self._queue)
            self._queue.clear()
            self._pending_bytes = 0
        for buf, rows in items:
            self._spill(buf, rows)

    def close(self) -> SinkReport:
        """Sends what is left (waiting up to `close_timeout` s), spills what could not be
        sent, and reports. Idempotent."""
        if not self._closing:
            self.flush()
            with self._cond:
                self._closing = True
                self._deadline = time.monotonic() + self.close_timeout
                self._cond.notify_all()
            self._thread.join(self.close_timeout + 15)
            if self._thread.is_alive():  # a request hung past its timeout
                self._drain_to_spill()
            self._sender.close(flush=False)
            self._factory.close(flush=False)
        with self._cond:
            report = SinkReport(
                target=self.target,
                rows_written={self.tables[t]: n for t, n in self._written.items()},
                rows_spilled=self._spilled,
                spill_path=self.spill_path if self._spilled else None,
                failed_attempts=self._failed,
                last_error=self._last_error,
            )
        (log.info if report.complete else log.error)("%s", report)
        return report

    def __enter__(self) -> QuestDBSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
