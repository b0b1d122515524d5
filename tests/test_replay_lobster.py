"""`venue replay lobster`: every row of every LOBSTER sample matches, the Rust replay agrees
with the slow reference model, the counts and exit status of the command, Parquet output,
the paths the samples lack (cross trades, halts, empty levels), and bad input named by file,
line and problem."""

from __future__ import annotations

import json
import random
import zipfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from venue.enums import EventKind
from venue.replay import LOBSTER_JSON_KEYS, ReplayError, replay_lobster
from venue.replay.cli import replay_app
from venue.replay.reference import EMPTY_ASK, EMPTY_BID, read_csv_rows, reconstruct

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "lobster"
SAMPLES = sorted(DATA.glob("LOBSTER_SampleFile_*.zip")) if DATA.is_dir() else []
needs_data = pytest.mark.skipif(
    not SAMPLES, reason=f"the LOBSTER samples are not at {DATA} (../shared/data/lobster)"
)


def _members(zip_path: Path, tmp: Path, rows: int | None = None) -> tuple[Path, Path]:
    """The sample's message and orderbook CSVs, extracted to `tmp` (first `rows` rows)."""
    with zipfile.ZipFile(zip_path) as z:
        out = []
        for kind in ("message", "orderbook"):
            (name,) = [n for n in z.namelist() if f"_{kind}_" in n]
            lines = z.read(name).splitlines(keepends=True)
            p = tmp / name
            p.write_bytes(b"".join(lines[:rows] if rows else lines))
            out.append(p)
    return out[0], out[1]


# --------------------------------------------------------------------------------------------
# The real samples
# --------------------------------------------------------------------------------------------
@needs_data
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem.removeprefix("LOBSTER_"))
def test_every_row_of_every_sample_matches(sample: Path) -> None:
    r = replay_lobster(sample)
    assert r["mismatched"] == 0, r["first_mismatch"]
    assert r["first_mismatch"] is None
    assert r["rows"] == r["messages"] == r["exact"] + r["adopted"]
    # Most rows follow from the messages alone; adoption explains the rest.
    assert 0.8 < r["exact"] / r["rows"] < 1
    # The book is never crossed at the end, and the top of the final row is the engine's.
    bids, asks = r["book"]["bids"], r["book"]["asks"]
    assert bids[0][0] < asks[0][0]
    assert r["messages_per_s"] > 0


@needs_data
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem.removeprefix("LOBSTER_"))
def test_rust_agrees_with_the_reference_model_on_each_sample(sample: Path, tmp_path: Path) -> None:
    msg, book = _members(sample, tmp_path, rows=3000)
    got = replay_lobster(msg, book)
    levels = int(msg.stem.rsplit("_", 1)[1])
    want = reconstruct(*read_csv_rows(str(msg), str(book)), levels)
    assert (got["rows"], got["exact"], got["adopted"], got["mismatched"]) == (
        want.rows,
        want.exact,
        want.adopted,
        want.mismatched,
    )
    assert [tuple(x) for x in got["book"]["bids"]] == want.book["bids"]
    assert [tuple(x) for x in got["book"]["asks"]] == want.book["asks"]


