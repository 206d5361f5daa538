"""Composition root: builds the ARI client, audio library, database and services from settings.

No logic here: only wiring, in one place, so that every other module receives what it needs.
"""
from __future__ import annotations

from ivr.ari.client import AriClient
from ivr.config import Settings
from ivr.speech.library import AudioLibrary


def ari_client(settings: Settings) -> AriClient:
    from ivr.security import ensure_safe_secrets

    ensure_safe_secrets(settings)  # no default password against a PBX other than the sandbox
    a = settings.ari
    return AriClient(a.url, a.username, a.password, a.app, rest_over_websocket=a.rest_over_websocket,
                     rest_lanes=a.rest_lanes, event_lanes=a.event_lanes)


def audio_library(settings: Settings) -> AudioLibrary:
    return AudioLibrary(settings)


def repository(settings: Settings):  # type: ignore[no-untyped-def]
    from ivr.storage.db import open_database
    from ivr.storage.repo import Repository

    return Repository(open_database(settings))


def script_loader(settings: Settings):  # type: ignore[no-untyped-def]
    """name -> checked Script, from the shipped scripts folder (scripts_vi/)."""
    from ivr.scripts.checker import load_checked

    directory = settings.path(settings.scripts_dir)
    return lambda name: load_checked(name, directory)


def campaign_policy(settings: Settings):  # type: ignore[no-untyped-def]
    from ivr.calls.policy import policy_from_settings

    return lambda campaign: policy_from_settings(settings.dialer, campaign.policy_overrides)


def operator_name(given: str | None) -> str:
    import getpass

    return given or getpass.getuser()
