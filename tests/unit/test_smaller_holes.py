"""The smaller problems of the security review (issue 16, Why point 9), one test each."""
from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ivr.ari.client import AriClient
from ivr.cli import main
from ivr.config import PROJECT_ROOT, Settings, replace
from ivr.errors import PbxUnavailable, UserError
from ivr.hotline.agents import AgentService
from ivr import i18n
from ivr.scripts.loader import resolve
from ivr.scripts.problems import ScriptError
from ivr.protection.secrets import ensure_safe_secrets, public_url


def test_credentials_in_the_ari_url_never_reach_a_message() -> None:
    url = "http://robocall:s3cr%40t@127.0.0.1:1/"
    client = AriClient(url, "ignored", "ignored", "app", http_timeout=0.5)
    assert client.url == "http://127.0.0.1:1"

    async def go() -> str:
        try:
            await client.get_channel("x")
        except PbxUnavailable as exc:
            return str(exc)
        finally:
            await client.close()
        return ""

    message = asyncio.run(go())
    assert message and "s3cr" not in message and "robocall:" not in message
    settings = replace(Settings(), ari={"url": "http://u:topsecret@pbx.example.vn:8088", "password": ""})
    with pytest.raises(UserError) as caught:
        ensure_safe_secrets(settings)
    assert "topsecret" not in str(caught.value) and "pbx.example.vn:8088" in str(caught.value)
    assert public_url("http://u:p@h:1/ari") == "http://h:1/ari"


@pytest.mark.parametrize("given", ["../../etc/passwd", "/etc/passwd", "scripts_vi/README.md"])
def test_a_file_that_is_not_a_script_is_never_read_as_one(given: str) -> None:
    with pytest.raises(ScriptError, match="not a script"):
        resolve(given, PROJECT_ROOT / "scripts_vi")
    result = CliRunner().invoke(main, ["script", "preview", given, "--out", "/tmp/never.wav"])
    assert result.exit_code != 0 and "root:" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("args", [
    ["script", "preview", "f1_daily", "--out", "{out}"],
    ["export", "answers", "--from", "2021-07-15", "--to", "2021-07-16", "--out", "{out}"],
])
def test_out_never_replaces_an_existing_file(tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "mine.xlsx"
    out.write_text("the user's own work")
    env = {"ROBOCALL_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite", "ROBOCALL_CONFIG": "", "ROBOCALL_LANG": "vi"}
    result = CliRunner().invoke(main, [a.format(out=out) for a in args], env=env)
    assert result.exit_code == 2 and "tệp này đã có" in result.output, result.output
    assert out.read_text() == "the user's own work"


@pytest.mark.parametrize("endpoint", ["PJSIP/trunk", "PJSIP/TRUNK"])
def test_the_trunk_is_never_a_staff_phone(endpoint: str) -> None:
    i18n.set_language("vi")  # the message staff read (English: "... is the carrier's trunk ...")
    service = AgentService(store=None, admin=None, clock=lambda: dt.datetime.now(dt.timezone.utc))  # type: ignore[arg-type]
    with pytest.raises(UserError, match="trung kế"):
        service.add("staff9", endpoint, None, "t")
    other = AgentService(store=None, admin=None, clock=lambda: dt.datetime.now(dt.timezone.utc),  # type: ignore[arg-type]
                         trunk_endpoint="viettel")
    with pytest.raises(UserError, match="trung kế"):
        other.add("staff9", "PJSIP/viettel", None, "t")


def test_docker_env_with_its_secrets_is_ignored_by_git() -> None:
    proc = subprocess.run(["git", "check-ignore", "-q", "docker/.env"], cwd=PROJECT_ROOT, check=False)
    assert proc.returncode == 0, "docker/.env (passwords) would be committed"


def test_the_operator_flag_adds_a_name_and_never_replaces_the_os_user(monkeypatch: pytest.MonkeyPatch) -> None:
    from ivr.operator import operator_name
    monkeypatch.setattr("getpass.getuser", lambda: "hanh")
    assert operator_name() == "hanh"
    assert operator_name("chị Hà") == "hanh (chị Hà)"
    assert operator_name("root") == "hanh (root)" and operator_name("hanh") == "hanh"