@needs_data
def test_the_command_prints_exactly_the_keys_and_exits_0() -> None:
    res = CliRunner().invoke(replay_app, ["lobster", str(SAMPLES[0]), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert tuple(out) == LOBSTER_JSON_KEYS
    assert out["mismatched"] == 0 and out["first_mismatch"] is None
    assert out["rows"] == out["exact"] + out["adopted"]


@needs_data
def test_out_writes_events_and_trades_as_parquet(tmp_path: Path) -> None:
    sample = next(p for p in SAMPLES if "GOOG" in p.name and p.stem.endswith("_1"))
    res = CliRunner().invoke(replay_app, ["lobster", str(sample), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    events = pq.read_table(tmp_path / "o" / "events.parquet")
    trades = pq.read_table(tmp_path / "o" / "trades.parquet")
    r = replay_lobster(sample)
    # One trade row per execution message (types 4, 5, 6), in file order.
    assert trades.num_rows == r["by_type"][3] + r["by_type"][4] + r["by_type"][5]
    assert trades.column("row").to_pylist() == sorted(trades.column("row").to_pylist())
    kinds = np.asarray(events.column("kind"))
    seq = np.asarray(events.column("seq"))
    assert (np.diff(seq) == 1).all() and seq[0] == 1
    # The TRADE events carry every executed share of types 4 and 5 (hidden ones, and any
    # share a stale level did not hold, without a maker).
    qty = np.asarray(events.column("qty"))
    tq = np.asarray(trades.column("qty"))
    tk = np.asarray(trades.column("kind"))
    assert qty[kinds == EventKind.TRADE].sum() == tq[(tk == 4) | (tk == 5)].sum()
    assert (kinds == EventKind.TRADE).sum() >= r["by_type"][3] + r["by_type"][4]
    assert (kinds == EventKind.BOOK_ADD).sum() >= r["by_type"][0]


# --------------------------------------------------------------------------------------------
# Constructed data: a true book, and the level-N view LOBSTER would publish of it
# --------------------------------------------------------------------------------------------
def _write(tmp: Path, msgs: list[list[int]], rows: list[list[int]], levels: int) -> tuple:
    stem = f"TEST_2012-06-21_0_1_{{}}_{levels}.csv"
    m, b = tmp / stem.format("message"), tmp / stem.format("orderbook")

    def t(ns: int) -> str:
        return f"{ns // 1_000_000_000}.{ns % 1_000_000_000:09d}"

    m.write_text("".join(f"{t(x[0])},{','.join(map(str, x[1:]))}\n" for x in msgs))
    b.write_text("".join(",".join(map(str, r)) + "\n" for r in rows))
    return m, b


def _row(book: dict[int, dict[int, list]], levels: int) -> list[int]:
    """The orderbook row of a true book: ask/bid price and size per level, empty cells as
    LOBSTER writes them."""
    asks = sorted(p for p in book[-1] if book[-1][p])[:levels]
    bids = sorted((p for p in book[1] if book[1][p]), reverse=True)[:levels]
    row = []
    for i in range(levels):
        for side, ps, empty in ((-1, asks, EMPTY_ASK), (1, bids, EMPTY_BID)):
            if i < len(ps):
                row += [ps[i], sum(q for _, q in book[side][ps[i]])]
            else:
                row += [empty, 0]
    return row


def _lobster_view(seed: int, n_ops: int, levels: int) -> tuple[list, list, int]:
    """Random order flow on a true book; only the events that touch the top `levels` levels
    are published (with a row after each), as in a LOBSTER level-N file. The book starts with
    orders that no message introduces. Returns (messages, rows, silent events)."""
    rnd = random.Random(seed)
    book: dict[int, dict[int, list]] = {1: {}, -1: {}}
    where: dict[int, tuple[int, int]] = {}
    next_id = [1000]

    def add(side: int, price: int, size: int) -> int:
        next_id[0] += 1
        book[side].setdefault(price, []).append([next_id[0], size])
        where[next_id[0]] = (side, price)
        return next_id[0]

    def visible(side: int, price: int) -> bool:
        ps = sorted((p for p in book[side] if book[side][p]), key=lambda p: -p * side)
        return price in ps[:levels]

    for i in range(12):  # resting before the file starts
        add(1, 10_000 - 100 * (i + 1), rnd.randint(1, 9) * 10)
        add(-1, 10_000 + 100 * (i + 1), rnd.randint(1, 9) * 10)
    msgs, rows, silent, t = [], [], 0, 34_200 * 10**9
    for _ in range(n_ops):
        t += rnd.randint(1, 10**7)
        side = rnd.choice((1, -1))
        op = rnd.random()
        best_bid = max((p for p in book[1] if book[1][p]), default=9_000)
        best_ask = min((p for p in book[-1] if book[-1][p]), default=11_000)
        if op < 0.45 or not where:
            ref = best_bid if side == 1 else best_ask
            price = ref - side * 100 * rnd.randint(0, 2 * levels + 3)
            if side == 1:
                price = min(price, best_ask - 100)
            else:
                price = max(price, best_bid + 100)
            size = rnd.randint(1, 9) * 10
            oid = add(side, price, size)
            msg = [t, 1, oid, size, price, side]
            shown = visible(side, price)
        elif op < 0.85:
            oid = rnd.choice(sorted(where))
            side, price = where[oid]
            shown = visible(side, price)
            lvl = book[side][price]
            entry = next(e for e in lvl if e[0] == oid)
            if rnd.random() < 0.3 and entry[1] > 10:
                size = 10
                entry[1] -= size
                msg = [t, 2, oid, size, price, side]
            else:
                size = entry[1]
                lvl.remove(entry)
                del where[oid]
                msg = [t, 3, oid, size, price, side]
        else:
            bests = [p for p in book[side] if book[side][p]]
            if not bests:
                continue
            price = max(bests) if side == 1 else min(bests)
            entry = book[side][price][0]
            size = min(entry[1], rnd.randint(1, 5) * 10)
            entry[1] -= size
            if entry[1] == 0:
                book[side][price].pop(0)
                del where[entry[0]]
            msg = [t, 4, entry[0], size, price, side]
            shown = True
        for s in (1, -1):
            for p in [p for p in book[s] if not book[s][p]]:
                del book[s][p]
        if shown:
            msgs.append(msg)
            rows.append(_row(book, levels))
        else:
            silent += 1
    return msgs, rows, silent


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), levels=st.integers(1, 4))
def test_a_level_n_view_of_random_flow_is_rebuilt_with_no_mismatch(
    tmp_path: Path, seed: int, levels: int
) -> None:
    msgs, rows, _ = _lobster_view(seed, 400, levels)
    m, b = _write(tmp_path, msgs, rows, levels)
    got = replay_lobster(m, b)
    want = reconstruct(*read_csv_rows(str(m), str(b)), levels)
    assert got["mismatched"] == want.mismatched == 0, got["first_mismatch"]
    assert (got["exact"], got["adopted"]) == (want.exact, want.adopted)
    assert [tuple(x) for x in got["book"]["bids"][:levels]] == want.book["bids"][:levels]


def test_cross_trades_and_halts_are_applied_without_touching_the_book(tmp_path: Path) -> None:
    p = 2_238_100
    msgs = [
        [34_200 * 10**9, 1, 11, 100, p, 1],
        [34_201 * 10**9, 1, 12, 50, p + 100, -1],
        [34_202 * 10**9, 7, 0, 0, -1, -1],  # halt
        [34_203 * 10**9, 6, -1, 300, p + 50, 1],  # cross trade
        [34_204 * 10**9, 7, 0, 0, 0, -1],  # quote resume: still halted
        [34_205 * 10**9, 5, 0, 20, p + 50, 1],  # hidden execution
        [34_206 * 10**9, 7, 0, 0, 1, -1],  # trade resume
        [34_207 * 10**9, 4, 11, 30, p, 1],
    ]
    rows = [
        [EMPTY_ASK, 0, p, 100],
        *[[p + 100, 50, p, 100]] * 6,
        [p + 100, 50, p, 70],
    ]
    m, b = _write(tmp_path, msgs, rows, 1)
    r = replay_lobster(m, b, out=tmp_path / "out")
    assert (r["exact"], r["mismatched"]) == (8, 0)
    assert r["by_type"] == [2, 0, 0, 1, 1, 1, 3]
    assert r["halted"] is False
    kinds = [(int(t["kind"]), int(t["qty"])) for t in r["trades"]]
    assert kinds == [(6, 300), (5, 20), (4, 30)]
    t = pq.read_table(tmp_path / "out" / "events.parquet")
    trade_rows = [i for i, k in enumerate(t.column("kind").to_pylist()) if k == EventKind.TRADE]
    makers = [t.column("maker_order_id")[i].as_py() for i in trade_rows]
    assert len(trade_rows) == 3 and makers[0] == 0 and makers[1] == 0 and makers[2] > 0
    # A halt at the end is reported.
    m, b = _write(tmp_path, msgs[:3], rows[:3], 1)
    assert replay_lobster(m, b)["halted"] is True


def test_empty_cells_and_a_side_emptied_are_compared_exactly(tmp_path: Path) -> None:
    p = 1_000_000
    msgs = [
        [34_200 * 10**9, 1, 1, 10, p, 1],
        [34_200 * 10**9 + 1, 1, 2, 20, p - 100, 1],
        [34_200 * 10**9 + 2, 3, 1, 10, p, 1],
        [34_200 * 10**9 + 3, 3, 2, 20, p - 100, 1],
    ]
    e = [EMPTY_ASK, 0]
    rows = [
        [*e, p, 10, *e, EMPTY_BID, 0],
        [*e, p, 10, *e, p - 100, 20],
        [*e, p - 100, 20, *e, EMPTY_BID, 0],
        [*e, EMPTY_BID, 0, *e, EMPTY_BID, 0],
    ]
    m, b = _write(tmp_path, msgs, rows, 2)
    r = replay_lobster(m, b)
    assert (r["exact"], r["adopted"], r["mismatched"]) == (4, 0, 0)
    assert r["book"] == {"bids": [], "asks": []}


def test_a_row_that_disagrees_is_reported_with_both_books(tmp_path: Path) -> None:
    p = 1_000_000
    msgs = [[34_200 * 10**9, 1, 1, 10, p, 1], [34_200 * 10**9 + 1, 1, 2, 5, p, 1]]
    rows = [[p + 100, 7, p, 10], [p + 100, 7, p, 99]]
    m, b = _write(tmp_path, msgs, rows, 1)
    r = replay_lobster(m, b)
    assert r["mismatched"] == 1
    assert r["first_mismatch"] == {
        "row": 2,
        "engine": {"bids": [(p, 15)], "asks": [(p + 100, 7)]},
        "file": {"bids": [(p, 99)], "asks": [(p + 100, 7)]},
    }
    res = CliRunner().invoke(replay_app, ["lobster", str(m), "--orderbook", str(b), "--json"])
    assert res.exit_code == 1
    assert json.loads(res.stdout)["first_mismatch"]["row"] == 2


# --------------------------------------------------------------------------------------------
# Bad input: file, line, problem
# --------------------------------------------------------------------------------------------
def _good(tmp: Path) -> tuple[Path, Path]:
    p = 2_238_100
    msgs = [[34_200 * 10**9 + i, 1, 100 + i, 10, p - 100 * i, 1] for i in range(4)]
    rows = []
    for i in range(4):
        rows.append(
            [p + 100, 5, p, 10, p + 200, 5, p - 100 if i >= 1 else EMPTY_BID, 10 if i >= 1 else 0]
        )
    return _write(tmp, msgs, rows, 2)


def _error(m: Path, b: Path | None) -> str:
    with pytest.raises(ReplayError) as e:
        replay_lobster(m, b)
    return str(e.value)


@pytest.mark.parametrize(
    ("which", "line", "text", "problem"),
    [
        ("message", 3, "34200.2,1,102,10", "line 3: truncated row: 4 fields, expected 6"),
        ("message", 2, "34200.1,1,101,1O,2238000,1", "line 2: size '1O' is not an integer"),
        ("message", 4, "34200.3,9,103,10,2237800,1", "line 4: unknown event type 9"),
        ("orderbook", 2, "2238200,5,2238100,10,2238300", "line 2: truncated row: 5 fields"),
        (
            "orderbook",
            3,
            "2238200,5,2238100,x,2238300,5,2238000,10",
            "line 3: field 4 (bid size 1)",
        ),
    ],
)
def test_bad_input_names_file_line_and_problem(
    tmp_path: Path, which: str, line: int, text: str, problem: str
) -> None:
    m, b = _good(tmp_path)
    f = m if which == "message" else b
    lines = f.read_text().splitlines()
    lines[line - 1] = text
    f.write_text("\n".join(lines) + "\n")
    msg = _error(m, b)
    assert msg.startswith(f"{f}: "), msg
    assert problem in msg, msg
    res = CliRunner().invoke(replay_app, ["lobster", str(m), "--orderbook", str(b)])
    assert res.exit_code == 2
    assert problem in res.output


def test_a_message_file_with_the_wrong_orderbook_file_is_refused(tmp_path: Path) -> None:
    m, b = _good(tmp_path)
    # Another sample's name: refused before replaying.
    other = tmp_path / "OTHER_2012-06-21_0_1_orderbook_2.csv"
    other.write_bytes(b.read_bytes())
    msg = _error(m, other)
    assert f"{other}: does not pair with {m}" in msg, msg
    # Same kind of name but a different row count.
    short = tmp_path / "x" / b.name
    short.parent.mkdir()
    short.write_text("".join(b.read_text().splitlines(keepends=True)[:3]))
    msg = _error(m, short)
    assert f"{short}: 3 rows, but {m} has 4 messages: not its orderbook file" in msg, msg
    # A message CSV whose orderbook file is not beside it.
    lone = tmp_path / "y" / m.name
    lone.parent.mkdir()
    lone.write_bytes(m.read_bytes())
    assert "needs its orderbook file (--orderbook CSV)" in _error(lone, None)


def test_a_zip_without_its_pair_or_a_missing_file_is_an_error(tmp_path: Path) -> None:
    z = tmp_path / "bad.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("README.txt", "nothing here")
    assert f"{z}: holds no LOBSTER message file" in _error(z, None)
    missing = tmp_path / "nope.zip"
    assert str(missing) in _error(missing, None)
    cut = tmp_path / "cut.zip"
    if SAMPLES:
        cut.write_bytes(SAMPLES[0].read_bytes()[:5000])
        assert f"{cut}: not a readable zip archive" in _error(cut, None)
