"""Callback recognition: is the caller someone the robot tried to reach and has not reached yet? Pure.

A caller is recognised when their number is the phone of a household with, in a running or paused
campaign, a robot call still to make (a pending attempt) or a call that missed them (the newest finished
attempt ended unanswered, busy, unreachable, or unfinished) and no call that reached them. The answers
they give then count for that campaign exactly as if the robot had reached them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from ivr.calls.outcomes import FINAL, NETWORK, NO_ANSWER, UNFINISHED
from ivr.storage.hotline_records import AttemptFacts
from ivr.storage.records import AttemptStatus, CampaignStatus

MISSED = NO_ANSWER | NETWORK | UNFINISHED
OPEN_CAMPAIGNS = frozenset({CampaignStatus.RUNNING.value, CampaignStatus.PAUSED.value})
BUSY = frozenset({AttemptStatus.CLAIMED.value, AttemptStatus.DIALING.value})
HOTLINE_WORKER = "hotline"  # claimed_by of campaign attempts answered by an inbound call

__all__ = ["HOTLINE_WORKER", "AttemptFacts", "CallbackChoice", "choose_callback"]


@dataclass(frozen=True)
class CallbackChoice:
    """The campaign call the caller's own call stands in for.

    ``attempt_id`` is the pending attempt to take over; None means every attempt is finished (the last
    one missed them) and a new attempt number ``attempt_no`` is recorded for this call.
    """

    campaign_id: int
    contact_id: int
    household_id: int
    attempt_id: int | None
    attempt_no: int


def choose_callback(facts: Iterable[AttemptFacts]) -> CallbackChoice | None:
    """The campaign call to answer now, or None if the caller is not awaited by any campaign.

    Nothing is chosen while the robot is calling that phone (an attempt claimed or dialling): the
    household is in a call already. Among several campaigns, the one whose call is most overdue wins
    (the earliest pending attempt, else the earliest missed one).
    """
    rows = list(facts)
    if any(f.status in BUSY for f in rows):
        return None
    by_campaign: dict[int, list[AttemptFacts]] = {}
    for f in rows:
        if f.campaign_status in OPEN_CAMPAIGNS and not f.opted_out:
            by_campaign.setdefault(f.campaign_id, []).append(f)
    candidates: list[tuple[dt.datetime, int, CallbackChoice]] = []
    for campaign_id, attempts in by_campaign.items():
        if any(a.status == AttemptStatus.DONE.value and a.outcome in FINAL for a in attempts):
            continue  # the robot reached them in this campaign already
        newest = max(attempts, key=lambda a: a.attempt_no)
        pending = sorted((a for a in attempts if a.status == AttemptStatus.PENDING.value),
                         key=lambda a: (a.scheduled_at, a.attempt_id))
        if pending:
            first = pending[0]
            candidates.append((first.scheduled_at, campaign_id, CallbackChoice(
                campaign_id, first.contact_id, first.household_id, first.attempt_id, first.attempt_no)))
        elif newest.status == AttemptStatus.DONE.value and newest.outcome in MISSED:
            candidates.append((newest.scheduled_at, campaign_id, CallbackChoice(
                campaign_id, newest.contact_id, newest.household_id, None, newest.attempt_no + 1)))
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c[0], c[1]))[2]
