"""Files that hold personal data are private, and the purge leaves none of it behind.

As a user would, in a fresh folder: import lists (a stored copy and an error report), list, report, export,
create a campaign, prepare each person's call as the dialer does (it renders their values: name, address,
a .wav and its .ulaw twin each, registered as theirs), then purge. Every file the commands created (database, WAL, list copies, reports, logs, audio, folders)
gives nothing to other users of the machine (umask 027, prompts 0640); after the purge no name or phone
number of the lists is left in the database file, its WAL, the data folder or the audio cache."""
from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LISTS = ROOT / "tests" / "fixtures" / "lists"


def robocall(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("robocall")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300, env=env, check=False)


# What the dialer does just before each person's call (no PBX here: nothing is dialled).
PREPARE_CALLS = """
import asyncio
import types
from ivr import app, config
from ivr.calls import prepare
from ivr.calls.dialer import Dialer
from ivr.scripts.variables import contact_variables

a = app.App(config.load(), "test")
no_pbx = types.SimpleNamespace(latency_sink=None)  # prepare_media never reaches a PBX
dialer = Dialer(a.settings, a.repo, no_pbx, a.library, a.scripts, a.policy, worker_id="t")
script = a.scripts("f1_daily")


async def main():
    for c in a.repo.list_contacts():
        await dialer.prepare_media(prepare.script_parts(script, contact_variables(c, c.list_date)), c.id)

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], set[str]]:
    work = tmp_path_factory.mktemp("private")
    env = {**os.environ, "ROBOCALL_DATABASE_URL": f"sqlite:///{work}/var/robocall.db",
           "ROBOCALL_DATA_DIR": str(work / "var"), "ROBOCALL_AUDIO_CACHE_DIR": str(work / "sounds"),
           "ROBOCALL_LOG_FILE": str(work / "var" / "log" / "robocall.log"), "ROBOCALL_CONFIG": "",
           "ROBOCALL_AUDIO_PBX_GROUP": str(os.getgid())}
    (work / "var").mkdir()
    os.chmod(work / "var", 0o750)
    for args in (["contacts", "import", str(LISTS / "f1_title_block.xlsx"), "--date", "2021-07-15"],
                 ["contacts", "list", "--json"],
                 ["report", "daily", "--date", "2021-07-15", "--out", str(work / "var")],
                 ["export", "answers", "--from", "2021-07-15", "--to", "2021-07-16", "--out",
                  str(work / "var" / "a.csv")],
                 ["campaign", "create", "--script", "f1_daily", "--category", "F1", "--date", "2021-07-15"]):
        proc = robocall(*args, env=env)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, (args, proc.stderr[-2000:])
    proc = subprocess.run([sys.executable, "-c", PREPARE_CALLS], capture_output=True, text=True, timeout=300,
                          env=env, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with sqlite3.connect(work / "var" / "robocall.db") as db:
        marks = {str(v) for row in db.execute("SELECT full_name, phone_e164 FROM contacts") for v in row if v}
    marks |= {"0" + m[3:] for m in marks if m.startswith("+84")}
    assert len(marks) >= 6
    return work, env, marks


def _mode(path: Path) -> int | None:
    """A file's permission bits; None for one gone since the folder was listed (SQLite removes its -shm and -wal
    files when the last connection closes): a file that no longer exists is open to nobody."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None


def test_every_file_written_is_private(work: tuple[Path, dict[str, str], set[str]]) -> None:
    folder = work[0]
    created = [p for p in folder.rglob("*")]
    kinds = {p.suffix for p in created}
    assert {".db", ".csv", ".xlsx", ".wav", ".ulaw", ".log"} <= kinds, kinds
    modes = {p: m for p in created if (m := _mode(p)) is not None}
    open_to_others = {str(p.relative_to(folder)): oct(m) for p, m in modes.items() if m & 0o007}
    assert open_to_others == {}
    prompts = [p for p in created if p.suffix in (".wav", ".ulaw")]
    assert {stat.S_IMODE(p.stat().st_mode) for p in prompts} == {0o640}, "the PBX's group reads, no one else"
    assert {p.stat().st_gid for p in prompts} == {os.getgid()}


def test_the_purge_leaves_no_personal_data_in_the_database_wal_data_folder_or_audio(
        work: tuple[Path, dict[str, str], set[str]]) -> None:
    folder, env, marks = work
    sounds = folder / "sounds"
    assert any(m.encode() in p.read_bytes() for m in marks for p in (folder / "var").rglob("*") if p.is_file())
    before = {p.stem for p in sounds.glob("*.wav")}
    with sqlite3.connect(folder / "var" / "robocall.db") as db:
        parts = {key for (key,) in db.execute("SELECT key FROM personal_audio WHERE contact_id IS NOT NULL")}
        in_files = db.execute("SELECT count(*) FROM written_files WHERE path LIKE '%.wav' OR path LIKE '%.ulaw'")
        assert in_files.fetchone() == (0,), "one register of personal audio: not also the register of files"
    assert parts and parts <= before  # each person's values, rendered for their call, registered as theirs
    proc = robocall("purge", "--older-than", "1", "--json", env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result["wal_truncated"] and result["counts"]["contacts"] >= 3 and result["audio_files"] >= len(parts) > 0
    leaks = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.parent.name != "log"):
        data = path.read_bytes()
        found = sorted(m for m in marks if m.encode() in data)
        if found:
            leaks[str(path.relative_to(folder))] = found
    assert leaks == {}
    # The prompts that said a name are gone, both twins; the shared ones stay in pairs.
    stems = {}
    for p in sounds.glob("*.*"):
        stems.setdefault(p.stem, set()).add(p.suffix)
    assert stems and all(s == {".wav", ".ulaw"} for s in stems.values())
    # everyone on the list is past retention: every part rendered for them is gone, nothing else
    assert before - set(stems) == parts
