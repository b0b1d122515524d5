"""The example strategy (examples/nats_strategy.py) trades with the venue: the whole loop,
signal -> NATS -> engine -> execution report, with two strategy processes."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import nats_fixture
from nats_fixture import NatsServer, python_env, running_gateway

from venue.gateway import InstrumentSpec

nats_server = nats_fixture.nats_server  # the fixture, used by its name


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "nats_strategy.py"


def test_a_maker_and_a_taker_strategy_trade_through_the_venue(nats_server: NatsServer) -> None:
    async def scenario():
        async with running_gateway(nats_server.url, instruments=[InstrumentSpec("XYZ")]) as gw:

            async def strategy(*args: str) -> str:
                proc = await asyncio.create_subprocess_exec(
                    sys.executable,
                    str(EXAMPLE),
                    "--nats",
                    nats_server.url,
                    "--steps",
                    "15",
                    "--interval",
                    "0.05",
                    *args,
                    env=python_env(),
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.STDOUT,
                )
                out, _ = await proc.communicate()
                assert proc.returncode == 0, out.decode()
                return out.decode()

            maker, taker = await asyncio.gather(
                strategy("--participant", "1", "--role", "maker"),
                strategy("--participant", "2", "--role", "taker"),
            )
            done = {}
            for out in (maker, taker):
                m = re.search(r"p(\d) done: (\d+) reports, (\d+) fills, position (-?\d+)", out)
                assert m, out
                done[int(m[1])] = (int(m[2]), int(m[3]), int(m[4]))
            assert done[2][0] == 15  # one report per IOC order
            assert done[2][1] > 0 and done[1][1] > 0  # both saw trades
            assert done[1][2] == -done[2][2]  # what one bought, the other sold
            assert "filled as maker" in maker and "<- TRADE" in taker
            assert gw.engine.live_orders() == 0  # the maker cancelled its quotes at the end
            assert gw.stats.invalid == 0 and gw.stats.duplicates == 0

    asyncio.run(asyncio.wait_for(scenario(), 60))
