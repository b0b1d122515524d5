"""Determinism: the same operations in two separate processes give byte-identical event
streams and the same state hash.

Each process is a fresh interpreter with its own hash seed (PYTHONHASHSEED) and its own
address-space layout, so nothing that varies between processes can leak into the engine's
output unnoticed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

from venue.testing.differential import engine_only, random_history, save_history

core = pytest.importorskip("venue._core")

CHILD = """
import hashlib, sys
import venue._core as core
from venue.testing.differential import engine_only, load_history
events, digest = engine_only(load_history(sys.argv[1]), core.Engine)
print(hashlib.sha256(events).hexdigest(), len(events), digest)
"""


def _run_child(path, hash_seed: str) -> tuple[str, int, int]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout.split()
    return out[0], int(out[1]), int(out[2])


@pytest.mark.parametrize("seed", [1, 2])
def test_two_processes_give_identical_events_and_hash(tmp_path, seed):
    history = random_history(seed=seed, n=3000)
    path = tmp_path / "history.json"
    save_history(path, history)
    first = _run_child(path, "1")
    second = _run_child(path, "2")
    assert first == second
    sha, size, digest = first
    assert size > 3000 * core.EVENT_SIZE  # a real stream: more than one event per operation
    # And the same as in this process.
    events, here = engine_only(history, core.Engine)
    assert (hashlib.sha256(events).hexdigest(), len(events), here) == (sha, size, digest)


def test_different_histories_give_different_hashes():
    """The comparison above is not vacuous: one operation less changes the outcome."""
    history = random_history(seed=1, n=500)
    a = engine_only(history, core.Engine)
    b = engine_only(history[:-1], core.Engine)
    assert a[0] != b[0] and a[1] != b[1]
