"""Database fixtures: every storage test runs on SQLite and on PostgreSQL.

SQLite: a fresh migrated file per test. PostgreSQL: one database per test session, created on the
server at $ROBOCALL_TEST_POSTGRES_URL (default 127.0.0.1:5432, user postgres) as robocall_test_<pid>,
migrated once, emptied before each test and dropped at the end.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from ivr.storage.db import make_engine, migrate
from ivr.storage.models import Base
from ivr.storage.repo import Repository

PG_ADMIN_URL = os.environ.get("ROBOCALL_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lists"
UTC = dt.timezone.utc
# 09:00 in Hanoi on the day of the first list: inside the default call window.
NOW = dt.datetime(2021, 7, 15, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        connection = admin.connect()
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL is not reachable at {make_url(PG_ADMIN_URL).render_as_string()}: {exc}")
    name = f"robocall_test_{os.getpid()}"
    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.close()
        admin.dispose()


def _empty(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'robocall.db'}"
        migrate(url)
        return url
    url = request.getfixturevalue("postgres_url")
    _empty(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def repo(engine: Engine) -> Repository:
    return Repository(engine)
