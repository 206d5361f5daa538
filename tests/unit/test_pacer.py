"""The dialer's pacer as data: set-up results in, rate factor and pause out (injected clock)."""
from __future__ import annotations

import pytest

from ivr.calls.dialer import Pacer

C, OK = True, False
# (results in order, factor after, paused after the last result)
CASES = [
    ("one 503 among healthy calls: no back-off", [OK] * 10 + [C], 1.0, False),
    ("2 % of numbers answer 503 (the default rule): no back-off", ([OK] * 49 + [C]) * 3, 1.0, False),
    ("a trunk answering 503 to a quarter of calls backs off", [OK] * 15 + [C] * 5, 0.5, True),
    ("a trunk down: down to the floor", [C] * 40, 0.05, True),
    ("recovery: each good set-up raises the rate by a quarter", [C] * 10 + [OK] * 3, 0.05 * 1.25 ** 3, True),
    ("full recovery after a long good run", [C] * 10 + [OK] * 40, 1.0, False),
]


@pytest.mark.parametrize("name,results,factor,paused", CASES, ids=[c[0] for c in CASES])
def test_pacer(name, results, factor, paused):
    now = [100.0]
    pacer = Pacer(max_concurrent=10, calls_per_second=10, monotonic=lambda: now[0])
    for r in results:
        pacer.result(r)
        now[0] += 2.0  # a set-up every two seconds
    assert pacer.factor == pytest.approx(factor)
    assert (pacer.delay() > 0) == paused


def test_pacer_spaces_originates_by_the_rate():
    now = [0.0]
    pacer = Pacer(max_concurrent=10, calls_per_second=4, monotonic=lambda: now[0])
    delays = []
    for _ in range(4):
        delays.append(pacer.delay())
        pacer.take()
    assert delays == [0.0, 0.25, 0.5, 0.75]
