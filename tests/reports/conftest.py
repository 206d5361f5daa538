"""Report and purge tests: a seeded province (tests/reports/seed.py) on SQLite and on PostgreSQL."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import Engine

from ivr.reports.daily import ReportDeps
from ivr.reports.queries import ReportQueries
from ivr.reports.symptoms import SymptomRules
from ivr.storage.db import make_engine
from ivr.storage.written_files import FileRegister

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from dbfixtures import any_db_url, e2e_postgres_url  # noqa: E402,F401  (SQLite, then PostgreSQL)
from seed import ZONE, Seeded, seed, t, utc  # noqa: E402
from speaking import SCRIPTS, load_script  # noqa: E402  (shared with the purge tests)



@pytest.fixture
def engine(any_db_url: str) -> Iterator[Engine]:
    engine = make_engine(any_db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def seeded(engine: Engine, data_dir: Path, tmp_path: Path) -> Seeded:
    return seed(engine, tmp_path / "lists", data_dir / "imports")


@pytest.fixture
def deps(engine: Engine, seeded: Seeded) -> ReportDeps:
    return ReportDeps(ReportQueries(engine), FileRegister(engine), SymptomRules(load_script), ZONE,
                      lambda: utc(t(1, "08:00")))


@pytest.fixture
def cli_env(any_db_url: str, data_dir: Path, seeded: Seeded, monkeypatch: pytest.MonkeyPatch,
            tmp_path: Path) -> dict[str, str]:
    """The environment of a `robocall` command on the seeded database (no robocall.yaml is read)."""
    monkeypatch.chdir(tmp_path)
    return {"ROBOCALL_DATABASE_URL": any_db_url, "ROBOCALL_DATA_DIR": str(data_dir), "ROBOCALL_CONFIG": "",
            "ROBOCALL_SCRIPTS_DIR": str(SCRIPTS)}


DAY = dt.date(2021, 7, 15)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder
