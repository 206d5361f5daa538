"""ensure_safe_secrets: the controller refuses a default or empty secret against any PBX but the sandbox."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from ivr import app
from ivr.config import DEFAULT_ARI_PASSWORD, Settings, load, replace
from ivr.errors import UserError
from ivr.protection.secrets import ensure_safe_secrets, is_sandbox

STRONG = "9f1c2e7a4b6d8e0f1a2b3c4d"

CASES = [
    # ARI url, sandbox http port, ARI password, trunk register, trunk password, refused because
    ("http://127.0.0.1:8088", 8088, DEFAULT_ARI_PASSWORD, False, "", None),
    ("http://localhost:8088", 8088, DEFAULT_ARI_PASSWORD, False, "", None),
    ("http://[::1]:8088", 8088, DEFAULT_ARI_PASSWORD, False, "", None),
    ("http://127.0.0.1:9099", 9099, DEFAULT_ARI_PASSWORD, False, "", None),
    ("http://127.0.0.1:8088", 8088, "", True, "", None),
    ("http://127.0.0.1:8089", 8088, DEFAULT_ARI_PASSWORD, False, "", "still the sandbox default"),
    ("http://10.0.0.5:8088", 8088, DEFAULT_ARI_PASSWORD, False, "", "still the sandbox default"),
    ("http://asterisk:8088", 8088, DEFAULT_ARI_PASSWORD, False, "", "still the sandbox default"),
    ("https://pbx.example.vn", 8088, DEFAULT_ARI_PASSWORD, False, "", "still the sandbox default"),
    ("http://127.0.0.1", 8088, DEFAULT_ARI_PASSWORD, False, "", "still the sandbox default"),
    ("http://asterisk:8088", 8088, "", False, "", "ari.password is empty"),
    ("http://asterisk:8088", 8088, STRONG, False, "", None),
    ("http://asterisk:8088", 8088, STRONG, True, "", "trunk.password is empty"),
    ("http://asterisk:8088", 8088, STRONG, True, "trunk-secret", None),
    ("not a url", 8088, DEFAULT_ARI_PASSWORD, False, "", "still the sandbox default"),
]


def _settings(url: str, port: int, password: str, register: bool, trunk_password: str) -> Settings:
    return replace(Settings(), ari={"url": url, "password": password}, sandbox={"http_port": port},
                   trunk={"register": register, "password": trunk_password})


@pytest.mark.parametrize("url,port,password,register,trunk_password,refused", CASES)
def test_secrets_table(url: str, port: int, password: str, register: bool, trunk_password: str,
                       refused: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    # the table is about addresses: where the sandbox's PBX would be proven running (tests/e2e/test_sandbox_proof.py)
    monkeypatch.setattr("ivr.protection.secrets.sandbox_running", lambda *_: True)
    settings = _settings(url, port, password, register, trunk_password)
    if refused is None:
        ensure_safe_secrets(settings)
        return
    with pytest.raises(UserError, match=refused) as caught:
        ensure_safe_secrets(settings)
    assert password not in str(caught.value) or not password, "the message must not show the secret"


@pytest.mark.parametrize("url,port,expected", [
    ("http://127.0.0.1:8088", 8088, True), ("http://LOCALHOST:8088/", 8088, True),
    ("http://127.0.0.1:8088", 5000, False), ("http://192.168.1.2:8088", 8088, False),
    ("http://127.0.0.1:notaport", 8088, False),
])
def test_what_counts_as_the_sandbox(url: str, port: int, expected: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The address part; the proof from the running PBX is tests/e2e/test_sandbox_proof.py (here: it would hold)."""
    monkeypatch.setattr("ivr.protection.secrets.sandbox_running", lambda *_: True)
    assert is_sandbox(replace(Settings(), ari={"url": url}, sandbox={"http_port": port})) is expected


def test_an_address_alone_is_not_the_sandbox(tmp_path: Path) -> None:
    """No sandbox PBX running from the sandbox folder: loopback at the sandbox port is a production PBX."""
    settings = replace(Settings(), ari={"url": "http://127.0.0.1:8088"}, sandbox={"http_port": 8088,
                                                                                  "dir": str(tmp_path)})
    assert not is_sandbox(settings)
    (tmp_path / "pbx.pid").write_text(str(os.getpid()))  # a live process, but not the sandbox's Asterisk
    assert not is_sandbox(settings)
    with pytest.raises(UserError, match="sandbox default"):
        ensure_safe_secrets(settings)


def test_the_composition_root_refuses_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings("http://pbx.example.vn:8088", 8088, DEFAULT_ARI_PASSWORD, False, "")
    with pytest.raises(UserError, match="sandbox default"):
        app.ari_client(settings)
    monkeypatch.setattr("ivr.protection.secrets.sandbox_running", lambda *_: True)  # as the running sandbox proves
    assert app.ari_client(_settings("http://127.0.0.1:8088", 8088, DEFAULT_ARI_PASSWORD, False, "")) is not None


def test_the_password_can_come_from_a_secret_file(tmp_path: Path) -> None:
    secret = tmp_path / "ari"
    secret.write_text(STRONG + "\n", encoding="utf-8")
    settings = load(env={"ROBOCALL_ARI_URL": "http://asterisk:8088", "ROBOCALL_ARI_PASSWORD_FILE": str(secret)})
    assert settings.ari.password == STRONG
    ensure_safe_secrets(settings)
