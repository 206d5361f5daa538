"""A campaign's call window and retry rules in words, for staff (`campaign create` prints them)."""
from __future__ import annotations

import datetime as dt

from ivr.calls.policy import RetryPolicy
from ivr.i18n import _


def minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def window_text(policy: RetryPolicy) -> str:
    w = policy.window
    return _("call window {start}-{end} ({zone})").format(start=w.start.strftime("%H:%M"),
                                                        end=w.end.strftime("%H:%M"), zone=w.zone.key)


def retry_lines(policy: RetryPolicy) -> list[str]:
    """One line per rule, in the order staff meet them."""
    lines = [
        _("no answer or busy: at most {n} calls, {m} minutes apart").format(
            n=policy.no_answer_attempts, m=minutes(policy.no_answer_interval)),
    ]
    if policy.rejected_extra_attempts:
        lines.append(_("declined (603): called again {n} time(s), {m} minutes later").format(
            n=policy.rejected_extra_attempts, m=minutes(policy.rejected_interval)))
    else:
        lines.append(_("declined (603): not called again"))
    lines += [
        _("network failure: at most {n} calls, waiting {first} minutes then twice as long each time (at most {most} "
          "minutes)").format(n=policy.network_attempts, first=minutes(policy.network_backoff),
                             most=minutes(policy.network_backoff_max)),
        _("answered but not finished: {n} more call(s), {m} minutes later").format(
            n=policy.unfinished_extra_attempts, m=minutes(policy.unfinished_interval)),
        _("a finished call, symptoms, wrong person, a stopped person or an opted-out phone: never called again"),
    ]
    return lines
