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
from ivr.i18n import _
from ivr.labels import status_label
from ivr.scripts.model import Script
from ivr.security import public_url
from ivr.speech.library import AudioLibrary
from ivr.speech.render import render_personalised, render_script
from ivr.storage import records as r
from ivr.storage.repo import Repository


def worker_id(settings: Settings) -> str:
    return settings.dialer.worker_id or f"{socket.gethostname()}@{public_url(settings.ari.url)}"


@dataclass(frozen=True)
class Created:
    campaign: r.Campaign
    enqueued: int
    prompts_rendered: int


@dataclass(frozen=True)
class CampaignPlan:
    """What creating a campaign would do, worked out before anything is written: the checked script, the
    households it would call, and the rules that will apply (shown to staff before they confirm)."""

    script: Script
    category: str | None
    list_date: dt.date | None
    import_id: int | None
    monitoring_days: int
    households: int
    policy: RetryPolicy
    overrides: Mapping[str, Any]
    window_open_now: bool
    opens_at: dt.datetime

    @property
    def rules(self) -> list[str]:
        """The rules that will apply, in Vietnamese, one sentence each."""
        p, w = self.policy, self.policy.window
        out = [f"Kịch bản {self.script.name} phiên bản {self.script.version}: chiến dịch giữ phiên bản này đến hết.",
               f"Chỉ gọi trong khung giờ {w.start:%H:%M}-{w.end:%H:%M} ({w.zone.key})"
               + ("." if self.window_open_now else
                  f"; hiện ngoài khung giờ, cuộc gọi đầu tiên lúc {self.opens_at.astimezone(w.zone):%H:%M %d/%m}."),
               f"Không nghe máy hoặc máy bận: gọi tối đa {p.no_answer_attempts} lần, cách nhau "
               f"{int(p.no_answer_interval.total_seconds() // 60)} phút.",
               f"Lỗi mạng: gọi lại tối đa {p.network_attempts} lần, giãn dần từ "
               f"{int(p.network_backoff.total_seconds() // 60)} phút.",
               f"Nghe máy nhưng chưa trả lời hết: gọi thêm {p.unfinished_extra_attempts} lần.",
               "Đã trả lời xong, từ chối, nhầm người hoặc xin dừng gọi: không gọi lại.",
               "Mỗi số điện thoại (hộ gia đình) chỉ nhận một cuộc gọi một lúc; người đã xin dừng gọi được bỏ qua."]
        if self.monitoring_days > 1:
            out.append(f"Theo dõi F1: gọi cả những người có trong danh sách {self.monitoring_days} ngày gần nhất.")
        return out


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

    def plan(self, *, script_name: str, category: str | None = None, list_date: dt.date | None = None,
             import_id: int | None = None, overrides: Mapping[str, Any] | None = None) -> CampaignPlan:
        """Check everything a campaign needs, write nothing: UserError for a broken or unknown script, a bad
        policy override, a missing or doubled selection, or a list with nobody to call."""
        if (list_date is None) == (import_id is None):
            raise UserError("give --date (with --category) or --import, not both and not neither")
        if category is not None and category not in ("F1", "F2"):
            raise UserError(f"category must be F1 or F2, got {category!r}")
        script = self.scripts(script_name)  # a broken or unknown script stops here, before anything is written
        self._check_by_name(script)
        policy = policy_from_settings(self.settings.dialer, overrides)  # so does a bad policy override
        if import_id is not None:
            self.repo.get_import(import_id)  # UserError if there is no such import
        # F1 monitoring repeats daily until quarantine ends (dialer.monitoring_days from the list's day).
        days = self.settings.dialer.monitoring_days if category == "F1" and list_date is not None else 1
        households = self.repo.count_eligible(import_id=import_id, list_date=list_date, category=category,
                                              monitoring_days=days)
        if households == 0:
            which = f"import {import_id}" if import_id is not None else \
                f"the {category or 'F1/F2'} list of {list_date}"
            raise UserError(f"{which}: nobody to call (no one on it, or everyone asked not to be called)")
        now = self.clock()
        return CampaignPlan(script, category, list_date, import_id, days, households, policy, dict(overrides or {}),
                            policy.window.contains(now), policy.window.next_open(now))

    def create(self, *, script_name: str, operator: str, category: str | None = None,
               list_date: dt.date | None = None, import_id: int | None = None,
               overrides: Mapping[str, Any] | None = None) -> Created:
        plan = self.plan(script_name=script_name, category=category, list_date=list_date, import_id=import_id,
                         overrides=overrides)
        script, days = plan.script, plan.monitoring_days
        now = self.clock()
        campaign = self.repo.create_campaign(script_name=script.name, script_version=str(script.version),
                                             operator=operator, now=now, category=category, list_date=list_date,
                                             import_id=import_id, policy_overrides=overrides)
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
            raise UserError(_("{source}: a campaign loads its script by name each time it is dialled, and the "
                              "scripts folder {folder} holds no script {name!r} from this file; copy it there as "
                              "{name}.yaml, then create the campaign with --script {name}").format(
                source=script.source, folder=folder, name=script.name))

    def set_status(self, campaign_id: int, status: str, operator: str) -> r.Campaign:
        return self.repo.set_campaign_status(campaign_id, status, operator=operator, now=self.clock())

    async def run(self, campaign_id: int, ari: AriClient, stop: asyncio.Event, operator: str, *,
                  until_idle: bool = True, on_progress: Callable[[RunStats], None] | None = None,
                  keep_reports: bool = False) -> RunStats:
        campaign = self.repo.get_campaign(campaign_id)
        if campaign.status in (r.CampaignStatus.CANCELLED, r.CampaignStatus.COMPLETED):
            raise UserError(_("campaign #{id} is {status}: nothing to run").format(
                id=campaign_id, status=status_label(campaign.status.value)))
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
