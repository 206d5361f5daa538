"""Campaigns: create (enqueue the list, render personalised prompts), run, pause, resume, cancel.

The service every campaign command goes through; it wires the ledger, the dialer and the audio library
handed to it by the composition root, and records each action in the audit log.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from ivr.ari.client import AriClient
from ivr.calls.dialer import Dialer, RunStats
from ivr.scripts.address import AddressRule
from ivr.scripts.variables import contact_variables
from ivr.calls.policy import RetryPolicy, policy_from_settings
from ivr.clock import utcnow
from ivr.config import Settings
from ivr.errors import UserError
from ivr.scripts.model import Script
from ivr.speech.library import AudioLibrary
from ivr.speech.render import render_personalised, render_script
from ivr.storage import records as r
from ivr.storage.repo import Repository


def worker_id(settings: Settings) -> str:
    return settings.dialer.worker_id or f"{socket.gethostname()}@{settings.ari.url}"


@dataclass(frozen=True)
class Created:
    campaign: r.Campaign
    enqueued: int
    prompts_rendered: int


class CampaignService:
    def __init__(self, settings: Settings, repo: Repository, library: AudioLibrary,
                 scripts: Callable[[str], Script], policy: Callable[[r.Campaign], RetryPolicy],
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.settings = settings
        self.repo = repo
        self.library = library
        self.scripts = scripts
        self.policy = policy
        self.clock = clock

    def create(self, *, script_name: str, operator: str, category: str | None = None,
               list_date: dt.date | None = None, import_id: int | None = None,
               overrides: Mapping[str, Any] | None = None) -> Created:
        script = self.scripts(script_name)  # a broken or unknown script stops here, before anything is written
        self._check_by_name(script)
        policy_from_settings(self.settings.dialer, overrides)  # so does a bad policy override
        now = self.clock()
        campaign = self.repo.create_campaign(script_name=script.name, script_version=str(script.version),
                                             operator=operator, now=now, category=category, list_date=list_date,
                                             import_id=import_id, policy_overrides=overrides)
        # F1 monitoring repeats daily until quarantine ends (dialer.monitoring_days from the list's day).
        days = self.settings.dialer.monitoring_days if category == "F1" and list_date is not None else 1
        enqueued = self.repo.enqueue_contacts(campaign.id, now, monitoring_days=days)
        # Every prompt is rendered now: the fixed ones once, the personalised ones per contact.
        stats = render_script(self.library, script)
        today = now.date()
        rule = AddressRule.of(self.settings.call)
        people = [contact_variables(c, today, rule) for c in self.repo.campaign_contacts(campaign.id)]
        personal = render_personalised(self.library, script, people)
        return Created(campaign, enqueued, stats.stats.rendered + personal.rendered)

    def _check_by_name(self, script: Script) -> None:
        """A campaign keeps its script's name, and every later run (``campaign run``, ``serve``, reports)
        loads the script by that name: a file given by path must be the one the name finds."""
        try:
            found = self.scripts(script.name)
        except UserError:
            found = None
        if found is None or Path(found.source).resolve() != Path(script.source).resolve():
            folder = self.settings.path(self.settings.scripts_dir)
            raise UserError(f"{script.source}: a campaign loads its script by name each time it is dialled, and "
                            f"the scripts folder {folder} holds no script {script.name!r} from this file; copy "
                            f"it there as {script.name}.yaml, then create the campaign with --script {script.name}")

    def set_status(self, campaign_id: int, status: str, operator: str) -> r.Campaign:
        return self.repo.set_campaign_status(campaign_id, status, operator=operator, now=self.clock())

    async def run(self, campaign_id: int, ari: AriClient, stop: asyncio.Event, operator: str, *,
                  until_idle: bool = True, on_progress: Callable[[RunStats], None] | None = None,
                  keep_reports: bool = False) -> RunStats:
        campaign = self.repo.get_campaign(campaign_id)
        if campaign.status in (r.CampaignStatus.CANCELLED, r.CampaignStatus.COMPLETED):
            raise UserError(f"campaign {campaign_id} is {campaign.status.value}: nothing to run")
        self.set_status(campaign_id, "running", operator)
        dialer = Dialer(self.settings, self.repo, ari, self.library, self.scripts, self.policy,
                        worker_id=worker_id(self.settings), clock=self.clock, keep_reports=keep_reports)
        await dialer.recover()
        stats = await dialer.run_campaign(campaign_id, stop, until_idle=until_idle, on_progress=on_progress)
        progress = self.repo.campaign_progress(campaign_id)
        current = self.repo.get_campaign(campaign_id)
        if current.status == r.CampaignStatus.RUNNING:
            if progress.unfinished == 0:
                self.set_status(campaign_id, "completed", operator)
            elif stop.is_set():
                self.set_status(campaign_id, "paused", operator)
        return stats
