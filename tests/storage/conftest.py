"""Database fixtures: every storage test runs on SQLite and on PostgreSQL.

SQLite: a fresh migrated file per test. PostgreSQL: one database per test session on the server at
$ROBOCALL_TEST_POSTGRES_URL (default 127.0.0.1:5432, user postgres), migrated once, emptied before each
test and dropped at the end (tests/dbfixtures.py, shared with the e2e and report tests).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import Engine

from ivr.storage.db import make_engine
from ivr.storage.repo import Repository

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dbfixtures import any_db_url, e2e_postgres_url  # noqa: E402,F401



@pytest.fixture
def db_url(any_db_url: str) -> str:
    return any_db_url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def repo(engine: Engine) -> Repository:
    return Repository(engine)
