"""The venue as a NATS service: requests from the orders stream, batched into the engine,
answered on the participants' exec subjects, market data to everyone.

One asyncio task owns the engine. Messages delivered from the orders stream (an ordered
push consumer reading the journal from its first message) are queued by the subscription
callback; the task takes everything queued so far as one batch (at most `max_batch`
messages), decodes it, sends every valid request to `Engine.process` in one call, splits
the events back to the requests by timestamp (each request gets its own strictly increasing
ns timestamp), and publishes:
- per participant, its execution messages on `venue.exec.<participant>` (header
  `Venue-Orders: first-last/part`, see `venue.gateway.jetstream`);
- per symbol, the market-data messages (`venue.gateway.marketdata`).

Start-up replays the journal: what the exec stream shows as answered is processed silently
(rebuilding the book and the idempotency ledger), the batch that was being published when
the venue stopped is redone and only its missing messages published, then the venue is
live. See docs/PROTOCOL.md.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from venue.dtypes import EVENT_DTYPE, ORDER_DTYPE
from venue.enums import Action, EventKind
from venue.gateway import codec_binary, codec_json
from venue.gateway.codec_json import dumps
from venue.gateway.idempotency import RequestLedger
from venue.gateway.jetstream import (
    BATCH_HEADER,
    Recovery,
    StreamNames,
    ensure_streams,
    format_batch_header,
    parse_ack_subject,
    recovery_point,
)
from venue.gateway.marketdata import MarketData
from venue.gateway.protocol import (
    KIND_NAMES,
    REASON_NAMES,
    Request,
    RequestError,
)
from venue.gateway.subjects import Subjects, check_token

__all__ = ["Gateway", "GatewayConfig", "GatewayStats", "InstrumentSpec"]

log = logging.getLogger("venue.gateway")

_ACTION_NAMES = {a.value: a.name.lower() for a in Action}
_NEW = int(Action.NEW)
_SIDE = ("BUY", "SELL")
_TRADE = int(EventKind.TRADE)
_ACCEPTED = int(EventKind.ACCEPTED)
_BOOK_ADD = int(EventKind.BOOK_ADD)
# Positions in an event tuple (`EVENT_DTYPE` field order, as `ndarray.tolist()` gives them).
_F = {name: i for i, name in enumerate(EVENT_DTYPE.names or ())}
_SEQ, _TS, _OID, _COID = _F["seq"], _F["ts"], _F["order_id"], _F["client_order_id"]
_PRICE, _QTY, _LEAVES, _MAKER_OID = _F["price"], _F["qty"], _F["leaves"], _F["maker_order_id"]
_INST, _PART, _MAKER_PART = _F["instrument"], _F["participant"], _F["maker_participant"]
_KIND, _SIDE_F, _REASON = _F["kind"], _F["side"], _F["reason"]
_Out = tuple[str, bytes, dict[str, str] | None]  # subject, payload, headers
_SMALL_BATCH = 64  # events: below, route with tuples; above, with numpy
_JSON_REPORTS_PER_MSG = 256
_JSON_FILLS_PER_MSG = 1024
_BINARY_EVENTS_PER_MSG = 8192


@dataclass(frozen=True)
class InstrumentSpec:
    """An instrument the venue lists: its symbol (a subject token) and specification."""

    symbol: str
    tick_size: int = 1
    lot_size: int = 1
    min_qty: int = 1
    max_qty: int = 1_000_000_000


@dataclass
class GatewayConfig:
    """Everything `Gateway` needs. `nats_options` go to `nats.connect` as keywords (e.g.
    `user`, `password`, `user_credentials`)."""

    nats_url: str = "nats://127.0.0.1:4222"
    prefix: str = "venue"
    instruments: Sequence[InstrumentSpec] = (InstrumentSpec("XYZ"),)
    max_batch: int = 4096
    depth_levels: int = 10
    nats_options: dict[str, Any] = field(default_factory=dict)


@dataclass
class GatewayStats:
    """Counters since start (replayed journal entries included in `replayed` only)."""

    messages: int = 0
    requests: int = 0
    invalid: int = 0
    duplicates: int = 0
    unroutable: int = 0
    events: int = 0
    batches: int = 0
    replayed: int = 0
    exec_messages: int = 0
    md_messages: int = 0


class _Batch:
    """The decoded requests of one batch of journal messages, in order."""

    def __init__(self) -> None:
        # Rows sent to the engine (all in order of their strictly increasing ts).
        self.ts: list[int] = []
        self.part: list[int] = []
        self.binary: list[bool] = []
        self.chunks: list[np.ndarray] = []  # ORDER_DTYPE pieces, in order
        self.tuples: list[tuple[int, ...]] = []  # JSON rows not yet turned into a chunk
        # Per participant, its JSON reports in request order: dicts, or ("ok", row, meta)
        # placeholders filled with the row's events after processing.
        self.reports: dict[int, list[Any]] = {}
        self.segment_new: set[int] = set()  # NEW keys sent in the unprocessed segment
        self.events: list[np.ndarray] = []
        self.formats: dict[int, bool] = {}  # participant -> last request was binary

    def report(self, participant: int, item: Any) -> None:
        self.reports.setdefault(participant, []).append(item)

    def flush_tuples(self) -> None:
        if self.tuples:
            self.chunks.append(_rows_from_tuples(self.tuples))
            self.tuples = []

    def take_segment(self) -> np.ndarray | None:
        self.flush_tuples()
        if not self.chunks:
            return None
        rows = self.chunks[0] if len(self.chunks) == 1 else np.concatenate(self.chunks)
        self.chunks = []
        self.segment_new.clear()
        return rows


class Gateway:
    """The venue service. `engine` defaults to a new `venue.Engine`; it must be fresh (the
    venue adds its instruments and replays its journal into it)."""

    def __init__(self, config: GatewayConfig | None = None, engine: Any = None) -> None:
        self.config = config or GatewayConfig()
        if engine is None:
            from venue.engine import Engine

            engine = Engine()
        self.engine = engine
        self.subjects = Subjects(self.config.prefix)
        self.streams = StreamNames.for_prefix(self.config.prefix)
        self.symbols: dict[str, int] = {}
        for spec in self.config.instruments:
            check_token(spec.symbol, "instrument symbol")
            iid = engine.add_instrument(
                spec.symbol,
                tick_size=spec.tick_size,
                lot_size=spec.lot_size,
                min_qty=spec.min_qty,
                max_qty=spec.max_qty,
            )
            self.symbols[spec.symbol] = iid
        self._symbol_of = {i: s for s, i in self.symbols.items()}
        self.ledger = RequestLedger()
        self.md = MarketData(
            engine,
            [self._symbol_of[i] for i in range(len(self._symbol_of))],
            self.subjects,
            self.config.depth_levels,
        )
        self.stats = GatewayStats()
        self._formats: dict[int, bool] = {}
        self._last_ts = 0
        self._inbox: list[Any] = []
        self._wake = asyncio.Event()
        self._recovery = Recovery()
        self._repair_buf: list[Any] = []
        self._ready = asyncio.Event()
        self._ready_at = 0
        self._processed = 0  # last journal sequence number processed
        self._nc: Any = None
        self._js: Any = None
        self._subs: list[Any] = []
        self._task: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None
        self._fail_after_parts: int | None = None  # test hook: crash mid-publish

    # ------------------------------------------------------------------------------------------
    # Life cycle
    # ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connects, creates the streams if needed, finds the recovery point and starts
        consuming the journal from its first message. Returns at once; `wait_ready` waits for
        the replay to finish."""
        import nats

        async def on_error(err: Exception) -> None:
            log.warning("NATS: %s", err or type(err).__name__)

        options: dict[str, Any] = {
            "error_cb": on_error,
            "max_reconnect_attempts": 5,  # the first connection fails in seconds...
            "reconnect_time_wait": 0.5,
            "name": "venue",
        }
        options.update(self.config.nats_options)
        self._nc = await nats.connect(self.config.nats_url, **options)
        # ... but once connected, the venue reconnects for as long as it takes.
        self._nc.options["max_reconnect_attempts"] = self.config.nats_options.get(
            "max_reconnect_attempts", -1
        )
        self._js = self._nc.jetstream()
        await ensure_streams(self._js, self.subjects, self.streams)
        self._recovery = await recovery_point(self._js, self.streams)
        info = await self._js.stream_info(self.streams.orders)
        self._ready_at = info.state.last_seq
        if self._recovery.repair and self._recovery.repair[1] > self._ready_at:
            self._recovery.repair = None  # the journal lost that range: nothing to repair
        if self._ready_at == 0:
            self._ready.set()
        log.info(
            "journal has %d entries; answered up to %d; repair %s",
            self._ready_at,
            self._recovery.done,
            self._recovery.repair,
        )
        self._subs.append(
            await self._nc.subscribe(self.subjects.snapshot("*"), cb=self._on_snapshot)
        )
        self._task = asyncio.create_task(self._loop(), name="venue-gateway")
        self._subs.append(
            await self._js.subscribe(
                self.subjects.orders("*"),
                stream=self.streams.orders,
                cb=self._on_msg,
                ordered_consumer=True,
                pending_msgs_limit=1_000_000,
                pending_bytes_limit=1 << 30,
            )
        )

    async def wait_ready(self, timeout: float | None = None) -> None:
        """Waits until the journal present at start-up has been replayed (and the venue is
        live). Raises the loop's failure if it died."""
        waiter = asyncio.create_task(self._ready.wait())
        assert self._task is not None
        done, _ = await asyncio.wait(
            {waiter, self._task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if self._task in done:
            waiter.cancel()
            self._task.result()
            raise RuntimeError("venue gateway loop ended")
        if waiter not in done:
            waiter.cancel()
            raise TimeoutError(f"journal replay not finished after {timeout} s")

    async def serve_forever(self) -> None:
        """Runs until cancelled (or the processing loop fails)."""
        assert self._task is not None
        await asyncio.shield(self._task)

    async def stop(self) -> None:
        """Stops consuming, finishes what is queued, flushes and closes the connection."""
        for sub in self._subs:
            try:
                await sub.unsubscribe()
            except Exception:  # the connection may already be gone
                pass
        self._subs.clear()
        if self._task is not None:
            self._inbox.append(None)  # sentinel: stop after what is queued
            self._wake.set()
            try:
                await self._task
            except Exception as err:
                log.error("venue gateway loop failed: %s", err)
            self._task = None
        if self._nc is not None and not self._nc.is_closed:
            try:
                await self._nc.flush(timeout=5)
            finally:
                await self._nc.close()

    @property
    def ready(self) -> bool:
        """True once the start-up replay is done."""
        return self._ready.is_set()

    # ------------------------------------------------------------------------------------------
    # Callbacks
    # ------------------------------------------------------------------------------------------

    async def _on_msg(self, msg: Any) -> None:
        self._inbox.append(msg)
        self._wake.set()

    async def _on_snapshot(self, msg: Any) -> None:
        if not msg.reply:
            return
        symbol = msg.subject.rsplit(".", 1)[-1]
        if not self.ready:
            body: dict[str, Any] = {"error": "the venue is replaying its journal; retry"}
        elif symbol not in self.symbols:
            body = {"error": f"unknown symbol {symbol!r}"}
        else:
            body = self.md.snapshot(self.symbols[symbol])
        await self._nc.publish(msg.reply, dumps(body))

    # ------------------------------------------------------------------------------------------
    # The processing loop
    # ------------------------------------------------------------------------------------------

    async def _loop(self) -> None:
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._inbox:
                    take = self._inbox[: self.config.max_batch]
                    del self._inbox[: len(take)]
                    stop = take and take[-1] is None
                    msgs = [m for m in take if m is not None]
                    if msgs:
                        await self._dispatch(msgs)
                    if stop:
                        return
        except asyncio.CancelledError:
            raise
        except BaseException as err:
            self._failure = err
            log.exception("venue gateway loop failed")
            raise

    async def _dispatch(self, msgs: list[Any]) -> None:
        """Splits delivered messages into silent replay, repair and live batches."""
        entries = []
        seen = self._processed
        if self._repair_buf:
            seen = max(seen, self._repair_buf[-1][0])
        for m in msgs:
            seq, ts = parse_ack_subject(m.reply)
            if seq <= seen:
                continue  # redelivered by a consumer reset: already taken
            seen = seq
            entries.append((seq, ts, m.subject, m.data))
        rec = self._recovery
        i = 0
        while i < len(entries) and entries[i][0] <= rec.done:
            i += 1
        if i:
            self._process(entries[:i], mode="silent")
        rest = entries[i:]
        if rec.repair is not None and rest:
            last = rec.repair[1]
            j = 0
            while j < len(rest) and rest[j][0] <= last:
                j += 1
            self._repair_buf.extend(rest[:j])
            rest = rest[j:]
            if self._repair_buf and self._repair_buf[-1][0] >= last:
                batch, self._repair_buf = self._repair_buf, []
                execs, md = self._process(batch, mode="repair")
                self.stats.replayed += len(batch)
                execs = [o for k, o in enumerate(execs) if k not in rec.published]
                rec.repair = None
                await self._publish(execs, md)
        if rest:
            await self._publish(*self._process(rest, mode="live"))
        if not self._ready.is_set() and self._processed >= self._ready_at:
            self._ready.set()

    async def _publish(self, execs: list[_Out], md: list[_Out]) -> None:
        nc = self._nc
        self.stats.exec_messages += len(execs)
        self.stats.md_messages += len(md)
        for n, (subject, payload, headers) in enumerate(execs + md):
            if self._fail_after_parts is not None and n >= self._fail_after_parts:
                await nc.flush()
                raise RuntimeError("test hook: stopped in the middle of publishing a batch")
            delay = 0.1
            while True:
                try:
                    await nc.publish(subject, payload, headers=headers)
                    break
                except Exception as err:  # e.g. the reconnect buffer is full
                    if nc.is_closed:
                        raise
                    # The batch is processed: its answers must go out. Wait for NATS.
                    log.warning(
                        "publish on %s failed (%s); retrying in %.1f s", subject, err, delay
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)

    # ------------------------------------------------------------------------------------------
    # One batch
    # ------------------------------------------------------------------------------------------

    def _process(
        self, entries: list[tuple[int, int, str, bytes]], mode: str
    ) -> tuple[list[_Out], list[_Out]]:
        """Runs one batch of journal entries through the engine. Returns the messages to
        publish: the exec messages (in a deterministic order, each with its batch header)
        and the market-data messages; nothing in silent mode."""
        batch = _Batch()
        stats = self.stats
        for seq, ts, subject, data in entries:
            stats.messages += 1
            participant = self.subjects.participant_of(subject)
            if participant is None:
                stats.unroutable += 1
                log.warning("journal entry %d on %r: no participant in the subject", seq, subject)
                continue
            ts = max(ts, self._last_ts + 1)
            if codec_binary.is_binary(data):
                self._add_binary(batch, seq, ts, participant, data)
            else:
                self._add_json(batch, seq, ts, participant, data)
        self._run_segment(batch)
        self._processed = entries[-1][0]
        self._formats.update(batch.formats)
        events = _concat(batch.events)
        stats.events += len(events)
        stats.batches += 1
        # Small batches (the low-latency case) are walked as tuples, large ones as columns.
        ev_list = events.tolist() if len(events) <= _SMALL_BATCH else None
        if mode == "silent":
            stats.replayed += len(entries)
            self.md.on_events(events, ev_list, None)
            return [], []
        out: list[_Out] = []
        if ev_list is not None:
            self._exec_messages_small(batch, events, ev_list, out)
        else:
            self._exec_messages_large(batch, events, out)
        first, last = entries[0][0], entries[-1][0]
        for k, item in enumerate(out):
            out[k] = (item[0], item[1], {BATCH_HEADER: format_batch_header(first, last, k)})
        md: list[_Out] = []
        self.md.on_events(events, ev_list, lambda s, p: md.append((s, p, None)))
        return out, md

    def _add_json(self, batch: _Batch, seq: int, ts: int, participant: int, data: bytes) -> None:
        batch.formats[participant] = False
        for index, req in enumerate(codec_json.decode_requests(data, self.symbols, participant)):
            self.stats.requests += 1
            if isinstance(req, RequestError):
                self._invalid(batch, participant, seq, req)
                continue
            first = self.ledger.claim(participant, req.client_order_id, seq)
            if first is not None:
                self._duplicate(batch, participant, seq, index, req.client_order_id, first)
                continue
            order_id = req.order_id
            if req.orig_client_order_id:
                key = (participant << 64) | req.orig_client_order_id
                if key in batch.segment_new:
                    self._run_segment(batch)  # its NEW must be processed to know its id
                order_id = self.ledger.order_id(participant, req.orig_client_order_id)
            if req.action == _NEW:
                batch.segment_new.add((participant << 64) | req.client_order_id)
            ts = max(ts, self._last_ts + 1)
            self._last_ts = ts
            batch.tuples.append(_row_tuple(req, ts, participant, order_id))
            batch.ts.append(ts)
            batch.part.append(participant)
            batch.binary.append(False)
            batch.report(
                participant,
                ["ok", len(batch.ts) - 1, seq, index, req.client_order_id, req.action],
            )

    def _add_binary(self, batch: _Batch, seq: int, ts: int, participant: int, data: bytes) -> None:
        batch.formats[participant] = True
        rows, errors = codec_binary.decode_requests(data, participant)
        self.stats.requests += len(rows) + len(errors)
        for err in errors:
            self._invalid(batch, participant, seq, err)
        if len(rows) == 0:
            return
        dups = self.ledger.claim_many(participant, rows["client_order_id"].tolist(), seq)
        if dups:
            keep = np.ones(len(rows), dtype=bool)
            for i, coid, first in dups:
                keep[i] = False
                self._duplicate(batch, participant, seq, i, coid, first)
            rows = rows[keep]
            if len(rows) == 0:
                return
        new = rows["action"] == _NEW
        if new.any():
            batch.segment_new.update(
                (participant << 64) | c for c in rows["client_order_id"][new].tolist()
            )
        start = max(ts, self._last_ts + 1)
        stamps = np.arange(start, start + len(rows), dtype=np.int64)
        rows["ts"] = stamps
        self._last_ts = int(stamps[-1])
        batch.flush_tuples()
        batch.chunks.append(rows)
        batch.ts.extend(stamps.tolist())
        batch.part.extend([participant] * len(rows))
        batch.binary.extend([True] * len(rows))

    def _invalid(self, batch: _Batch, participant: int, seq: int, err: RequestError) -> None:
        self.stats.invalid += 1
        batch.report(
            participant,
            {
                "client_order_id": err.client_order_id,
                "seq": seq,
                "index": err.index,
                "status": "invalid",
                "error": err.error,
            },
        )

    def _duplicate(
        self, batch: _Batch, participant: int, seq: int, index: int, coid: int, first: int
    ) -> None:
        self.stats.duplicates += 1
        batch.report(
            participant,
            {
                "client_order_id": coid,
                "seq": seq,
                "index": index,
                "status": "duplicate",
                "original_seq": first,
            },
        )

    def _run_segment(self, batch: _Batch) -> None:
        rows = batch.take_segment()
        if rows is None:
            return
        events = self.engine.process(rows)
        batch.events.append(events)
        acc = events[events["kind"] == _ACCEPTED]
        if len(acc):
            self.ledger.record_accepted(
                acc["participant"].tolist(),
                acc["client_order_id"].tolist(),
                acc["order_id"].tolist(),
            )

    # ------------------------------------------------------------------------------------------
    # Execution messages
    # ------------------------------------------------------------------------------------------

    def _exec_messages_small(
        self, batch: _Batch, events: np.ndarray, ev: list[tuple[Any, ...]], out: list[_Out]
    ) -> None:
        """Routes a batch's order-level events: each to the participant whose request caused
        it (in the format of that request), each TRADE also to its maker (in the maker's
        last format); then encodes the messages, participants in increasing order."""
        row_of = {ts: r for r, ts in enumerate(batch.ts)}
        row_bin = batch.binary
        formats = self._formats
        json_ev: dict[int, list[int]] = {}  # request row -> its events
        bin_ev: dict[int, list[int]] = {}  # participant -> its binary events (and fills)
        json_fills: dict[int, list[int]] = {}  # maker -> its JSON fills
        for k, e in enumerate(ev):
            kind = e[_KIND]
            if kind >= _BOOK_ADD:
                continue
            r = row_of[e[_TS]]
            p = e[_PART]
            if row_bin[r]:
                bin_ev.setdefault(p, []).append(k)
            else:
                json_ev.setdefault(r, []).append(k)
            if kind == _TRADE:
                maker = e[_MAKER_PART]
                if maker != p:
                    if formats.get(maker, False):
                        bin_ev.setdefault(maker, []).append(k)
                    else:
                        json_fills.setdefault(maker, []).append(k)
        self._encode(batch, events, ev.__getitem__, json_ev, json_fills, bin_ev, out)

    def _exec_messages_large(self, batch: _Batch, events: np.ndarray, out: list[_Out]) -> None:
        """`_exec_messages_small` with numpy, for batches of many events."""
        kind = events["kind"]
        part = events["participant"]
        maker = events["maker_participant"]
        row_ts = np.asarray(batch.ts, dtype=np.int64)
        row_bin = np.asarray(batch.binary, dtype=bool)
        row_of = np.searchsorted(row_ts, events["ts"], side="right") - 1
        own = kind < _BOOK_ADD
        binary = row_bin[row_of]
        json_ev: dict[int, list[int]] = {}
        own_json = np.flatnonzero(own & ~binary)
        for r, k in zip(row_of[own_json].tolist(), own_json.tolist(), strict=True):
            json_ev.setdefault(r, []).append(k)
        own_bin = own & binary
        bin_masks: dict[int, np.ndarray] = {}
        for p in np.unique(part[own_bin]).tolist():
            bin_masks[p] = own_bin & (part == p)
        json_fills: dict[int, list[int]] = {}
        fills = (kind == _TRADE) & (maker != part)
        if fills.any():
            formats = self._formats
            for p in np.unique(maker[fills]).tolist():
                mine = fills & (maker == p)
                if formats.get(p, False):
                    bin_masks[p] = bin_masks[p] | mine if p in bin_masks else mine
                else:
                    json_fills[p] = np.flatnonzero(mine).tolist()
        bin_ev = {p: np.flatnonzero(m) for p, m in bin_masks.items()}

        def get(k: int) -> tuple[Any, ...]:
            return events[k].item()  # type: ignore[no-any-return]

        self._encode(batch, events, get, json_ev, json_fills, bin_ev, out)

    def _encode(
        self,
        batch: _Batch,
        events: np.ndarray,
        get: Any,
        json_ev: dict[int, list[int]],
        json_fills: dict[int, list[int]],
        bin_ev: dict[int, Any],
        out: list[_Out],
    ) -> None:
        n = len(events)
        for p in sorted(set(batch.reports) | set(json_fills) | set(bin_ev)):
            subject = self.subjects.exec(p)
            reports = batch.reports.get(p)
            pfills = json_fills.get(p)
            if reports or pfills:
                done = [self._report(r, get, json_ev) for r in reports or ()]
                fill_docs = [self._fill(get, n, k) for k in pfills or ()]
                for payload in _json_chunks(p, done, fill_docs):
                    out.append((subject, payload, None))
            idx = bin_ev.get(p)
            if idx is not None and len(idx):
                sel = events[idx]  # a copy
                is_fill = (sel["kind"] == _TRADE) & (sel["participant"] != p)
                if is_fill.any():
                    for name in ("order_id", "client_order_id", "participant", "leaves"):
                        sel[name][is_fill] = 0
                sel["maker_participant"][~is_fill] = 0
                for start in range(0, len(sel), _BINARY_EVENTS_PER_MSG):
                    chunk = sel[start : start + _BINARY_EVENTS_PER_MSG]
                    out.append((subject, codec_binary.encode_events(chunk), None))

    def _report(self, item: Any, get: Any, json_ev: dict[int, list[int]]) -> Any:
        if isinstance(item, dict):
            return item
        _, row, seq, index, coid, action = item
        return {
            "client_order_id": coid,
            "seq": seq,
            "index": index,
            "status": "ok",
            "type": _ACTION_NAMES[action],
            "events": [self._event(get(k)) for k in json_ev.get(row, ())],
        }

    def _event(self, e: tuple[Any, ...]) -> dict[str, Any]:
        kind, side, reason, inst = e[_KIND], e[_SIDE_F], e[_REASON], e[_INST]
        doc: dict[str, Any] = {
            "seq": e[_SEQ],
            "ts": e[_TS],
            "kind": KIND_NAMES[kind],
            "order_id": e[_OID],
            "client_order_id": e[_COID],
            "instrument": inst,
            "symbol": self._symbol_of.get(inst),
            "side": _SIDE[side] if side < 2 else side,
            "price": e[_PRICE],
            "qty": e[_QTY],
            "leaves": e[_LEAVES],
        }
        if kind == _TRADE:
            doc["maker_order_id"] = e[_MAKER_OID]
        if reason:
            doc["reason"] = REASON_NAMES.get(reason, reason)
        return doc

    def _fill(self, get: Any, n: int, k: int) -> dict[str, Any]:
        """A TRADE seen from its maker: no trace of the taker; `leaves` from the maker's book
        event that follows the trade (SEMANTICS.md: order-level events come first)."""
        e = get(k)
        inst = e[_INST]
        maker_oid = e[_MAKER_OID]
        leaves = None
        if k + 1 < n:
            nxt = get(k + 1)
            if nxt[_OID] == maker_oid and nxt[_KIND] >= _BOOK_ADD:
                leaves = nxt[_LEAVES]
        return {
            "seq": e[_SEQ],
            "ts": e[_TS],
            "kind": "TRADE",
            "role": "maker",
            "order_id": maker_oid,
            "instrument": inst,
            "symbol": self._symbol_of.get(inst),
            "side": _SIDE[1 - e[_SIDE_F]],
            "price": e[_PRICE],
            "qty": e[_QTY],
            "leaves": leaves,
        }


_ROW = struct.Struct("<qQQqqqIIBBBBB3x")
"""An `ORDER_DTYPE` record (docs/SEMANTICS.md, "Input message"); checked at import."""
if _ROW.size != ORDER_DTYPE.itemsize:
    raise ImportError(f"gateway: packed order record is {_ROW.size} bytes, not 64")


def _rows_from_tuples(tuples: list[tuple[int, ...]]) -> np.ndarray:
    """An `ORDER_DTYPE` array from `_row_tuple`s (one copy, writable)."""
    pack = _ROW.pack
    data = bytearray(b"".join([pack(*t) for t in tuples]))
    return np.frombuffer(data, dtype=ORDER_DTYPE)


def _row_tuple(req: Request, ts: int, participant: int, order_id: int) -> tuple[int, ...]:
    """The fields of an order message in layout order, from a decoded JSON request."""
    return (
        ts,
        order_id,
        req.client_order_id,
        req.price,
        req.qty,
        req.display_qty,
        req.instrument,
        participant,
        req.action,
        req.side,
        req.order_type,
        req.tif,
        req.flags,
    )


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    if not parts:
        return np.empty(0, dtype=EVENT_DTYPE)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _json_chunks(participant: int, reports: list[Any], fills: list[dict[str, Any]]) -> list[bytes]:
    out = []
    r, f = 0, 0
    while r < len(reports) or f < len(fills) or not out:
        doc = {
            "type": "exec",
            "participant": participant,
            "reports": reports[r : r + _JSON_REPORTS_PER_MSG],
            "fills": fills[f : f + _JSON_FILLS_PER_MSG],
        }
        r += _JSON_REPORTS_PER_MSG
        f += _JSON_FILLS_PER_MSG
        out.append(dumps(doc))
    return out


def now_ns() -> int:
    """Wall clock in ns (for clients and benchmarks; the venue's timestamps come from the
    journal)."""
    return time.time_ns()
