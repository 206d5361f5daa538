"""Exponential back-off delays, the one definition: the ARI websockets' reconnects and the database retry
(ivr.storage.resilience) both take their delays from here. Pure; imports nothing of ivr."""
from __future__ import annotations

from typing import Iterator


def backoff(first: float, maximum: float, factor: float = 2.0) -> Iterator[float]:
    """Delays between tries: first, first*factor, ... capped at maximum."""
    delay = first
    while True:
        yield min(delay, maximum)
        delay = min(delay * factor, maximum)


__all__ = ["backoff"]
