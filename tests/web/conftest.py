"""Console fixtures: the real Starlette app over a fresh SQLite database, driven by Starlette's test client.

No PBX: these tests check who may see and do what; the browser tests (tests/e2e/test_web_console.py)
drive a real Chromium against `robocall web` with calls on the sandbox.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from starlette.testclient import TestClient

from ivr import app as composition
from ivr import config
from ivr.web.app import create_app
from ivr.web.services import WebServices

from web_helpers import Clock


@pytest.fixture(autouse=True)
def _vietnamese() -> None:
    """The console is in Vietnamese (`robocall web` chooses it), whatever the suite's ROBOCALL_LANG."""
    from ivr import i18n

    i18n.set_language("vi")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(tmp_path: Path, clock: Clock) -> Iterator[WebServices]:
    settings = config.replace(config.load(), database={"url": f"sqlite:///{tmp_path}/console.db"},
                              data_dir=str(tmp_path))
    root = composition.App(settings, "test", clock=clock)
    yield root.web
    root.close()


@pytest.fixture
def client(services: WebServices) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://127.0.0.1", follow_redirects=False) as c:
        yield c
