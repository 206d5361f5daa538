"""Following a caller through the staff queue, pure: ARI events in, what happened out.

While a caller waits in app_queue the channel runs the dialplan, not the application; the controller
still receives its events (ARI subscription to the channel). app_queue sets, on the caller's channel,
MEMBERNAME (setinterfacevar) just before the caller is connected to a staff member, QEHOLDTIME
(setqueueentryvar: seconds waited) on connecting or leaving, and QUEUESTATUS when Queue() returns.
The wait ends in one of three ways: a staff member answers (the call then ends with the channel),
the caller hangs up first (abandoned), or Queue() gives up and the dialplan brings the call back into
the application (StasisStart "queue-timeout").
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ivr.ari import events as ev


@dataclass(frozen=True)
class QueueWait:
    """What is known so far about one stay in the queue. Times are monotonic seconds."""

    joined_at: float
    member: str | None = None
    connected_at: float | None = None
    hold_seconds: float | None = None  # app_queue's own count (QEHOLDTIME)
    status: str | None = None  # QUEUESTATUS when Queue() returned
    back_in_application: bool = False
    ended_at: float | None = None

    @property
    def over(self) -> bool:
        """The caller left the queue for good (channel gone) or came back to the application."""
        return self.back_in_application or self.ended_at is not None

    @property
    def settled(self) -> bool:
        """The wait itself is over: a staff member answered, or the caller left the queue."""
        return self.over or self.connected_at is not None


@dataclass(frozen=True)
class QueueResult:
    answered_by: str | None
    waited: float  # seconds in the queue before being answered or leaving it
    abandoned: bool  # hung up while waiting
    timed_out: bool  # came back to the application (call-back offer)


def on_event(wait: QueueWait, event: ev.AriEvent, now: float) -> QueueWait:
    """Fold one event of the caller's channel into the wait (and, once answered, the call with staff)."""
    if wait.over:
        return wait
    if isinstance(event, ev.ChannelVarset):
        if event.variable == "MEMBERNAME" and event.value:
            return replace(wait, member=event.value, connected_at=wait.connected_at or now)
        if event.variable == "QEHOLDTIME" and event.value.strip().isdigit():
            return replace(wait, hold_seconds=float(event.value))
        if event.variable == "QUEUESTATUS" and event.value:
            return replace(wait, status=event.value)
        return wait
    if isinstance(event, ev.StasisStart):
        return replace(wait, back_in_application=True, ended_at=None)
    if isinstance(event, ev.ChannelDestroyed):
        return replace(wait, ended_at=now)
    return wait


def result(wait: QueueWait, now: float) -> QueueResult:
    """How the stay in the queue ended (``now`` if it has not ended: the caller is still waiting)."""
    left = wait.connected_at or wait.ended_at or now
    waited = wait.hold_seconds if wait.hold_seconds is not None else max(left - wait.joined_at, 0.0)
    answered = wait.member if wait.connected_at is not None else None
    return QueueResult(answered_by=answered, waited=waited,
                       abandoned=answered is None and not wait.back_in_application and wait.ended_at is not None,
                       timed_out=wait.back_in_application)
