"""`venue replay lobster|itch|bitstamp`: a thin layer over :mod:`venue.replay`.

Registered in ``venue/cli.py`` as ``app.add_typer(replay_app, name="replay")``.

Exit status: 0 when the replay agrees (LOBSTER: no mismatched row; Bitstamp: best bid and
ask agree in at least 99% of snapshots); 1 when it does not; 2 on bad input (the message
names the file, the line or byte offset, and the problem).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from venue.replay import (
    LOBSTER_JSON_KEYS,
    ReplayError,
    replay_bitstamp,
    replay_itch,
    replay_lobster,
)

__all__ = ["BITSTAMP_TARGET", "replay_app"]

#: Share of Bitstamp snapshots whose best bid and ask must agree for exit status 0.
BITSTAMP_TARGET = 0.99

replay_app = typer.Typer(
    name="replay",
    help="Replay real order flow (LOBSTER, ITCH 5.0, Bitstamp) and check the book.",
    no_args_is_help=True,
    add_completion=False,
)


def _fail(e: Exception) -> typer.Exit:
    Console(stderr=True, soft_wrap=True).print(f"[red]error:[/] {e}", highlight=False)
    return typer.Exit(2)


def _out() -> Console:
    c = Console(highlight=False)
    return c if c.is_terminal else Console(width=140, highlight=False)


def _book_table(title: str, bids: list, asks: list, n: int = 10) -> Table:
    t = Table(title=title)
    for col in ("bid orders", "bid size", "bid", "ask", "ask size", "ask orders"):
        t.add_column(col, justify="right")
    for i in range(min(n, max(len(bids), len(asks)))):
        b = bids[i] if i < len(bids) else None
        a = asks[i] if i < len(asks) else None

        def cells(x: Any, flip: bool) -> list[str]:
            if x is None:
                return ["", "", ""]
            c = [str(x[2]) if len(x) > 2 else "", f"{x[1]:,}", f"{x[0] / 10_000:.4f}"]
            return c[::-1] if flip else c

        t.add_row(*cells(b, False), *cells(a, True))
    return t


@replay_app.command("lobster")
def lobster(
    path: Annotated[
        Path,
        typer.Argument(help="A LOBSTER sample zip, or a message CSV.", dir_okay=False),
    ],
    orderbook: Annotated[
        Path | None,
        typer.Option(
            "--orderbook",
            help="The orderbook CSV of a message CSV (default: the same name with "
            "_orderbook_ for _message_).",
            dir_okay=False,
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print one JSON object with exactly the counts."),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write the replayed events and trades here as Parquet.", file_okay=False
        ),
    ] = None,
) -> None:
    """Rebuild the book from LOBSTER messages and compare it with the orderbook file after
    every message. Exit status 0 only when no row is mismatched."""
    try:
        r = replay_lobster(path, orderbook, out)
    except (ReplayError, OSError) as e:
        raise _fail(e) from None
    if as_json:
        sys.stdout.write(json.dumps({k: r[k] for k in LOBSTER_JSON_KEYS}) + "\n")
    else:
        c = _out()
        rows = r["rows"]
        t = Table(title=f"LOBSTER replay: {path.name} ({r['levels']} levels)")
        t.add_column("rows", justify="right")
        t.add_column("share", justify="right")
        t.add_column("")
        for key, what in (
            ("exact", "equal from the messages alone"),
            ("adopted", "equal after adopting a level that entered from below"),
            ("mismatched", "not equal"),
        ):
            t.add_row(f"{r[key]:,}", f"{r[key] / rows:.2%}", what)
        c.print(t)
        c.print(
            f"{r['messages']:,} messages (types 1-7: {r['by_type']}), "
            f"{r['anonymous']:,} on orders never added, {r['levels_adopted']:,} levels adopted; "
            f"{r['messages_per_s']:,.0f} messages/s ({r['seconds'] * 1e3:.0f} ms, "
            "decompression and parsing included)"
        )
        if r["first_mismatch"] is not None:
            m = r["first_mismatch"]
            c.print(f"[red]first mismatch at row {m['row']}[/]")
            c.print(_book_table("engine", m["engine"]["bids"], m["engine"]["asks"]))
            c.print(_book_table("orderbook file", m["file"]["bids"], m["file"]["asks"]))
        if out is not None:
            c.print(f"events and trades written to {r['out']}")
    if r["mismatched"]:
        raise typer.Exit(1)


@replay_app.command("itch")
def itch(
    file: Annotated[Path, typer.Argument(help="An ITCH 5.0 file.", dir_okay=False)],
    symbol: Annotated[
        str | None,
        typer.Option("--symbol", help="Report this stock's book (default: every stock's)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Parse a NASDAQ TotalView-ITCH 5.0 file, apply its order messages to one book per
    stock, and report the messages by type and the final book."""
    try:
        r = replay_itch(file, symbol)
    except (ReplayError, OSError) as e:
        raise _fail(e) from None
    if as_json:
        sys.stdout.write(json.dumps(r) + "\n")
        return
    c = _out()
    t = Table(title=f"ITCH 5.0: {file.name}: {r['messages']:,} messages, {r['bytes']:,} bytes")
    t.add_column("type")
    t.add_column("message")
    t.add_column("count", justify="right")
    for k, name, n in r["by_type"]:
        t.add_row(k, name, f"{n:,}")
    c.print(t)
    c.print(
        f"{r['stocks']:,} stocks; {r['unknown_refs']:,} order messages about references never added"
    )
    if not r["books"]:
        c.print("no order messages: no book to show")
    for b in r["books"][:20]:
        title = (
            f"{b['symbol']} (locate {b['locate']}, state {b['trading_state']}): "
            f"{b['adds']:,} orders added, {b['trades']:,} trades"
        )
        c.print(_book_table(title, b["bids"], b["asks"]))
    if len(r["books"]) > 20:
        c.print(f"... and {len(r['books']) - 20} more books (use --symbol or --json)")


@replay_app.command("bitstamp")
def bitstamp(
    file: Annotated[
        Path, typer.Argument(help="A Bitstamp capture (.log or .log.xz).", dir_okay=False)
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Replay a Bitstamp order-by-order capture and compare the book with its top-20
    snapshots. Exit status 0 when the best bid and ask agree in at least 99% of them."""
    try:
        r = replay_bitstamp(file)
    except (ReplayError, OSError) as e:
        raise _fail(e) from None
    if as_json:
        keep = {k: v for k, v in r.items() if k not in ("trades", "book")}
        sys.stdout.write(json.dumps(keep) + "\n")
    else:
        c = _out()
        c.print(
            f"Bitstamp replay: {file.name}: {r['lines']:,} lines, events {r['events']}\n"
            f"{r['snapshots']:,} snapshots compared: best bid and ask agree in "
            f"{r['best_agree']:,} ({r['best_share']:.2%}), all 20 levels in "
            f"{r['full_agree']:,} ({r['full_share']:.2%})\n"
            f"{r['unknown_orders']:,} changes and deletes of orders created before the "
            f"capture; {r['uncrossed']:,} stale levels removed when a new order crossed them"
        )
        c.print(
            "The rest: orders resting before the capture are known only as the first "
            "snapshot's 20 levels a side (deeper ones appear unannounced when the price reaches "
            "them, and a fill of one, deleted with amount 0, cannot be taken off its level); "
            "and events and snapshots come on separate channels without sequence numbers, so "
            "a snapshot can lead or lag the events by a few messages. See docs/REPLAY.md."
        )
    if r["best_share"] < BITSTAMP_TARGET:
        raise typer.Exit(1)
