"""The one definition of "now in UTC", and the types of the clocks and sleeps that are injected.

Every module that needs the time receives a ``Clock`` (default: ``utcnow``) so that tests can pass a
fake one; nothing else calls ``datetime.now``. Imports nothing of ivr: any module may import it.
"""
from __future__ import annotations

import datetime as dt
from typing import Awaitable, Callable

Clock = Callable[[], dt.datetime]
Sleep = Callable[[float], Awaitable[None]]


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.timezone.utc)


__all__ = ["Clock", "Sleep", "utcnow"]
