"""Composition root: the one place where the ARI client, the audio library, the database, the stores and the
services are built from settings. No logic here: only wiring.

``App`` is what every CLI command (``ctx.app``), ``robocall serve`` (ivr.serve.service.build) and the web
console receive: settings, who acts, the clock, the database engine and its stores (opened on first use,
once, and closed by ``close``), a factory of ARI clients, and the services built from them. No command
opens the database itself. The module-level factories below need no database (settings in, object out).
Imported by the CLI, the service and the web console only; imports whatever it wires.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Callable, Iterable
from zoneinfo import ZoneInfo

from ivr.clock import Clock, utcnow
from ivr.config import Settings
from ivr.identity import ProcessIdentity, new_identity

if TYPE_CHECKING:  # the ARI client, audio, database and script layers load only when a command needs them
    from ivr.ari.client import AriClient
    from ivr.speech.library import AudioLibrary
    from ivr.calls.policy import RetryPolicy
    from ivr.scripts.model import Script
    from ivr.storage import records as r
    from ivr.storage.repo import Repository
    from sqlalchemy import Engine

    from ivr.accounts.service import AccountService
    from ivr.campaigns.service import CampaignService
    from ivr.cases.service import CaseService
    from ivr.contacts.stops import StopService
    from ivr.storage.overview import OverviewStore
    from ivr.contacts.importer import ContactImporter
    from ivr.reports.daily import ReportDeps
    from ivr.storage.audio_register import AudioRegister
    from ivr.storage.gauges import GaugeStore
    from ivr.storage.hotline import HotlineStore
    from ivr.storage.leases import LeaseStore
    from ivr.storage.purge_store import PurgeStore
    from ivr.storage.written_files import FileRegister
    from ivr.web.services import WebServices
    from ivr.workers import WorkerLease


def identity(settings: Settings, role: str) -> ProcessIdentity:
    """This process's worker id and ARI application names (new at every start)."""
    return new_identity(settings, role)


def ari_client(settings: Settings, who: ProcessIdentity | None = None, *, url: str | None = None,
               http_timeout: float = 10.0) -> AriClient:
    """An ARI client under this process's own application names (``who``; a new identity if None).

    ``url``: another PBX than ``ari.url`` (same credentials), e.g. a dead worker's, to look a channel up."""
    from ivr.ari.client import AriClient
    from ivr.protection.secrets import ensure_safe_secrets

    from ivr.logs import get_logger
    from ivr.protection.ari_safety import check_ari_transport, tls_context

    ensure_safe_secrets(settings)  # no default password against a PBX other than the sandbox
    a = settings.ari
    plain = check_ari_transport(a)  # plain http beyond loopback: refused unless ari.allow_plain_http
    if plain:
        get_logger(__name__).warning("ari.plain_http_beyond_loopback", problem=plain)
    tls = tls_context(a) if a.url.startswith(("https://", "wss://")) else None
    who = who or new_identity(settings, "call")
    return AriClient(url or a.url, a.username, a.password, who.app, rest_over_websocket=a.rest_over_websocket,
                     rest_lanes=a.rest_lanes, event_lanes=a.event_lanes, hotline_app=a.app,
                     http_timeout=http_timeout, tls=tls)


def audio_library(settings: Settings) -> AudioLibrary:
    from ivr.speech.library import AudioLibrary

    return AudioLibrary(settings)


def script_loader(settings: Settings) -> Callable[[str], Script]:
    """name -> checked Script, from the shipped scripts folder (scripts_vi/)."""
    from ivr.scripts.checker import load_checked

    directory = settings.path(settings.scripts_dir)
    return lambda name: load_checked(name, directory)


def campaign_policy(settings: Settings) -> Callable[[r.Campaign], RetryPolicy]:
    """A campaign's retry policy: the dialer settings with the campaign's own overrides."""
    from ivr.calls.policy import policy_from_settings

    return lambda campaign: policy_from_settings(settings.dialer, campaign.policy_overrides)


