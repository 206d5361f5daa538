"""What the console's pages use: the CLI's services, built once by the composition root (ivr.app)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from ivr.accounts.service import AccountService
from ivr.campaigns.service import CampaignService
from ivr.cases.service import CaseService
from ivr.config import Settings
from ivr.contacts.importer import ContactImporter
from ivr.contacts.stops import StopService
from ivr.reports.daily import ReportDeps
from ivr.speech.library import AudioLibrary
from ivr.storage.hotline import HotlineStore
from ivr.storage.repo import Repository


@dataclass(frozen=True)
class WebServices:
    settings: Settings
    accounts: AccountService
    repo: Repository
    campaigns: CampaignService
    importer: ContactImporter
    hotline: HotlineStore
    reports: ReportDeps
    library: AudioLibrary
    clock: Callable[[], dt.datetime]
    zone: ZoneInfo
    cases: CaseService
    stops: StopService

    @property
    def data_dir(self) -> Path:
        return self.settings.path(self.settings.data_dir)

    @property
    def scripts_dir(self) -> Path:
        return self.settings.path(self.settings.scripts_dir)

    def today(self) -> dt.date:
        return self.clock().astimezone(self.zone).date()
