"""Map how a call ended (Asterisk hangup cause, SIP response) to one outcome from a fixed vocabulary.

Telephony outcomes (what happened to the call), one per call:
- completed      answered, and the conversation reached its end
- transferred    answered, and handed to the staff queue
- hung_up_early  answered, and the resident hung up before the end
- no_answer      rang until the ring timeout
- busy           486 Busy Here / 600 Busy Everywhere
- rejected       603 Decline: the resident (or their phone) declined
- caller_id_refused  403 Forbidden from the network: the carrier refused our caller ID (not the registered
                 name and number, the "tên định danh"); staff must fix the trunk's caller ID, the household
                 is called again with the network back-off
- unreachable    480 Temporarily Unavailable, 404, 410, 484, 604: the subscriber cannot be reached now
- congestion     503 / 500 / 502 / 504 from the network: the trunk or the network failed (back off)
- redirected     3xx (302 Moved Temporarily ...): the network points elsewhere; never followed (the call
                 would reach whoever the redirect names), never retried (every retry gets the same 3xx)
- rtp_timeout    answered, then no RTP from the far end for ``trunk.rtp_timeout`` seconds: a dead media
                 path, not a silent resident (Asterisk hangs up with cause 44)
- lost           the channel vanished and no event ever said how (the watchdog's grace ran out):
                 no SIP code is reported, none being known
- failed         anything else: our own error, an ARI failure
The script's own result (completed, symptomatic, wrong_person, no_input, ...) is kept separately.

The ledger's outcome of an attempt (``ledger_outcome``) is the telephony outcome, or the script's result
for a finished call; ``ATTEMPT_OUTCOMES`` is that vocabulary, grouped as the retry policy treats it.
Pure: imports nothing of ivr at run time.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivr.calls.machine import CallResult

TELEPHONY_OUTCOMES = ("completed", "transferred", "hung_up_early", "no_answer", "busy", "rejected",
                      "unreachable", "congestion", "caller_id_refused", "redirected", "rtp_timeout", "lost", "failed")
RTP_TIMEOUT_CAUSE = 44  # Asterisk's cause when res_pjsip's rtp_timeout hangs up (REQUESTED_CHAN_UNAVAIL)

# The ledger's outcomes of an attempt, grouped as the retry policy treats them (ivr.calls.policy).
NO_ANSWER = frozenset({"no_answer", "busy"})
NETWORK = frozenset({"unreachable", "failed", "congestion", "rtp_timeout", "lost", "caller_id_refused"})
UNFINISHED = frozenset({"hung_up_early", "no_input"})
DECLINED = frozenset({"rejected"})  # called again once, later (policy.rejected_extra_attempts)
AWAY = frozenset({"unavailable"})  # the script's result when a family member says the person is away
FINAL = frozenset({"completed", "transferred", "symptomatic", "wrong_person", "invalid", "opted_out",
                   "redirected", "stopped"})
ATTEMPT_OUTCOMES = NO_ANSWER | NETWORK | UNFINISHED | DECLINED | AWAY | FINAL


def ledger_outcome(result: CallResult) -> str:
    """One outcome for the attempt: the telephony outcome, or the script's result for a finished call."""
    if result.outcome != "completed":
        return result.outcome
    if result.result in ATTEMPT_OUTCOMES:
        return result.result  # completed, symptomatic, wrong_person, unavailable, no_input, opted_out
    if result.result == "script_error":
        return "failed"
    return "no_input"  # incomplete, transfer_failed: answered but the questions were not all answered

_BY_SIP = {
    486: "busy", 600: "busy",
    603: "rejected", 403: "caller_id_refused",
    480: "unreachable", 404: "unreachable", 410: "unreachable", 484: "unreachable", 604: "unreachable",
    408: "no_answer",
    500: "congestion", 502: "congestion", 503: "congestion", 504: "congestion",
}
# Q.850 causes, for when no SIP code is known (23: "redirected to new destination", a 3xx).
_BY_CAUSE = {
    23: "redirected",
    17: "busy", 21: "rejected", 1: "unreachable", 3: "unreachable", 20: "unreachable", 22: "unreachable",
    28: "unreachable", 18: "no_answer", 19: "no_answer", 34: "congestion", 38: "congestion",
    41: "congestion", 42: "congestion", 27: "unreachable",
}


def unanswered(remote_sip: int, cause: int, rang: bool) -> str:
    """Outcome of a call that was never answered.

    ``remote_sip`` is the SIP response the far end sent (0 if it sent none: e.g. our ring timeout,
    which Asterisk reports as cause 19 with a 480 of its own making, so the response must come from
    the far end's hang-up request, not from the final ChannelDestroyed).
    """
    if remote_sip in _BY_SIP:
        return _BY_SIP[remote_sip]
    if 300 <= remote_sip < 400:
        return "redirected"
    if remote_sip == 0 and rang and cause in (0, 16, 19):
        return "no_answer"
    return _BY_CAUSE.get(cause, "failed")


def answered(finished: bool, transferred: bool, remote_hangup: bool, cause: int = 0) -> str:
    """Outcome of an answered call (``cause``: ChannelDestroyed's; 44 when Asterisk's RTP timeout hung up)."""
    if transferred:
        return "transferred"
    if finished:
        return "completed"
    if cause == RTP_TIMEOUT_CAUSE:
        return "rtp_timeout"
    return "hung_up_early" if remote_hangup else "failed"
