"""Hypothesis settings shared by the fuzz tests: example counts sized so that the whole fuzz suite runs in
about a minute, and ROBOCALL_FUZZ_SCALE=<n> to multiply them for a deeper hunt (e.g. before a release)."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = max(1, int(os.environ.get("ROBOCALL_FUZZ_SCALE", "1")))


def fuzz(examples: int) -> settings:
    """``examples`` examples (times the scale), no deadline: a workbook or a database write may be slow."""
    return settings(max_examples=examples * SCALE, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example, HealthCheck.filter_too_much])
