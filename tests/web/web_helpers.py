"""Helpers of the console tests: accounts, signing in, the CSRF token of a page, a clock the tests move."""
from __future__ import annotations

import datetime as dt
import re

from httpx import Response
from starlette.testclient import TestClient

from ivr.web.services import WebServices

PASSWORD = "mat-khau-thu-nghiem"


class Clock:
    """The accounts' clock (sessions, the sign-in lock), moved by the tests; it starts at the real time, as
    the campaign service's own clock does."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


def add_user(services: WebServices, name: str, role: str, areas: tuple[str, ...] = ()) -> None:
    services.accounts.add(name, PASSWORD, role, areas, "test")


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> Response:
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, page.text
    return client.post("/login", data={"csrf": token.group(1), "name": name, "password": password, "next": "/"})


def csrf_of(client: TestClient, path: str = "/") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)
