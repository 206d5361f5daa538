"""`make demo` ends with the console's address and a demo login, made only against the sandbox."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.console import Console

from ivr import app, config
from ivr.cli import Context
from ivr.cli.demo import DEMO_USER, _console_login


def _settings(tmp_path: Path, ari_url: str) -> config.Settings:
    return config.replace(config.Settings(), database={"url": f"sqlite:///{tmp_path}/demo.db"},
                          ari={"url": ari_url}, sandbox={"http_port": 8088}, web={"port": 8090})


def test_the_demo_prints_the_console_and_a_login_that_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No PBX here: say what the running sandbox's proof would find (tests/e2e/test_sandbox_proof.py checks it)
    monkeypatch.setattr("ivr.protection.secrets.sandbox_running", lambda *_: True)
    settings = _settings(tmp_path, "http://127.0.0.1:8088")
    console = Console(record=True, width=200)
    _console_login(Context(settings, "test"), "test", console)
    out = console.export_text()
    assert "http://127.0.0.1:8090/" in out
    password = re.search(rf"{DEMO_USER} / (\S+)", out)
    assert password
    opened = app.App(settings, "test").accounts.sign_in(DEMO_USER, password.group(1), "127.0.0.1")
    assert opened.session.user.role == "staff"
    _console_login(Context(settings, "test"), "test", console)  # a second demo: a fresh password, the old one no longer works
    assert not app.App(settings, "test").accounts.session(opened.token)


def test_no_demo_login_against_a_real_pbx(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "http://10.0.0.5:8088")
    _console_login(Context(settings, "test"), "test", Console(record=True, width=200))
    assert app.App(settings, "test").accounts.users() == []
    settings = _settings(tmp_path, "http://127.0.0.1:8088")  # loopback, but no sandbox PBX runs there:
    # a sandbox folder of its own (the suite's sandbox may well be up at 127.0.0.1:8088 from .sandbox/)
    settings = config.replace(settings, sandbox={"http_port": 8088, "dir": str(tmp_path / "no-sandbox")})
    console = Console(record=True, width=200)
    _console_login(Context(settings, "test"), "test", console)
    assert console.export_text() == ""
    assert app.App(settings, "test").accounts.users() == []
