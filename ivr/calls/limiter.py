"""Adaptive concurrency: the dialer stops adding calls when the controller is too slow for residents.

A resident who presses 1 and hears silence presses again, or hangs up. The bench (issue 18) measured the
key -> next prompt latency at 800 concurrent calls: 5 s median. So the dialer watches the controller's own
responsiveness and keeps fewer calls up when it degrades. The design (second version, bench/README.md
"Adaptive concurrency (item 2)", compared offline with bench/replay_limiter.py on recorded windows):

- signals (milliseconds): key -> next prompt (the resident's wait, on Asterisk's clock) decides growth;
  the ARI request round trip and the event lag (Asterisk's timestamp -> the controller), two parts of that
  wait the controller owns, *guard*: keys are few (and fewest under overload), the guards are tens a
  second. Over 10 s and 100 samples the guards are no noise: in the recorded windows a round trip p95 of
  300 ms or more came with a key p95 over 300 ms in 91-100 % of them (``guard_factor`` 1; at 2 the
  residents waited 0.8 s at 600 calls while the guards held);
- every ``window_s`` a decision, on the p95 of each signal over the last ``history_windows`` windows (a
  sliding 10 s: p95 over 20 samples is nearly their maximum, and keys are only a few a second), a signal
  counting only with at least ``min_samples`` samples (keys) or ``guard_min_samples`` (the guards) in it;
- over the bound, with the limit in use (``use_share`` of it carried): "shed", the limit is multiplied by
  bound / p95, but never by less than ``backoff_floor`` (a decrease in proportion to the overshoot, at most
  10 % a window), and the history is emptied, so the next decrease needs fresh evidence, measured at the new
  limit (no cascade of decreases on the same slow seconds). Over the bound with the limit not carried (the
  ramp, calls still being added at calls_per_second; or a machine too busy to fill it): "cap", the same
  decrease but never below the calls up now (no call is added while it lasts, and none of the calls the
  ramp reached is given up for a burst); "unused" when the calls up are already at the decreased limit;
- below ``recover_below`` x the bound (the guards below the same share of theirs) and at least
  ``grow_carried`` of the limit in use: grow by ``step_up`` (max_concurrent / 40) or, further from the bound,
  by ``grow_gain`` x limit x (1 - p95 / bound) (gradient-style: faster back up when there is room); with too
  few keys (they vanish under load), growth only on a full history (10 s since the last decrease) with both
  guards below the same share of the keys' bound (before any decrease, from the first window: at the start
  no key has been pressed yet);
- the third version (v3, bench/README.md "Third version (v3, session 12): no overshoot") never overshoots: a
  call admitted lasts a minute, so calls let in past the machine's knee keep residents waiting for a whole call's
  length whatever the limit does next (v2 started at max_concurrent and, on the quiet machine at 800, let
  the ramp reach 650 calls before the signals rose: p95 774 ms). So the limit *starts* at
  ``start_share`` of the maximum (at least ``start_floor``), *grows only when carried* (``grow_carried``
  = 0.9: the signals were measured with the limit in use, not on a ramp that has not reached it) and
  *stops growing early*, once any signal's p95 passes ``recover_below`` = a quarter of its bound (the
  round trip rises from ~10 to ~100 ms a few tens of calls before the knee, seconds before the keys do).
  Growth is ``grow_gain`` (0.15) x limit x (1 - p95 / bound) only far from the bound (every p95 below
  ``fast_below``, an eighth of it) and before any decrease, one ``step_up`` otherwise; and past
  ``ease_above`` (half the bound) with the limit carried the limit *eases* down a step (history emptied, like
  a shed) before residents wait. The round trip is also held to its own floor (``relative_rt``: the lowest
  p95 seen, the PBX unloaded and the network included): growth stops past 4 x floor + 10 ms and is by the
  step past 2 x floor + 5 ms (on the bench machine ~5 ms unloaded, 25-50 ms some tens of calls before the
  knee, 300+ ms past it), so the brake does not depend on how far away the PBX is;
- in between, or with too few samples, hold ("hold" / "idle"); the limit stays within [min_limit,
  max_concurrent]: the operator's (and the carrier's) maximum is never exceeded. The originate rate stays the
  pacer's (``calls_per_second``); the limiter only takes away.
- shedding means not replacing calls as they end: a call in progress is never cut for it.

``decide`` is the pure step (frozen state in, frozen state out; the clock is an argument); ``AdaptiveLimiter``
holds one PBX's state, collects the samples between decisions and counts that PBX's calls in progress
(several campaigns' dialers share it): there is one limiter per PBX. Every window is logged
(``dialer.limit_window``: each signal's p95 and sample count, the decision, the deciding signal) and can be
handed to ``on_window`` with its raw samples (the bench records them for bench/replay_limiter.py).
"""
from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Iterable, Mapping, Sequence

