"""Campaigns: create (enqueue the list, render personalised prompts), run, pause, resume, cancel.

The service every campaign command goes through; it wires the ledger, the dialer and the audio library
handed to it by the composition root, and records each action in the audit log.
"""
from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ivr.ari.protocols import DialerAri
from ivr.calls.dialer import Dialer, RunStats
from ivr.campaigns.runner import CampaignRunner
from ivr.calls.policy import RetryPolicy, policy_from_settings
from ivr.calls.policy_text import retry_lines, window_text
from ivr.calls.window_rules import WindowBounds, window_problem
from ivr.clock import utcnow
from ivr.config import Settings
from ivr.errors import UserError
from ivr.i18n import _
from ivr.labels import status_label
from ivr.formats import show_date
from ivr.scripts.model import Script
from ivr.protection.secrets import is_sandbox
from ivr.scripts.purpose import campaign_mismatch, direction_label
from ivr.speech.library import AudioLibrary
from ivr.scripts.interpreter import personalised, prompts_of
from ivr.speech.render import check_recordings, render_script
from ivr.storage import records as r
from ivr.storage.limits import LimitRow, LimitStore
from ivr.storage.overview import CampaignRow, OverviewStore
from ivr.storage.leases import LeaseLost, LeaseStore
from ivr.storage.repo import Repository
from ivr.identity import ProcessIdentity, new_identity
from ivr.workers import build_lease

# A PBX limit written longer ago than this belongs to no running dialer: `campaign status` leaves it out.
LIMIT_SHOWN_FOR = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Created:
    campaign: r.Campaign
    enqueued: int
    prompts_rendered: int
    rules: tuple[str, ...] = ()  # the call window and retry rules that apply (CampaignPlan.rules)


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
        """The rules that will apply, in the staff's language, one sentence each."""
        w = self.policy.window
        window = window_text(self.policy)
        if not self.window_open_now:
            window += _("; outside it now: the first call at {at}").format(
                at=f"{self.opens_at.astimezone(w.zone):%H:%M %d/%m}")
        out = [_("script {name} version {version} ({direction}, {categories}): the campaign keeps this version").format(
                   name=self.script.name, version=self.script.version,
                   direction=direction_label(self.script.direction), categories=", ".join(self.script.categories)),
               window, *retry_lines(self.policy),
               _("one call at a time per phone (household); stopped people and opted-out phones are left out")]
        if self.monitoring_days > 1:
            out.append(_("F1 monitoring: the people of the last {n} days' lists are called too").format(
                n=self.monitoring_days))
        return out


