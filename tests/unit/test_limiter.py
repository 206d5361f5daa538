"""The adaptive concurrency limiter as data: latency samples per window in, the limit out (issue 18 item 2).

Each case is a series of windows (samples in ms per signal, calls in flight) with max_concurrent 100,
bound 300 ms, and the limits after each window. The clock is the window number: nothing waits.
"""
from __future__ import annotations

import pytest

from ivr.calls.limiter import AdaptiveLimiter, LimiterConfig, LimiterState, Signal, decide, p95, run_samples

K, R, L = Signal.KEY_TO_PROMPT, Signal.ARI_ROUND_TRIP, Signal.EVENT_LAG
CONFIG = LimiterConfig(max_concurrent=100, bound_ms=300.0, min_samples=20, backoff=0.8, increase=5)


def fast(n: int = 40) -> dict[Signal, list[float]]:
    return {K: [120.0] * n, R: [15.0] * n, L: [10.0] * n}


def slow(ms: float = 900.0, share: float = 0.5) -> dict[Signal, list[float]]:
    """100 key -> prompt samples, ``share`` of them at ``ms``, the rest fast."""
    n = int(100 * share)
    return {K: [ms] * n + [100.0] * (100 - n)}


CASES = [
    ("fast and busy: stays at the maximum (never above it)", [(fast(), 100)] * 3, [100, 100, 100]),
    ("p95 above the bound: sheds by a fifth each window", [(slow(), 100)] * 3, [80, 64, 51]),
    ("4 % slow samples: the p95 is fast, no shedding", [(slow(share=0.04), 100)] * 2, [100, 100]),
    ("6 % slow samples: the p95 is slow, shed", [(slow(share=0.06), 100)], [80]),
    ("recovery: grows back by the step while fast and in use",
     [(slow(), 100)] * 2 + [(fast(), 64)] * 3, [80, 64, 69, 74, 79]),
    ("fast but the limit unused (under half): holds", [(slow(), 100), (fast(), 30)], [80, 80]),
    ("between 70 % of the bound and the bound: holds", [(slow(), 100), ({K: [250.0] * 40}, 80)], [80, 80]),
    ("too few samples (no keys pressed): holds", [(slow(), 100), ({K: [900.0] * 5}, 80)], [80, 80]),
    ("a slow ARI round trip alone sheds", [({K: [100.0] * 30, R: [800.0] * 30}, 100)], [80]),
    ("a slow event lag alone sheds", [({L: [450.0] * 50}, 100)], [80]),
    ("a long overload: down to the floor of 1, never 0", [(slow(), 100)] * 25, [80, 64, 51, 40, 32, 25, 20,
                                                                               16, 12, 9, 7, 5, 4, 3, 2, 1, 1,
                                                                               1, 1, 1, 1, 1, 1, 1, 1]),
]


@pytest.mark.parametrize("name,windows,limits", CASES, ids=[c[0] for c in CASES])
def test_limit_after_each_window(name, windows, limits):
    assert run_samples(CONFIG, windows) == limits


def test_the_ceiling_is_max_concurrent_even_from_a_state_above_it():
    """A limit carried over from a larger maximum (settings changed) comes down to the new one."""
    state = LimiterState(limit=500, window_start=0.0)
    after = decide(CONFIG, state, fast(), 10.0, 500)
    assert after.limit == 100


def test_the_default_step_scales_with_the_maximum():
    assert LimiterConfig(800).step_up == 20
    assert LimiterConfig(10).step_up == 1


def test_no_decision_before_the_window_ends():
    state = LimiterState(limit=80, window_start=0.0)
    assert decide(CONFIG, state, slow(), CONFIG.window_s / 2, 80) is state


@pytest.mark.parametrize("values,expected", [([], 0.0), ([5.0], 5.0), (list(range(1, 101)), 95),
                                             (list(range(1, 21)), 19)])
def test_p95_nearest_rank(values, expected):
    assert p95([float(v) for v in values]) == expected


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_limiter_counts_the_pbx_calls_and_leaves_room_for_the_rest():
    clock = Clock()
    limiter = AdaptiveLimiter(CONFIG, monotonic=clock)
    for _ in range(100):
        limiter.started()
    assert limiter.room() == 0
    for _ in range(30):
        limiter.metric("key_to_prompt_ms", 1200.0)
    limiter.metric("first_audio_ms", 99_999.0)  # not a signal: ignored
    clock.now = CONFIG.window_s
    assert limiter.room() == 0 and limiter.limit == 80  # shed: no new call until 20 have ended
    for _ in range(25):
        limiter.ended()
    assert limiter.room() == 5


def test_a_disabled_limiter_always_allows_the_maximum():
    clock = Clock()
    limiter = AdaptiveLimiter(CONFIG, monotonic=clock, enabled=False)
    for _ in range(30):
        limiter.sample(K, 5000.0)
    clock.now = 10.0
    assert limiter.room() == 100


def test_samples_are_bounded_and_cleared_after_each_decision():
    clock = Clock()
    limiter = AdaptiveLimiter(CONFIG, monotonic=clock, keep=50)
    for _ in range(10_000):
        limiter.sample(L, 1.0)
    assert len(limiter._samples[L]) == 50
    clock.now = 10.0
    limiter.tick()
    assert not limiter._samples[L]
