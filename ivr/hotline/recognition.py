"""Callback recognition: is the caller someone the robot tried to reach and has not reached yet? Pure.

A caller is recognised when their number is the phone of a household with, in a running or paused
campaign, a robot call still to make (a pending attempt) or a call that missed them (the newest finished
attempt ended unanswered, busy, unreachable, or unfinished) and no call that reached them. The answers
they give then count for that campaign exactly as if the robot had reached them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from ivr.calls.outcomes import FINAL, NETWORK, NO_ANSWER, UNFINISHED
from ivr.storage.hotline_records import AttemptFacts
from ivr.storage.records import AttemptStatus, CampaignStatus

MISSED = NO_ANSWER | NETWORK | UNFINISHED
OPEN_CAMPAIGNS = frozenset({CampaignStatus.RUNNING.value, CampaignStatus.PAUSED.value})
BUSY = frozenset({AttemptStatus.CLAIMED.value, AttemptStatus.DIALING.value})
HOTLINE_WORKER = "hotline"  # claimed_by of campaign attempts answered by an inbound call

__all__ = ["HOTLINE_WORKER", "AttemptFacts", "CallbackChoice", "choose_callback", "choose_callbacks", "in_turn"]


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
    """The campaign call to answer first, or None if the caller is not awaited by any campaign (the first
    of ``choose_callbacks``)."""
    chosen = choose_callbacks(facts)
    return chosen[0] if chosen else None


def choose_callbacks(facts: Iterable[AttemptFacts]) -> tuple[CallbackChoice, ...]:
    """The campaign calls the caller's call answers, one per household member, most overdue first.

    Nothing is chosen while the robot is calling that phone (an attempt claimed or dialling): the
    household is in a call already. Each campaign calls a household through one member; a phone that
    serves several members awaited by different campaigns (say the mother on the F1 list, her son on the
    F2 list) answers for each of them in turn. The most overdue call comes first (the earliest pending
    attempt, else the earliest missed one); a member awaited by several campaigns is asked about the most
    overdue one (the robot makes the others).
    """
    rows = list(facts)
    if any(f.status in BUSY for f in rows):
        return ()
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
    chosen: list[CallbackChoice] = []
    for _, _, choice in sorted(candidates, key=lambda c: (c[0], c[1])):
        if all(c.contact_id != choice.contact_id for c in chosen):
            chosen.append(choice)
    return tuple(chosen)


def in_turn(choices: Sequence[CallbackChoice], birth_year_known: Mapping[int, bool]) -> tuple[CallbackChoice, ...]:
    """The members the caller is asked about, in turn: those whose list gives a birth year to check (by
    contact id in ``birth_year_known``), in the order of ``choices``. Empty: the anonymous declaration."""
    return tuple(c for c in choices if birth_year_known.get(c.contact_id, False))
