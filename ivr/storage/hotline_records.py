"""What the hotline store gives back: frozen records and the vocabularies of its tables."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# How an inbound call ended, for the ledger (see ivr.hotline.routing.inbound_outcome):
# staff               a staff member answered it
# callback_requested  the caller asked to be called back (a call-back task)
# abandoned           the caller waited in the queue and hung up before anyone answered
# declared            the caller finished a self-declaration (or their campaign's questions)
# staff_unavailable   the caller asked for staff and none could take the call (outside staff hours)
# no_input            the caller pressed no usable key until the retries ran out
# informed            the caller heard the recorded information and hung up
# hung_up             the caller hung up before finishing anything
# rejected            the service was shutting down and refused the call
# failed              our error or the PBX's
INBOUND_OUTCOMES = ("staff", "callback_requested", "abandoned", "declared", "staff_unavailable", "no_input",
                    "informed", "hung_up", "rejected", "failed")
CALLBACK_STATUSES = ("open", "done", "cancelled")


@dataclass(frozen=True)
class AttemptFacts:
    """One campaign attempt to a caller's household, with what recognising a call-back needs to know
    about it (ivr.hotline.recognition.choose_callback decides on a list of them)."""

    attempt_id: int
    campaign_id: int
    campaign_status: str
    contact_id: int
    household_id: int
    attempt_no: int
    status: str
    outcome: str | None
    scheduled_at: dt.datetime
    opted_out: bool = False


@dataclass(frozen=True)
class InboundCallRecord:
    id: int
    channel_id: str
    caller_e164: str | None  # personal data: never log it
    started_at: dt.datetime
    ended_at: dt.datetime | None
    after_hours: bool
    path: tuple[str, ...]
    contact_id: int | None
    campaign_id: int | None
    attempt_id: int | None
    queue_entered_at: dt.datetime | None
    queue_wait_seconds: float | None
    answered_by: str | None
    abandoned: bool
    outcome: str | None
    script_result: str | None


@dataclass(frozen=True)
class InboundAnswerRecord:
    question_id: str
    key: str
    value: str
    script: str
    script_version: str
    answered_at: dt.datetime


@dataclass(frozen=True)
class CallbackTaskRecord:
    id: int
    phone_e164: str  # personal data: never log it
    status: str
    requested_at: dt.datetime
    inbound_call_id: int | None
    contact_id: int | None
    attempt_id: int | None
    done_at: dt.datetime | None
    done_by: str | None


@dataclass(frozen=True)
class AgentRecord:
    name: str
    interface: str
    display_name: str | None  # personal data: never log it
    logged_in: bool
    paused: bool
    updated_at: dt.datetime
