"""The gateway's codecs, subjects and ledger, without a server."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from venue import ALL_INSTRUMENTS, EVENT_DTYPE, Action, OrderType, Tif, orders
from venue.gateway import codec_binary, codec_json
from venue.gateway.client import BookReplica, GapError
from venue.gateway.idempotency import RequestLedger
from venue.gateway.jetstream import (
    StreamNames,
    format_batch_header,
    parse_ack_subject,
    parse_batch_header,
)
from venue.gateway.protocol import Request, RequestError
from venue.gateway.subjects import Subjects, check_token

SYMBOLS = {"XYZ": 0, "ABC": 1}


def decode(doc, participant: int = 3):
    return codec_json.decode_requests(json.dumps(doc).encode(), SYMBOLS, participant)


def test_json_new_defaults_follow_the_price() -> None:
    (limit,) = decode(
        {
            "type": "new",
            "client_order_id": 1,
            "symbol": "ABC",
            "side": "sell",
            "price": 10,
            "qty": 5,
        }
    )
    assert limit == Request(
        Action.NEW,
        1,
        instrument=1,
        side=1,
        order_type=OrderType.LIMIT,
        tif=Tif.GTC,
        price=10,
        qty=5,
    )
    (market,) = decode(
        {"type": "NEW", "client_order_id": 2, "instrument": 0, "side": "Buy", "qty": 5}
    )
    assert (market.order_type, market.tif, market.price) == (OrderType.MARKET, Tif.IOC, 0)
    (full,) = decode(
        {
            "type": "new",
            "client_order_id": 3,
            "symbol": "XYZ",
            "side": 1,
            "price": 10,
            "qty": 50,
            "tif": "day",
            "post_only": True,
            "display_qty": 10,
        }
    )
    assert (full.tif, full.flags, full.display_qty, full.side) == (Tif.DAY, 1, 10, 1)


def test_json_codes_outside_the_names_go_to_the_engine_to_judge() -> None:
    (req,) = decode(
        {
            "type": "new",
            "client_order_id": 1,
            "symbol": "XYZ",
            "side": 7,
            "price": 10,
            "qty": -5,
            "tif": 9,
        }
    )
    assert (req.side, req.tif, req.qty) == (7, 9, -5)


def test_json_targets_and_mass_cancel() -> None:
    cancel, replace, reduce, mass_all, mass_one = decode(
        [
            {"type": "cancel", "client_order_id": 5, "order_id": 17},
            {
                "type": "replace",
                "client_order_id": 6,
                "orig_client_order_id": 1,
                "price": 20,
                "qty": 30,
            },
            {"type": "reduce", "client_order_id": 7, "order_id": 17, "qty": 10},
            {"type": "mass_cancel", "client_order_id": 8},
            {"type": "mass_cancel", "client_order_id": 9, "symbol": "ABC"},
        ]
    )
    assert (cancel.action, cancel.order_id, cancel.orig_client_order_id) == (Action.CANCEL, 17, 0)
    assert (replace.orig_client_order_id, replace.price, replace.qty) == (1, 20, 30)
    assert (reduce.action, reduce.qty) == (Action.REDUCE, 10)
    assert (mass_all.instrument, mass_one.instrument) == (ALL_INSTRUMENTS, 1)


def test_json_errors_keep_the_client_order_id_when_it_is_readable() -> None:
    (bad,) = decode(
        {
            "type": "new",
            "client_order_id": 12,
            "symbol": "XYZ",
            "side": "buy",
            "price": 10.0,
            "qty": 5,
        }
    )
    assert bad == RequestError(
        0, 12, "request 0: field 'price' must be an integer, got 10.0 (float)"
    )
    (no_id,) = decode({"type": "cancel", "client_order_id": "x", "order_id": 1})
    assert no_id.client_order_id is None
    assert "field 'client_order_id' must be an integer" in no_id.error


def test_binary_requests_round_trip_and_take_the_subjects_participant() -> None:
    batch = orders(3)
    batch["client_order_id"] = [1, 2, 3]
    batch["participant"] = [0, 4, 0]
    batch["price"] = [10, 20, 30]
    payload = codec_binary.encode_requests(batch)
    assert payload[:4] == b"VNO1" and struct.unpack_from("<I", payload, 4) == (3,)
    assert len(payload) == 8 + 3 * 64
    rows, errors = codec_binary.decode_requests(payload, participant=4)
    assert errors == []
    assert rows["participant"].tolist() == [4, 4, 4]
    assert rows["price"].tolist() == [10, 20, 30]
    rows, errors = codec_binary.decode_requests(payload, participant=5)
    assert rows["client_order_id"].tolist() == [1, 3]
    assert errors == [
        RequestError(
            1, 2, "record 1: field 'participant' is 4 but this subject belongs to participant 5"
        )
    ]


def test_binary_events_round_trip() -> None:
    ev = np.zeros(2, dtype=EVENT_DTYPE)
    ev["seq"] = [1, 2]
    payload = codec_binary.encode_events(ev)
    assert codec_binary.is_binary(payload)
    assert codec_binary.decode_events(payload)["seq"].tolist() == [1, 2]
    with pytest.raises(ValueError, match="2 events but"):
        codec_binary.decode_events(payload[:-1])


def test_subjects_and_tokens() -> None:
    s = Subjects("sim.venue")
    assert s.orders(3) == "sim.venue.orders.3"
    assert s.participant_of("sim.venue.orders.3") == 3
    assert s.participant_of("sim.venue.orders.4294967296") is None
    assert s.participant_of("venue.orders.3") is None
    assert StreamNames.for_prefix("sim.venue") == StreamNames("SIM_VENUE_ORDERS", "SIM_VENUE_EXEC")
    with pytest.raises(ValueError, match="cannot be a NATS subject token"):
        check_token("BRK.A", "instrument symbol")


def test_headers_and_ack_subjects() -> None:
    assert parse_batch_header(format_batch_header(4, 9, 2)) == (4, 9, 2)
    assert parse_batch_header("garbage") is None
    assert parse_ack_subject("$JS.ACK.VENUE_ORDERS.abc.1.42.7.1700000000123456789.0") == (
        42,
        1700000000123456789,
    )
    assert parse_ack_subject(
        "$JS.ACK.hub.ACCHASH.VENUE_ORDERS.abc.1.42.7.1700000000123456789.0.token"
    ) == (42, 1700000000123456789)


def test_ledger_keeps_participants_apart() -> None:
    ledger = RequestLedger()
    assert ledger.claim(1, 5, seq=1) is None
    assert ledger.claim(2, 5, seq=2) is None
    assert ledger.claim(1, 5, seq=3) == 1
    ledger.record_accepted([1], [5], [100])
    assert (ledger.order_id(1, 5), ledger.order_id(2, 5)) == (100, 0)
    assert len(ledger) == 2


def test_book_replica_follows_adds_modifies_and_deletes() -> None:
    book = BookReplica({"symbol": "XYZ", "seq": 0, "trade_seq": 0, "bids": [], "asks": []})
    book.apply(
        {
            "first": 1,
            "last": 4,
            "l3": [
                [1, 0, "add", 1, "sell", 101, 10],
                [2, 0, "add", 2, "sell", 101, 5],
                [3, 0, "modify", 1, "sell", 101, 4],
                [4, 0, "add", 3, "buy", 99, 7],
            ],
        }
    )
    assert book.levels("sell") == [(101, [(1, 4), (2, 5)])]
    book.apply({"first": 5, "last": 5, "l3": [[5, 0, "delete", 1, "sell", 101, 0]]})
    assert book.levels("sell") == [(101, [(2, 5)])]
    with pytest.raises(GapError):
        book.apply({"first": 7, "last": 7, "l3": [[7, 0, "delete", 2, "sell", 101, 0]]})


@pytest.mark.parametrize(
    "name",
    [
        "venue.gateway.protocol",
        "venue.gateway.codec_json",
        "venue.gateway.codec_binary",
        "venue.gateway.subjects",
        "venue.gateway.idempotency",
        "venue.gateway.permissions",
        "venue.gateway.client",
    ],
)
def test_docstring_examples(name: str) -> None:
    import doctest
    import importlib
    import io

    module = importlib.import_module(name)
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    out = io.StringIO()
    for test in finder.find(module, name):
        runner.run(test, out=out.write)
    assert runner.tries > 0, f"{name} has no examples"
    assert runner.failures == 0, out.getvalue()


def _journal(seed: int, n: int) -> list[tuple[int, int, str, bytes]]:
    """Random journal entries: JSON and binary messages of several participants, with
    trades, iceberg refreshes, cancels by client order id, duplicates and bad requests."""
    import random

    from venue.gateway.codec_binary import encode_requests

    rng = random.Random(seed)
    next_coid: dict[int, int] = {}
    out = []
    for seq in range(1, n + 1):
        p = rng.randint(1, 5)
        k = rng.randint(1, 12)
        coids = []
        for _ in range(k):
            next_coid[p] = next_coid.get(p, 0) + 1
            coids.append(next_coid[p])
        if rng.random() < 0.1:
            coids[-1] = max(1, coids[0] - 1)  # a duplicate
        if p % 2:
            batch = orders(k)
            batch["client_order_id"] = coids
            batch["side"] = [rng.randint(0, 1) for _ in range(k)]
            batch["price"] = [1000 + 5 * rng.randint(-3, 3) for _ in range(k)]
            batch["qty"] = [10 * rng.randint(1, 6) for _ in range(k)]
            batch["tif"] = [rng.choice([0, 0, 2]) for _ in range(k)]
            payload = encode_requests(batch)
        else:
            docs: list = []
            for c in coids:
                r = rng.random()
                if r < 0.2 and c > 1:
                    docs.append(
                        {
                            "type": "cancel",
                            "client_order_id": c,
                            "orig_client_order_id": rng.randint(1, c - 1),
                        }
                    )
                elif r < 0.25:
                    docs.append(
                        {
                            "type": "new",
                            "client_order_id": c,
                            "symbol": "XYZ",
                            "side": "buy",
                            "qty": "x",
                        }
                    )
                else:
                    doc = {
                        "type": "new",
                        "client_order_id": c,
                        "symbol": "XYZ",
                        "side": rng.choice(["buy", "sell"]),
                        "price": 1000 + 5 * rng.randint(-3, 3),
                        "qty": 10 * rng.randint(1, 6),
                    }
                    if rng.random() < 0.2:
                        doc.update(qty=60, display_qty=10)
                    docs.append(doc)
            payload = json.dumps(docs).encode()
        out.append((seq, 1_000_000 * seq, f"venue.orders.{p}", payload))
    return out


def test_small_and_large_batch_paths_publish_identical_messages(monkeypatch) -> None:
    from venue import Engine
    from venue.gateway import Gateway, GatewayConfig, InstrumentSpec
    from venue.gateway import server as server_module

    spec = [InstrumentSpec("XYZ", tick_size=5, lot_size=10, min_qty=10, max_qty=10_000)]
    journal = _journal(7, 120)
    results = []
    for threshold in (10**9, 0):  # always tuples, always numpy
        monkeypatch.setattr(server_module, "_SMALL_BATCH", threshold)
        gw = Gateway(GatewayConfig(instruments=spec), Engine())
        published = []
        for k in range(0, len(journal), 6):
            execs, md = gw._process(journal[k : k + 6], "live")
            published.append((execs, md))
        results.append((published, gw.engine.state_hash(), gw.stats))
    (a, hash_a, stats_a), (b, hash_b, stats_b) = results
    assert hash_a == hash_b and stats_a == stats_b
    assert stats_a.duplicates > 0 and stats_a.invalid > 0 and stats_a.events > 500
    assert a == b
    kinds = {json.loads(p)["type"] for execs, _ in a for _s, p, _h in execs if p[:1] == b"{"}
    assert kinds == {"exec"}
    assert any(p[:4] == b"VNX1" for execs, _ in a for _s, p, _h in execs)


def test_state_and_market_data_numbers_do_not_depend_on_batching() -> None:
    from venue import Engine
    from venue.gateway import Gateway, GatewayConfig, InstrumentSpec

    spec = [InstrumentSpec("XYZ", tick_size=5, lot_size=10, min_qty=10, max_qty=10_000)]
    journal = _journal(11, 80)
    seen = []
    for size in (1, 7, 80):
        gw = Gateway(GatewayConfig(instruments=spec), Engine())
        reports = []
        for k in range(0, len(journal), size):
            execs, _md = gw._process(journal[k : k + size], "live")
            for _s, payload, _h in execs:
                if payload[:1] == b"{":
                    reports += json.loads(payload)["reports"]
        key = sorted(json.dumps(r, sort_keys=True) for r in reports)
        seen.append((gw.engine.state_hash(), gw.md.l3_seq, gw.md.trade_seq, key))
    assert seen[0] == seen[1] == seen[2]
