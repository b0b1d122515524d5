"""`venue serve` (as `python -m venue.gateway`) with a scenario, and its errors."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path

import nats_fixture
from nats_fixture import NatsServer, python_env

nats_server = nats_fixture.nats_server  # the fixture, used by its name


ROOT = Path(__file__).resolve().parents[1]


def serve(url: str, *args: str, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "venue.gateway", "--nats", url, *args],
            env=python_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_serve_lists_the_instruments_of_a_scenario(nats_server: NatsServer, tmp_path) -> None:
    import nats

    scenario = tmp_path / "two.yaml"
    scenario.write_text(
        "market: {open: '09:30:00', close: '16:00:00'}\n"
        "instruments:\n"
        "  - {symbol: AAA, tick_size: 5, lot_size: 10, min_qty: 10, max_qty: 1000}\n"
        "  - {symbol: BBB}\n"
        "agents:\n"
        "  - {type: noise, count: 3, params: {symbol: AAA}}\n"
    )
    log = tmp_path / "serve.log"
    proc = serve(nats_server.url, "--scenario", str(scenario), "--as-fast-as-possible", log=log)

    async def scenario_run() -> None:
        nc = await nats.connect(nats_server.url)
        try:
            reply: dict = {}
            for _ in range(400):  # until the venue is up (it answers snapshot requests)
                try:
                    reply = json.loads((await nc.request("venue.snapshot.BBB", b"", 0.2)).data)
                    if "error" not in reply:
                        break
                except Exception:
                    await asyncio.sleep(0.05)
            assert reply.get("symbol") == "BBB", (reply, log.read_text())
            order = {
                "type": "new",
                "client_order_id": 1,
                "symbol": "AAA",
                "side": "buy",
                "price": 1003,
                "qty": 10,
            }
            sub = await nc.subscribe("venue.exec.9")
            await nc.publish("venue.orders.9", json.dumps(order).encode())
            report = json.loads((await sub.next_msg(10)).data)["reports"][0]
            assert report["events"][0]["reason"] == "OFF_TICK"  # AAA's tick is 5
        finally:
            await nc.close()

    try:
        asyncio.run(asyncio.wait_for(scenario_run(), 60))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    text = log.read_text()
    assert proc.returncode == 0, text
    assert "3 simulated agents are NOT run" in text


def test_serve_names_the_problem_in_a_bad_scenario(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("instruments: [{symbol: AAA, tick_size: -1}]\n")
    proc = subprocess.run(
        [sys.executable, "-m", "venue.gateway", "--scenario", str(bad)],
        env=python_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "tick_size" in proc.stderr


def test_serve_without_a_server_says_where_it_tried(tmp_path) -> None:
    from nats_fixture import free_port

    url = f"nats://127.0.0.1:{free_port()}"
    proc = subprocess.run(
        [sys.executable, "-m", "venue.gateway", "--nats", url],
        env=python_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert f"cannot reach NATS at {url}" in proc.stderr
