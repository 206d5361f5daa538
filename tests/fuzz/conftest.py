"""Fuzz-test fixtures: one migrated database per test module (SQLite, and PostgreSQL when reachable).

Hypothesis runs many examples inside one test function, so the database cannot be a function-scoped
fixture. Each example instead compares the row counts before and after the import: a failed import
must leave every count, and the imports folder, exactly as they were.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from ivr.contacts.importer import ContactImporter
from ivr.storage.db import make_engine, migrate
from ivr.storage.repo import Repository

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dbfixtures import PG_ADMIN_URL, create_pg_database, drop_pg_database  # noqa: E402

UTC = dt.timezone.utc
NOW = dt.datetime(2021, 7, 15, 2, 0, tzinfo=UTC)
TABLES = ("imports", "contacts", "households", "contact_imports", "audit_log")


@dataclass
class ImportBench:
    """An importer over one database, and what a failed import must leave untouched."""

    repo: Repository
    importer: ContactImporter
    imports_dir: Path
    work_dir: Path
    _serial: int = 0

    def fresh_dir(self) -> Path:
        """A new empty folder for one example's input file."""
        self._serial += 1
        folder = self.work_dir / f"ex{self._serial}"
        folder.mkdir()
        return folder

    def snapshot(self) -> tuple[dict[str, int], frozenset[str]]:
        stored = frozenset(p.name for p in self.imports_dir.iterdir()) if self.imports_dir.exists() else frozenset()
        return {t: self.repo.count(t) for t in TABLES}, stored


def _pg_reachable() -> bool:
    engine = create_engine(PG_ADMIN_URL)
    try:
        engine.connect().close()
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def bench(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImportBench]:
    root = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{root / 'robocall.db'}"
        migrate(url)
    else:
        if not _pg_reachable():
            pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
        name = f"robocall_fuzz_{os.getpid()}"
        url = create_pg_database(name)
    engine = make_engine(url)
    repo = Repository(engine)
    imports_dir = root / "imports"
    importer = ContactImporter(repo, imports_dir, clock=lambda: NOW, zone=ZoneInfo("Asia/Ho_Chi_Minh"))
    work = root / "inputs"
    work.mkdir()
    yield ImportBench(repo, importer, imports_dir, work)
    engine.dispose()
    if name is not None:
        drop_pg_database(name)
