"""Schema and engines: migrations build exactly what the models declare, on both databases."""
from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

import ivr.storage
from ivr.config import PROJECT_ROOT, Settings, replace
from ivr.errors import UserError
from ivr.storage.db import (
    MIGRATIONS_DIR, READ_ONLY, at_head, database_url, make_engine, migrate, open_database, schema_head,
)
from ivr.storage.models import Base
from ivr.storage.repo import Repository


def _all_models() -> None:
    """Other parts of the system (the hotline) put their tables on the same Base: load them all."""
    for info in pkgutil.iter_modules(ivr.storage.__path__):
        importlib.import_module(f"ivr.storage.{info.name}")


def test_migrations_build_what_the_models_declare(engine: Engine) -> None:
    _all_models()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_migrating_again_changes_nothing(engine: Engine, db_url: str) -> None:
    from alembic.config import Config

    head = ScriptDirectory.from_config(_config(Config)).get_current_head()
    migrate(db_url)
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]


def _config(cls: type) -> object:
    config = cls()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))  # type: ignore[attr-defined]
    return config


def test_times_come_back_aware_and_in_utc(repo: Repository) -> None:
    hanoi_nine = dt.datetime(2021, 7, 15, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    repo.audit("t", "test", "x", 0, hanoi_nine)
    (entry,) = repo.audit_entries()
    assert entry["at"] == hanoi_nine
    assert entry["at"].tzinfo == dt.timezone.utc


def test_naive_times_are_refused(repo: Repository) -> None:
    with pytest.raises(Exception, match="expected an aware datetime"):
        repo.audit("t", "test", "x", 0, dt.datetime(2021, 7, 15, 9, 0))


def test_sqlite_writers_take_the_lock_when_they_begin(tmp_path: Path) -> None:
    """Read-then-write sequences (claiming) must not fail halfway on a lock upgrade: BEGIN IMMEDIATE."""
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    with engine.connect() as first:
        first.begin()
        first.execute(text("SELECT 1"))  # a write transaction holds the lock from its first statement
        with engine.connect() as second:
            second.connection.driver_connection.execute("PRAGMA busy_timeout=0")  # fail now, don't wait
            with pytest.raises(Exception, match="database is locked"):
                second.execute(text("SELECT 1"))
        first.rollback()
    reader = engine.execution_options(**{READ_ONLY: True})
    with engine.connect() as first, reader.connect() as second:
        first.execute(text("SELECT 1"))
        assert second.execute(text("SELECT 2")).scalar() == 2  # readers are not blocked by a writer
    engine.dispose()


URLS = [
    ("sqlite:///var/robocall.db", f"sqlite:///{PROJECT_ROOT / 'var' / 'robocall.db'}"),
    ("sqlite://", "sqlite://"),
    ("sqlite:///:memory:", "sqlite:///:memory:"),
    ("postgresql://robocall:s3cret@db.example:5432/robocall",
     "postgresql+psycopg://robocall:s3cret@db.example:5432/robocall"),
    ("postgresql+psycopg://postgres@127.0.0.1/robocall", "postgresql+psycopg://postgres@127.0.0.1/robocall"),
]


@pytest.mark.parametrize(("configured", "resolved"), URLS)
def test_database_urls(configured: str, resolved: str) -> None:
    assert database_url(replace(Settings(), database={"url": configured})) == resolved


def test_an_absolute_sqlite_path_gets_its_folder(tmp_path: Path) -> None:
    url = database_url(replace(Settings(), database={"url": f"sqlite:///{tmp_path}/a/b/robocall.db"}))
    assert url == f"sqlite:///{tmp_path}/a/b/robocall.db"
    assert (tmp_path / "a" / "b").is_dir()


def test_an_unreachable_database_is_a_user_error_without_the_password() -> None:
    settings = replace(Settings(), database={"url": "postgresql://robocall:s3cret@127.0.0.1:1/robocall"})
    with pytest.raises(UserError) as caught:
        open_database(settings)
    assert "cannot open or migrate" in str(caught.value)
    assert "s3cret" not in str(caught.value)
    assert str(caught.value).startswith("database postgresql+psycopg://robocall:***@127.0.0.1:1/robocall")


def test_the_newest_revision_is_read_without_alembic() -> None:
    from alembic.config import Config

    assert schema_head() == ScriptDirectory.from_config(_config(Config)).get_current_head()


def test_a_database_at_the_newest_revision_is_seen_to_be(engine: Engine) -> None:
    assert at_head(engine)


def test_an_empty_or_older_database_is_migrated_when_opened(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    settings = replace(Settings(), database={"url": url})
    empty = make_engine(url)
    assert not at_head(empty)
    open_database(settings).dispose()
    assert at_head(empty)
    config = _config(Config)
    with empty.begin() as connection:
        config.attributes["connection"] = connection  # type: ignore[attr-defined]
        command.downgrade(config, "-1")  # type: ignore[arg-type]
    assert not at_head(empty)
    open_database(settings).dispose()
    assert at_head(empty)
    empty.dispose()


def test_opening_a_database_at_the_newest_revision_does_not_load_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    migrate(url)
    code = (f"import sys; from ivr.config import Settings, replace; from ivr.storage.db import open_database; "
            f"open_database(replace(Settings(), database={{'url': {url!r}}})).dispose(); "
            f"print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "False"
