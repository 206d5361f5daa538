"""Adaptive concurrency: the dialer stops adding calls when the controller is too slow for residents.

A resident who presses 1 and hears silence presses again, or hangs up. The bench (issue 18) measured the
key -> next prompt latency at 800 concurrent calls: 5 s median. So the dialer watches the controller's own
responsiveness and keeps fewer calls up when it degrades:

- signals (milliseconds): key -> next prompt (the resident's wait, on Asterisk's clock), the ARI request
  round trip and the event lag (Asterisk's timestamp -> the controller), the two parts of that wait the
  controller owns;
- every ``window_s`` with at least ``min_samples`` samples, the p95 of each signal is compared with the
  bound (default 300 ms): above it, the limit is multiplied by ``backoff`` (AIMD's multiplicative
  decrease); below ``recover_below`` x bound and the limit actually in use (half of it or more), it
  grows by ``increase`` (additive increase); in between, or with too few samples, it holds;
- the limit stays within [min_limit, max_concurrent]: the operator's (and the carrier's) maximum is never
  exceeded. The originate rate stays the pacer's (``calls_per_second``); the limiter only takes away.
- shedding means not replacing calls as they end: a call in progress is never cut for it.

``decide`` is the pure step (frozen state in, frozen state out; the clock is an argument); ``AdaptiveLimiter``
holds one PBX's state, collects the samples between decisions and counts that PBX's calls in progress
(several campaigns' dialers share it): there is one limiter per PBX.
"""
from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, replace
from enum import Enum
from typing import Callable, Iterable, Mapping, Sequence

from ivr.logs import get_logger

log = get_logger(__name__)


class Signal(str, Enum):
    KEY_TO_PROMPT = "key_to_prompt_ms"
    ARI_ROUND_TRIP = "ari_round_trip_ms"
    EVENT_LAG = "event_lag_ms"


_SIGNALS = {s.value: s for s in Signal}


@dataclass(frozen=True)
class LimiterConfig:
    """How the limit moves. ``max_concurrent`` is the ceiling (dialer.max_concurrent)."""

    max_concurrent: int
    bound_ms: float = 300.0
    min_limit: int = 1
    window_s: float = 2.0
    min_samples: int = 20
    backoff: float = 0.8
    increase: int = 0  # 0: max_concurrent / 40 (20 at 800), at least 1
    recover_below: float = 0.7  # grow only while every p95 is below this share of the bound

    @property
    def step_up(self) -> int:
        return self.increase or max(1, self.max_concurrent // 40)


@dataclass(frozen=True)
class LimiterState:
    """The limit, when the current window began, and what the last decision saw (for status and logs)."""

    limit: int
    window_start: float
    p95_ms: float = 0.0
    worst: str = ""
    decision: str = "start"  # start | shed | grow | hold | idle


def initial(config: LimiterConfig, now: float) -> LimiterState:
    return LimiterState(limit=max(config.max_concurrent, config.min_limit), window_start=now)


def p95(values: Sequence[float]) -> float:
    """The nearest-rank 95th percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def decide(config: LimiterConfig, state: LimiterState, samples: Mapping[Signal, Sequence[float]], now: float,
           in_flight: int) -> LimiterState:
    """The limit after the window that began at ``state.window_start``, given the samples it collected.

    Returns ``state`` unchanged while the window is still open; otherwise a new state whose window starts
    at ``now`` (the caller then starts collecting again).
    """
    if now - state.window_start < config.window_s:
        return state
    counted = {s: v for s, v in samples.items() if v}
    if sum(len(v) for v in counted.values()) < config.min_samples:
        return replace(state, window_start=now, decision="idle", p95_ms=0.0, worst="")
    worst, worst_p95 = max(((s.value, p95(v)) for s, v in counted.items()), key=lambda kv: kv[1])
    ceiling = max(config.max_concurrent, config.min_limit)
    limit = min(state.limit, ceiling)
    if worst_p95 > config.bound_ms:
        new, decision = max(config.min_limit, math.floor(limit * config.backoff)), "shed"
    elif worst_p95 < config.bound_ms * config.recover_below and in_flight * 2 >= limit:
        new, decision = min(ceiling, limit + config.step_up), "grow"
    else:
        new, decision = limit, "hold"
    return LimiterState(limit=new, window_start=now, p95_ms=round(worst_p95, 1), worst=worst, decision=decision)


class AdaptiveLimiter:
    """One PBX's limiter: samples in (any task), ``room()`` out (the dialers), the state for status/metrics."""

    def __init__(self, config: LimiterConfig, *, monotonic: Callable[[], float] = time.monotonic,
                 enabled: bool = True, keep: int = 2000,
                 on_change: Callable[[LimiterState], None] | None = None) -> None:
        self.config = config
        self.monotonic = monotonic
        self.enabled = enabled
        self.state = initial(config, monotonic())
        self.in_flight = 0
        self.on_change = on_change
        # The newest samples of the window per signal (bounded: memory never grows with the call rate).
        self._samples: dict[Signal, deque[float]] = {s: deque(maxlen=keep) for s in Signal}

    @property
    def limit(self) -> int:
        return self.state.limit if self.enabled else self.config.max_concurrent

    def sample(self, signal: Signal, ms: float) -> None:
        self._samples[signal].append(ms)

    def metric(self, name: str, value: float) -> None:
        """A metrics sink (CallSession's, the ARI client's): the samples named after a Signal feed the limiter."""
        signal = _SIGNALS.get(name)
        if signal is not None:
            self._samples[signal].append(value)

    def room(self) -> int:
        """How many more calls this PBX may take now (decides first if a window has ended)."""
        self.tick()
        return max(self.limit - self.in_flight, 0)

    def tick(self) -> None:
        before = self.state
        after = decide(self.config, before, self._samples, self.monotonic(), self.in_flight)
        if after is before:
            return
        for samples in self._samples.values():
            samples.clear()
        self.state = after
        if after.limit != before.limit:
            log.info("dialer.limit", limit=after.limit, was=before.limit, p95_ms=after.p95_ms, signal=after.worst,
                     decision=after.decision, in_flight=self.in_flight)
            if self.on_change is not None:
                self.on_change(after)

    def started(self) -> None:
        self.in_flight += 1

    def ended(self) -> None:
        self.in_flight = max(self.in_flight - 1, 0)


def run_samples(config: LimiterConfig, windows: Iterable[tuple[Mapping[Signal, Sequence[float]], int]]) -> list[int]:
    """The limit after each window of (samples, calls in flight): the table the tests and the docs use."""
    state = initial(config, 0.0)
    limits = []
    for number, (samples, in_flight) in enumerate(windows, start=1):
        state = decide(config, state, samples, number * config.window_s, in_flight)
        limits.append(state.limit)
    return limits
