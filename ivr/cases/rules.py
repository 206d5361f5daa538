"""Which follow-up a call promises: the outcome and answers of a call -> the reasons for a case. Pure, as data.

Every reason is a promise a script makes to the resident, or a person the robot could not help:

| reason             | when                                                                          | the script says     |
|--------------------|-------------------------------------------------------------------------------|---------------------|
| symptomatic        | the call ended "symptomatic" (an answer flagged symptom); a hotline            | "nhân viên y tế sẽ   |
|                    | self-declaration with symptoms                                                | liên hệ lại"        |
| not_at_address     | answered "no" to at_address                                                   | "sẽ liên hệ lại để   |
|                    |                                                                               | hướng dẫn"          |
| wrong_person       | the call ended "wrong_person" (or answered "no" to identity)                    | "sẽ kiểm tra lại số" |
| staff_unanswered   | pressed 0 for staff and the call was not put through; a hotline caller who     | "sẽ gọi lại"        |
|                    | found no staff free or hung up waiting in the queue                           |                     |
| callback_requested | answered "yes" to callback; a hotline call-back task                          | "sẽ gọi lại"        |
| unreached          | the household's last attempt of a campaign, with no answer and no retry left  | -                   |
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable, Mapping

from ivr.i18n import N_, _


class Reason(StrEnum):
    SYMPTOMATIC = "symptomatic"
    NOT_AT_ADDRESS = "not_at_address"
    WRONG_PERSON = "wrong_person"
    STAFF_UNANSWERED = "staff_unanswered"
    CALLBACK_REQUESTED = "callback_requested"
    UNREACHED = "unreached"


class Status(StrEnum):
    OPEN = "open"
    REFERRED = "referred"  # handed to another team (e.g. the commune's health station); still to act on
    CLOSED = "closed"


REASON_LABELS = {
    Reason.SYMPTOMATIC: N_("symptomatic"),
    Reason.NOT_AT_ADDRESS: N_("not at the quarantine address"),
    Reason.WRONG_PERSON: N_("wrong person or number"),
    Reason.STAFF_UNANSWERED: N_("asked for staff, not answered"),
    Reason.CALLBACK_REQUESTED: N_("call-back requested"),
    Reason.UNREACHED: N_("unreached after all attempts"),
}
STATUS_LABELS = {Status.OPEN: N_("open"), Status.REFERRED: N_("referred"), Status.CLOSED: N_("closed")}
# The order staff work through them: the most urgent first.
PRIORITY = (Reason.SYMPTOMATIC, Reason.STAFF_UNANSWERED, Reason.CALLBACK_REQUESTED, Reason.NOT_AT_ADDRESS,
            Reason.WRONG_PERSON, Reason.UNREACHED)

# Telephony outcomes of a call nobody answered (or answered without giving a single key).
UNANSWERED = frozenset({"no_answer", "busy", "rejected", "unreachable", "congestion", "failed", "no_input",
                        "hung_up_early", "lost", "rtp_timeout", "redirected"})


@dataclass(frozen=True)
class CallFacts:
    """What one finished call attempt tells: its ledger outcome, its answers, whether a retry is scheduled."""

    outcome: str
    answers: Mapping[str, str]  # question id -> value ("yes", "no", "staff", ...)
    retry_scheduled: bool


def reasons_for_call(call: CallFacts) -> tuple[Reason, ...]:
    """The reasons a call opens (or adds to) a case for the person called, in priority order."""
    found: set[Reason] = set()
    if call.outcome == "symptomatic":
        found.add(Reason.SYMPTOMATIC)
    if call.answers.get("at_address") == "no":
        found.add(Reason.NOT_AT_ADDRESS)
    if call.outcome == "wrong_person" or call.answers.get("identity") == "no":
        found.add(Reason.WRONG_PERSON)
    if "staff" in call.answers.values() and call.outcome != "transferred":
        found.add(Reason.STAFF_UNANSWERED)
    if call.answers.get("callback") == "yes":
        found.add(Reason.CALLBACK_REQUESTED)
    if call.outcome in UNANSWERED and not call.retry_scheduled and not found:
        found.add(Reason.UNREACHED)
    return ordered(found)


def reasons_for_declaration(symptomatic: bool, callback_requested: bool,
                            staff_unanswered: bool = False) -> tuple[Reason, ...]:
    """A hotline call: a self-declaration with symptoms, a call-back task, a caller staff never answered."""
    found = {Reason.SYMPTOMATIC} if symptomatic else set()
    if callback_requested:
        found.add(Reason.CALLBACK_REQUESTED)
    if staff_unanswered:
        found.add(Reason.STAFF_UNANSWERED)
    return ordered(found)


def ordered(reasons: Iterable[Reason]) -> tuple[Reason, ...]:
    chosen = set(reasons)
    return tuple(r for r in PRIORITY if r in chosen)


def reason_label(reason: str) -> str:
    """A reason as staff read it, in the language in force."""
    text = REASON_LABELS.get(Reason(reason)) if reason in set(Reason) else None
    return _(text) if text else reason


def status_label(status: str) -> str:
    text = STATUS_LABELS.get(Status(status)) if status in set(Status) else None
    return _(text) if text else status


# Which status may follow which, and who may move it: one place (the service asks, the store stores).
TRANSITIONS = {
    Status.OPEN: frozenset({Status.REFERRED, Status.CLOSED}),
    Status.REFERRED: frozenset({Status.REFERRED, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


def can_move(current: str, target: str) -> bool:
    return Status(target) in TRANSITIONS[Status(current)]
