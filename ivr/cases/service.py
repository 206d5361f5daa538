"""The cases service: turn finished calls into cases (rules.py decides), list them, close and refer them.

Plain methods the CLI (`robocall cases ...`) and the web console both call; no click, no printing.
``sync()`` is idempotent and cheap when nothing is new: listing cases, the daily report and the end of a
campaign run call it first, so a case is there as soon as anyone looks.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from ivr.cases.rules import CallFacts, Reason, Status, can_move, reason_label, reasons_for_call, \
    reasons_for_declaration, status_label
from ivr.clock import Clock, utcnow
from ivr.errors import UserError
from ivr.i18n import _
from ivr.storage.cases import CaseRow, CaseStatusConflict, CaseStore, OpenCase, Opening


NOTE_MAX, REFERRED_TO_MAX = 1000, 200  # the columns' sizes (ivr/storage/cases.py): refused with a message


@dataclass(frozen=True)
class SyncResult:
    sources: int
    opened: int


class CaseService:
    def __init__(self, store: CaseStore, clock: Clock = utcnow) -> None:
        self.store = store
        self.clock = clock

    # -- from calls to cases -------------------------------------------------------------------------
    def sync(self) -> SyncResult:
        """Look at every finished call, hotline call and call-back task not yet looked at."""
        sources = opened = 0
        last_call = self.store.calls_seen_through()
        while True:
            calls = self.store.unprocessed_calls(after=last_call)
            last_call = max((c.attempt_id for c in calls), default=last_call)
            openings = [Opening("call", c.attempt_id, c.contact_id, None, c.category,
                                tuple(r.value for r in reasons_for_call(CallFacts(c.outcome, c.answers,
                                                                                  c.retry_scheduled))),
                                c.outcome, c.ended_at) for c in calls]
            hotline = self.store.unprocessed_hotline()
            for h in hotline:
                category = self.store.contact_category(h.contact_id) if h.contact_id is not None else None
                reasons = reasons_for_declaration(h.symptomatic, h.callback, h.staff_unanswered)
                openings.append(Opening(h.source, h.source_id, h.contact_id, h.phone_e164, category,
                                        tuple(r.value for r in reasons), None, h.at))
            if not openings:
                self.store.advance_calls_mark(self.clock())
                return SyncResult(sources, opened)
            opened += self.store.record(openings)
            sources += len(openings)

    # -- what staff read -----------------------------------------------------------------------------
    def list_cases(self, reasons: Sequence[str] = (), statuses: Sequence[str] = (Status.OPEN, Status.REFERRED),
             sync: bool = True) -> list[CaseRow]:
        """Cases of these reasons and statuses (default: all still to act on), oldest first."""
        for reason in reasons:
            if reason not in set(Reason):
                raise UserError(_("--reason {value!r}: expected one of {known}").format(
                    value=reason, known=", ".join(r.value for r in Reason)))
        for status in statuses:
            if status not in set(Status):
                raise UserError(_("--status {value!r}: expected one of {known}").format(
                    value=status, known=", ".join(s.value for s in Status)))
        if sync:
            self.sync()
        return self.store.find(reasons=reasons, statuses=statuses)

    def to_act_on(self, before: dt.datetime) -> list[OpenCase]:
        """Every case not closed that was opened before ``before`` (synced first): the workbook's list."""
        self.sync()
        return self.store.to_act_on(before)

    def get(self, case_id: int) -> CaseRow:
        return self.store.get(case_id)

    # -- what staff do -------------------------------------------------------------------------------
    def close(self, case_id: int, note: str, operator: str) -> CaseRow:
        """Mark a case handled, with what was done (audited: who and when)."""
        note = note.strip()
        if not note:
            raise UserError(_("case #{id}: --note is empty: write what was done").format(id=case_id))
        if len(note) > NOTE_MAX:
            raise UserError(_("case #{id}: --note has {n} characters: at most {most}").format(
                id=case_id, n=len(note), most=NOTE_MAX))
        return self._move(case_id, Status.CLOSED, operator, "case.close", note=note)

    def refer(self, case_id: int, to: str, operator: str) -> CaseRow:
        """Hand a case to another team (e.g. the commune's health station); it stays on the to-do list."""
        to = to.strip()
        if not to:
            raise UserError(_("case #{id}: --to is empty: name who takes the case over").format(id=case_id))
        if len(to) > REFERRED_TO_MAX:
            raise UserError(_("case #{id}: --to has {n} characters: at most {most}").format(
                id=case_id, n=len(to), most=REFERRED_TO_MAX))
        return self._move(case_id, Status.REFERRED, operator, "case.refer", referred_to=to)

    def _move(self, case_id: int, target: Status, operator: str, action: str, *, note: str | None = None,
              referred_to: str | None = None) -> CaseRow:
        allowed = [s.value for s in Status if can_move(s.value, target.value)]
        try:
            return self.store.update(case_id, status=target.value, operator=operator, now=self.clock(),
                                     action=action, allowed_from=allowed, note=note, referred_to=referred_to)
        except CaseStatusConflict as exc:
            raise UserError(_("case #{id} is {status}: it cannot become {target}").format(
                id=case_id, status=status_label(exc.current), target=status_label(target.value))) from None


__all__ = ["CaseService", "SyncResult", "reason_label", "status_label"]
