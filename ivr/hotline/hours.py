"""Staff hours of the hotline: parsed from config, checked against an injected clock, said in Vietnamese."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ivr.calls.policy import CallWindow
from ivr.errors import UserError
from ivr.i18n import _

_SPEC = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_staff_hours(spec: str, timezone: str) -> CallWindow:
    """``"07:00-21:00"`` in ``timezone`` -> a window (start > end spans midnight); UserError if malformed."""
    where = "hotline.staff_hours"
    m = _SPEC.match(spec)
    if not m:
        raise UserError(_("{where}: expected HH:MM-HH:MM such as 07:00-21:00, got {spec!r}").format(where=where, spec=spec))
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    try:
        start, end = dt.time(h1, m1), dt.time(h2, m2)
    except ValueError:
        raise UserError(_("{where}: {spec!r} is not a time of day (hours 0-23, minutes 0-59)").format(where=where, spec=spec)) from None
    if start == end:
        raise UserError(_("{where}: {spec!r} starts and ends at the same time").format(where=where, spec=spec))
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(_("hotline.timezone: unknown time zone {timezone!r}").format(timezone=timezone)) from None
    return CallWindow(start, end, zone)


def _clock_words(t: dt.time) -> str:
    return f"{t.hour} giờ" + (f" {t.minute}" if t.minute else "")


def spoken_hours(window: CallWindow) -> str:
    """How the hours are said to a resident, e.g. "từ 7 giờ đến 21 giờ" or "từ 7 giờ 30 đến 20 giờ 30"."""
    return f"từ {_clock_words(window.start)} đến {_clock_words(window.end)}"