from ivr.logs import get_logger

log = get_logger(__name__)


class Signal(str, Enum):
    KEY_TO_PROMPT = "key_to_prompt_ms"
    ARI_ROUND_TRIP = "ari_round_trip_ms"
    EVENT_LAG = "event_lag_ms"


_SIGNALS = {s.value: s for s in Signal}
GUARDS = (Signal.ARI_ROUND_TRIP, Signal.EVENT_LAG)

Window = tuple[tuple[float, ...], ...]  # one window's samples, in the order of Signal


@dataclass(frozen=True)
class LimiterConfig:
    """How the limit moves. ``max_concurrent`` is the ceiling (dialer.max_concurrent)."""

    max_concurrent: int
    bound_ms: float = 300.0
    min_limit: int = 1
    window_s: float = 2.0
    history_windows: int = 5  # the p95 is over the last 5 windows (10 s)
    min_samples: int = 20  # key -> prompt counts with this many samples over the history (keys are few)
    guard_min_samples: int = 100  # round trip and event lag (tens a second): 100, or one burst decides
    guard_factor: float = 1.0  # round trip and event lag shed above this x the bound (over 10 s, 100 samples)
    backoff_floor: float = 0.9  # a decrease multiplies the limit by max(this, bound / p95)
    use_share: float = 0.9  # shed below the calls up only with this share of the limit carried
    cap_unused: bool = True  # over the bound with the limit not carried: down to the calls up, not below
    fresh_windows: int = 1  # windows seen since the last decrease before the next one (1: the next window)
    increase: int = 0  # 0: max_concurrent / 40 (20 at 800), at least 1
    grow_gain: float = 0.15  # growth: max(step_up, grow_gain x limit x (1 - p95 / bound)) (v2: 0.1) ...
    fast_below: float = 0.125  # ... while every p95 is below this share of its bound; above it step_up (v2: 0.7)
    recover_below: float = 0.25  # grow only while every p95 is below this share of its bound (v2: 0.7)
    ease_above: float = 0.5  # between this share of the bound and the bound, carried: - step_up (v2: 1.0, never)
    grow_carried: float = 0.9  # grow only with this share of the limit in use (v2: 0.5)
    start_share: float = 0.25  # the first limit: this share of max_concurrent (v2: 1.0) ...
    # The round trip's thresholds are also relative to its own floor (the lowest p95 seen: the PBX unloaded,
    # network included): growth stops past rt_brake x floor + rt_brake_ms, is in proportion only below
    # rt_fast x floor + rt_fast_ms (v2: none). On the 2-core bench machine the round trip goes from ~5 ms to
    # 25-50 ms some tens of calls before the knee, and to 300+ ms past it.
    relative_rt: bool = True
    rt_brake: float = 4.0
    rt_brake_ms: float = 10.0
    rt_fast: float = 2.0
    rt_fast_ms: float = 5.0
    gradient_after_decrease: bool = False  # once a decrease has shown the knee, growth is by step_up (v2: True)
    start_floor: int = 100  # ... but at least this many calls (never above max_concurrent): no slow start
    # for a small maximum (at 100 the round trips are too few to stand in for keys in the first seconds, and
    # a slow start cost 4 % of a 300-call run's calls/min; 100 calls load the bench machine to 15 %)

    @property
    def step_up(self) -> int:
        return self.increase or max(1, self.max_concurrent // 40)

    @property
    def ceiling(self) -> int:
        return max(self.max_concurrent, self.min_limit)

    @property
    def start_limit(self) -> int:
        wanted = max(math.ceil(self.max_concurrent * self.start_share), self.start_floor, self.min_limit)
        return min(wanted, self.ceiling)

    def min_of(self, signal: Signal) -> int:
        return self.min_samples if signal is Signal.KEY_TO_PROMPT else self.guard_min_samples

    def bound_of(self, signal: Signal) -> float:
        return self.bound_ms if signal is Signal.KEY_TO_PROMPT else self.bound_ms * self.guard_factor


@dataclass(frozen=True)
class Reading:
    """One signal over the history: its p95 (ms) and how many samples it was taken over."""

    signal: Signal
    p95_ms: float
    samples: int


@dataclass(frozen=True)
class LimiterState:
    """The limit, when the current window began, and what the last decision saw (for status and logs)."""

    limit: int
    window_start: float
    p95_ms: float = 0.0  # the deciding signal's p95
    worst: str = ""  # the deciding signal ("" when none decided)
    decision: str = "start"  # start | shed | cap | ease | grow | hold | unused | idle
    readings: tuple[Reading, ...] = ()
    history: tuple[Window, ...] = ()  # the last windows' samples (emptied by a decrease)
    decreased: bool = False  # a decrease has happened (until then the guards may stand in from the first window)
    rt_floor_ms: float = 0.0  # the round trip's lowest p95 seen (drifting up 1 % a window); 0: none yet


def initial(config: LimiterConfig, now: float) -> LimiterState:
    return LimiterState(limit=config.start_limit, window_start=now)


def p95(values: Sequence[float]) -> float:
    """The nearest-rank 95th percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def readings_of(history: Sequence[Window]) -> tuple[Reading, ...]:
    out = []
    for i, signal in enumerate(Signal):
        pooled = [v for window in history for v in window[i]]
        out.append(Reading(signal, round(p95(pooled), 1), len(pooled)))
    return tuple(out)


def decide(config: LimiterConfig, state: LimiterState, samples: Mapping[Signal, Sequence[float]], now: float,
           in_flight: int) -> LimiterState:
    """The limit after the window that began at ``state.window_start``, given the samples it collected.

    Returns ``state`` unchanged while the window is still open; otherwise a new state whose window starts
    at ``now`` (the caller then starts collecting again).
    """
    if now - state.window_start < config.window_s:
        return state
    window: Window = tuple(tuple(samples.get(s, ())) for s in Signal)
    history = (state.history + (window,))[-max(config.history_windows, 1):]
    readings = readings_of(history)
    known = [r for r in readings if r.samples >= config.min_of(r.signal)]
    ceiling = config.ceiling
    limit = min(state.limit, ceiling)
    rt = readings[1]  # Signal.ARI_ROUND_TRIP
    floor = state.rt_floor_ms * 1.01
    if rt.samples >= config.guard_min_samples:
        floor = min(rt.p95_ms, floor) if floor > 0 else rt.p95_ms
    if not known:
        return LimiterState(limit, now, decision="idle", readings=readings, history=history,
                            decreased=state.decreased, rt_floor_ms=floor)
    # The most overloaded signal, relative to its own bound (key -> prompt first on a tie).
    worst = max(known, key=lambda r: r.p95_ms / config.bound_of(r.signal))
    load = worst.p95_ms / config.bound_of(worst.signal)

    def then(new: int, decision: str, kept: tuple[Window, ...] = history) -> LimiterState:
        return LimiterState(new, now, worst.p95_ms, worst.signal.value, decision, readings, kept,
                            state.decreased or new < limit, floor)

    def under(share: float, factor: float, margin_ms: float) -> bool:
        """Whether every signal counted (and what residents feel) is below ``share`` of its bound, the round trip
        also below ``factor`` x its floor + ``margin_ms``."""
        for r in known:
            threshold = share * config.bound_of(r.signal)
            if r.signal is Signal.ARI_ROUND_TRIP and config.relative_rt and floor > 0:
                threshold = min(threshold, factor * floor + margin_ms)
            if r.p95_ms >= threshold:
                return False
        return felt < share * config.bound_ms

    if load > 1.0:
        if len(history) < config.fresh_windows:
            return then(limit, "hold")  # too soon after a decrease: its effect is not measured yet
        target = max(config.min_limit, min(limit - 1, math.floor(limit * max(config.backoff_floor, 1.0 / load))))
        if in_flight >= config.use_share * limit:
            return then(target, "shed", ())
        # Not carried (the ramp, or a machine too busy to fill the limit): no lower than the calls up now.
        capped = max(target, in_flight)
        if not config.cap_unused or capped >= limit:
            return then(limit, "unused")
        return then(capped, "cap", ())
    key = readings[0]  # Signal.KEY_TO_PROMPT
    if key.samples >= config.min_samples:
        felt = key.p95_ms  # what residents wait
    elif ((len(history) >= config.history_windows or not state.decreased)
          and all(r.samples >= config.guard_min_samples for r in readings[1:])):
        # Keys too few (they vanish under load; none in a campaign's first seconds): both guards stand in, held
        # to the keys' own bound, over a full history once a decrease has happened (not on the one window
        # after it: event lag alone stays low in an overload); before any, from the first window (the start).
        felt = max(r.p95_ms for r in readings[1:])
    else:
        return then(limit, "hold")
    carried = in_flight >= config.use_share * limit
    if load > config.ease_above and carried and len(history) >= config.fresh_windows:
        # Under the bound but close to it, with the limit in use: a step back before residents wait (v3).
        return then(max(config.min_limit, limit - config.step_up), "ease", ())
    if (in_flight >= config.grow_carried * limit and limit < ceiling
            and under(config.recover_below, config.rt_brake, config.rt_brake_ms)):
        step = config.step_up
        if ((config.gradient_after_decrease or not state.decreased)
                and under(config.fast_below, config.rt_fast, config.rt_fast_ms)):
            # far from the bound (and from the knee): in proportion to the room (gradient-style)
            step = max(step, math.floor(config.grow_gain * limit * (1.0 - felt / config.bound_ms)))
        return then(min(ceiling, limit + step), "grow")
    return then(limit, "hold")


def window_fields(state: LimiterState) -> dict[str, float | int | str]:
    """The figures of a decision, flat (for the log line and the bench's record)."""
    out: dict[str, float | int | str] = {"limit": state.limit, "decision": state.decision, "signal": state.worst}
    for r in state.readings:
        name = r.signal.value.removesuffix("_ms")
        out[f"{name}_p95_ms"] = r.p95_ms
        out[f"{name}_n"] = r.samples
    return out


class AdaptiveLimiter:
    """One PBX's limiter: samples in (any task), ``room()`` out (the dialers), the state for status/metrics."""

    def __init__(self, config: LimiterConfig, *, monotonic: Callable[[], float] = time.monotonic,
                 enabled: bool = True, keep: int = 2000,
                 on_change: Callable[[LimiterState], None] | None = None,
                 on_window: Callable[[dict[str, object]], None] | None = None,
                 step: Callable[[LimiterConfig, LimiterState, Mapping[Signal, Sequence[float]], float, int],
                                LimiterState] | None = None) -> None:
        self.config = config
        self.step = step or decide  # another design's step: the bench compares them (bench/replay_limiter.py)
        self.monotonic = monotonic
        self.enabled = enabled
        self.state = initial(config, monotonic())
        self.in_flight = 0
        self.on_change = on_change
        self.on_window = on_window  # each window's figures and raw samples (the bench records them)
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
        now = self.monotonic()
        after = self.step(self.config, before, self._samples, now, self.in_flight)
        if after is before:
            return
        fields = window_fields(after)
        log.info("dialer.limit_window", was=before.limit, in_flight=self.in_flight, **fields)
        if self.on_window is not None:
            self.on_window({"t": round(now, 3), "was": before.limit, "in_flight": self.in_flight, **fields,
                            "samples": {s.value: [round(v, 1) for v in self._samples[s]] for s in Signal}})
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
    return [s.limit for s in run_states(config, windows)]


def run_states(config: LimiterConfig,
               windows: Iterable[tuple[Mapping[Signal, Sequence[float]], int]]) -> list[LimiterState]:
    """The state after each window (the replay tool's and the tests' loop; the clock is the window number)."""
    state = initial(config, 0.0)
    out = []
    for number, (samples, in_flight) in enumerate(windows, start=1):
        state = decide(config, state, samples, number * config.window_s, in_flight)
        out.append(state)
    return out
