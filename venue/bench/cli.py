"""`venue bench`: latency and throughput of the engine on an order stream, three ways.

Exit status: 0 when every path agrees with the others and with the expected result, 1 when
any disagrees (or, with `--risk`, when a permissive risk control intervened), 2 on bad input
(an unreadable or malformed stream, bad options, `--risk` with a build of `venue._core`
that has no risk controls).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from venue.bench.paths import BATCH_SIZE, LATENCY_KEYS, PathResult, median_and_min
from venue.bench.run import SUMMARY_KEYS, RiskNotBuiltError, run_bench
from venue.bench.stream import DEFAULT_N, DEFAULT_SEED, Stream, generate_stream, load_stream
from venue.errors import VenueError

TARGETS = (
    "engine: <= 40 ns/msg with events, p99 < 1 us",
    "batch: within 1.5x of engine",
    "single: <= 250 ns/msg, p99 < 2 us",
)


def bench(
    stream: Annotated[
        Path | None,
        typer.Option(
            "--stream",
            help="Order stream to run (ORDER_STREAM.md format, 32-byte records). A meta.json "
            "beside it gives the expected result. Default: the generated stream (--n, --seed).",
            dir_okay=False,
        ),
    ] = None,
    rounds: Annotated[
        int, typer.Option("--rounds", min=1, help="Rounds per path, each on fresh engines.")
    ] = 5,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of tables.")
    ] = False,
    open_loop: Annotated[
        float | None,
        typer.Option(
            "--open-loop",
            min=0.001,
            help="Also feed messages at this constant rate (messages per second) and report "
            "response time from each message's scheduled arrival, and service time.",
        ),
    ] = None,
    risk: Annotated[
        bool,
        typer.Option(
            "--risk",
            help="Also run the stream with every risk control on (permissive limits: every "
            "check runs, none rejects) beside risk off, and report the added cost per message.",
        ),
    ] = False,
    n: Annotated[
        int, typer.Option("--n", min=0, help="Messages after the 5,000-order prefill.")
    ] = DEFAULT_N,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated stream.")] = (
        DEFAULT_SEED
    ),
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size",
            min=0,
            help="Messages per process_buffer call on the batch path (0: the whole stream "
            "in one call). The default is the interval at which the engine path clears its "
            "events.",
        ),
    ] = BATCH_SIZE,
) -> None:
    """Measure the engine's latency and throughput on an order stream: in-process Rust
    (engine), from Python one call per batch (batch) and one call per order (single)."""
    err = Console(stderr=True, soft_wrap=True)
    try:
        s = _stream(stream, n, seed, err)
        report, results, problems = run_bench(
            s,
            rounds=rounds,
            open_loop_rate=open_loop,
            batch_size=batch_size,
            risk=risk,
            progress=lambda m: err.print(f"[dim]{m}[/]"),
        )
    except (OSError, VenueError, ValueError, RiskNotBuiltError) as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from None
    if as_json:
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        out = Console()
        if not out.is_terminal:
            out = Console(width=160)
        _print(report, results, out)
    for p in problems:
        err.print(f"[red]DISAGREEMENT:[/] {p}")
    if problems:
        raise typer.Exit(1)


def _stream(path: Path | None, n: int, seed: int, err: Console) -> Stream:
    if path is not None:
        return load_stream(path)
    err.print(f"[dim]stream: generated, n={n:,} seed={seed} (cached)[/]")
    return generate_stream(n, seed)


def _fmt_ns(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"


def _print(report: dict[str, Any], results: dict[str, PathResult], out: Console) -> None:
    st = report["stream"]
    m = st["machine"]
    git = st.get("git")
    rev = f"  git {git['commit']}{' (modified)' if git['dirty'] else ''}" if git else ""
    out.print(
        f"[bold]venue bench[/]  {st['date']}  {m['cpu']} ({m['cores']} cores)  "
        f"clock {st['clock']['source']} (reading {st['clock']['overhead_ns']} ns){rev}"
    )
    mix = ", ".join(f"{k} {v:,}" for k, v in st["types"].items())
    load = st["load_avg"]
    if load["start"] is not None and load["end"] is not None:
        busy = max(load["start"][0], load["end"][0]) > (m["cores"] or 1) - 0.5
        out.print(
            f"load average (1 min) {load['start'][0]:.2f} at start, {load['end'][0]:.2f} at end "
            f"on {m['cores']} cores"
            + (": other work shared the CPUs, numbers are pessimistic" if busy else "")
        )
    out.print(f"stream: {st['source']}  {st['n_msgs']:,} messages ({mix})")
    out.print(
        f"        {st['events_per_msg']:.2f} events/msg; rounds {st['rounds']}; "
        f"batch size {st['batch_size']:,}"
    )

    t = Table(title="processing time per message (ns) and per-message latency (ns)")
    for col in ("path", "median", "min", "msgs/s", *LATENCY_KEYS, "drain/msg"):
        t.add_column(col, justify="right" if col != "path" else "left")
    for name, p in report["paths"].items():
        r = results[name]
        lat = p["latency_ns"]
        t.add_row(
            name,
            _fmt_ns(p["ns_per_msg_median"]),
            _fmt_ns(p["ns_per_msg_min"]),
            f"{p['msgs_per_s'] / 1e6:.2f} M" if p["msgs_per_s"] else "-",
            *(f"{lat[k]:,}" for k in LATENCY_KEYS),
            _fmt_ns(r.drain_ns_per_msg) if r.drain_ns_per_msg is not None else "-",
        )
    out.print(t)

    if any(p.get("open_loop") for p in report["paths"].values()):
        o = Table(title=f"open loop at {st['open_loop_rate']:,.0f} msgs/s (ns)")
        for col in ("path", "achieved/s", "time", *LATENCY_KEYS):
            o.add_column(col, justify="right" if col not in ("path", "time") else "left")
        for name, p in report["paths"].items():
            ol = p.get("open_loop")
            if not ol:
                continue
            for label, key in (("response", "response_ns"), ("service", "service_ns")):
                o.add_row(
                    name if label == "response" else "",
                    f"{ol['achieved_per_s']:,}" if label == "response" else "",
                    label,
                    *(f"{ol[key][k]:,}" for k in LATENCY_KEYS),
                )
        out.print(o)

    s = Table(title=f"result summary (expected: {st['expected_source']})")
    for col in ("", *SUMMARY_KEYS):
        s.add_column(col, justify="right" if col else "left")
    s.add_row("expected", *(str(st["expected"].get(k)) for k in SUMMARY_KEYS))
    for name, p in report["paths"].items():
        s.add_row(name, *(str(p["summary"][k]) for k in SUMMARY_KEYS))
    out.print(s)

    eng, bat, sin = (results[k] for k in ("engine", "batch", "single"))
    e_med, _ = median_and_min(eng.ns_per_msg)
    b_med, _ = median_and_min(bat.ns_per_msg)
    s_med, _ = median_and_min(sin.ns_per_msg)
    checks = [
        ("engine <= 40 ns/msg", e_med <= 40, f"{e_med:.1f}"),
        ("engine p99 < 1 us", eng.latency["p99"] < 1000, f"{eng.latency['p99']:,} ns"),
        ("batch <= 1.5x engine", b_med <= 1.5 * e_med, f"{b_med / e_med:.2f}x" if e_med else "-"),
        ("single <= 250 ns/msg", s_med <= 250, f"{s_med:.1f}"),
        ("single p99 < 2 us", sin.latency["p99"] < 2000, f"{sin.latency['p99']:,} ns"),
    ]
    line = "  ".join(
        f"{'[green]met' if ok else '[red]missed'}[/] {name} ({val})" for name, ok, val in checks
    )
    out.print(f"targets: {line}")
    for r in results.values():
        if not r.latency_pooled:
            out.print(f"[dim]{r.name}: latency from the median round (histograms not pooled)[/]")
        for note in r.notes:
            out.print(f"[dim]{note}[/]")
    verdict = "[green]all paths agree" if st["agree"] else "[red]paths DISAGREE"
    out.print(f"{verdict} with each other and with {st['expected_source']}[/]")
    rk = st.get("risk") or {}
    if rk.get("on"):
        med = rk["ns_per_msg_median"]
        added = rk["added_ns_per_msg"]
        ok = "[green]met" if added <= rk["target_ns"] else "[red]missed"
        out.print(
            f"risk controls (batch path, permissive limits, every check runs): "
            f"{_fmt_ns(med['off'])} ns/msg off, {_fmt_ns(med['on'])} on: "
            f"[bold]{added:+.1f} ns/msg[/] added ({ok}[/] target <= {rk['target_ns']} ns); "
            f"with session-unique client ids {rk['added_ns_per_msg_unique_ids']:+.1f} ns/msg"
        )
        eng = rk.get("engine")
        if eng:
            em = eng["ns_per_msg_median"]
            out.print(
                f"risk controls (engine path, Rust only): {_fmt_ns(em['off'])} ns/msg off, "
                f"{_fmt_ns(em['on'])} on: [bold]{eng['added_ns_per_msg']:+.1f} ns/msg[/] added"
            )
