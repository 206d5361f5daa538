"""Composition root: builds the ARI client, audio library, database and services from settings.

No logic here: only wiring, in one place, so that every other module receives what it needs.
"""
from __future__ import annotations

from ivr.ari.client import AriClient
from ivr.config import Settings
from ivr.speech.library import AudioLibrary


def ari_client(settings: Settings) -> AriClient:
    a = settings.ari
    return AriClient(a.url, a.username, a.password, a.app)


def audio_library(settings: Settings) -> AudioLibrary:
    return AudioLibrary(settings)