def local_zone(settings: Settings) -> ZoneInfo:
    """The province's time zone (dialer.timezone): days of lists and reports are local days."""
    from zoneinfo import ZoneInfoNotFoundError

    from ivr.errors import UserError
    from ivr.i18n import _

    try:
        return ZoneInfo(settings.dialer.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(_("dialer.timezone: unknown time zone {timezone!r}").format(
            timezone=settings.dialer.timezone)) from None


@dataclass
class App:
    """Settings, who acts and the clock, with the database and everything built on it (see the module)."""

    settings: Settings
    operator: str
    clock: Clock = field(default=utcnow)

    # -- the database and its stores (one engine, opened on first use) ---------------------------------
    @cached_property
    def engine(self) -> Engine:
        from ivr.storage.db import open_database

        return open_database(self.settings)

    @cached_property
    def repo(self) -> Repository:
        from ivr.storage.repo import Repository

        return Repository(self.engine)

    @cached_property
    def hotline(self) -> HotlineStore:
        from ivr.storage.hotline import HotlineStore

        return HotlineStore(self.engine)

    @cached_property
    def files(self) -> FileRegister:
        from ivr.storage.written_files import FileRegister

        return FileRegister(self.engine)

    @cached_property
    def audio_register(self) -> AudioRegister:
        from ivr.storage.audio_register import AudioRegister

        return AudioRegister(self.engine)

    @cached_property
    def purge_store(self) -> PurgeStore:
        from ivr.storage.purge_store import PurgeStore

        return PurgeStore(self.engine)

    @cached_property
    def leases(self) -> LeaseStore:
        """Workers' leases and holders of shared ARI applications (ivr.storage.leases)."""
        from ivr.storage.leases import LeaseStore

        return LeaseStore(self.engine)

    @cached_property
    def gauges(self) -> GaugeStore:
        from ivr.storage.gauges import GaugeStore

        return GaugeStore(self.engine)

    def close(self) -> None:
        """Dispose of the engine if it was opened."""
        engine = self.__dict__.get("engine")
        if engine is not None:
            engine.dispose()

    # -- what needs no database ------------------------------------------------------------------------
    def identity(self, role: str) -> ProcessIdentity:
        """A new worker id and ARI application names for this process (ivr.identity)."""
        return identity(self.settings, role)

    def ari(self, who: ProcessIdentity | None = None) -> AriClient:
        """A new ARI client under ``who``'s own applications (a new identity if None); each long-lived
        user owns one and closes it."""
        return ari_client(self.settings, who)

    @cached_property
    def library(self) -> AudioLibrary:
        return audio_library(self.settings)

    @cached_property
    def scripts(self) -> Callable[[str], Script]:
        return script_loader(self.settings)

    @cached_property
    def policy(self) -> Callable[[r.Campaign], RetryPolicy]:
        return campaign_policy(self.settings)

    @cached_property
    def zone(self) -> ZoneInfo:
        return local_zone(self.settings)

    # -- services --------------------------------------------------------------------------------------
    @cached_property
    def accounts(self) -> AccountService:
        """Console accounts (`robocall users`, `robocall web`)."""
        import datetime as dt

        from ivr.accounts.service import AccountService
        from ivr.storage.accounts import AccountStore

        return AccountService(AccountStore(self.engine), self.clock,
                              session_lifetime=dt.timedelta(minutes=self.settings.web.session_minutes))

    @cached_property
    def reports(self) -> ReportDeps:
        """What every report needs (`robocall report|export`, the console's Reports page)."""
        from ivr.reports.daily import ReportDeps
        from ivr.reports.queries import ReportQueries
        from ivr.reports.symptoms import SymptomRules

        return ReportDeps(ReportQueries(self.engine), self.files, SymptomRules(self.scripts), self.zone, self.clock,
                          cases=self.cases.to_act_on, not_called=self.stops.not_called,
                          unit_level=self.settings.reports.unit_level)

    @cached_property
    def cases(self) -> CaseService:
        """Cases to act on (`robocall cases`, the console's case pages)."""
        from ivr.cases.service import CaseService
        from ivr.storage.cases import CaseStore

        return CaseService(CaseStore(self.engine), clock=self.clock)

    @cached_property
    def stops(self) -> StopService:
        """Stopping a person's calls and a phone's opt-out (`robocall contacts stop|optout|optin`)."""
        from ivr.contacts.stops import StopService
        from ivr.storage.stops import StopStore

        return StopService(StopStore(self.engine), clock=self.clock)

    @cached_property
    def overview(self) -> OverviewStore:
        """The imports and campaigns with their counts (`robocall imports list`, `campaign list`)."""
        from ivr.storage.overview import OverviewStore

        return OverviewStore(self.engine)

    def local_time(self, at: dt.datetime | None) -> str:
        """A moment as staff read it: local time, DD/MM/YYYY HH:MM ('' for none)."""
        return "" if at is None else at.astimezone(self.zone).strftime("%d/%m/%Y %H:%M")

    @cached_property
    def importer(self) -> ContactImporter:
        """The list importer (`robocall contacts import`, the console's upload): copies and error reports go
        to <data_dir>/imports."""
        from ivr.contacts.importer import ContactImporter

        return ContactImporter(self.repo, self.settings.path(self.settings.data_dir) / "imports",
                               clock=self.clock, zone=self.zone)

    @cached_property
    def campaigns(self) -> CampaignService:
        from ivr.campaigns.service import CampaignService

        return CampaignService(self.settings, self.repo, self.library, self.scripts, self.policy, clock=self.clock,
                               leases=self.leases)

    def worker_lease(self, who: ProcessIdentity, *, calls: Callable[[], int] = lambda: 0,
                     campaigns: Callable[[], Iterable[int]] = tuple) -> WorkerLease:
        """``who``'s lease in the database (ivr.workers), able to take dead workers over on any PBX."""
        from ivr.workers import build_lease

        return build_lease(self.settings, who, self.leases, self.repo, policy=self.policy, clock=self.clock,
                           calls=calls, campaigns=campaigns)

    @cached_property
    def web(self) -> WebServices:
        """Everything the web console's pages use: the CLI's services over one database engine."""
        from ivr.web.services import WebServices

        return WebServices(settings=self.settings, accounts=self.accounts, repo=self.repo, campaigns=self.campaigns,
                           importer=self.importer, hotline=self.hotline, reports=self.reports, library=self.library,
                           clock=self.clock, zone=self.zone, cases=self.cases, stops=self.stops)