class CampaignService:
    def __init__(self, settings: Settings, repo: Repository, library: AudioLibrary,
                 scripts: Callable[[str], Script], policy: Callable[[r.Campaign], RetryPolicy],
                 clock: Callable[[], dt.datetime] = utcnow, leases: LeaseStore | None = None) -> None:
        self.settings = settings
        self.repo = repo
        self.leases = leases or LeaseStore(repo.engine)  # workers' leases (ivr.workers), same database
        self.library = library
        self.scripts = scripts
        self.policy = policy
        self.clock = clock
        self.overview = OverviewStore(repo.engine)

    def plan(self, *, script_name: str, category: str | None = None, list_date: dt.date | None = None,
             import_id: int | None = None, overrides: Mapping[str, Any] | None = None,
             allow_empty: bool = False) -> CampaignPlan:
        """Check everything a campaign needs, write nothing: UserError for a broken or unknown script, a script
        for another direction or category, a bad policy override, a call window outside the allowed hours or
        across midnight, a missing or doubled selection, or (unless ``allow_empty``) nobody to call."""
        if (list_date is None) == (import_id is None):
            raise UserError(_("give --date (with --category) or --import, not both and not neither"))
        if list_date is not None and category is None:
            raise UserError(_("--date {date}: give --category F1 or F2 too (a day's list holds both)").format(
                date=show_date(list_date)))
        if category is not None and category not in ("F1", "F2"):
            raise UserError(_("--category {value!r}: expected F1 or F2").format(value=category))
        script = self.scripts(script_name)  # a broken or unknown script stops here, before anything is written
        self._check_by_name(script)
        if import_id is not None:
            self.repo.get_import(import_id)  # UserError if there is no such import
        wanted = [category] if category is not None else sorted(self.overview.categories_of_import(import_id or 0))
        mismatch = campaign_mismatch(script.name, script.direction, script.categories, wanted)
        if mismatch:
            raise UserError(mismatch)
        policy = policy_from_settings(self.settings.dialer, overrides)  # so does a bad policy override
        problem = window_problem(policy.window.start, policy.window.end, self._window_bounds())
        if problem:
            raise UserError(problem)
        # F1 monitoring repeats daily until quarantine ends (dialer.monitoring_days from the list's day).
        days = self.settings.dialer.monitoring_days if category == "F1" and list_date is not None else 1
        households = self.repo.count_eligible(import_id=import_id, list_date=list_date, category=category,
                                              monitoring_days=days)
        if households == 0 and not allow_empty:
            which = (_("import #{id}").format(id=import_id) if import_id is not None else
                     _("the {category} list of {date}").format(category=category, date=show_date(list_date)))
            if import_id is not None and category is not None:
                which += " (" + category + ")"
            raise UserError(_("{which}: nobody to call (no one on it, or everyone was stopped or opted out); "
                              "check the date and category (`robocall imports list`), or give --allow-empty")
                            .format(which=which))
        now = self.clock()
        return CampaignPlan(script, category, list_date, import_id, days, households, policy, dict(overrides or {}),
                            policy.window.contains(now), policy.window.next_open(now))

    def create(self, *, script_name: str, operator: str, category: str | None = None,
               list_date: dt.date | None = None, import_id: int | None = None,
               overrides: Mapping[str, Any] | None = None, allow_empty: bool = False) -> Created:
        plan = self.plan(script_name=script_name, category=category, list_date=list_date, import_id=import_id,
                         overrides=overrides, allow_empty=allow_empty)
        script, days = plan.script, plan.monitoring_days
        check_recordings(self.library, script)
        if any(personalised(t) for t in prompts_of(script)):
            self.library.check_personal_allowed(script.name)  # refused now, not at each call
        now = self.clock()
        campaign = self.repo.create_campaign(script_name=script.name, script_version=str(script.version),
                                             operator=operator, now=now, category=category, list_date=list_date,
                                             import_id=import_id, policy_overrides=overrides)
        enqueued = self.repo.enqueue_contacts(campaign.id, now, monitoring_days=days)
        # Only the script's fixed audio is rendered now (its size does not grow with the list): each contact's
        # values (name, address, days) are rendered by the dialer just before their call (issue 18 item 4).
        stats = render_script(self.library, script)
        return Created(campaign, enqueued, stats.stats.rendered, tuple(plan.rules))

    def _window_bounds(self) -> WindowBounds | None:
        """The allowed hours; None (any hour) against the sandbox, whose phones are invented."""
        if is_sandbox(self.settings):
            return None
        d = self.settings.dialer
        try:
            return WindowBounds(dt.time.fromisoformat(d.window_earliest), dt.time.fromisoformat(d.window_latest))
        except ValueError:
            raise UserError(_("dialer.window_earliest/window_latest {earliest!r}-{latest!r}: expected times such "
                              "as 07:00 and 21:00").format(earliest=d.window_earliest, latest=d.window_latest)) from None

    # -- the life cycle staff drive (`campaign start|pause|resume|cancel`, the console's buttons) ------------
    def start(self, campaign_id: int, operator: str) -> r.Campaign:
        """A draft campaign becomes running: `serve` (or `campaign run`) dials it. Its call window is checked
        again against the allowed hours, which may have been narrowed since it was created."""
        campaign = self.repo.get_campaign(campaign_id)
        if campaign.status == r.CampaignStatus.DRAFT:
            window = self.policy(campaign).window
            problem = window_problem(window.start, window.end, self._window_bounds())
            if problem:
                raise UserError(_("campaign #{id}: {problem}").format(id=campaign_id, problem=problem))
        return self._move(campaign_id, "running", operator, allowed=("draft",), hint=_("use `campaign resume`"))

    def resume(self, campaign_id: int, operator: str) -> r.Campaign:
        """A paused campaign runs again. A draft is started with `start`, on purpose."""
        return self._move(campaign_id, "running", operator, allowed=("paused",), hint=_("use `campaign start`"))

    def pause(self, campaign_id: int, operator: str) -> r.Campaign:
        return self._move(campaign_id, "paused", operator, allowed=("running", "paused"))

    def cancel(self, campaign_id: int, operator: str) -> r.Campaign:
        return self._move(campaign_id, "cancelled", operator, allowed=("draft", "running", "paused", "cancelled"))

    def _move(self, campaign_id: int, target: str, operator: str, *, allowed: tuple[str, ...],
              hint: str = "") -> r.Campaign:
        current = self.repo.get_campaign(campaign_id).status.value
        if current not in allowed:
            message = _("campaign #{id} is {status}: it cannot become {target}").format(
                id=campaign_id, status=status_label(current), target=status_label(target))
            if current == "running" and target == "running":
                message = _("campaign #{id} is running already").format(id=campaign_id)
            elif hint and current in ("draft", "paused"):
                message += f" ({hint})"
            raise UserError(message)
        return self.set_status(campaign_id, target, operator)

    def list_campaigns(self, statuses: Sequence[str] = ()) -> list[CampaignRow]:
        """Campaigns, newest first, with the counts staff need (numbers, pending, answered)."""
        known = {s.value for s in r.CampaignStatus}
        for status in statuses:
            if status not in known:
                raise UserError(_("--status {value!r}: expected one of {known}").format(
                    value=status, known=", ".join(sorted(known))))
        return self.overview.campaigns(statuses)

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

    def concurrency_limits(self, within: dt.timedelta = LIMIT_SHOWN_FOR) -> list[LimitRow]:
        """The adaptive limit each PBX's dialer settled on, if written within ``within`` (a dialer running now)."""
        since = self.clock() - within
        return [row for row in LimitStore(self.repo.engine).limits() if row.updated_at >= since]

    def set_status(self, campaign_id: int, status: str, operator: str) -> r.Campaign:
        return self.repo.set_campaign_status(campaign_id, status, operator=operator, now=self.clock())

    async def run(self, campaign_id: int, ari: DialerAri, stop: asyncio.Event, operator: str, *,
                  until_idle: bool = True, on_progress: Callable[[RunStats], None] | None = None,
                  keep_reports: bool = False, who: ProcessIdentity | None = None) -> RunStats:
        """Dial the campaign in the foreground as a worker of its own (``who``: this process; new if None)
        with a lease (ivr.workers): dead workers' attempts are taken over first and while dialling; a lost
        lease stops this run at once (UserError), and its calls are left to the worker taking them over."""
        campaign = self.repo.get_campaign(campaign_id)
        if campaign.status in (r.CampaignStatus.CANCELLED, r.CampaignStatus.COMPLETED):
            raise UserError(_("campaign #{id} is {status}: nothing to run").format(
                id=campaign_id, status=status_label(campaign.status.value)))
        self.set_status(campaign_id, "running", operator)
        who = who or new_identity(self.settings, "campaign")
        runner: CampaignRunner | None = None
        lease = build_lease(self.settings, who, self.leases, self.repo, policy=self.policy, clock=self.clock,
                            calls=lambda: runner.calls_in_progress() if runner else 0,
                            campaigns=lambda: (campaign_id,))
        dialer = Dialer(self.settings, self.repo, ari, self.library, self.scripts, self.policy,
                        worker_id=who.worker_id, clock=self.clock, keep_reports=keep_reports, lease=lease,
                        limits=LimitStore(self.repo.engine))
        runner = CampaignRunner(self.repo, lambda _campaign_id: dialer, operator=operator, clock=self.clock)
        await lease.register()
        beating = asyncio.Event()  # not ``stop``: the lease lives until our last call has ended
        beats = asyncio.create_task(lease.run(beating), name="lease")
        try:
            stats = await runner.dial(campaign_id, stop, foreground=True, until_idle=until_idle,
                                      on_progress=on_progress)
            if lease.lost or not await lease.heartbeat():
                raise LeaseLost(who.worker_id)  # e.g. cut off: whatever was in flight was taken over
        except LeaseLost:
            raise UserError(_("campaign {id}: process {worker} lost its permission to call (its lease expired: "
                              "database out of reach too long?); its calls in progress were taken over by another "
                              "process. Run `robocall campaign run` again if needed.").format(
                                  id=campaign_id, worker=who.worker_id)) from None
        finally:
            beating.set()
            await asyncio.gather(beats, return_exceptions=True)
            await lease.close()
        if stats is None:
            raise AssertionError("a foreground run raises its errors")  # CampaignRunner.dial
        return stats
