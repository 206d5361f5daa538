"""Labels staff read on screen (CLI tables, web console) for codes kept in English in the data and JSON.

Each label is a message id of the staff catalogue: ``label(STATUS, code)`` gives it in the language in force.
Workbooks and charts use ivr/reports/labels.py (always Vietnamese: they are the province's documents).
"""
from __future__ import annotations

from typing import Mapping

from ivr.i18n import N_, _

CAMPAIGN_STATUS = {
    "draft": N_("draft"), "running": N_("running"), "paused": N_("paused"),
    "cancelled": N_("cancelled"), "completed": N_("completed"),
}
OUTCOMES = {
    "completed": N_("completed"), "symptomatic": N_("symptomatic"), "wrong_person": N_("wrong person"),
    "no_input": N_("no key pressed"), "hung_up_early": N_("hung up early"), "transferred": N_("put through to staff"),
    "no_answer": N_("no answer"), "busy": N_("busy"), "rejected": N_("declined"), "unreachable": N_("unreachable"),
    "congestion": N_("network error"), "failed": N_("failed"), "opted_out": N_("does not want calls"),
    "invalid": N_("invalid number"), "unavailable": N_("away (a family member answered)"),
    "caller_id_refused": N_("caller ID refused by the operator"), "redirected": N_("redirected number (check it)"),
    "rtp_timeout": N_("sound lost (line fault)"), "lost": N_("result unknown (call signal lost)"),
    "stopped": N_("stopped by health staff"),
}


def label(table: Mapping[str, str], code: str | None) -> str:
    """The label of a code in the staff's language (the code itself when the table lacks it)."""
    if code is None:
        return ""
    text = table.get(code)
    return _(text) if text else code


def status_label(code: str) -> str:
    """A campaign status as staff read it."""
    return label(CAMPAIGN_STATUS, code)


def outcome_label(code: str | None) -> str:
    """A call outcome or script result as staff read it."""
    return label(OUTCOMES, code) if code else _("calling")
