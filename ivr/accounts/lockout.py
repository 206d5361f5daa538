"""When sign-in is locked: after ``limit`` failures within ``window``, for ``window`` after the last one.

Pure: the failures' times come from storage, the clock from the caller. Counted separately per account
name and per address, so a guesser who tries many names from one address is stopped too.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class LockRule:
    limit: int = 10
    window: dt.timedelta = dt.timedelta(minutes=15)


def locked_until(failures: Sequence[dt.datetime], now: dt.datetime, rule: LockRule = LockRule()) -> dt.datetime | None:
    """The time sign-in opens again, or None if it is open now. ``failures`` are sorted, oldest first."""
    recent = [t for t in failures if t > now - rule.window]
    if len(recent) < rule.limit:
        return None
    until = recent[-1] + rule.window
    return until if until > now else None
