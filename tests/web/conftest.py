"""Console fixtures: the real Starlette app over a fresh SQLite database, driven by Starlette's test client.

No PBX: these tests check who may see and do what; the browser tests (tests/e2e/test_web_console.py)
drive a real Chromium against `robocall web` with calls on the sandbox.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Iterator

import pytest
from starlette.testclient import TestClient

from ivr import app as composition
from ivr import config
from ivr.web.app import create_app
from ivr.web.services import WebServices

PASSWORD = "mat-khau-thu-nghiem"


class Clock:
    """The accounts' clock (sessions, the sign-in lock), moved by the tests; it starts at the real time, as
    the campaign service's own clock does."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(tmp_path: Path, clock: Clock) -> Iterator[WebServices]:
    settings = config.replace(config.load(), database={"url": f"sqlite:///{tmp_path}/console.db"},
                              data_dir=str(tmp_path))
    built = composition.web_services(settings, clock=clock)
    yield built
    built.repo.engine.dispose()


@pytest.fixture
def client(services: WebServices) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://127.0.0.1", follow_redirects=False) as c:
        yield c


def add_user(services: WebServices, name: str, role: str, areas: tuple[str, ...] = ()) -> None:
    services.accounts.add(name, PASSWORD, role, areas, "test")


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> "Response":  # noqa: F821
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, page.text
    return client.post("/login", data={"csrf": token.group(1), "name": name, "password": password, "next": "/"})


def csrf_of(client: TestClient, path: str = "/") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)
