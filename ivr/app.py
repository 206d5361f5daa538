"""Composition root: builds the ARI client, audio library, database and services from settings.

No logic here: only wiring, in one place, so that every other module receives what it needs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ivr.ari.client import AriClient
from ivr.config import Settings
from ivr.speech.library import AudioLibrary

if TYPE_CHECKING:  # the database and script layers load only when a command needs them
    from ivr.calls.policy import RetryPolicy
    from ivr.scripts.model import Script
    from ivr.storage import records as r
    from ivr.storage.repo import Repository


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
