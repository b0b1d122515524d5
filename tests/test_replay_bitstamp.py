"""`venue replay bitstamp`: the real capture agrees with its snapshots on the best bid and
ask at least 99% of the time; the rules on a constructed capture; bad input named by file,
line and problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from venue.replay import ReplayError, replay_bitstamp
from venue.replay.cli import replay_app

CAPTURE = Path(__file__).resolve().parents[2] / "shared" / "data" / "bitstamp" / "2015-05-01.log.xz"


@pytest.mark.skipif(
    not CAPTURE.exists(), reason=f"the Bitstamp capture is not at {CAPTURE} (../shared/data)"
)
def test_the_capture_agrees_with_its_snapshots() -> None:
    r = replay_bitstamp(CAPTURE)
    assert r["events"] == {
        "order_created": 24894,
        "order_changed": 602,
        "order_deleted": 24918,
        "trade": 575,
        "order_book": 5011,
    }
    assert r["snapshots"] == 5010  # the first one seeds the book
    assert r["best_share"] >= 0.99
    assert r["full_agree"] < r["best_agree"]
    assert len(r["trades"]) == 575
    res = CliRunner().invoke(replay_app, ["bitstamp", str(CAPTURE), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["best_agree"] == r["best_agree"]


def line(ms: int, event: str, body: dict) -> str:
    return f"{ms} {event} {json.dumps(body)}\n"


def order(event: str, ms: int, oid: int, price: str, amount: str, side: int) -> str:
    body = {"price": price, "amount": amount, "datetime": "1", "id": oid, "order_type": side}
    return line(ms, event, body)


def book(ms: int, bids: list, asks: list) -> str:
    return line(ms, "order_book", {"bids": bids, "asks": asks})


def test_a_constructed_capture_follows_the_rules(tmp_path: Path) -> None:
    text = "".join(
        [
            # Seed: two levels a side from before the capture.
            book(1, [["100.00", "1.0"], ["99.00", "2.0"]], [["101.00", "1.5"], ["102.00", "1"]]),
            order("order_created", 2, 7, "100.50", "0.25", 0),
            book(3, [["100.50", "0.25"], ["100.00", "1.0"]], [["101.00", "1.5"], ["102.00", "1"]]),
            # Changed: 7 to 0.2; a delete of a pre-capture order takes from the level.
            order("order_changed", 4, 7, "100.50", "0.20000000", 0),
            order("order_deleted", 5, 555, "99.00", "0.5", 0),
            book(6, [["100.50", "0.2"], ["100.00", "1.0"]], [["101.00", "1.5"], ["102.00", "1"]]),
            # A buy at 101.00 crosses the seeded ask: that level was filled unseen.
            order("order_created", 7, 8, "101.00", "0.1", 0),
            line(8, "trade", {"price": 236.28999999999999, "amount": 9.99e-07, "id": 1}),
            book(9, [["101.00", "0.1"], ["100.50", "0.2"]], [["102.00", "1"]]),
            book(10, [["100.50", "0.3"]], [["102.00", "1"]]),  # disagrees
        ]
    )
    f = tmp_path / "cap.log"
    f.write_text(text)
    r = replay_bitstamp(f)
    assert r["snapshots"] == 4
    assert (r["best_agree"], r["full_agree"]) == (3, 3)
    assert r["first_best_disagreement"]["line"] == 10
    assert r["unknown_orders"] == 1 and r["uncrossed"] == 1
    assert r["trades"] == [(8, 23629, 100)]
    assert r["book"]["bids"][:2] == [(10100, 10_000_000), (10050, 20_000_000)]
    assert r["book"]["bids"][3] == (9900, 150_000_000)
    res = CliRunner().invoke(replay_app, ["bitstamp", str(f)])
    assert res.exit_code == 1  # 75% < 99%
    assert "75.00%" in res.output


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ("x order_created {}", "line 2: time 'x' is not an integer of milliseconds"),
        (
            '5 order_created {"price": "1.001", "amount": "1", "id": 3, "order_type": 0}',
            "line 2: \"price\" '1.001' is not a decimal with at most 2 places",
        ),
        (
            '5 order_created {"price": "1.00", "amount": "1", "order_type": 0}',
            'line 2: no "id" field',
        ),
        (
            '5 order_created {"price": "1.00", "amount": "1", "id": 3, "order_type": 4}',
            "line 2: order_type 4 is neither 0 (buy) nor 1 (sell)",
        ),
        ("5 order_moved {}", "line 2: unknown event 'order_moved'"),
        (
            '5 order_book {"bids": [["1.00"]], "asks": []}',
            'line 2: "bids" level 1: amount an empty field',
        ),
    ],
)
def test_bad_input_names_file_line_and_problem(tmp_path: Path, bad: str, problem: str) -> None:
    f = tmp_path / "bad.log"
    f.write_text(book(1, [["1.00", "1"]], [["2.00", "1"]]) + bad + "\n")
    with pytest.raises(ReplayError) as e:
        replay_bitstamp(f)
    assert str(e.value).startswith(f"{f}: "), str(e.value)
    assert problem in str(e.value), str(e.value)
    res = CliRunner().invoke(replay_app, ["bitstamp", str(f)])
    assert res.exit_code == 2


def test_a_corrupt_xz_file_is_named(tmp_path: Path) -> None:
    f = tmp_path / "cap.log.xz"
    f.write_bytes(b"\xfd7zXZ\x00" + b"garbage")
    with pytest.raises(ReplayError, match=f"{f}: not a readable xz file"):
        replay_bitstamp(f)
