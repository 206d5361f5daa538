"""End-to-end fixtures: the real sandbox Asterisk and its simulated phones.

The sandbox comes up once per test session (building its root on a fresh machine, about a minute) and
is taken down at the end unless it was already running before the tests. Every test starts from a reset
PBX: no channel up, the trunk healthy.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ivr import config
from ivr.sandbox.manager import Sandbox

HERE = Path(__file__).resolve().parent
PERSONAS = HERE / "personas.yaml"
# Short timers keep the tests quick; the behaviours are the same.
E2E_ENV = {"ROBOCALL_TRUNK_RING_TIMEOUT": "4", "ROBOCALL_CALL_DIGIT_TIMEOUT": "2", "ROBOCALL_TRUNK_RTP_TIMEOUT": "5"}


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def settings(_isolated_settings) -> config.Settings:
    os.environ.update(E2E_ENV)
    # `robocall serve`'s health endpoints: next to the sandbox's HTTP port (inside a developer's port block).
    http_port = int(os.environ.get("ROBOCALL_SANDBOX_HTTP_PORT", config.SandboxSettings.http_port))
    os.environ.setdefault("ROBOCALL_SERVICE_HEALTH_PORT", str(http_port + 2))
    os.environ.setdefault("ROBOCALL_WEB_PORT", str(http_port + 3))  # `robocall web` (test_web_console.py)
    return config.load()


@pytest.fixture(scope="session")
def sandbox(settings: config.Settings):
    box = Sandbox(settings)
    was_running = box.status().pbx_running
    box.up(str(PERSONAS))
    yield box
    if not was_running:
        box.down()


@pytest.fixture
def pbx(sandbox: Sandbox) -> Sandbox:
    """The sandbox, reset before the test: no channel up and the trunk serving."""
    sandbox.reset()
    return sandbox


sys.path.insert(0, str(HERE.parent))
from dbfixtures import any_db_url, e2e_postgres_url  # noqa: E402,F401  (fixtures for the dialer tests)
