"""The hotline's decisions, pure: what a call entering the application gets, how it is recorded.

Entries (the Stasis arguments the dialplan gives, dialplans/extensions.conf):
- ``hotline``: a resident dialled the hotline number;
- ``queue-timeout``: a caller waited ``callback_offer_after`` seconds in the staff queue.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


HOTLINE_ENTRY = "hotline"
QUEUE_TIMEOUT_ENTRY = "queue-timeout"
ENTRIES = (HOTLINE_ENTRY, QUEUE_TIMEOUT_ENTRY)
DECLARED_RESULTS = frozenset({"completed", "symptomatic", "wrong_person"})
STAFF_UNAVAILABLE_RESULTS = frozenset({"incomplete", "transfer_failed"})


class Route(enum.Enum):
    MENU = "menu"  # the hotline script: greeting, menu, self-declaration
    CAMPAIGN = "campaign"  # a recognised caller: their own campaign's script
    CALLBACK_OFFER = "callback_offer"  # waited too long in the queue: offer a call back
    REQUEUE = "requeue"  # back into the queue without asking (shutting down, or no number to call back)
    REJECT = "reject"  # refuse the call (busy): the service is shutting down
    IGNORE = "ignore"  # not a hotline entry (another program's call on the application): leave it alone


def route(entry: str, *, recognised: bool, draining: bool, can_call_back: bool) -> Route:
    """Where a call entering the application goes."""
    if entry == HOTLINE_ENTRY:
        if draining:
            return Route.REJECT
        return Route.CAMPAIGN if recognised else Route.MENU
    if entry == QUEUE_TIMEOUT_ENTRY:
        return Route.CALLBACK_OFFER if can_call_back and not draining else Route.REQUEUE
    return Route.IGNORE


class CallerCheck(enum.Enum):
    """What a recognised caller gets before anything personal is said."""

    VERIFY = "verify"  # key in the birth year of the person concerned, then their own script
    ANONYMOUS = "anonymous"  # the hotline's anonymous self-declaration: nothing personal is said
    NONE = "none"  # not recognised at all (the hotline script has no verify step): the menu


MAX_CHECK_FAILURES_PER_DAY = 2


def caller_check(*, can_verify: bool, birth_year_known: bool, failures_today: int) -> CallerCheck:
    """A recognised caller proves who they are first; without a birth year to check, or after two wrong
    entries today from that number, recognition is over for the day and the call is anonymous."""
    if not can_verify:
        return CallerCheck.NONE
    if not birth_year_known or failures_today >= MAX_CHECK_FAILURES_PER_DAY:
        return CallerCheck.ANONYMOUS
    return CallerCheck.VERIFY


# -- the path through the menu (stored as a list of these segments) ---------------------------------------
AFTER_HOURS = "after_hours"
RECOGNISED = "recognised"
ANONYMOUS = "anonymous"  # recognised number, but no check possible today: anonymous self-declaration
QUEUE = "queue"
CALLBACK_OFFER = "callback_offer"
ABANDONED = "abandoned"
TIMEOUT = "queue_timeout"


def choice_segment(question_id: str, value: str) -> str:
    """A menu choice as a path segment, e.g. "menu:declare", "callback:yes"."""
    return f"{question_id}:{value}"


def staff_segment(agent: str) -> str:
    return f"staff:{agent}"


@dataclass(frozen=True)
class InboundFacts:
    """What happened in an inbound call, as the ledger's outcome needs it."""

    answered_by: str | None = None
    callback_requested: bool = False
    joined_queue: bool = False
    script_result: str | None = None
    heard_info: bool = False
    rejected: bool = False
    failed: bool = False


def inbound_outcome(f: InboundFacts) -> str:
    """One word for how the call ended (vocabulary: ivr.storage.hotline_records.INBOUND_OUTCOMES).

    The most useful fact for staff wins: someone answered it, then a call-back to make, then a caller
    who waited and gave up, then what the script reached.
    """
    if f.rejected:
        return "rejected"
    if f.answered_by:
        return "staff"
    if f.callback_requested:
        return "callback_requested"
    if f.script_result in DECLARED_RESULTS:
        return "declared"
    if f.joined_queue:
        return "abandoned"
    if f.script_result in STAFF_UNAVAILABLE_RESULTS:
        return "staff_unavailable"
    if f.script_result == "no_input":
        return "no_input"
    if f.failed:
        return "failed"
    return "informed" if f.heard_info else "hung_up"
