"""Whether a campaign's call window may be used: inside the province's bounds, never across midnight.

Pure: the bounds come from the settings (dialer.window_earliest / window_latest, 07:00-21:00 by default),
and are lifted (None) only against the local sandbox PBX, whose phones are invented, so that the demo,
the e2e tests and CI can dial at any hour. A window that wraps midnight (21:00-07:00) is refused
everywhere: residents are never called at night.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ivr.i18n import _


@dataclass(frozen=True)
class WindowBounds:
    """The earliest start and the latest end a call window may have, in local time."""

    earliest: dt.time
    latest: dt.time


def hhmm(value: dt.time) -> str:
    return value.strftime("%H:%M")


def window_problem(start: dt.time, end: dt.time, bounds: WindowBounds | None) -> str | None:
    """Why the window ``start``-``end`` cannot be used (None: it can), as one line for staff."""
    shown = f"{hhmm(start)}-{hhmm(end)}"
    if start >= end:
        return _("call window {window}: it ends before it starts (it would run past midnight); residents are "
                 "never called at night: give a start before the end, e.g. 07:30-20:30").format(window=shown)
    if bounds is not None and (start < bounds.earliest or end > bounds.latest):
        return _("call window {window}: outside the allowed hours {earliest}-{latest} (dialer.window_earliest, "
                 "dialer.window_latest)").format(window=shown, earliest=hhmm(bounds.earliest),
                                                  latest=hhmm(bounds.latest))
    return None


def adhoc_call_refusal(window: str, open_now: bool, force: bool, sandbox: bool) -> str | None:
    """Why `robocall call` must not dial now (None: it may): residents are called inside the call window
    only; ``--force`` overrides (and is audited as such); the sandbox's invented phones may be called at any
    hour, like its campaigns."""
    if open_now or force or sandbox:
        return None
    return _("{window}: outside it now; a call now would wake or disturb the resident: call later, or give "
             "--force if it cannot wait (the call is audited as forced)").format(window=window)


def adhoc_call_action(open_now: bool, force: bool) -> str:
    """The audit action of an ad-hoc call: forced only when --force actually overrode the window."""
    return "call.adhoc.forced" if force and not open_now else "call.adhoc"
