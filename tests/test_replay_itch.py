"""`venue replay itch`: the ITCH 5.0 framing and message parsing on the NASDAQ sample, the
order messages (A, F, E, C, X, D, U) on constructed sequences, and bad input named by file,
byte offset and problem."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from typer.testing import CliRunner

from venue.replay import ReplayError, replay_itch
from venue.replay.cli import replay_app

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "itch50" / "sample.itch"
needs_sample = pytest.mark.skipif(
    not SAMPLE.exists(), reason=f"the ITCH sample is not at {SAMPLE} (../shared/data/itch50)"
)


def msg(kind: bytes, locate: int, ts: int, body: bytes) -> bytes:
    """One framed message: length, type, locate, tracking, 6-byte timestamp, body."""
    m = kind + struct.pack(">HH", locate, 0) + ts.to_bytes(6, "big") + body
    return struct.pack(">H", len(m)) + m


def add(
    ref: int, side: bytes, shares: int, stock: str, price: int, mpid: bytes = b"", locate: int = 1
) -> bytes:
    body = struct.pack(">Q", ref) + side + struct.pack(">I", shares)
    body += stock.ljust(8).encode() + struct.pack(">I", price) + mpid
    return msg(b"F" if mpid else b"A", locate, 1000, body)


@needs_sample
def test_the_sample_frames_into_its_documented_messages() -> None:
    r = replay_itch(SAMPLE)
    assert r["messages"] == 1000
    assert r["bytes"] == SAMPLE.stat().st_size
    assert [(k, n) for k, _, n in r["by_type"]] == [("S", 1), ("R", 993), ("H", 3), ("Y", 3)]
    assert r["stocks"] == 993
    assert [e[1] for e in r["system_events"]] == ["O"]  # start of messages
    assert r["books"] == []  # no order messages in the excerpt


@needs_sample
def test_a_symbol_from_the_directory_is_found() -> None:
    data = SAMPLE.read_bytes()
    # The first stock directory message is the second frame; its symbol is at byte 11.
    first_len = struct.unpack(">H", data[:2])[0]
    r_at = 2 + first_len
    symbol = data[r_at + 2 + 11 : r_at + 2 + 19].decode().strip()
    r = replay_itch(SAMPLE, symbol)
    assert [b["symbol"] for b in r["books"]] == [symbol]
    assert r["books"][0]["bids"] == [] and r["books"][0]["asks"] == []
    with pytest.raises(ReplayError, match='symbol "NOSUCH" does not occur'):
        replay_itch(SAMPLE, "NOSUCH")


@needs_sample
def test_a_truncated_file_names_the_offset_of_the_cut_message(tmp_path: Path) -> None:
    data = SAMPLE.read_bytes()
    # Walk the frames to find where the 500th starts, then cut inside it.
    at = 0
    for _ in range(499):
        at += 2 + struct.unpack(">H", data[at : at + 2])[0]
    cut = tmp_path / "cut.itch"
    cut.write_bytes(data[: at + 10])
    with pytest.raises(ReplayError) as e:
        replay_itch(cut)
    assert str(e.value).startswith(f"{cut}: byte {at}: truncated: a message of type 'R' of 39")


def test_order_messages_build_one_book_per_stock(tmp_path: Path) -> None:
    data = b"".join(
        [
            add(1, b"B", 100, "AAA", 100_0000),
            add(2, b"B", 50, "AAA", 100_0000, mpid=b"GSCO"),
            add(3, b"S", 70, "AAA", 101_0000),
            add(4, b"S", 10, "BBB", 55_0000, locate=2),
            msg(b"E", 1, 2000, struct.pack(">QIQ", 1, 40, 77)),  # 40 of order 1
            msg(b"C", 1, 2001, struct.pack(">QIQcI", 2, 5, 78, b"Y", 100_1000)),
            msg(b"X", 1, 2002, struct.pack(">QI", 3, 20)),  # cancel 20 of order 3
            msg(b"U", 1, 2003, struct.pack(">QQII", 1, 9, 25, 100_5000)),  # 1 -> 9
            msg(b"D", 2, 2004, struct.pack(">Q", 4)),  # BBB empties
            msg(b"D", 2, 2005, struct.pack(">Q", 12345)),  # never added
            msg(
                b"P",
                1,
                2006,
                struct.pack(">QcI", 0, b"B", 300) + b"AAA     " + struct.pack(">IQ", 100_2000, 79),
            ),
        ]
    )
    f = tmp_path / "orders.itch"
    f.write_bytes(data)
    r = replay_itch(f)
    books = {b["symbol"]: b for b in r["books"]}
    aaa = books["AAA"]
    # Order 1 (100 - 40) was replaced by order 9: 25 at 100.50, at the back of a new level.
    assert aaa["bids"] == [(100_5000, 25, 1), (100_0000, 45, 1)]
    assert aaa["asks"] == [(101_0000, 50, 1)]
    assert (aaa["adds"], aaa["trades"]) == (4, 3)
    assert books["BBB"]["bids"] == books["BBB"]["asks"] == []
    assert r["unknown_refs"] == 1
    counts = {k: n for k, _, n in r["by_type"]}
    assert counts == {"A": 3, "F": 1, "E": 1, "C": 1, "X": 1, "D": 2, "U": 1, "P": 1}
    res = CliRunner().invoke(replay_app, ["itch", str(f), "--symbol", "AAA", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [b["symbol"] for b in out["books"]] == ["AAA"]
    assert out["books"][0]["bids"][0] == [100_5000, 25, 1]


def test_halts_set_the_trading_state(tmp_path: Path) -> None:
    def action(state: bytes) -> bytes:
        return msg(b"H", 1, 5, b"AAA     " + state + b" " + b"    ")

    f = tmp_path / "h.itch"
    f.write_bytes(add(1, b"B", 1, "AAA", 1_0000) + action(b"H") + action(b"T") + action(b"P"))
    assert replay_itch(f)["books"][0]["trading_state"] == "P"
    f.write_bytes(add(1, b"B", 1, "AAA", 1_0000) + action(b"Z"))
    with pytest.raises(ReplayError, match=r"byte 38: trading state 'Z' is not one of H, P, Q, T"):
        replay_itch(f)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (struct.pack(">H", 12) + b"Z" + bytes(11), "byte 0: unknown message type 'Z' (0x5a)"),
        (
            msg(b"D", 1, 1, bytes(7)),
            "byte 0: a order delete message ('D') is 19 bytes, this one is 18",
        ),
        (
            add(1, b"B", 1, "A", 1) + add(1, b"B", 1, "A", 1),
            "byte 38: order reference 1 is added twice",
        ),
        (add(1, b"X", 1, "A", 1), "byte 0: side 'X' is neither 'B' (buy) nor 'S' (sell)"),
        (add(1, b"B", 0, "A", 1), "byte 0: add order 1: quantity 0 is not positive"),
        (b"\x00", "byte 0: truncated: 1 byte left"),
        (b"", "no messages (empty file)"),
    ],
)
def test_bad_input_names_file_offset_and_problem(tmp_path: Path, data: bytes, problem: str) -> None:
    f = tmp_path / "bad.itch"
    f.write_bytes(data)
    with pytest.raises(ReplayError) as e:
        replay_itch(f)
    assert str(e.value).startswith(f"{f}: "), str(e.value)
    assert problem in str(e.value)
    res = CliRunner().invoke(replay_app, ["itch", str(f)])
    assert res.exit_code == 2
