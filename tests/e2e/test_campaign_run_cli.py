"""`robocall campaign run ID --wait-retries`, as the demo recommends it: the command returns once no attempt
remains pending, and the campaign is completed. The whole path is the CLI's: import, create (with a short
retry interval through --policy), run."""
from __future__ import annotations

import json
import os
from pathlib import Path

from e2e_helpers import robocall

from ivr.storage.db import make_engine
from ivr.storage.repo import Repository

HERE = Path(__file__).resolve().parent


def test_wait_retries_returns_when_every_retry_is_made_and_completes_the_campaign(pbx, tmp_path):
    db = f"sqlite:///{tmp_path}/wait.db"
    env = {**os.environ, "ROBOCALL_DATABASE_URL": db, "ROBOCALL_SCRIPTS_DIR": str(HERE / "scripts")}
    # Default rule: ...85 answers 486 Busy Here every time, ...01 answers and presses the keys.
    listing = tmp_path / "list.csv"
    listing.write_text("\ufeffHọ và tên;Số điện thoại;Phân loại\nNgười thử A;0907000185;F1\nNgười thử B;0907000101;F1\n",
                       encoding="utf-8")
    imported = robocall("contacts", "import", str(listing), "--category", "F1", "--json", env=env)
    assert imported.returncode == 0, imported.stderr
    import_id = json.loads(imported.stdout)["import_id"]
    created = robocall("campaign", "create", "--script", "quick", "--import", str(import_id), "--json",
                       "--policy", "window_start=00:00", "--policy", "window_end=23:59",
                       "--policy", "no_answer_attempts=2", "--policy", "no_answer_interval_min=1", env=env)
    assert created.returncode == 0, created.stderr
    cid = json.loads(created.stdout)["campaign_id"]

    # The busy phone's second attempt is due a minute after the first: the run must wait for it, make
    # it, and return by itself (the timeout is the test's guard, not the stop).
    run = robocall("campaign", "run", str(cid), "--wait-retries", timeout=240, env=env)
    assert run.returncode == 0, run.stderr
    status = robocall("campaign", "status", str(cid), "--json", env=env)
    assert json.loads(status.stdout)["status"] == "completed", status.stdout

    repo = Repository(make_engine(db))
    assert repo.get_campaign(cid).status.value == "completed"
    attempts = repo.campaign_attempts(cid)
    assert all(a.status.value == "done" for a in attempts), [(a.attempt_no, a.status.value) for a in attempts]
    by_phone = {}
    for a in sorted(attempts, key=lambda a: a.attempt_no):
        by_phone.setdefault(a.phone_e164, []).append(a.outcome)
    assert by_phone == {"+84907000185": ["busy", "busy"], "+84907000101": ["completed"]}
