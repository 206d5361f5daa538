"""What a script is for: its direction (we call out, or residents call in) and the categories it speaks to.

Pure rules, as data: the loader reads the two fields, the checker requires them, and `campaign create`
asks `campaign_mismatch` before anything is written (a resident must never hear the hotline menu, nor an
F2 be asked the F1 questions).
"""
from __future__ import annotations

from typing import Iterable

from ivr.i18n import _

OUTBOUND = "outbound"
INBOUND = "inbound"
DIRECTIONS = (OUTBOUND, INBOUND)
CATEGORIES = ("F1", "F2")


def campaign_mismatch(script: str, direction: str | None, categories: Iterable[str],
                      wanted: Iterable[str]) -> str | None:
    """Why a campaign calling people of the categories ``wanted`` cannot use this script (None: it can).

    One line naming the script's declaration and the campaign's, for staff.
    """
    declared = tuple(categories)
    shown = ", ".join(declared) or "-"
    if direction != OUTBOUND:
        return _("script {script} is for {direction} calls ({categories}); a campaign calls out: choose an "
                 "outbound script").format(script=script, direction=direction_label(direction), categories=shown)
    missing = sorted(set(wanted) - set(declared))
    if missing:
        return _("script {script} is for {categories}, the campaign calls {wanted}: choose a script for {wanted}"
                 ).format(script=script, categories=shown, wanted=", ".join(missing))
    return None


def direction_label(direction: str | None) -> str:
    """The direction as staff read it."""
    if direction == OUTBOUND:
        return _("outbound")
    if direction == INBOUND:
        return _("inbound (hotline)")
    return _("undeclared")
