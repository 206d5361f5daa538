"""The campaign store: campaigns and their status life cycle, the one place that says which moves are allowed.

draft -> running | cancelled; running -> paused | cancelled | completed; paused -> running | cancelled.
``settle_after_run`` is how every run ends (the CLI's and serve's): completed once no attempt is left,
paused if it was stopped with calls still to make. May be imported by any domain module; imports none.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ivr.errors import UserError
from ivr.i18n import _
from ivr.storage import hot_sql
from ivr.storage import models as m
from ivr.storage import records as r
from ivr.storage.base import StoreBase, campaign_record, contact_record

A = m.CallAttempt
_TRANSITIONS: dict[r.CampaignStatus, frozenset[r.CampaignStatus]] = {
    r.CampaignStatus.DRAFT: frozenset({r.CampaignStatus.RUNNING, r.CampaignStatus.CANCELLED}),
    r.CampaignStatus.RUNNING: frozenset({r.CampaignStatus.PAUSED, r.CampaignStatus.CANCELLED,
                                         r.CampaignStatus.COMPLETED}),
    r.CampaignStatus.PAUSED: frozenset({r.CampaignStatus.RUNNING, r.CampaignStatus.CANCELLED}),
    r.CampaignStatus.CANCELLED: frozenset(),
    r.CampaignStatus.COMPLETED: frozenset(),
}


class Campaigns(Protocol):
    """What the domain may ask of the campaign store (CampaignStore implements it; fakes may too)."""

    def create_campaign(self, *, script_name: str, script_version: str, operator: str, now: dt.datetime,
                        category: str | None = None, list_date: dt.date | None = None,
                        import_id: int | None = None,
                        policy_overrides: Mapping[str, Any] | None = None) -> r.Campaign: ...
    def get_campaign(self, campaign_id: int) -> r.Campaign: ...
    def list_campaigns(self) -> list[r.Campaign]: ...
    def set_campaign_status(self, campaign_id: int, status: r.CampaignStatus | str, *, operator: str,
                            now: dt.datetime) -> r.Campaign: ...
    def settle_after_run(self, campaign_id: int, *, stopped: bool, operator: str,
                         now: dt.datetime) -> r.Campaign: ...
    def campaign_progress(self, campaign_id: int) -> r.CampaignProgress: ...
    def campaign_contacts(self, campaign_id: int) -> list[r.Contact]: ...


class CampaignStore(StoreBase):
    """Campaigns. Every method is one transaction."""

    def create_campaign(self, *, script_name: str, script_version: str, operator: str, now: dt.datetime,
                        category: str | None = None, list_date: dt.date | None = None,
                        import_id: int | None = None,
                        policy_overrides: Mapping[str, Any] | None = None) -> r.Campaign:
        """A draft campaign calling the people of one day's list (of a category) or of one import."""
        if (list_date is None) == (import_id is None):
            raise UserError(_("campaign: give either a list date or an import id (exactly one)"))
        if category is not None and category not in set(r.Category):
            raise UserError(_("campaign: category must be F1 or F2, got {category!r}").format(category=category))
        with self._write() as s:
            found = s.get(m.Import, import_id) if import_id is not None else None
            if import_id is not None and (found is None or found.status != "done"):
                raise UserError(_("import {import_id}: no such import").format(import_id=import_id))
            row = m.Campaign(
                script_name=script_name, script_version=script_version, category=category, list_date=list_date,
                import_id=import_id, status=r.CampaignStatus.DRAFT.value,
                policy_overrides=dict(policy_overrides or {}), operator=operator, created_at=now, updated_at=now,
            )
            s.add(row)
            s.flush()
            self._audit(s, operator, "campaign.create", f"campaign:{row.id}", 0, now)
            return campaign_record(row)

    def get_campaign(self, campaign_id: int) -> r.Campaign:
        with self._read_conn() as c:  # a pre-built Core statement: the dialer reads the status every second
            row = c.execute(hot_sql.campaign_by_id(), {"campaign_id": campaign_id}).first()
            if row is None:
                raise UserError(_("campaign {campaign_id}: no such campaign").format(campaign_id=campaign_id))
            return campaign_record(row)

    def list_campaigns(self) -> list[r.Campaign]:
        with self._read() as s:
            return [campaign_record(c) for c in s.scalars(select(m.Campaign).order_by(m.Campaign.id))]

    def set_campaign_status(self, campaign_id: int, status: r.CampaignStatus | str, *, operator: str,
                            now: dt.datetime) -> r.Campaign:
        """Move a campaign to ``status``; a move the life cycle does not allow is a UserError.

        Setting the status it already has changes nothing (pausing a paused campaign is harmless).
        """
        target = r.CampaignStatus(status)
        with self._write() as s:
            row = self._campaign(s, campaign_id, lock=True)
            current = r.CampaignStatus(row.status)
            if current == target:
                return campaign_record(row)
            if target not in _TRANSITIONS[current]:
                raise UserError(_("campaign {campaign_id} is {current}: it cannot become {target}").format(campaign_id=campaign_id, current=current.value, target=target.value))
            row.status, row.updated_at = target.value, now
            expired = 0
            if target is r.CampaignStatus.CANCELLED:
                # The calls never made expire with the campaign: nothing will dial them, and they would keep
                # their people's personal data from the retention purge.
                result = s.execute(delete(m.CallAttempt).where(
                    m.CallAttempt.campaign_id == campaign_id,
                    m.CallAttempt.status == r.AttemptStatus.PENDING.value),
                    execution_options={"synchronize_session": False})
                expired = int(getattr(result, "rowcount", 0) or 0)
            self._audit(s, operator, f"campaign.{target.value}", f"campaign:{campaign_id}", expired, now)
            return campaign_record(row)

    def settle_after_run(self, campaign_id: int, *, stopped: bool, operator: str,
                         now: dt.datetime) -> r.Campaign:
        """End a run of a running campaign: completed once no attempt is pending, claimed or dialling;
        paused if ``stopped`` (Ctrl-C) with attempts left; otherwise unchanged (retries due later).

        A campaign no longer running (paused or cancelled meanwhile) is left as it is.
        """
        with self._write() as s:
            row = self._campaign(s, campaign_id, lock=True)
            if row.status != r.CampaignStatus.RUNNING.value:
                return campaign_record(row)
            left = s.scalar(select(func.count()).where(A.campaign_id == campaign_id,
                                                       A.status != r.AttemptStatus.DONE.value)) or 0
            target = (r.CampaignStatus.COMPLETED if left == 0
                      else r.CampaignStatus.PAUSED if stopped else None)
            if target is None:
                return campaign_record(row)
            row.status, row.updated_at = target.value, now
            self._audit(s, operator, f"campaign.{target.value}", f"campaign:{campaign_id}", 0, now)
            return campaign_record(row)

    def campaign_progress(self, campaign_id: int) -> r.CampaignProgress:
        with self._read() as s:
            camp = self._campaign(s, campaign_id)
            mine = A.campaign_id == campaign_id
            by_status = {k: int(n) for k, n in s.execute(select(A.status, func.count()).where(mine)
                                                          .group_by(A.status))}
            done = A.status == r.AttemptStatus.DONE.value
            by_outcome = {str(k): int(n) for k, n in s.execute(select(A.outcome, func.count()).where(mine, done)
                                                           .group_by(A.outcome))}
            households = s.scalar(select(func.count(func.distinct(A.household_id))).where(mine)) or 0
            answered = s.scalar(select(func.count()).where(mine, A.answered_at.is_not(None))) or 0
            answers = s.scalar(select(func.count()).select_from(m.Answer)
                               .where(m.Answer.campaign_id == campaign_id)) or 0
            return r.CampaignProgress(campaign_id, r.CampaignStatus(camp.status), int(households), by_status,
                                      by_outcome, int(answered), int(answers))

    def campaign_contacts(self, campaign_id: int) -> list[r.Contact]:
        """The contacts the campaign calls (one per household), e.g. to render personalised prompts."""
        with self._read() as s:
            ids = select(m.CallAttempt.contact_id).where(m.CallAttempt.campaign_id == campaign_id,
                                                          m.CallAttempt.attempt_no == 1)
            rows = s.scalars(select(m.Contact).where(m.Contact.id.in_(ids)).order_by(m.Contact.id))
            return [contact_record(c) for c in rows]

    def _campaign(self, s: Session, campaign_id: int, lock: bool = False) -> m.Campaign:
        query = select(m.Campaign).where(m.Campaign.id == campaign_id)
        row = s.scalar(query.with_for_update() if lock and self._postgres else query)
        if row is None:
            raise UserError(_("campaign {campaign_id}: no such campaign").format(campaign_id=campaign_id))
        return row
