"""The scheduler, the random streams and the latency models."""

from __future__ import annotations

import math
import statistics

import pytest

from venue.sim.kernel import Kernel
from venue.sim.latency import (
    LIGHT_SPEED_M_PER_S,
    AgentKey,
    Jitter,
    LatencyOverride,
    LatencySpec,
    PairOverride,
    resolve_latency,
)
from venue.sim.rng import Rng, derive_seed

# ---------------------------------------------------------------------------------------
# Kernel
# ---------------------------------------------------------------------------------------


def test_events_run_in_time_then_scheduling_order() -> None:
    k = Kernel(start=0)
    seen: list[tuple[int, str]] = []
    for t, tag in [(30, "c"), (10, "a"), (20, "b1"), (20, "b2"), (10, "a2")]:
        k.call_at(t, lambda ev: seen.append((k.now, ev.value)), tag)
    k.run(until=100)
    assert seen == [(10, "a"), (10, "a2"), (20, "b1"), (20, "b2"), (30, "c")]


def test_time_is_integer_ns_and_past_times_run_now() -> None:
    k = Kernel(start=1_000)
    seen: list[int] = []

    def first(_ev: object) -> None:
        k.call_at(5, lambda _e: seen.append(k.now))  # in the past: runs now
        k.call_in(7, lambda _e: seen.append(k.now))

    k.call_at(1_500, first)
    k.run(until=10_000)
    assert seen == [1_500, 1_507]
    assert all(isinstance(t, int) for t in seen)


def test_run_stops_before_until_and_progress_sees_the_same_events() -> None:
    def build() -> tuple[Kernel, list[int]]:
        k = Kernel(start=0)
        seen: list[int] = []
        for t in range(0, 1_000, 7):
            k.call_at(t, lambda _e: seen.append(k.now))
        return k, seen

    k1, plain = build()
    k1.run(until=700)
    k2, stepped = build()
    ticks: list[int] = []
    k2.run(until=700, progress=ticks.append)
    assert plain == stepped and max(plain) < 700
    assert ticks[-1] == 700 and ticks == sorted(ticks)


def test_generator_processes_share_the_clock() -> None:
    k = Kernel(start=0)
    log: list[tuple[str, int]] = []

    def proc(name: str, step: int):  # type: ignore[no-untyped-def]
        for _ in range(3):
            yield k.timeout(step)
            log.append((name, k.now))

    k.process(proc("a", 10))
    k.process(proc("b", 15))
    k.run(until=100)
    # At t=30 both wake; b's timeout was scheduled first (at 15, a's at 20): b runs first.
    assert log == [("a", 10), ("b", 15), ("a", 20), ("b", 30), ("a", 30), ("b", 45)]


# ---------------------------------------------------------------------------------------
# Random streams
# ---------------------------------------------------------------------------------------


def test_streams_repeat_and_are_independent() -> None:
    a = [Rng.derive(9, "agent", "value", 3).random() for _ in range(2)]
    assert a[0] == a[1]
    names = [
        ("agent", "value", 3),
        ("agent", "value", 4),
        ("agent", "noise", 3),
        ("fundamental", "XYZ"),
    ]
    firsts = {Rng.derive(9, *n).random() for n in names}
    assert len(firsts) == len(names)
    assert derive_seed(9, "ab", "c") != derive_seed(9, "a", "bc")
    assert Rng.derive(9, "x").random() != Rng.derive(10, "x").random()


def test_distributions() -> None:
    r = Rng(123)
    n = 20_000
    ints = [r.integers(5, 9) for _ in range(n)]
    assert set(ints) == {5, 6, 7, 8}
    assert statistics.fmean(r.exponential(3.0) for _ in range(n)) == pytest.approx(3.0, rel=0.05)
    normals = [r.normal(10.0, 2.0) for _ in range(n)]
    assert statistics.fmean(normals) == pytest.approx(10.0, abs=0.06)
    assert statistics.pstdev(normals) == pytest.approx(2.0, rel=0.03)
    u = [r.u_quadratic(0.0, 1.0) for _ in range(n)]
    assert 0.0 <= min(u) and max(u) <= 1.0
    # U-quadratic: density 12 (x - 1/2)^2, so P(x < 0.1) = P(x > 0.9) = 4 (0.5^3 - 0.4^3)
    # = 0.244 and P(0.4 < x < 0.6) = 8 * 0.1^3 = 0.008.
    assert sum(x < 0.1 for x in u) / n == pytest.approx(0.244, abs=0.015)
    assert sum(x > 0.9 for x in u) / n == pytest.approx(0.244, abs=0.015)
    assert sum(0.4 < x < 0.6 for x in u) / n == pytest.approx(0.008, abs=0.003)


