"""When to call again: the call window and the retry schedule by outcome. Pure; the clock is passed in.

- Calls happen only inside the call window, in local time (Asia/Ho_Chi_Minh, 07:30-20:30 by default);
  a due time outside the window moves to the next window start.
- no_answer / busy: up to ``no_answer_attempts`` attempts in all, ``no_answer_interval`` apart.
- unreachable / failed / congestion / rtp_timeout / lost / caller_id_refused (the network, not the person):
  exponential back-off from
  ``network_backoff`` (doubling, capped at ``network_backoff_max``), up to ``network_attempts`` in all.
- hung_up_early / no_input (answered but the script was not finished): ``unfinished_extra_attempts``
  more calls (one by default), ``unfinished_interval`` later.
- rejected (603 Decline: many residents decline an unknown number once): ``rejected_extra_attempts`` more
  calls (one by default), ``rejected_interval`` later.
- unavailable (a family member answered and said the person is away): ``away_extra_attempts`` more calls
  (two by default), ``away_interval`` later (two hours: the person may be back by then). Not the wrong
  number: the household's phone is right.
- completed / transferred / symptomatic / wrong_person / invalid / opted_out / redirected: never again
  (a 3xx redirect comes back on every retry: staff check the number).
Outcomes are those of ivr.calls.outcomes (telephony) plus the script's own results.
Settings come from ``settings.dialer``; a campaign may override any of them (``policy_overrides``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ivr.calls.outcomes import ATTEMPT_OUTCOMES, AWAY, NETWORK, NO_ANSWER, UNFINISHED
from ivr.config import DialerSettings
from ivr.errors import UserError
from ivr.i18n import _


# The dialer settings a campaign may override, with their types.
OVERRIDABLE: dict[str, type] = {
    "window_start": str, "window_end": str, "timezone": str,
    "no_answer_attempts": int, "no_answer_interval_min": int,
    "network_backoff_min": int, "network_backoff_max_min": int, "network_max_attempts": int,
    "unfinished_extra_attempts": int, "unfinished_interval_min": int,
    "rejected_extra_attempts": int, "rejected_interval_min": int,
    "away_extra_attempts": int, "away_interval_min": int,
}


@dataclass(frozen=True)
class CallWindow:
    """Hours during which residents may be called, in local time. ``start > end`` spans midnight."""

    start: dt.time
    end: dt.time
    zone: ZoneInfo

    def contains(self, at: dt.datetime) -> bool:
        local = _aware(at).astimezone(self.zone).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_open(self, at: dt.datetime) -> dt.datetime:
        """``at`` if it is inside the window, otherwise the next window start (in UTC)."""
        at = _aware(at)
        if self.contains(at):
            return at.astimezone(dt.timezone.utc)
        local = at.astimezone(self.zone)
        for days in (0, 1):
            start = dt.datetime.combine(local.date() + dt.timedelta(days=days), self.start, tzinfo=self.zone)
            if start > local:
                return start.astimezone(dt.timezone.utc)
        raise AssertionError("unreachable: a window start always comes within a day")


@dataclass(frozen=True)
class RetryPolicy:
    window: CallWindow
    no_answer_attempts: int = 3
    no_answer_interval: dt.timedelta = dt.timedelta(minutes=30)
    network_backoff: dt.timedelta = dt.timedelta(minutes=5)
    network_backoff_max: dt.timedelta = dt.timedelta(hours=2)
    network_attempts: int = 5
    unfinished_extra_attempts: int = 1
    unfinished_interval: dt.timedelta = dt.timedelta(minutes=30)
    rejected_extra_attempts: int = 1
    rejected_interval: dt.timedelta = dt.timedelta(hours=2)
    away_extra_attempts: int = 2
    away_interval: dt.timedelta = dt.timedelta(hours=2)

    # The ledger's view of the policy (ivr.storage.ledger.RetryRule): it stores, the policy decides.
    def knows(self, outcome: str) -> bool:
        """True if ``outcome`` is one the ledger may record."""
        return outcome in ATTEMPT_OUTCOMES

    def next_due(self, outcome: str, attempt_no: int, ended_at: dt.datetime,
                 previous: Sequence[str]) -> dt.datetime | None:
        """``next_attempt`` under this policy."""
        return next_attempt(outcome, attempt_no, ended_at, self, previous)


def next_attempt(outcome: str, attempt_no: int, now: dt.datetime, policy: RetryPolicy,
                 previous: Sequence[str] = ()) -> dt.datetime | None:
    """When the next attempt is due after attempt ``attempt_no`` ended with ``outcome`` at ``now``.

    ``previous`` are the outcomes of the earlier attempts to the same household in the same campaign,
    oldest first (the back-off and the extra call for unfinished calls count them). None: do not call again.
    """
    if outcome not in ATTEMPT_OUTCOMES:
        raise ValueError(f"unknown call outcome {outcome!r} (known: {', '.join(sorted(ATTEMPT_OUTCOMES))})")
    history = [*previous, outcome]
    due: dt.datetime | None = None
    if outcome in NO_ANSWER:
        if attempt_no < policy.no_answer_attempts:
            due = now + policy.no_answer_interval
    elif outcome in NETWORK:
        if attempt_no < policy.network_attempts:
            failures = sum(1 for o in history if o in NETWORK)
            delay = policy.network_backoff * (2 ** (failures - 1))
            due = now + min(delay, policy.network_backoff_max)
    elif outcome in UNFINISHED:
        if sum(1 for o in history if o in UNFINISHED) <= policy.unfinished_extra_attempts:
            due = now + policy.unfinished_interval
    elif outcome == "rejected":
        if sum(1 for o in history if o == "rejected") <= policy.rejected_extra_attempts:
            due = now + policy.rejected_interval
    elif outcome in AWAY:
        if sum(1 for o in history if o in AWAY) <= policy.away_extra_attempts:
            due = now + policy.away_interval
    return None if due is None else policy.window.next_open(due)


def policy_from_settings(dialer: DialerSettings, overrides: Mapping[str, Any] | None = None) -> RetryPolicy:
    """The retry policy of a campaign: the dialer settings with the campaign's overrides applied.

    A bad override is the user's mistake (it came from ``campaign create``): UserError naming the key.
    """
    values = {name: getattr(dialer, name) for name in OVERRIDABLE}
    for key, value in (overrides or {}).items():
        if key not in OVERRIDABLE:
            raise UserError(_("policy override {key!r}: unknown (known: {known})").format(key=key, known=', '.join(sorted(OVERRIDABLE))))
        values[key] = _typed(key, value)
    for key in ("no_answer_attempts", "network_max_attempts"):
        if values[key] < 1:
            raise UserError(_("policy {key}: must be at least 1, got {value}").format(key=key, value=values[key]))
    for key in ("no_answer_interval_min", "network_backoff_min", "network_backoff_max_min",
                "unfinished_extra_attempts", "unfinished_interval_min", "rejected_extra_attempts",
                "rejected_interval_min", "away_extra_attempts", "away_interval_min"):
        if values[key] < 0:
            raise UserError(_("policy {key}: must not be negative, got {value}").format(key=key, value=values[key]))
    window = CallWindow(_clock(values, "window_start"), _clock(values, "window_end"), _zone(values["timezone"]))
    if window.start == window.end:
        raise UserError(_("policy call window {start}-{end}: start equals end").format(start=values['window_start'], end=values['window_end']))
    minutes = dt.timedelta(minutes=1)
    return RetryPolicy(
        window=window,
        no_answer_attempts=values["no_answer_attempts"],
        no_answer_interval=values["no_answer_interval_min"] * minutes,
        network_backoff=values["network_backoff_min"] * minutes,
        network_backoff_max=values["network_backoff_max_min"] * minutes,
        network_attempts=values["network_max_attempts"],
        unfinished_extra_attempts=values["unfinished_extra_attempts"],
        unfinished_interval=values["unfinished_interval_min"] * minutes,
        rejected_extra_attempts=values["rejected_extra_attempts"],
        rejected_interval=values["rejected_interval_min"] * minutes,
        away_extra_attempts=values["away_extra_attempts"],
        away_interval=values["away_interval_min"] * minutes,
    )


def _typed(key: str, value: Any) -> Any:
    target = OVERRIDABLE[key]
    if target is int:
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
            raise UserError(_("policy override {key!r}: expected a whole number, got {value!r}").format(key=key, value=value))
        return int(value)
    if not isinstance(value, str):
        raise UserError(_("policy override {key!r}: expected text, got {value!r}").format(key=key, value=value))
    return value


def _clock(values: Mapping[str, Any], key: str) -> dt.time:
    try:
        return dt.time.fromisoformat(str(values[key]))
    except ValueError:
        raise UserError(_("policy {key}: expected a time such as 07:30, got {value!r}").format(key=key, value=values[key])) from None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(_("policy timezone: unknown time zone {name!r}").format(name=name)) from None


def _aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError(f"expected an aware datetime, got {at!r}")
    return at


__all__ = ["CallWindow", "RetryPolicy", "next_attempt", "policy_from_settings", "OVERRIDABLE"]
