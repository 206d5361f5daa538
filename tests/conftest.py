"""Test-wide settings: every test writes its data and logs under a temporary folder, never under var/.

Everything the session logs goes to one file, ``<test_data_dir>/robocall.log``: CLI subprocesses inherit
ROBOCALL_LOG_FILE, and in-process code (the dialer and hotline tests drive it directly) is configured to
write there too, at debug level. tests/zz_privacy searches that file, and what the sandbox Asterisk
wrote during the session, for every test phone number and name.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SESSION_LOG_LEVEL = "debug"  # the most the code can log: the privacy search sees all of it


@pytest.fixture(scope="session")
def test_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("robocall-data")


@pytest.fixture(scope="session", autouse=True)
def _isolated_settings(test_data_dir: Path):
    """Point the database and logs of every test (and of CLI subprocesses) at a temporary folder."""
    saved = dict(os.environ)
    os.environ.setdefault("ROBOCALL_DATABASE_URL", f"sqlite:///{test_data_dir}/robocall.db")
    os.environ["ROBOCALL_LOG_FILE"] = str(test_data_dir / "robocall.log")
    os.environ["ROBOCALL_DATA_DIR"] = str(test_data_dir)
    os.environ.setdefault("ROBOCALL_LOG_LEVEL", SESSION_LOG_LEVEL)
    # Staff read Vietnamese by default; most tests assert on the English message ids, so the suite runs
    # in English. The tests of the staff language (tests/unit/test_i18n.py, test_staff_cli.py) set vi.
    os.environ.setdefault("ROBOCALL_LANG", "en")
    from ivr import logs

    log_file = open(test_data_dir / "robocall.log", "a", encoding="utf-8", buffering=1)  # noqa: SIM115
    logs.configure(os.environ["ROBOCALL_LOG_LEVEL"], stream=log_file)
    yield
    log_file.close()
    os.environ.clear()
    os.environ.update(saved)


@dataclass(frozen=True)
class LogStart:
    """Where the sandbox Asterisk writes its logs and CDRs, and the size of each file when the session
    started: what comes after is this session's."""

    folder: Path
    sizes: dict[Path, int]


@pytest.fixture(scope="session", autouse=True)
def sandbox_log_start(_isolated_settings) -> LogStart:
    from ivr import config

    try:
        settings = config.load()
    except config.ConfigError:
        settings = config.Settings()
    folder = settings.sandbox_root / "var/log/robocall"
    sizes = {p: p.stat().st_size for p in sorted(folder.rglob("*")) if p.is_file()} if folder.is_dir() else {}
    return LogStart(folder, sizes)


@pytest.fixture(autouse=True)
def _language_per_test():
    """A test that chose a language (robocall --lang, i18n.set_language) does not leak it to the next."""
    yield
    from ivr import i18n

    i18n.reset()
