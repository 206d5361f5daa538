"""`robocall call` (issue 16): an ad-hoc call is audited before it is placed (who, which script or a free
prompt, the number as a digest only) and refused outside the call window unless --force, which is audited as
forced. Through the real command on a database of its own; the PBX is a closed loopback port, so no call is
placed (the window check and the audit come before ARI is reached)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from ivr.calls.window_rules import adhoc_call_action, adhoc_call_refusal
from ivr.cli import main

NUMBER = "0912000101"


def _window(open_now: bool) -> tuple[str, str]:
    """A call window that holds this minute (open_now) or lies half a day away from it."""
    hour = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).hour
    if open_now:
        return (f"{hour:02d}:00", f"{hour + 1:02d}:00") if hour < 23 else ("23:00", "23:59")
    return ("01:00", "02:00") if hour >= 12 else ("22:00", "23:00")


@pytest.fixture
def robocall(tmp_path: Path) -> Any:
    env = {"ROBOCALL_DATABASE_URL": f"sqlite:///{tmp_path}/call.db", "ROBOCALL_DATA_DIR": str(tmp_path / "data"),
           "ROBOCALL_LANG": "vi", "USER": "nv-yte-01",
           # not the sandbox (its phones may be called at any hour); nothing listens on port 9
           "ROBOCALL_ARI_URL": "http://127.0.0.1:9", "ROBOCALL_ARI_PASSWORD": "a-strong-secret-for-tests-only"}

    def run(*args: str, window: tuple[str, str]) -> Any:
        start, end = window
        result = CliRunner().invoke(main, list(args), env={**env, "ROBOCALL_DIALER_WINDOW_START": start,
                                                          "ROBOCALL_DIALER_WINDOW_END": end})
        assert "Traceback" not in result.output
        return result

    def audit() -> list[dict[str, Any]]:
        listed = CliRunner().invoke(main, ["audit", "list", "--json"], env=env)
        assert listed.exit_code == 0, listed.output
        return [e for e in json.loads(listed.output) if e["action"].startswith("call.")]

    run.audit = audit  # type: ignore[attr-defined]
    run.db = tmp_path / "call.db"  # type: ignore[attr-defined]
    run.env = env  # type: ignore[attr-defined]
    return run


def test_outside_the_window_the_call_is_refused_and_nothing_is_written(robocall: Any) -> None:
    refused = robocall("call", NUMBER, "--prompt", "Xin chào", window=_window(open_now=False))
    assert refused.exit_code == 2
    assert refused.output.startswith("robocall: lỗi: khung giờ gọi ") and "--force" in refused.output, refused.output
    assert robocall.audit() == []


def test_force_overrides_the_window_and_is_audited_as_forced(robocall: Any) -> None:
    forced = robocall("call", NUMBER, "--prompt", "Xin chào", "--force", window=_window(open_now=False))
    assert forced.exit_code != 0  # the PBX cannot be reached: the call itself fails, the audit stays
    (entry,) = robocall.audit()
    assert (entry["action"], entry["operator"], entry["rows"]) == ("call.adhoc.forced", "nv-yte-01", 1)
    assert entry["object"].startswith("call:prompt:phone#")
    assert "912000101" not in entry["object"] and "Xin chào" not in entry["object"]
    # the free prompt's audio is registered under the number's digest, for an erasure or the purge
    import hashlib
    import sqlite3

    with sqlite3.connect(robocall.db) as db:
        digests = [row[0] for row in db.execute("SELECT phone_digest FROM personal_audio")]
    assert digests == [hashlib.sha256(b"+84912000101").hexdigest()]


def test_inside_the_window_the_call_is_audited_with_its_script(robocall: Any) -> None:
    robocall("call", NUMBER, "--script", "f1_daily", "--var", "ho_ten=Nguyễn Văn An", window=_window(open_now=True))
    (entry,) = robocall.audit()
    assert entry["action"] == "call.adhoc" and entry["object"].startswith("call:script=f1_daily:phone#")
    assert "An" not in entry["object"].split(":")[-1]


@pytest.mark.parametrize("open_now,force,sandbox,refused,action", [
    (True, False, False, False, "call.adhoc"), (False, False, False, True, "call.adhoc"),
    (False, True, False, False, "call.adhoc.forced"), (True, True, False, False, "call.adhoc"),
    (False, False, True, False, "call.adhoc"),
])
def test_the_window_rule_as_a_table(open_now: bool, force: bool, sandbox: bool, refused: bool, action: str) -> None:
    assert (adhoc_call_refusal("khung giờ", open_now, force, sandbox) is not None) is refused
    assert adhoc_call_action(open_now, force) == action


def test_a_preview_with_a_persons_values_registers_its_audio(robocall: Any, tmp_path: Path) -> None:
    """`script preview --var` renders a person's prompts: the register keeps them for the purge (after
    retention), under the preview's subject since there is no number (issue 16)."""
    import sqlite3

    from ivr.storage.audio_register import PREVIEW_SUBJECT, phone_digest

    done = CliRunner().invoke(main, ["script", "preview", "f1_daily", "--answers", "1,2,1", "--out",
                                     str(tmp_path / "p.wav"), "--var", "ho_ten=Nguyễn Văn Tèo"],
                              env={**robocall.env, "ROBOCALL_AUDIO_CACHE_DIR": str(tmp_path / "cache")})
    assert done.exit_code == 0, done.output
    with sqlite3.connect(robocall.db) as db:
        rows = db.execute("SELECT contact_id, phone_digest, key FROM personal_audio").fetchall()
    assert rows and {(c, d) for c, d, _k in rows} == {(None, phone_digest(PREVIEW_SUBJECT))}
    assert all(any((tmp_path / "cache").rglob(f"{k}.wav")) for _c, _d, k in rows), "each names a file rendered"
