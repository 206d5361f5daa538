"""The loop the call-running commands use (ivr/eventloop.py): uvloop's when asked and importable, else asyncio's."""
from __future__ import annotations

import asyncio
import sys

import pytest

from ivr import config, eventloop


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_uvloop_by_default() -> None:
    pytest.importorskip("uvloop", reason="uvloop is a dependency on every platform but Windows")
    assert config.Settings().service.uvloop is True
    assert eventloop.run(_loop_module()).startswith("uvloop")


def test_off_gives_asyncio_loop() -> None:
    assert eventloop.loop_factory(False) is None
    assert eventloop.run(_loop_module(), use_uvloop=False).startswith("asyncio")


def test_falls_back_when_uvloop_does_not_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop -> ImportError
    assert eventloop.loop_factory(True) is None
    assert eventloop.run(_loop_module(), use_uvloop=True).startswith("asyncio")


def test_setting_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROBOCALL_SERVICE_UVLOOP", "false")
    assert config.load().service.uvloop is False
