"""Composition root: builds the ARI client, audio library, database and services from settings.

No logic here: only wiring, in one place, so that every other module receives what it needs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable
from zoneinfo import ZoneInfo

from ivr.ari.client import AriClient
from ivr.config import Settings
from ivr.speech.library import AudioLibrary

if TYPE_CHECKING:  # the database and script layers load only when a command needs them
    from ivr.calls.policy import RetryPolicy
    from ivr.scripts.model import Script
    from ivr.storage import records as r
    from ivr.storage.repo import Repository
    from sqlalchemy import Engine

    from ivr.accounts.service import AccountService
    from ivr.campaigns import CampaignService
    from ivr.clock import Clock
    from ivr.contacts.importer import ContactImporter
    from ivr.reports.daily import ReportDeps
    from ivr.web.services import WebServices


def ari_client(settings: Settings) -> AriClient:
    from ivr.security import ensure_safe_secrets

    ensure_safe_secrets(settings)  # no default password against a PBX other than the sandbox
    a = settings.ari
    return AriClient(a.url, a.username, a.password, a.app, rest_over_websocket=a.rest_over_websocket,
                     rest_lanes=a.rest_lanes, event_lanes=a.event_lanes)


def audio_library(settings: Settings) -> AudioLibrary:
    return AudioLibrary(settings)


def repository(settings: Settings) -> Repository:
    from ivr.storage.db import open_database
    from ivr.storage.repo import Repository

    return Repository(open_database(settings))


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

    try:
        return ZoneInfo(settings.dialer.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"dialer.timezone: unknown time zone {settings.dialer.timezone!r}") from None


def account_service(settings: Settings, clock: Clock | None = None, engine: Engine | None = None) -> AccountService:
    """Console accounts (`robocall users`, `robocall web`)."""
    import datetime as dt

    from ivr.accounts.service import AccountService
    from ivr.clock import utcnow
    from ivr.storage.accounts import AccountStore
    from ivr.storage.db import open_database

    return AccountService(AccountStore(engine or open_database(settings)), clock or utcnow,
                          session_lifetime=dt.timedelta(minutes=settings.web.session_minutes))


def report_deps(settings: Settings) -> ReportDeps:
    """What every report needs (`robocall report|export`, the console's Reports page)."""
    from ivr.clock import utcnow
    from ivr.reports.daily import ReportDeps
    from ivr.reports.queries import ReportQueries
    from ivr.reports.symptoms import SymptomRules
    from ivr.storage.db import open_database
    from ivr.storage.written_files import FileRegister

    engine = open_database(settings)
    return ReportDeps(ReportQueries(engine), FileRegister(engine), SymptomRules(script_loader(settings)),
                      local_zone(settings), utcnow)


def contact_importer(settings: Settings, repo: Repository | None = None) -> ContactImporter:
    """The list importer (`robocall contacts import`, the console's upload): copies and error reports go
    to <data_dir>/imports."""
    from ivr.clock import utcnow
    from ivr.contacts.importer import ContactImporter

    return ContactImporter(repo or repository(settings), settings.path(settings.data_dir) / "imports",
                           clock=utcnow, zone=local_zone(settings))


def campaign_service(settings: Settings, repo: Repository | None = None) -> CampaignService:
    from ivr.campaigns import CampaignService

    return CampaignService(settings, repo or repository(settings), audio_library(settings),
                           script_loader(settings), campaign_policy(settings))


def web_services(settings: Settings, clock: Clock | None = None) -> WebServices:
    """Everything the web console's pages use: the CLI's services over one database engine."""
    from ivr.clock import utcnow
    from ivr.storage.hotline import HotlineStore
    from ivr.web.services import WebServices

    repo = repository(settings)
    return WebServices(settings=settings, accounts=account_service(settings, clock, repo.engine), repo=repo,
                       campaigns=campaign_service(settings, repo), importer=contact_importer(settings, repo),
                       hotline=HotlineStore(repo.engine), reports=report_deps(settings),
                       library=audio_library(settings), clock=clock or utcnow, zone=local_zone(settings))
