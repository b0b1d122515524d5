"""A batch through `process` and the same messages one call at a time give identical events
and identical state (hash, ids, sequence numbers, books)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import new_engine, random_messages, send_one_by_one

from venue import EventKind, Reason, StpMode

STP = {1: StpMode.CANCEL_NEWEST, 2: StpMode.DECREMENT_AND_CANCEL, 3: StpMode.CANCEL_OLDEST}


def _state(engine) -> tuple:
    books = [engine.l3(i) for i in range(engine.instrument_count())]
    return (
        engine.state_hash(),
        engine.next_seq(),
        engine.next_order_id(),
        engine.live_orders(),
        [(b.bids, b.asks) for b in books],
    )


@pytest.mark.parametrize("seed", range(8))
def test_batch_equals_single_calls(seed: int) -> None:
    batch = random_messages(seed, 600)
    batched, single = new_engine(stp=STP), new_engine(stp=STP)

    got = batched.process(batch)
    send_one_by_one(single, batch)
    expected = single.events()

    assert len(got) == len(expected) > len(batch)
    assert got.tobytes() == expected.tobytes()
    assert _state(batched) == _state(single)
    # The mix exercised what it is meant to.
    kinds = set(got["kind"].tolist())
    assert {EventKind.REJECTED, EventKind.TRADE, EventKind.CANCELLED, EventKind.REPLACED} <= kinds
    assert Reason.SELF_TRADE in set(got["reason"].tolist())


@pytest.mark.parametrize("seed", range(4))
def test_batch_split_anywhere_equals_one_batch(seed: int) -> None:
    batch = random_messages(100 + seed, 400)
    whole, pieces = new_engine(stp=STP), new_engine(stp=STP)
    expected = whole.process(batch)
    cuts = sorted(np.random.default_rng(seed).choice(np.arange(1, len(batch)), 6, replace=False))
    got = [pieces.process(part) for part in np.split(batch, cuts)]
    assert np.concatenate(got).tobytes() == expected.tobytes()
    assert _state(pieces) == _state(whole)


def test_process_events_are_this_batchs_and_sequence_strictly_increases() -> None:
    batch = random_messages(7, 300)
    engine = new_engine(stp=STP)
    first = engine.process(batch[:150])
    second = engine.process(batch[150:])
    seqs = np.concatenate([first["seq"], second["seq"]])
    assert seqs.tolist() == list(range(1, len(seqs) + 1))
    assert engine.pending_events() == 0
    assert int(first["ts"].max()) <= int(batch["ts"][149])
    assert int(second["ts"].min()) >= int(batch["ts"][150])


def test_foreign_dtype_batch_equals_exact_dtype_batch() -> None:
    """A batch in another structured dtype is converted, then behaves exactly the same."""
    batch = random_messages(11, 300)
    names = [name for name in batch.dtype.names if name != "_pad"]
    foreign = np.zeros(len(batch), dtype=[(name, "i8") for name in reversed(names)])
    for name in names:
        foreign[name] = batch[name]
    a, b = new_engine(), new_engine()
    assert a.process(batch).tobytes() == b.process(foreign).tobytes()
    assert a.state_hash() == b.state_hash()
