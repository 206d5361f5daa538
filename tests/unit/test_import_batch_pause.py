"""The pause after an import's batch (SQLite): a writer that began waiting for the lock during the batch must
try again while the lock is free, whatever moment it began; and the pause must not cost more than the old
rule (as long as the batch held the lock, at most BATCH_PAUSE). Simulated on SQLite's busy-handler schedule
(the sleeps between a waiting connection's tries): no clock, no timing."""
from __future__ import annotations

import itertools

import pytest

from ivr.storage.contact_store import BATCH_PAUSE, BUSY_SLEEPS_MS, batch_pause

LATE_WAKE = 0.002  # a waiting writer woken this late still finds the lock free


def tries(began: float, until: float) -> list[float]:
    """The moments a connection that found the lock taken at ``began`` tries again, up to ``until``."""
    moments, t = [], began
    for sleep in itertools.chain(BUSY_SLEEPS_MS, itertools.repeat(BUSY_SLEEPS_MS[-1])):
        t += sleep / 1000
        if t > until:
            return moments
        moments.append(t)
    raise AssertionError("unreachable")


@pytest.mark.parametrize("held_ms", [0.5, 1, 2.5, 7, 9, 17, 25, 40, 60, 77, 90, 102, 127, 150, 200, 227, 240,
                                     400, 810])
def test_a_writer_that_began_waiting_during_the_batch_tries_while_the_lock_is_free(held_ms: float) -> None:
    held = held_ms / 1000
    pause = batch_pause(held)
    for step in range(200):  # the writer found the lock taken at any moment of the batch
        began = held * step / 200
        free = [t for t in tries(began, held + pause) if t >= held]
        assert free and free[0] + LATE_WAKE <= held + pause, (held, began, pause)


@pytest.mark.parametrize("held_ms", [40, 60, 100, 150, 250, 800])
def test_the_pause_is_shorter_than_a_batch_of_2000_people(held_ms: float) -> None:  # 40 ms and more
    held = held_ms / 1000
    assert batch_pause(held) < held * 0.85
    assert batch_pause(held) <= BATCH_PAUSE