# ---------------------------------------------------------------------------------------
# Latency
# ---------------------------------------------------------------------------------------


KEYS = [
    AgentKey(1, "noise", "noise_0", 0),
    AgentKey(2, "noise", "noise_1", 1),
    AgentKey(3, "value", "value_0", 0),
]


def test_constant_model_with_overrides_and_pairs() -> None:
    spec = LatencySpec(
        model="constant",
        order_entry=1_000,
        market_data=2_000,
        compute_delay=50,
        agents={
            "value": LatencyOverride(order_entry=10),
            "noise_1": LatencyOverride(market_data=7, compute_delay=0),
        },
        pairs=(PairOverride("exchange", "value", 99),),
    )
    lat = resolve_latency(spec, KEYS, seed=1)
    assert (lat[1].order_entry, lat[1].market_data, lat[1].compute_delay) == (1_000, 2_000, 50)
    assert (lat[2].order_entry, lat[2].market_data, lat[2].compute_delay) == (1_000, 7, 0)
    assert (lat[3].order_entry, lat[3].market_data) == (10, 99)


def test_line_model_is_distance_over_light_speed() -> None:
    spec = LatencySpec(model="line", length_m=3_866_660.0)
    lat = resolve_latency(spec, KEYS, seed=5)
    exchange = Rng.derive(5, "latency-position", "exchange").uniform_float(0.0, spec.length_m)
    for key in KEYS:
        pos = lat[key.agent_id].position_m
        assert pos == Rng.derive(5, "latency-position", key.group, key.index).uniform_float(
            0.0, spec.length_m
        )
        expected = int(abs(pos - exchange) / LIGHT_SPEED_M_PER_S * 1e9)  # type: ignore[operator]
        assert lat[key.agent_id].order_entry == lat[key.agent_id].market_data == expected
        assert 0 <= expected <= 12_900_000  # at most New York to Seattle: 12.9 ms


def test_adding_an_agent_changes_nobody_elses_latency() -> None:
    spec = LatencySpec(model="line", jitter=Jitter("exponential", mean=500.0))
    small = resolve_latency(spec, KEYS[:2], seed=3)
    big = resolve_latency(spec, [*KEYS, AgentKey(4, "mm", "mm_0", 0)], seed=3)
    for aid in (1, 2):
        assert small[aid].order_entry == big[aid].order_entry
        draws_small = [small[aid].order_entry_jitter() for _ in range(5)]  # type: ignore[misc]
        draws_big = [big[aid].order_entry_jitter() for _ in range(5)]  # type: ignore[misc]
        assert draws_small == draws_big


@pytest.mark.parametrize(
    ("jitter", "check"),
    [
        (Jitter("none"), lambda xs, base: xs is None),
        (Jitter("uniform", low=100, high=200), lambda xs, base: all(100 <= x < 200 for x in xs)),
        (Jitter("exponential", mean=1_000.0), lambda xs, base: 900 < statistics.fmean(xs) < 1_100),
        (
            Jitter("lognormal", median=1_000.0, sigma=0.5),
            lambda xs, base: 900 < statistics.median(xs) < 1_100,
        ),
        # ABIDES' cubic model: base * (a / x^3) / unit, x in (clip, 1].
        (
            Jitter("cubic", a=0.5, clip=0.1, unit=10.0),
            lambda xs, base: all(base * 0.5 / 10 <= x + 1 <= base * 0.5 / 10 / 0.001 for x in xs),
        ),
    ],
)
def test_jitter_distributions(jitter: Jitter, check) -> None:  # type: ignore[no-untyped-def]
    base = 10_000
    sampler = jitter.sampler(Rng(77), base)
    xs = None if sampler is None else [sampler() for _ in range(5_000)]
    assert check(xs, base)
    if xs is not None:
        assert all(isinstance(x, int) and x >= 0 for x in xs)


def test_cubic_jitter_median_matches_abides_formula() -> None:
    # x uniform on (0.1, 1]: the median x is 0.55, so the median jitter is base*a/(0.55^3)/unit.
    base, a, unit = 1_000_000, 0.5, 10.0
    sampler = Jitter("cubic", a=a, clip=0.1, unit=unit).sampler(Rng(4), base)
    xs = [sampler() for _ in range(20_001)]  # type: ignore[misc]
    expected = base * a / 0.55**3 / unit
    assert statistics.median(xs) == pytest.approx(expected, rel=0.03)
    assert math.isfinite(expected)
