"""The QuestDB sink: the exact ILP rows it builds in the client's buffer, delivery to an ILP
HTTP endpoint on loopback (retries, spilling, the final report), and a live server when
VENUE_QUESTDB names one."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from venue import EVENT_DTYPE, Engine, EventKind
from venue.io.questdb import QuestDBSink


def events(*rows: dict) -> np.ndarray:
    out = np.zeros(len(rows), dtype=EVENT_DTYPE)
    for i, row in enumerate(rows):
        for key, value in row.items():
            out[i][key] = value
    return out


TS = 1_700_000_000_000_000_000
SAMPLE = events(
    {
        "seq": 1,
        "ts": TS,
        "order_id": 1,
        "client_order_id": 7,
        "price": 10100,
        "qty": 30,
        "leaves": 30,
        "instrument": 0,
        "participant": 3,
        "kind": EventKind.ACCEPTED,
        "side": 1,
    },
    {
        "seq": 2,
        "ts": TS + 5,
        "order_id": 2,
        "client_order_id": 9,
        "price": 10100,
        "qty": 10,
        "leaves": 0,
        "maker_order_id": 1,
        "instrument": 0,
        "participant": 4,
        "maker_participant": 3,
        "kind": EventKind.TRADE,
        "side": 0,
    },
    {
        "seq": 3,
        "ts": TS + 5,
        "order_id": 1,
        "client_order_id": 7,
        "price": 10100,
        "qty": 20,
        "leaves": 20,
        "instrument": 0,
        "participant": 3,
        "kind": EventKind.BOOK_MODIFY,
        "side": 1,
    },
    {
        "seq": 4,
        "ts": TS + 9,
        "order_id": 0,
        "client_order_id": 2**64 - 1,
        "price": 1,
        "qty": 1,
        "instrument": 5,
        "participant": 4,
        "kind": EventKind.REJECTED,
        "side": 0,
        "reason": 1,
    },
)
SAMPLE_ILP = (
    "l3_events,run=r1,symbol=XYZ,kind=ACCEPTED,side=sell seq=1i,order_id=1i,"
    "client_order_id=7i,participant=3i,price=10100i,qty=30i,leaves=30i 1700000000000000000\n"
    "l3_events,run=r1,symbol=XYZ,kind=TRADE,side=buy seq=2i,order_id=2i,client_order_id=9i,"
    "participant=4i,price=10100i,qty=10i,leaves=0i,maker_order_id=1i,maker_participant=3i "
    "1700000000000000005\n"
    "trades,run=r1,symbol=XYZ,aggressor=buy seq=2i,price=10100i,qty=10i,taker_order_id=2i,"
    "maker_order_id=1i,taker_participant=4i,maker_participant=3i 1700000000000000005\n"
    "l3_events,run=r1,symbol=XYZ,kind=BOOK_MODIFY,side=sell seq=3i,order_id=1i,"
    "client_order_id=7i,participant=3i,price=10100i,qty=20i,leaves=20i 1700000000000000005\n"
    # An unknown instrument keeps its number; a u64 above i64 keeps its bits.
    "l3_events,run=r1,symbol=5,kind=REJECTED,side=buy,reason=UNKNOWN_INSTRUMENT seq=4i,"
    "order_id=0i,client_order_id=-1i,participant=4i,price=1i,qty=1i,leaves=0i "
    "1700000000000000009\n"
)
QUOTES_ILP = (
    "quotes,run=r1,symbol=XYZ bid_price=10095i,bid_qty=300i,ask_price=10100i,ask_qty=20i "
    "1700000000000000005\n"
    "quotes,run=r1,symbol=XYZ ask_price=10100i,ask_qty=20i 1700000000000000009\n"
)


class IlpEndpoint:
    """A loopback HTTP endpoint speaking the ILP `/write` side of QuestDB: it keeps every
    body it accepts, and can refuse the first `fail_first` requests with HTTP 500."""

    def __init__(self, fail_first: int = 0) -> None:
        self.bodies: list[bytes] = []
        self.refused = 0
        self.fail_first = fail_first
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as QuestDB and the client expect

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if endpoint.refused < endpoint.fail_first:
                    endpoint.refused += 1
                    self.send_response(500)
                    payload = json.dumps({"code": "internal", "message": "busy"}).encode()
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                endpoint.bodies.append(body)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def text(self) -> str:
        return b"".join(self.bodies).decode()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    ep = IlpEndpoint()
    yield ep
    ep.close()


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sink(port: int, tmp_path: Path, **options) -> QuestDBSink:
    options.setdefault("flush_rows", 1_000_000)
    options.setdefault("flush_interval", 3600.0)
    return QuestDBSink(
        "127.0.0.1", port, symbols=["XYZ"], run_id="r1", spill_dir=tmp_path, **options
    )


def test_the_rows_in_the_clients_buffer_are_exactly_the_documented_ones(tmp_path) -> None:
    s = sink(closed_port(), tmp_path, close_timeout=0.2)
    s.write_events(SAMPLE)
    assert s.buffer_bytes().decode() == SAMPLE_ILP
    s.write_quotes([TS + 5, TS + 9], [0, 0], [10095, None], [300, 0], [10100, 10100], [20, 20])
    assert s.buffer_bytes().decode() == SAMPLE_ILP + QUOTES_ILP
    report = s.close()
    # Nobody listens: nothing is lost, it is all in the spill file, and the report says so.
    assert report.rows_written == {}
    assert report.rows_spilled == 7 and not report.complete
    assert report.failed_attempts >= 1 and "Connection refused" in report.last_error
    assert report.spill_path == tmp_path / "questdb-r1-unsent.ilp"
    assert report.spill_path.read_text() == SAMPLE_ILP + QUOTES_ILP
    assert "7 rows NOT sent, saved to" in str(report)


def test_rows_reach_the_server_in_flushes_and_the_report_counts_them(
    endpoint: IlpEndpoint, tmp_path
) -> None:
    s = sink(endpoint.port, tmp_path, flush_rows=3)
    s.write_events(SAMPLE)  # 5 rows: handed over at once
    s.write_quotes(TS + 5, 0, 10095, 300, 10100, 20)
    report = s.close()
    assert endpoint.text() == SAMPLE_ILP + QUOTES_ILP.splitlines(keepends=True)[0]
    assert len(endpoint.bodies) == 2
    assert report.rows_written == {"l3_events": 4, "trades": 1, "quotes": 1}
    assert report.complete and report.failed_attempts == 0 and report.spill_path is None
    expected = f"questdb://127.0.0.1:{endpoint.port}: rows written: 4 l3_events, 1 quotes, 1 trades"
    assert str(report) == expected


def test_a_refusing_server_is_retried_until_it_takes_the_rows(tmp_path) -> None:
    ep = IlpEndpoint(fail_first=2)
    try:
        s = sink(ep.port, tmp_path, retry_backoff=0.01)
        s.write_events(SAMPLE)
        report = s.close()
    finally:
        ep.close()
    assert ep.refused == 2
    assert ep.text() == SAMPLE_ILP  # once, in order
    assert report.failed_attempts == 2 and report.complete
    assert report.rows_written == {"l3_events": 4, "trades": 1}


def test_a_sink_that_cannot_keep_up_spills_instead_of_growing_without_bound(tmp_path) -> None:
    s = sink(
        closed_port(),
        tmp_path,
        flush_rows=1,
        max_pending_bytes=400,
        close_timeout=0.2,
        retry_backoff=0.05,
    )
    for k in range(len(SAMPLE)):
        s.write_events(SAMPLE[k : k + 1])
    report = s.close()
    assert report.rows_written == {}
    assert report.rows_spilled == 5
    # Every line is in the spill file exactly once (order may differ: spilled while queued).
    assert sorted(report.spill_path.read_text().splitlines()) == sorted(SAMPLE_ILP.splitlines())


def test_engine_events_round_trip_through_the_sink(endpoint: IlpEndpoint, tmp_path) -> None:
    eng = Engine()
    eng.add_instrument("XYZ")
    eng.sell("XYZ", 10, price=101, participant=1, ts=TS)
    eng.buy("XYZ", 4, price=101, participant=2, ts=TS + 1)
    ev = eng.events()
    s = sink(endpoint.port, tmp_path)
    s.write_events(ev)
    report = s.close()
    lines = endpoint.text().splitlines()
    assert len(lines) == len(ev) + 1
    assert [line.split(",")[0] for line in lines].count("trades") == 1
    assert report.rows_written == {"l3_events": len(ev), "trades": 1}


@pytest.mark.parametrize(
    "url,problem", [("http://x:9000", "expected questdb://"), ("questdb://x:notaport", "bad port")]
)
def test_from_url_names_a_bad_url(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        QuestDBSink.from_url(url)


def test_from_url_defaults_to_port_9000(tmp_path) -> None:
    s = QuestDBSink.from_url("questdb://127.0.0.1", spill_dir=tmp_path, close_timeout=0.1)
    assert s.target == "questdb://127.0.0.1:9000"
    assert s.close().complete


LIVE = os.environ.get("VENUE_QUESTDB")


@pytest.mark.skipif(not LIVE, reason="VENUE_QUESTDB is not set (host:port of a QuestDB server)")
def test_a_live_questdb_server_stores_the_rows(tmp_path) -> None:  # pragma: no cover
    host, _, port = (LIVE or "").partition(":")
    run_id = f"test_{time.time_ns()}"
    s = QuestDBSink(host, int(port or 9000), symbols=["XYZ"], run_id=run_id, spill_dir=tmp_path)
    s.write_events(SAMPLE)
    s.write_quotes(TS + 5, 0, 10095, 300, 10100, 20)
    report = s.close()
    assert report.complete, str(report)

    def count(table: str) -> int:
        query = urllib.parse.quote(f"select count() from {table} where run = '{run_id}'")
        with urllib.request.urlopen(f"http://{host}:{port or 9000}/exec?query={query}") as r:
            return json.loads(r.read())["dataset"][0][0]

    deadline = time.monotonic() + 20
    want = {"l3_events": 4, "trades": 1, "quotes": 1}
    while time.monotonic() < deadline:  # WAL tables become visible shortly after commit
        got = {t: count(t) for t in want}
        if got == want:
            break
        time.sleep(0.5)
    assert got == want
